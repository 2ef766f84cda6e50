"""Decoding the carte Vitale's files (``cardio.layout``, ``docs/cards/README.md``) into
the values of :mod:`cardio.vitale_values`: strict, the card is outside data
(:class:`~cardio.errors.MalformedResponseError` names the field)."""

from __future__ import annotations

import datetime as dt
import logging

from cardio import layout, tlv
from cardio.errors import (
    MalformedResponseError,
)
from cardio.vitale_values import (
    CORSICA,
    NIR13,
    AmcContract,
    AmcGestion,
    AmcService,
    Assure,
    Beneficiary,
    Coverage,
    Period,
    PublicBeneficiary,
    Rights,
    VitaleCard,
    parse_tp_services,
)

logger = logging.getLogger(__name__)

Fields = dict[int, bytes]  # a template's values by tag (``tlv.values``)


def _req(fields: Fields, tag: int, where: str) -> str:
    value = fields.get(tag)
    if value is None:
        raise MalformedResponseError(f"{where}: tag {tag:02X} missing")
    return value.decode("latin-1")


def parse_date(raw: str, where: str) -> dt.date:
    """An AAAAMMJJ date from the card; anything else is a malformed answer."""
    try:
        if len(raw) != 8 or not raw.isdigit():
            raise ValueError(raw)
        return dt.date.fromisoformat(raw)  # 8 digits: ISO's basic YYYYMMDD, parsed in C
    except ValueError:
        raise MalformedResponseError(f"{where}: bad date") from None


def _optional_date(fields: Fields, tag: int, where: str) -> dt.date | None:
    raw = fields.get(tag)
    return parse_date(raw.decode("latin-1"), where) if raw else None


def _maybe(fields: Fields, tag: int) -> str | None:
    """An optional text field, None when absent."""
    value = fields.get(tag)
    return value.decode("latin-1") if value is not None else None


def _opt(fields: Fields, tag: int) -> str:
    """An optional text field, "" when absent."""
    value = fields.get(tag)
    return value.decode("latin-1") if value else ""


def _birth_date(raw: str) -> dt.date | None:
    try:
        return dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:8])) if len(raw) == 8 else None
    except ValueError:  # lunar date: day or month out of the calendar
        return None


def _check_nir(nir13: str, key: str, where: str) -> None:
    if not NIR13.fullmatch(nir13) or len(key) != 2 or not key.isdigit():
        raise MalformedResponseError(f"{where}: malformed NIR")
    corsica = CORSICA.get(nir13[5:7])  # what nir_key does, the pattern checked once
    number = nir13[:5] + corsica + nir13[7:] if corsica else nir13
    if f"{97 - int(number) % 97:02d}" != key:
        raise MalformedResponseError(f"{where}: NIR key does not match")


def _templates(data: bytes, tag: int) -> list[list[tlv.Tlv]]:
    """The children of each ``tag`` template, each decoded once."""
    return [t.children() for t in tlv.decode(data) if t.tag == tag] if data else []


def _template_fields(data: bytes, tag: int) -> list[Fields]:
    """The fields of each ``tag`` template (first of each tag, as ``tlv.find``)."""
    return [tlv.values(t.value) for t in tlv.decode(data) if t.tag == tag] if data else []


def _gestion(fields: Fields, where: str) -> AmcGestion:
    raw = _opt(fields, layout.TAG_AMC_GESTION)
    try:
        return AmcGestion(raw) if raw else AmcGestion.SEPAREE
    except ValueError:
        raise MalformedResponseError(f"{where}: AMC gestion unknown") from None


def _tp_services(fields: Fields, where: str) -> frozenset[AmcService]:
    try:
        return parse_tp_services(_opt(fields, layout.TAG_AMC_TP_SERVICES))
    except ValueError:
        raise MalformedResponseError(f"{where}: AMC tiers payant service unknown") from None


