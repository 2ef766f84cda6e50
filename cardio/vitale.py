"""The carte Vitale 2: what it holds (assuré, bénéficiaires, rights) and how it is read
and asked to certify a digest. Layout: ``cardio.layout`` and ``docs/cards/README.md``."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from cardio import apdu, layout, tlv
from cardio.connection import CardConnection
from cardio.errors import (
    ApplicationNotFoundError,
    CardFileNotFoundError,
    MalformedResponseError,
)

logger = logging.getLogger(__name__)

_NIR13 = re.compile(r"^[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{6}$")
_CORSICA = {"2A": "19", "2B": "18"}  # the départements read as numbers for the key


# --- values ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    """A period of AMO rights; ``end`` None means open-ended."""

    start: dt.date
    end: dt.date | None

    def covers(self, day: dt.date) -> bool:
        """True when ``day`` falls inside the period (both bounds included)."""
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class Coverage:
    """A coverage period: ALD, maternité, AT/MP or C2S, with its code."""

    kind: str
    code: str
    start: dt.date
    end: dt.date | None

    def covers(self, day: dt.date) -> bool:
        """True when ``day`` falls inside the period (both bounds included)."""
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class AmcContract:
    """The complémentaire santé (AMC) contract written on the card."""

    organism: str
    member_number: str
    start: dt.date
    end: dt.date | None
    contract_type: str
    tiers_payant: bool

    def covers(self, day: dt.date) -> bool:
        """True when the contract is open at ``day``."""
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class RightsAt:
    """A bénéficiaire's rights on one day: the answer billing needs."""

    amo: bool
    coverages: tuple[Coverage, ...]
    amc: AmcContract | None


@dataclass(frozen=True, slots=True)
class Rights:
    """Everything the card says about one bénéficiaire's rights."""

    amo_periods: tuple[Period, ...] = ()
    coverages: tuple[Coverage, ...] = ()
    amc: AmcContract | None = None

    def at(self, day: dt.date) -> RightsAt:
        """The rights open at ``day``."""
        return RightsAt(
            amo=any(p.covers(day) for p in self.amo_periods),
            coverages=tuple(c for c in self.coverages if c.covers(day)),
            amc=self.amc if self.amc is not None and self.amc.covers(day) else None,
        )


@dataclass(frozen=True, slots=True)
class Beneficiary:
    """One person who may be billed with this card."""

    nom: str
    prenom: str
    nom_usage: str | None
    #: AAAAMMJJ as on the card; lunar dates (day or month out of range) are kept as is.
    birth_date_raw: str
    birth_date: dt.date | None
    nir: str  # 13 characters
    nir_key: str  # 2 digits
    rang: int | None
    qualite: str | None
    rights: Rights

    @property
    def nir_with_key(self) -> str:
        """The 15-character certified NIR."""
        return self.nir + self.nir_key

    def rights_at(self, day: dt.date) -> RightsAt:
        """This bénéficiaire's rights at ``day``."""
        return self.rights.at(day)


@dataclass(frozen=True, slots=True)
class PublicBeneficiary:
    """What any carte Vitale 2 gives without the GIE's components: the public zone
    (identity 65{80,81,82} under the MF, NIR 65{93} under VITALE, in the same order)."""

    nom: str
    prenom: str
    birth_date_raw: str
    birth_date: dt.date | None
    nir: str  # 13 characters
    nir_key: str  # 2 digits

    @property
    def nir_with_key(self) -> str:
        return self.nir + self.nir_key


@dataclass(frozen=True, slots=True)
class Assure:
    """The assuré (ouvrant droit) and the organism that manages his rights."""

    nir: str
    nir_key: str
    regime: str
    caisse: str
    centre: str
    code_gestion: str


