"""A card file missing one required field is refused, and the error names the field and
whose it is: the reader's fast field lookups (``fields[tag]``, finding 19) must say what the
field-by-field checks always said, for every required field of the carte Vitale and the CPS."""

from __future__ import annotations

import pytest

from cardio import apdu, layout, tlv
from cardio.cps import CpsSession, parse_identity, parse_situations
from cardio.errors import MalformedResponseError
from cardio.vitale import VitaleCard, VitaleReader, parse_card
from testbed.cards.emulated_connection import EmulatedConnection
from testbed.cards.factory import make_card


def _vitale_files(profile: str) -> list[bytes]:
    """The four files of an emulated card as the reader reads them (padding included)."""
    connection = EmulatedConnection(make_card(profile))
    reader = VitaleReader(connection)
    reader._select_mf()
    identity = apdu.read_file(connection, sfi=layout.VITALE_SFI_IDENTITY)
    reader._select_vitale()
    return [
        identity,
        apdu.read_file(connection, sfi=layout.VITALE_SFI_CARD),
        apdu.read_file(connection, sfi=layout.VITALE_SFI_NIR),
        apdu.read_file(connection, sfi=layout.VITALE_SFI_RIGHTS),
    ]


def _without(data: bytes, path: tuple[int, ...], index: int, tag: int) -> bytes:
    """``data`` with the first ``tag`` (if any) removed inside the ``index``-th template
    ``path[0]``, or inside the first ``path[1]`` of it, and so on."""
    out = b""
    seen = 0
    for element in tlv.decode(data):
        value = element.value
        if element.tag == path[0]:
            if seen == index:
                if len(path) > 1:
                    value = _without(value, path[1:], 0, tag)
                else:
                    fields = tlv.decode(value)
                    first = next((i for i, e in enumerate(fields) if e.tag == tag), None)
                    value = b"".join(
                        tlv.encode(e.tag, e.value) for i, e in enumerate(fields) if i != first
                    )
            seen += 1
        out += tlv.encode(element.tag, value)
    return out


FAMILY = _vitale_files("vitale-famille")

#: (file index, template path, template index, tag, the error's place)
VITALE_REQUIRED = [
    (0, (layout.TAG_BENEFICIAIRE,), 1, layout.TAG_NOM, "bénéficiaire 2"),
    (0, (layout.TAG_BENEFICIAIRE,), 0, layout.TAG_PRENOM, "bénéficiaire 1"),
    (0, (layout.TAG_BENEFICIAIRE,), 2, layout.TAG_NAISSANCE, "bénéficiaire 3"),
    (2, (layout.TAG_BENEFICIAIRE,), 0, layout.TAG_NIR, "bénéficiaire 1"),
    (1, (layout.TAG_ASSURE,), 0, layout.TAG_ASSURE_NIR, "assuré"),
    (1, (layout.TAG_ASSURE,), 0, layout.TAG_CENTRE, "assuré"),
    (1, (layout.TAG_ASSURE,), 0, layout.TAG_CODE_GESTION, "assuré"),
    (1, (layout.TAG_CARD,), 0, layout.TAG_CARD_VALID_FROM, "card"),
    (3, (layout.TAG_RIGHTS, layout.TAG_AMO_PERIOD), 1, layout.TAG_PERIOD_START, "bénéficiaire 2"),
    (3, (layout.TAG_RIGHTS, layout.TAG_AMC), 0, layout.TAG_AMC_ORGANISM, "bénéficiaire 1"),
    (3, (layout.TAG_RIGHTS, layout.TAG_AMC), 0, layout.TAG_AMC_START, "bénéficiaire 1"),
]


@pytest.mark.parametrize(("file", "path", "index", "tag", "where"), VITALE_REQUIRED)
def test_a_vitale_field_missing_is_named_with_its_beneficiary(
    file: int, path: tuple[int, ...], index: int, tag: int, where: str
) -> None:
    files = list(FAMILY)
    files[file] = _without(files[file], path, index, tag)
    with pytest.raises(MalformedResponseError, match=f"^{where}: tag {tag:02X} missing$"):
        parse_card(*files)


def test_a_coverage_without_its_kind_is_refused() -> None:
    files = _vitale_files("vitale-ald")
    rights = _without(files[3], (layout.TAG_RIGHTS, layout.TAG_COVERAGE), 0, 0x82)
    with pytest.raises(MalformedResponseError, match=r"^bénéficiaire 1: tag 82 missing$"):
        parse_card(files[0], files[1], files[2], rights)


def test_the_first_fault_of_a_beneficiary_is_the_one_reported() -> None:
    """A bad NIR is checked before a missing name: the message does not depend on how the
    fields are looked up."""
    files = list(FAMILY)
    files[0] = _without(files[0], (layout.TAG_BENEFICIAIRE,), 0, layout.TAG_NOM)
    files[2] = files[2].replace(b"180057511204589", b"180057511204500", 1)
    with pytest.raises(MalformedResponseError, match=r"^bénéficiaire 1: NIR key does not match$"):
        parse_card(*files)


def test_the_padded_files_read_to_the_whole_family() -> None:
    card = parse_card(*FAMILY)
    assert isinstance(card, VitaleCard)
    assert [b.prenom for b in card.beneficiaries][:2] == ["PIERRE", "SOPHIE"]
    assert FAMILY[3].endswith(b"\xff" * 8)  # the files end in padding, skipped in one step


def _cps_files() -> tuple[bytes, bytes]:
    session = CpsSession(EmulatedConnection(make_card("cps-generaliste")))
    return session._read(layout.CPS_FILE_IDENTITY), session._read(layout.CPS_FILE_SITUATIONS)


@pytest.mark.parametrize(
    "tag",
    [
        layout.TAG_SIT_NUMBER,
        layout.TAG_SIT_MODE,
        layout.TAG_SIT_BILLING_NUMBER,
        layout.TAG_SIT_BILLING_KEY,
        layout.TAG_SIT_SPECIALTY,
    ],
)
def test_a_situation_without_a_field_billing_needs_is_refused(tag: int) -> None:
    _identity, situations = _cps_files()
    damaged = _without(situations, (layout.TAG_CPS_SITUATION,), 0, tag)
    with pytest.raises(MalformedResponseError, match=f"^CPS situation 1: tag {tag:02X} missing$"):
        parse_situations(damaged)


def test_optional_situation_fields_absent_read_as_empty() -> None:
    _identity, situations = _cps_files()
    for tag in (layout.TAG_SIT_STATUS, layout.TAG_SIT_REPLACEMENT_NUMBER, layout.TAG_SIT_OPTAM):
        situations = _without(situations, (layout.TAG_CPS_SITUATION,), 0, tag)
    situation = parse_situations(situations)[0]
    assert situation.statut == "" and situation.replacement_number is None
    assert situation.optam is False and situation.billing_number  # the rest is still read


def test_cps_holder_without_a_name_is_refused() -> None:
    identity, _situations = _cps_files()
    damaged = _without(identity, (layout.TAG_CPS_HOLDER,), 0, layout.TAG_CPS_NOM)
    with pytest.raises(MalformedResponseError, match=r"^CPS identity: tag 85 missing$"):
        parse_identity(damaged)
