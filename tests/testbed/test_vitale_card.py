"""The emulated carte Vitale, APDU by APDU, in process (no T=0 help from the connection)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from cardio import layout, tlv
from cardio.errors import MalformedResponseError
from testbed import pki
from testbed.cards.emulated_connection import EmulatedConnection
from testbed.cards.factory import card_from_profile
from testbed.cards.profiles import PROFILES_DIR, parse_profile
from testbed.vitale_keys import verify_certification

PROFILES: Path = PROFILES_DIR
Connect = Callable[[str], EmulatedConnection]

SELECT_MF = bytes.fromhex("00A40000023F00")
SELECT_VITALE = bytes.fromhex("00A404000B") + layout.VITALE_AID


def read_sfi(conn: EmulatedConnection, sfi: int) -> bytes:
    """READ BINARY by SFI then by offset, resending with the Le the card asks for (6CXX)."""
    data = b""
    p1, p2 = 0x80 | sfi, 0
    while True:
        answer, sw = conn.transmit(bytes([0x00, 0xB0, p1, p2, 0x00]))
        if sw >> 8 == 0x6C:
            answer, sw = conn.transmit(bytes([0x00, 0xB0, p1, p2, sw & 0xFF]))
        if sw == layout.SW_WRONG_P1P2:
            return data
        assert sw == layout.SW_OK, f"{sw:04X}"
        data += answer
        if len(answer) < 256:
            return data
        offset = len(data)
        p1, p2 = offset >> 8, offset & 0xFF


def select_vitale(conn: EmulatedConnection) -> bytes:
    answer, sw = conn.transmit(SELECT_VITALE)
    assert answer == b"" and sw >> 8 == 0x61
    fci, sw = conn.transmit(bytes([0x00, 0xC0, 0x00, 0x00, sw & 0xFF]))
    assert sw == layout.SW_OK
    return fci


def test_atr_is_the_vitale_2_atr(emulated: Connect) -> None:
    conn = emulated("vitale-famille")
    assert conn.atr == layout.VITALE_ATR
    assert conn.atr.startswith(layout.VITALE_ATR_PREFIX)


def test_identity_read_with_wrong_le_gets_6c_then_the_templates(emulated: Connect) -> None:
    conn = emulated("vitale-famille")
    assert conn.transmit(SELECT_MF) == (b"", layout.SW_OK)
    answer, sw = conn.transmit(bytes.fromhex("00B0820000"))
    assert answer == b"" and sw >> 8 == 0x6C
    data, sw = conn.transmit(bytes([0x00, 0xB0, 0x82, 0x00, sw & 0xFF]))
    assert sw == layout.SW_OK
    people = tlv.find_all(tlv.decode(data), layout.TAG_BENEFICIAIRE)
    names = [tlv.find(p.children(), layout.TAG_PRENOM).text() for p in people]  # type: ignore[union-attr]
    assert names == ["PIERRE", "SOPHIE", "LUCAS", "EMMA", "LÉA"]
    assert data.endswith(b"\xff")  # padded to the allocated size


def test_select_vitale_gives_the_fci_through_get_response(emulated: Connect) -> None:
    conn = emulated("vitale-famille")
    fci = select_vitale(conn)
    template = tlv.decode(fci)[0]
    assert template.tag == 0x6F
    assert tlv.find(template.children(), 0x84).value == layout.VITALE_AID  # type: ignore[union-attr]


def test_get_response_with_wrong_le_is_told_the_right_one(emulated: Connect) -> None:
    conn = emulated("vitale-famille")
    _, sw = conn.transmit(SELECT_VITALE)
    length = sw & 0xFF
    assert conn.transmit(bytes.fromhex("00C0000000")) == (b"", 0x6C00 | length)
    fci, sw = conn.transmit(bytes([0x00, 0xC0, 0x00, 0x00, length]))
    assert sw == layout.SW_OK and len(fci) == length


def test_get_response_with_nothing_pending_is_refused(emulated: Connect) -> None:
    conn = emulated("vitale-famille")
    assert conn.transmit(bytes.fromhex("00C0000008"))[1] == layout.SW_CONDITIONS_NOT_SATISFIED


def test_nir_file_matches_identity_order_with_rang_and_qualite(emulated: Connect) -> None:
    conn = emulated("vitale-famille")
    select_vitale(conn)
    entries = [e.children() for e in tlv.decode(read_sfi(conn, layout.VITALE_SFI_NIR))]
    assert len(entries) == 5
    rangs = [tlv.find(e, layout.TAG_RANG).text() for e in entries]  # type: ignore[union-attr]
    assert rangs == ["1", "1", "1", "1", "2"]
    nirs = [tlv.find(e, layout.TAG_NIR).text() for e in entries]  # type: ignore[union-attr]
    assert all(len(n) == 15 for n in nirs) and nirs[3] == nirs[4]
    usage = tlv.find(entries[1], layout.TAG_NOM_USAGE)
    assert usage is not None and usage.text() == "DURAND"


def test_big_family_rights_file_is_read_by_offsets(emulated: Connect) -> None:
    conn = emulated("vitale-famille")
    select_vitale(conn)
    data = read_sfi(conn, layout.VITALE_SFI_RIGHTS)
    assert len(data) > 256
    reads = [a for a in conn.sent if a[1] == 0xB0]
    assert any(a[2] & 0x80 == 0 and a[2] == 0x01 for a in reads)  # offset 0x0100 read
    rights = tlv.find_all(tlv.decode(data), layout.TAG_RIGHTS)
    assert len(rights) == 5
    amc = tlv.find(rights[4].children(), layout.TAG_AMC)
    assert amc is not None
    tiers = tlv.find(amc.children(), layout.TAG_AMC_TIERS_PAYANT)
    assert tiers is not None and tiers.text() == "1"


def test_read_beyond_the_end_is_6b00(emulated: Connect) -> None:
    conn = emulated("vitale-ald")
    select_vitale(conn)
    _answer, sw = conn.transmit(bytes.fromhex("00B0810000"))
    assert sw >> 8 == 0x6C
    assert conn.transmit(bytes.fromhex("00B0100000")) == (b"", layout.SW_WRONG_P1P2)


def test_card_file_holds_serial_validity_and_organism(emulated: Connect) -> None:
    conn = emulated("vitale-msa")
    select_vitale(conn)
    elements = tlv.decode(read_sfi(conn, layout.VITALE_SFI_CARD))
    card = tlv.find(elements, layout.TAG_CARD)
    assure = tlv.find(elements, layout.TAG_ASSURE)
    assert card is not None and assure is not None
    assert tlv.find(card.children(), layout.TAG_CARD_SERIAL).value == bytes.fromhex(  # type: ignore[union-attr]
        "5601020304050655"
    )
    assert tlv.find(assure.children(), layout.TAG_REGIME).text() == "02"  # type: ignore[union-attr]


def test_ald_coverage_is_on_the_card(emulated: Connect) -> None:
    conn = emulated("vitale-ald")
    select_vitale(conn)
    rights = tlv.decode(read_sfi(conn, layout.VITALE_SFI_RIGHTS))[0].children()
    coverage = tlv.find(rights, layout.TAG_COVERAGE)
    assert coverage is not None
    kind = tlv.find(coverage.children(), layout.TAG_COVERAGE_KIND)
    assert kind is not None and kind.text() == layout.COVERAGE_ALD


def test_vitale_files_are_not_readable_before_selecting_a_df(emulated: Connect) -> None:
    conn = emulated("vitale-famille")
    assert conn.transmit(bytes.fromhex("00B0830000"))[1] == layout.SW_FILE_NOT_FOUND
    conn.transmit(SELECT_MF)
    assert conn.transmit(bytes.fromhex("00B0830000"))[1] == layout.SW_FILE_NOT_FOUND


@pytest.mark.parametrize("p2", [layout.VITALE_SIG_AMO, layout.VITALE_SIG_AMC])
def test_internal_authenticate_certifies_a_digest_the_am_can_check(
    emulated: Connect, p2: int
) -> None:
    conn = emulated("vitale-famille")
    select_vitale(conn)
    digest = bytes(range(32))
    answer, sw = conn.transmit(bytes([0x00, 0x88, 0x00, p2, 0x20]) + digest)
    assert answer == b"" and sw == 0x6108
    value, sw = conn.transmit(bytes.fromhex("00C0000008"))
    assert sw == layout.SW_OK and len(value) == 8
    serial = bytes.fromhex("5601020304050607")
    assert verify_certification(pki.vitale_mother_key(), serial, digest, value)
    assert not verify_certification(pki.vitale_mother_key(), serial, bytes(32), value)


def test_internal_authenticate_rejects_bad_input(emulated: Connect) -> None:
    conn = emulated("vitale-famille")
    digest = bytes(32)
    assert conn.transmit(bytes.fromhex("0088000120") + digest)[1] == (
        layout.SW_CONDITIONS_NOT_SATISFIED
    )
    select_vitale(conn)
    assert conn.transmit(bytes.fromhex("0088000110") + bytes(16))[1] == layout.SW_WRONG_LENGTH
    assert conn.transmit(bytes.fromhex("0088000720") + digest)[1] == 0x6A86


def test_reset_forgets_the_selection(emulated: Connect) -> None:
    conn = emulated("vitale-famille")
    select_vitale(conn)
    conn.card.reset()
    assert conn.transmit(bytes.fromhex("00B0810000"))[1] == layout.SW_FILE_NOT_FOUND


def test_damaged_card_identity_reads_but_rights_answer_6f00(emulated: Connect) -> None:
    conn = emulated("vitale-abimee")
    conn.transmit(SELECT_MF)
    identity = tlv.decode(read_sfi(conn, layout.VITALE_SFI_IDENTITY))
    assert len(identity) == 1
    select_vitale(conn)
    answer, sw = conn.transmit(bytes.fromhex("00B0830000"))
    assert (answer, sw) == (b"", layout.SW_NO_PRECISE_DIAGNOSIS)


def test_damaged_card_nir_file_is_truncated_tlv(emulated: Connect) -> None:
    conn = emulated("vitale-abimee")
    select_vitale(conn)
    data = read_sfi(conn, layout.VITALE_SFI_NIR)
    assert data
    with pytest.raises(MalformedResponseError):
        tlv.decode(data)


def test_unknown_instruction_and_class(emulated: Connect) -> None:
    conn = emulated("vitale-famille")
    assert conn.transmit(bytes.fromhex("00CA000000"))[1] == layout.SW_INS_NOT_SUPPORTED
    assert conn.transmit(bytes.fromhex("80A40000023F00"))[1] == layout.SW_CLA_NOT_SUPPORTED


def test_damage_mode_garbage_is_configurable() -> None:
    data = json.loads((PROFILES / "vitale-ald.json").read_text(encoding="utf-8"))
    data["damage"] = {"identity": "garbage", "card": "6F00"}
    card = card_from_profile(parse_profile("vitale-ald-garbage", data))
    conn = EmulatedConnection(card)
    conn.transmit(SELECT_MF)
    with pytest.raises(MalformedResponseError):
        tlv.decode(read_sfi(conn, layout.VITALE_SFI_IDENTITY))
    select_vitale(conn)
    assert conn.transmit(bytes.fromhex("00B0810000"))[1] == layout.SW_NO_PRECISE_DIAGNOSIS
    # undamaged files of the same card still read
    assert len(tlv.decode(read_sfi(conn, layout.VITALE_SFI_NIR))) == 1


def read_current(conn: EmulatedConnection) -> bytes:
    """READ BINARY of the selected EF by offsets, as cardpeek's read_bin does (Le 00)."""
    data = b""
    while True:
        answer, sw = conn.transmit(bytes([0x00, 0xB0, len(data) >> 8, len(data) & 0xFF, 0x00]))
        if sw >> 8 == 0x6C:
            answer, sw = conn.transmit(
                bytes([0x00, 0xB0, len(data) >> 8, len(data) & 0xFF, sw & 0xFF])
            )
        if sw != layout.SW_OK:
            return data
        data += answer
        if len(answer) < 256:
            return data


