"""Reading the carte Vitale with scripted T=0 exchanges: whole cards or typed errors."""

from __future__ import annotations

import datetime as dt

import pytest
from cardbuild import PEOPLE, SELECT_VITALE, family_files, read_steps, step, vitale_script
from fakes import ScriptedConnection, Step

from cardio import layout, tlv
from cardio.errors import (
    ApplicationNotFoundError,
    CardFileNotFoundError,
    CardRemovedError,
    MalformedResponseError,
)
from cardio.vitale import VitaleReader, nir_key, parse_card
from testbed.cards.emulated_connection import EmulatedConnection
from testbed.cards.factory import make_card


def test_family_card_is_read_whole_with_every_beneficiary_and_rights() -> None:
    conn = ScriptedConnection(vitale_script(*family_files()))
    card = VitaleReader(conn).read()
    assert conn.done()
    assert [b.prenom for b in card.beneficiaries] == ["PAUL", "JULIE", "LEA"]
    assert [b.nir_with_key for b in card.beneficiaries] == [p[3] for p in PEOPLE]
    assert card.serial == bytes.fromhex("0102030405060708")
    assert card.assure.regime == "01" and card.assure.caisse == "751"
    assert card.is_valid_at(dt.date(2026, 1, 1)) and not card.is_valid_at(dt.date(2030, 1, 1))
    lea = card.beneficiaries[2]
    assert lea.birth_date_raw == "20150230" and lea.birth_date is None  # lunar date kept raw
    assert card.beneficiaries[0].birth_date == dt.date(1980, 3, 15)
    rights = lea.rights_at(dt.date(2026, 6, 1))
    assert rights.amo and [c.kind for c in rights.coverages] == ["ALD"]
    assert lea.rights_at(dt.date(2027, 6, 1)).coverages == ()  # ALD ended in 2026
    assert not lea.rights_at(dt.date(2028, 1, 1)).amo


def test_a_read_without_rights_leaves_the_rights_file_unread() -> None:
    identity, card, nir, rights = family_files()
    script = vitale_script(identity, card, nir, rights)
    without_rights = script[: len(script) - len(read_steps(3, rights))]
    conn = ScriptedConnection(without_rights)
    holder = VitaleReader(conn).read(rights=False)
    assert conn.done()  # nothing asked beyond the NIR file
    assert [b.prenom for b in holder.beneficiaries] == ["PAUL", "JULIE", "LEA"]
    assert holder.serial == bytes.fromhex("0102030405060708")
    assert not holder.beneficiaries[2].rights_at(dt.date(2026, 6, 1)).amo


def test_rights_file_longer_than_256_bytes_is_read_by_offset() -> None:
    identity, card, nir, _ = family_files(1)
    amc = tlv.encode(
        layout.TAG_AMC,
        tlv.encode(0x80, "12345678")
        + tlv.encode(0x81, "A" * 40)
        + tlv.encode(0x82, "20250101")
        + tlv.encode(0x83, "20251231")
        + tlv.encode(0x84, "1")
        + tlv.encode(0x85, "1"),
    )
    periods = b"".join(
        tlv.encode(
            layout.TAG_COVERAGE,
            tlv.encode(0x80, "20250101") + tlv.encode(0x82, "ALD") + tlv.encode(0x83, f"{i:02d}"),
        )
        for i in range(7)
    )
    rights = tlv.encode(layout.TAG_RIGHTS, periods * 2 + amc)
    assert len(rights) > 256
    card_read = VitaleReader(ScriptedConnection(vitale_script(identity, card, nir, rights))).read()
    got = card_read.beneficiaries[0].rights
    assert len(got.coverages) == 14
    assert got.amc is not None and got.amc.tiers_payant
    assert got.amc.covers(dt.date(2025, 6, 1)) and not got.amc.covers(dt.date(2026, 6, 1))


def test_more_identities_than_nir_templates_is_refused_not_shown_partially() -> None:
    identity, card, _nir, rights = family_files(3)
    _, _, nir_two, _ = family_files(2)
    conn = ScriptedConnection(vitale_script(identity, card, nir_two, rights))
    with pytest.raises(MalformedResponseError, match="3 identities but 2 NIR"):
        VitaleReader(conn).read()


def test_malformed_tlv_is_a_malformed_response() -> None:
    identity, card, nir, rights = family_files()
    broken = identity[:-5]  # last template announces more bytes than present
    with pytest.raises(MalformedResponseError):
        VitaleReader(ScriptedConnection(vitale_script(broken, card, nir, rights))).read()


