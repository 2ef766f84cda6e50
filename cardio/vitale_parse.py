"""Decoding the carte Vitale's files (``cardio.layout``, ``docs/cards/README.md``) into
the values of :mod:`cardio.vitale_values`: strict, the card is outside data
(:class:`~cardio.errors.MalformedResponseError` names the field)."""

from __future__ import annotations

import datetime as dt
import logging

from cardio import layout, tlv
from cardio._frozen import maker
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

# The values a read builds, by their fields in order (``cardio._frozen``: a third of the
# frozen dataclass's ``__init__``; a 6-bénéficiaire card builds some thirty of them).
_new_beneficiary = maker(Beneficiary)
_new_rights = maker(Rights)
_new_coverage = maker(Coverage)
_new_amc = maker(AmcContract)
_new_assure = maker(Assure)
_new_card = maker(VitaleCard)

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
    if len(raw) != 8:
        return None
    try:
        if raw.isascii() and raw.isdigit():  # ISO's basic YYYYMMDD, parsed in C
            return dt.date.fromisoformat(raw)
        return dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))  # int() allows " 5"
    except ValueError:  # lunar date: day or month out of the calendar
        return None


def _check_nir(nir13: str, key: str, where: str) -> None:
    if len(nir13) == 13 and nir13.isascii() and nir13.isdigit():  # most NIRs: no regex
        number = nir13
    elif NIR13.fullmatch(nir13):  # Corsica's 2A / 2B: what nir_key does
        corsica = CORSICA.get(nir13[5:7])
        number = nir13[:5] + corsica + nir13[7:] if corsica else nir13
    else:
        raise MalformedResponseError(f"{where}: malformed NIR")
    if len(key) != 2 or not key.isdigit():
        raise MalformedResponseError(f"{where}: malformed NIR")
    if f"{97 - int(number) % 97:02d}" != key:
        raise MalformedResponseError(f"{where}: NIR key does not match")


def _templates(data: bytes, tag: int) -> list[list[tlv.Tlv]]:
    """The children of each ``tag`` template, each decoded once."""
    decode = tlv.decode
    return [decode(value) for t_tag, value in decode(data) if t_tag == tag] if data else []


def _template_fields(data: bytes, tag: int) -> list[Fields]:
    """The fields of each ``tag`` template (first of each tag, as ``tlv.find``)."""
    values = tlv.values
    return [values(value) for t_tag, value in tlv.decode(data) if t_tag == tag] if data else []


_GESTIONS = {g.value.encode("latin-1"): g for g in AmcGestion}  # a dict, not Enum(value)


def _gestion(fields: Fields, where: str) -> AmcGestion:
    raw = fields.get(layout.TAG_AMC_GESTION)
    if not raw:
        return AmcGestion.SEPAREE
    gestion = _GESTIONS.get(raw)
    if gestion is None:
        raise MalformedResponseError(f"{where}: AMC gestion unknown")
    return gestion


def _tp_services(fields: Fields, where: str) -> frozenset[AmcService]:
    raw = fields.get(layout.TAG_AMC_TP_SERVICES)
    if not raw:
        return frozenset()
    try:
        return parse_tp_services(raw.decode("latin-1"))
    except ValueError:
        raise MalformedResponseError(f"{where}: AMC tiers payant service unknown") from None


def _date(raw: bytes, where: str) -> dt.date:
    """``parse_date`` on the field's bytes (the same checks, one decode less)."""
    if len(raw) == 8 and raw.isdigit():  # ASCII digits only: bytes.isdigit
        try:
            return dt.date.fromisoformat(raw.decode("ascii"))
        except ValueError:
            pass
    raise MalformedResponseError(f"{where}: bad date")


def _missing(exc: KeyError, where: str) -> MalformedResponseError:
    """What ``_req`` says, for a required field read by ``fields[tag]``."""
    return MalformedResponseError(f"{where}: tag {exc.args[0]:02X} missing")


# The fields are read as ``fields[tag]`` inside one ``try`` (a KeyError names the tag),
# in the order the checks have always been made: the first error reported is the same.
# A Vitale read looks up about 150 fields: this is most of its host time.


# The tags as module globals: one lookup each instead of two (``layout.X``), ~150 a read.
_AMO_PERIOD, _COVERAGE, _AMC = layout.TAG_AMO_PERIOD, layout.TAG_COVERAGE, layout.TAG_AMC
_PERIOD_START, _PERIOD_END = layout.TAG_PERIOD_START, layout.TAG_PERIOD_END
_COVERAGE_KIND, _COVERAGE_CODE = layout.TAG_COVERAGE_KIND, layout.TAG_COVERAGE_CODE
_AMC_ORGANISM, _AMC_MEMBER = layout.TAG_AMC_ORGANISM, layout.TAG_AMC_MEMBER
_AMC_START, _AMC_END = layout.TAG_AMC_START, layout.TAG_AMC_END
_AMC_CONTRACT, _AMC_TIERS_PAYANT = layout.TAG_AMC_CONTRACT, layout.TAG_AMC_TIERS_PAYANT
_NIR, _RANG, _NAISSANCE = layout.TAG_NIR, layout.TAG_RANG, layout.TAG_NAISSANCE
_NOM, _PRENOM = layout.TAG_NOM, layout.TAG_PRENOM
_NOM_USAGE, _QUALITE = layout.TAG_NOM_USAGE, layout.TAG_QUALITE