def _parse_rights(children: list[tlv.Tlv], where: str) -> Rights:
    periods = []
    coverages = []
    amc: AmcContract | None = None
    for tag, value in children:
        inner = tlv.values(value)
        if tag == layout.TAG_AMO_PERIOD:
            periods.append(
                Period(
                    parse_date(_req(inner, layout.TAG_PERIOD_START, where), where),
                    _optional_date(inner, layout.TAG_PERIOD_END, where),
                )
            )
        elif tag == layout.TAG_COVERAGE:
            coverages.append(
                Coverage(
                    kind=_req(inner, layout.TAG_COVERAGE_KIND, where),
                    code=_opt(inner, layout.TAG_COVERAGE_CODE),
                    start=parse_date(_req(inner, layout.TAG_PERIOD_START, where), where),
                    end=_optional_date(inner, layout.TAG_PERIOD_END, where),
                )
            )
        elif tag == layout.TAG_AMC:
            if amc is not None:
                raise MalformedResponseError(f"{where}: two AMC contracts")
            amc = AmcContract(
                organism=_req(inner, layout.TAG_AMC_ORGANISM, where),
                member_number=_opt(inner, layout.TAG_AMC_MEMBER),
                start=parse_date(_req(inner, layout.TAG_AMC_START, where), where),
                end=_optional_date(inner, layout.TAG_AMC_END, where),
                contract_type=_opt(inner, layout.TAG_AMC_CONTRACT),
                tiers_payant=_opt(inner, layout.TAG_AMC_TIERS_PAYANT) == "1",
                gestion=_gestion(inner, where),
                tp_services=_tp_services(inner, where),
            )
    return Rights(tuple(periods), tuple(coverages), amc)


def parse_card(
    identity_file: bytes, card_file: bytes, nir_file: bytes, rights_file: bytes
) -> VitaleCard:
    """Assemble the card from its four files; every inconsistency is an error, never a
    partial card.

    :raises MalformedResponseError: a file is missing a field, or the files disagree.
    """
    identities = _template_fields(identity_file, layout.TAG_BENEFICIAIRE)
    nirs = _template_fields(nir_file, layout.TAG_BENEFICIAIRE)
    rights = _templates(rights_file, layout.TAG_RIGHTS)
    if not identities:
        raise MalformedResponseError("no bénéficiaire on the card")
    if len(nirs) != len(identities):
        raise MalformedResponseError(f"{len(identities)} identities but {len(nirs)} NIR templates")
    if rights_file and len(rights) != len(identities):
        raise MalformedResponseError(
            f"{len(identities)} identities but {len(rights)} rights templates"
        )
    elements = tlv.decode(card_file)
    card = tlv.find(elements, layout.TAG_CARD)
    assure_t = tlv.find(elements, layout.TAG_ASSURE)
    if card is None or assure_t is None:
        raise MalformedResponseError("card file: template 66 or 67 missing")
    card_c, assure_c = tlv.values(card.value), tlv.values(assure_t.value)
    serial = card_c.get(layout.TAG_CARD_SERIAL)
    if serial is None or len(serial) != 8:
        raise MalformedResponseError("card file: serial missing or not 8 bytes")
    assure = Assure(
        nir=_req(assure_c, layout.TAG_ASSURE_NIR, "assuré"),
        nir_key=_req(assure_c, layout.TAG_ASSURE_NIR_KEY, "assuré"),
        regime=_req(assure_c, layout.TAG_REGIME, "assuré"),
        caisse=_req(assure_c, layout.TAG_CAISSE, "assuré"),
        centre=_req(assure_c, layout.TAG_CENTRE, "assuré"),
        code_gestion=_req(assure_c, layout.TAG_CODE_GESTION, "assuré"),
    )
    _check_nir(assure.nir, assure.nir_key, "assuré")
    beneficiaries = []
    for index, ident in enumerate(identities):
        where = f"bénéficiaire {index + 1}"
        nir_c = nirs[index]
        nir15 = _req(nir_c, layout.TAG_NIR, where)
        if len(nir15) != 15:
            raise MalformedResponseError(f"{where}: NIR is not 15 characters")
        _check_nir(nir15[:13], nir15[13:], where)
        rang = _maybe(nir_c, layout.TAG_RANG)
        # isascii: "²" is a digit for str.isdigit() but not for int()
        if rang is not None and not (len(rang) == 1 and rang.isascii() and rang.isdigit()):
            raise MalformedResponseError(f"{where}: bad rang")
        raw_birth = _req(ident, layout.TAG_NAISSANCE, where)
        if len(raw_birth) != 8 or not raw_birth.isdigit():
            raise MalformedResponseError(f"{where}: bad birth date")
        beneficiaries.append(
            Beneficiary(
                nom=_req(ident, layout.TAG_NOM, where),
                prenom=_req(ident, layout.TAG_PRENOM, where),
                nom_usage=_maybe(nir_c, layout.TAG_NOM_USAGE) or None,
                birth_date_raw=raw_birth,
                birth_date=_birth_date(raw_birth),
                nir=nir15[:13],
                nir_key=nir15[13:],
                rang=int(rang) if rang is not None else None,
                qualite=_maybe(nir_c, layout.TAG_QUALITE),
                rights=_parse_rights(rights[index], where) if rights else Rights(),
            )
        )
    return VitaleCard(
        serial=serial,
        valid_from=parse_date(_req(card_c, layout.TAG_CARD_VALID_FROM, "card"), "card"),
        valid_to=_optional_date(card_c, layout.TAG_CARD_VALID_TO, "card"),
        card_type=_maybe(card_c, layout.TAG_CARD_TYPE) or "",
        assure=assure,
        beneficiaries=tuple(beneficiaries),
    )