def test_wrong_nir_key_is_refused() -> None:
    identity, card, nir, rights = family_files(1)
    good = PEOPLE[0][3]
    bad_key = f"{(int(good[13:]) + 1) % 97:02d}"
    nir = nir.replace(good.encode(), (good[:13] + bad_key).encode())
    with pytest.raises(MalformedResponseError, match="key"):
        VitaleReader(ScriptedConnection(vitale_script(identity, card, nir, rights))).read()


def test_card_removed_mid_read_gives_card_removed_and_no_data() -> None:
    script = vitale_script(*family_files())
    cut = 8  # somewhere in the NIR file
    script[cut] = Step(script[cut].expect, error=CardRemovedError("card left"))
    reader = VitaleReader(ScriptedConnection(script[: cut + 1]))
    result = None
    with pytest.raises(CardRemovedError):
        result = reader.read()
    assert result is None  # nothing half-read reaches the caller


def test_a_cps_is_not_taken_for_a_vitale() -> None:
    conn = ScriptedConnection([step("00A40000023F00", b"", 0x6A82)])
    with pytest.raises(ApplicationNotFoundError):
        VitaleReader(conn).read()


def test_certify_returns_the_8_bytes_via_get_response() -> None:
    digest = bytes(range(32))
    conn = ScriptedConnection(
        [
            step(SELECT_VITALE, b"", 0x6102),
            step("00C0000002", "6F00"),
            step("0088000120" + digest.hex(), b"", 0x6108),
            step("00C0000008", "0102030405060708"),
        ]
    )
    assert VitaleReader(conn).certify(digest) == bytes.fromhex("0102030405060708")


def test_certify_refuses_a_short_certification() -> None:
    digest = bytes(32)
    conn = ScriptedConnection(
        [
            step(SELECT_VITALE),
            step("0088000120" + digest.hex(), "010203"),
        ]
    )
    with pytest.raises(MalformedResponseError):
        VitaleReader(conn).certify(digest)


def test_nir_key_handles_corsica() -> None:
    assert nir_key("1800375123456") == f"{97 - 1800375123456 % 97:02d}"
    assert nir_key("180032A123456") == f"{97 - 1800319123456 % 97:02d}"
    assert nir_key("180032B123456") == f"{97 - 1800318123456 % 97:02d}"


def test_read_steps_cover_the_whole_identity_file() -> None:
    identity = family_files()[0]
    assert b"".join(s.response for s in read_steps(2, identity)) == identity


def test_public_zone_reads_where_the_rest_does_not() -> None:
    """A real Vitale 2 answers the public APDUs only: names and NIRs, nothing else."""
    reader = VitaleReader(EmulatedConnection(make_card("vitale-publique")))
    public = reader.read_public()
    assert [(b.prenom, b.nom) for b in public][:2] == [("PIERRE", "DURAND"), ("SOPHIE", "LEROY")]
    assert all(len(b.nir_with_key) == 15 for b in public)
    with pytest.raises(CardFileNotFoundError):
        reader.read()


@pytest.mark.parametrize(
    ("nir15", "error"),
    [
        ("280072A123456" + nir_key("280072A123456"), None),  # born in Corse-du-Sud
        ("280072B123456" + nir_key("280072B123456"), None),  # born in Haute-Corse
        ("280072A123456" + nir_key("280072B123456"), "NIR key does not match"),
        ("28007²1234567" + "12", "malformed NIR"),  # a Latin-1 "digit" int() refuses
        ("2800721234567" + "1²", "NIR key does not match"),
        ("280072C123456" + "12", "malformed NIR"),
    ],
)
def test_a_beneficiary_nir_is_checked_with_corsica_and_only_ascii_digits(
    nir15: str, error: str | None
) -> None:
    """The desk bills under the NIR the card gives: Corsica's 2A / 2B read with their key,
    anything but 13 characters of the NIR's pattern and a 2-digit key refused."""
    identity, card, nir, _rights = family_files(1)
    nir = nir.replace(PEOPLE[0][3].encode(), nir15.encode("latin-1"))
    if error is None:
        read = parse_card(identity, card, nir, b"")
        assert read.beneficiaries[0].nir_with_key == nir15
    else:
        with pytest.raises(MalformedResponseError, match=f"^bénéficiaire 1: {error}$"):
            parse_card(identity, card, nir, b"")