def select_id(conn: EmulatedConnection, file_id: int) -> int:
    """SELECT by file id as cardpeek sends it: ``00 A4 02 00 02 <id> 00``."""
    return conn.transmit(
        bytes([0x00, 0xA4, 0x02, 0x00, 0x02]) + file_id.to_bytes(2, "big") + b"\0"
    )[1]


def test_pointers_map_every_file_to_its_application(emulated: Connect) -> None:
    conn = emulated("vitale-famille")
    select_vitale(conn)
    assert select_id(conn, layout.VITALE_EF_POINTERS) == layout.SW_OK
    pointers = tlv.decode(read_current(conn))[0]
    assert pointers.tag == 0xE0
    apps_t, *files = pointers.children()
    apps = {a.value[:2]: a.value[4:] for a in apps_t.children() if a.tag == 0x82}
    assert apps == {
        layout.VITALE_ENTRY_MF: layout.VITALE_MF_AID,
        layout.VITALE_ENTRY_VITALE: layout.VITALE_AID,
    }
    listed = {(f.value[8:10], int.from_bytes(f.value[10:12], "big")) for f in files}
    expected = {
        (layout.VITALE_ENTRY_MF if df == "MF" else layout.VITALE_ENTRY_VITALE, fid)
        for (df, _sfi), fid in layout.VITALE_FILE_IDS.items()
    }
    assert listed == expected