def _parse_rights(children: list[tlv.Tlv], where: str) -> Rights:
    periods = []
    coverages = []
    amc: AmcContract | None = None
    values = tlv.values
    try:
        for tag, value in children:
            if tag == _AMO_PERIOD:
                inner = values(value)
                end = inner.get(_PERIOD_END)
                periods.append(
                    Period(_date(inner[_PERIOD_START], where), _date(end, where) if end else None)
                )
            elif tag == _COVERAGE:
                inner = values(value)
                kind = inner[_COVERAGE_KIND].decode("latin-1")
                code = inner.get(_COVERAGE_CODE)
                start = _date(inner[_PERIOD_START], where)
                end = inner.get(_PERIOD_END)
                coverages.append(
                    _new_coverage(  # kind, code, start, end
                        kind,
                        code.decode("latin-1") if code else "",
                        start,
                        _date(end, where) if end else None,
                    )
                )
            elif tag == _AMC:
                inner = values(value)
                if amc is not None:
                    raise MalformedResponseError(f"{where}: two AMC contracts")
                organism = inner[_AMC_ORGANISM].decode("latin-1")
                member = inner.get(_AMC_MEMBER)
                start = _date(inner[_AMC_START], where)
                end = inner.get(_AMC_END)
                contract = inner.get(_AMC_CONTRACT)
                amc = _new_amc(
                    organism,
                    member.decode("latin-1") if member else "",  # member_number
                    start,
                    _date(end, where) if end else None,  # end
                    contract.decode("latin-1") if contract else "",  # contract_type
                    inner.get(_AMC_TIERS_PAYANT) == b"1",  # tiers_payant
                    _gestion(inner, where),
                    _tp_services(inner, where),
                )
            else:
                values(value)  # checked like the others, unused
    except KeyError as exc:
        raise _missing(exc, where) from None
    return _new_rights(tuple(periods), tuple(coverages), amc)


def _assure(fields: Fields) -> Assure:
    try:
        return _new_assure(  # nir, nir_key, regime, caisse, centre, code_gestion
            fields[layout.TAG_ASSURE_NIR].decode("latin-1"),
            fields[layout.TAG_ASSURE_NIR_KEY].decode("latin-1"),
            fields[layout.TAG_REGIME].decode("latin-1"),
            fields[layout.TAG_CAISSE].decode("latin-1"),
            fields[layout.TAG_CENTRE].decode("latin-1"),
            fields[layout.TAG_CODE_GESTION].decode("latin-1"),
        )
    except KeyError as exc:
        raise _missing(exc, "assuré") from None


def _beneficiary(
    ident: Fields, nir_c: Fields, rights: list[tlv.Tlv] | None, where: str
) -> Beneficiary:
    try:
        nir15 = nir_c[_NIR].decode("latin-1")
        if len(nir15) != 15:
            raise MalformedResponseError(f"{where}: NIR is not 15 characters")
        _check_nir(nir15[:13], nir15[13:], where)
        rang = nir_c.get(_RANG)
        # bytes.isdigit is ASCII only ("²" is a digit for str.isdigit() but not for int())
        if rang is not None and not (len(rang) == 1 and rang.isdigit()):
            raise MalformedResponseError(f"{where}: bad rang")
        raw_birth = ident[_NAISSANCE].decode("latin-1")
        if len(raw_birth) != 8 or not raw_birth.isdigit():
            raise MalformedResponseError(f"{where}: bad birth date")
        nom = ident[_NOM].decode("latin-1")
        prenom = ident[_PRENOM].decode("latin-1")
    except KeyError as exc:
        raise _missing(exc, where) from None
    nom_usage = nir_c.get(_NOM_USAGE)
    qualite = nir_c.get(_QUALITE)
    return _new_beneficiary(  # the fields in order
        nom,
        prenom,
        nom_usage.decode("latin-1") if nom_usage else None,  # nom_usage
        raw_birth,  # birth_date_raw
        _birth_date(raw_birth),  # birth_date
        nir15[:13],  # nir
        nir15[13:],  # nir_key
        rang[0] - 0x30 if rang is not None else None,  # rang
        qualite.decode("latin-1") if qualite is not None else None,  # qualite
        _parse_rights(rights, where) if rights is not None else _new_rights((), (), None),
    )


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
    assure = _assure(assure_c)
    _check_nir(assure.nir, assure.nir_key, "assuré")
    beneficiaries = tuple(
        _beneficiary(
            ident, nirs[index], rights[index] if rights else None, f"bénéficiaire {index + 1}"
        )
        for index, ident in enumerate(identities)
    )
    valid_from = card_c.get(layout.TAG_CARD_VALID_FROM)
    if valid_from is None:
        raise MalformedResponseError(f"card: tag {layout.TAG_CARD_VALID_FROM:02X} missing")
    valid_to = card_c.get(layout.TAG_CARD_VALID_TO)
    card_type = card_c.get(layout.TAG_CARD_TYPE)
    return _new_card(
        serial,
        _date(valid_from, "card"),  # valid_from
        _date(valid_to, "card") if valid_to else None,  # valid_to
        card_type.decode("latin-1") if card_type else "",  # card_type
        assure,
        beneficiaries,
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