@dataclass(frozen=True, slots=True)
class VitaleCard:
    """The whole readable content of a carte Vitale 2."""

    serial: bytes
    valid_from: dt.date
    valid_to: dt.date | None
    card_type: str
    assure: Assure
    beneficiaries: tuple[Beneficiary, ...]

    def is_valid_at(self, day: dt.date) -> bool:
        """True when the card may be used at ``day``."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def nir_key(nir13: str) -> str:
    """The key of a 13-character NIR: 97 - NIR mod 97, Corsica 2A read 19 and 2B 18."""
    if not _NIR13.fullmatch(nir13):
        raise ValueError("not a 13-character NIR")
    corsica = _CORSICA.get(nir13[5:7])
    number = nir13[:5] + corsica + nir13[7:] if corsica else nir13
    return f"{97 - int(number) % 97:02d}"


# --- parsing -------------------------------------------------------------------------


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
    if not _NIR13.fullmatch(nir13) or len(key) != 2 or not key.isdigit():
        raise MalformedResponseError(f"{where}: malformed NIR")
    corsica = _CORSICA.get(nir13[5:7])  # what nir_key does, the pattern checked once
    number = nir13[:5] + corsica + nir13[7:] if corsica else nir13
    if f"{97 - int(number) % 97:02d}" != key:
        raise MalformedResponseError(f"{where}: NIR key does not match")


def _templates(data: bytes, tag: int) -> list[list[tlv.Tlv]]:
    """The children of each ``tag`` template, each decoded once."""
    return [t.children() for t in tlv.decode(data) if t.tag == tag] if data else []


def _template_fields(data: bytes, tag: int) -> list[Fields]:
    """The fields of each ``tag`` template (first of each tag, as ``tlv.find``)."""
    return [tlv.values(t.value) for t in tlv.decode(data) if t.tag == tag] if data else []


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


# --- the card -----------------------------------------------------------------------

_SELECT_MF = apdu.CommandApdu(0x00, layout.INS_SELECT, 0x00, 0x00, layout.VITALE_MF)


class VitaleReader:
    """Reads a carte Vitale 2 and asks it to certify digests (billing's VitaleCertifier).

    Use on the card thread, with the connection of the reader holding the Vitale.
    """

    def __init__(self, connection: CardConnection) -> None:
        self._connection = connection
        self._serial: bytes | None = None

    def _select_mf(self) -> None:
        try:
            apdu.exchange(self._connection, _SELECT_MF)
        except CardFileNotFoundError as exc:
            raise ApplicationNotFoundError("no Vitale MF on this card") from exc

    def _select_vitale(self) -> None:
        try:
            apdu.exchange(self._connection, apdu.select_aid(layout.VITALE_AID))
        except CardFileNotFoundError as exc:
            raise ApplicationNotFoundError("no VITALE application on this card") from exc

    def read(self, *, rights: bool = True) -> VitaleCard:
        """The whole card, or an error: never a partial card. ``rights=False`` leaves the
        rights file (the largest) unread: who is on the card, for a check before
        certifying, every bénéficiaire then without rights.

        :raises ApplicationNotFoundError: not a carte Vitale.
        :raises CardRemovedError: the card left mid-read (nothing read is returned).
        :raises MalformedResponseError: the files are damaged or disagree.
        """
        with self._connection.transaction():
            self._select_mf()
            identity_file = apdu.read_file(self._connection, sfi=layout.VITALE_SFI_IDENTITY)
            self._select_vitale()
            card_file = apdu.read_file(self._connection, sfi=layout.VITALE_SFI_CARD)
            nir_file = apdu.read_file(self._connection, sfi=layout.VITALE_SFI_NIR)
            rights_file = (
                apdu.read_file(self._connection, sfi=layout.VITALE_SFI_RIGHTS) if rights else b""
            )
        card = parse_card(identity_file, card_file, nir_file, rights_file)
        self._serial = card.serial
        logger.info(
            "carte Vitale read: %d bénéficiaire(s), serial %s",
            len(card.beneficiaries),
            card.serial.hex(),
        )
        return card

    def read_public(self) -> tuple[PublicBeneficiary, ...]:
        """Only the public zone, the APDUs every Vitale 2 answers (Rufus): SELECT MF,
        READ SFI 2 (identities), SELECT VITALE, READ SFI 2 (NIRs). What a real card gives
        when the rest (card, rights) is not readable by this program.

        :raises ApplicationNotFoundError: not a carte Vitale.
        :raises MalformedResponseError: the public zone itself is damaged.
        """
        with self._connection.transaction():
            self._select_mf()
            identity_file = apdu.read_file(self._connection, sfi=layout.VITALE_SFI_IDENTITY)
            self._select_vitale()
            nir_file = apdu.read_file(self._connection, sfi=layout.VITALE_SFI_NIR)
        return parse_public(identity_file, nir_file)

    def read_names(self) -> tuple[PublicBeneficiary, ...]:
        """The identity file of the public zone alone (NIRs left empty): for a card whose
        NIR file is damaged (``read_public`` fails).

        :raises MalformedResponseError: the identity file itself is damaged.
        """
        with self._connection.transaction():
            self._select_mf()
            identity_file = apdu.read_file(self._connection, sfi=layout.VITALE_SFI_IDENTITY)
        return parse_identities(identity_file)

    @property
    def serial(self) -> bytes:
        """The card serial (8 bytes) that diversifies its certifying key."""
        if self._serial is None:
            with self._connection.transaction():
                self._select_vitale()
                elements = tlv.decode(apdu.read_file(self._connection, sfi=layout.VITALE_SFI_CARD))
            card = tlv.find(elements, layout.TAG_CARD)
            serial = tlv.find(card.children(), layout.TAG_CARD_SERIAL) if card else None
            if serial is None or len(serial.value) != 8:
                raise MalformedResponseError("card file: serial missing or not 8 bytes")
            self._serial = serial.value
        return self._serial

    def certify(self, digest32: bytes) -> bytes:
        """The card's 8-byte certification of a 32-byte digest (INTERNAL AUTHENTICATE).

        :raises ValueError: the digest is not 32 bytes.
        :raises MalformedResponseError: the card did not answer 8 bytes.
        """
        if len(digest32) != 32:
            raise ValueError("the digest to certify is 32 bytes (SHA-256)")
        command = apdu.CommandApdu(
            0x00, layout.INS_INTERNAL_AUTHENTICATE, 0x00, layout.VITALE_SIG_AMO, digest32
        )
        with self._connection.transaction():
            self._select_vitale()
            answer = apdu.exchange(self._connection, command)
        if len(answer) != layout.VITALE_CERTIFICATION_LENGTH:
            raise MalformedResponseError(
                f"certification is {len(answer)} bytes, not {layout.VITALE_CERTIFICATION_LENGTH}"
            )
        return answer