def test_files_selected_by_id_hold_what_the_sfi_reads_give(emulated: Connect) -> None:
    conn = emulated("vitale-famille")
    answer, sw = conn.transmit(bytes.fromhex("00A404000E") + layout.VITALE_MF_AID + b"\0")
    assert answer == b"" and sw >> 8 == 0x61
    conn.transmit(bytes([0x00, 0xC0, 0x00, 0x00, sw & 0xFF]))
    assert select_id(conn, layout.VITALE_FILE_IDS[("MF", 2)]) == layout.SW_OK
    by_id = read_current(conn)
    conn.transmit(SELECT_MF)
    assert by_id == read_sfi(conn, layout.VITALE_SFI_IDENTITY)
    first = tlv.by_tag(tlv.decode(by_id)[0].children())
    assert first[layout.TAG_NATIONALITE].text() == "FR"  # cardpeek's 65/90
    for file_id in (layout.VITALE_EF_DIR, layout.VITALE_EF_PAN):
        assert select_id(conn, file_id) == layout.SW_OK
    assert select_id(conn, layout.VITALE_EF_POINTERS) == layout.SW_FILE_NOT_FOUND  # in VITALE


def test_real_card_profile_has_only_the_public_zone(emulated: Connect) -> None:
    conn = emulated("vitale-publique")
    conn.transmit(SELECT_MF)
    assert tlv.decode(read_sfi(conn, layout.VITALE_SFI_IDENTITY))
    select_vitale(conn)
    assert tlv.decode(read_sfi(conn, layout.VITALE_SFI_NIR))
    for sfi in (layout.VITALE_SFI_CARD, layout.VITALE_SFI_RIGHTS):
        assert conn.transmit(bytes([0x00, 0xB0, 0x80 | sfi, 0x00, 0x00]))[1] == (
            layout.SW_FILE_NOT_FOUND
        )