def parse_identities(identity_file: bytes) -> tuple[PublicBeneficiary, ...]:
    """Names and birth dates alone (NIR empty): what a card whose NIR file is damaged
    still gives, so that the desk never asks to type names the card showed.

    :raises MalformedResponseError: no identity, or a field is missing.
    """
    identities = _template_fields(identity_file, layout.TAG_BENEFICIAIRE)
    if not identities:
        raise MalformedResponseError("no bénéficiaire on the card")
    out = []
    for index, ident in enumerate(identities):
        where = f"bénéficiaire {index + 1}"
        raw_birth = _req(ident, layout.TAG_NAISSANCE, where)
        out.append(
            PublicBeneficiary(
                nom=_req(ident, layout.TAG_NOM, where),
                prenom=_req(ident, layout.TAG_PRENOM, where),
                birth_date_raw=raw_birth,
                birth_date=_birth_date(raw_birth),
                nir="",
                nir_key="",
            )
        )
    return tuple(out)


def parse_public(identity_file: bytes, nir_file: bytes) -> tuple[PublicBeneficiary, ...]:
    """The public zone: identities and NIRs paired by order (Rufus, cardpeek).

    :raises MalformedResponseError: no identity, counts differ, a field or a NIR is bad.
    """
    identities = _template_fields(identity_file, layout.TAG_BENEFICIAIRE)
    nirs = _template_fields(nir_file, layout.TAG_BENEFICIAIRE)
    if not identities:
        raise MalformedResponseError("no bénéficiaire on the card")
    if len(nirs) != len(identities):
        raise MalformedResponseError(f"{len(identities)} identities but {len(nirs)} NIR templates")
    out = []
    for index, (ident, nir_c) in enumerate(zip(identities, nirs, strict=True)):
        where = f"bénéficiaire {index + 1}"
        nir15 = _req(nir_c, layout.TAG_NIR, where)
        if len(nir15) != 15:
            raise MalformedResponseError(f"{where}: NIR is not 15 characters")
        _check_nir(nir15[:13], nir15[13:], where)
        raw_birth = _req(ident, layout.TAG_NAISSANCE, where)
        out.append(
            PublicBeneficiary(
                nom=_req(ident, layout.TAG_NOM, where),
                prenom=_req(ident, layout.TAG_PRENOM, where),
                birth_date_raw=raw_birth,
                birth_date=_birth_date(raw_birth),
                nir=nir15[:13],
                nir_key=nir15[13:],
            )
        )
    return tuple(out)
