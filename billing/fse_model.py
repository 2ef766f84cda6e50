"""The content of an FSE: securing modes, parties (practitioner, bénéficiaire, organism),
acts, amounts, mentions, the body the caisse needs (SSV invoice groups 1110-1321 as a
checklist) and the secured FSE, with the money and timestamp forms of its document."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from billing.canonical import canonical_bytes
from billing.errors import BillingError
from billing.securing_modes import SecuringMode  # its old home: callers import it from here

logger = logging.getLogger(__name__)

FORMAT = "SESAM-FSE"
VERSION = 1
CENT = Decimal("0.01")
MONEY = re.compile(r"^-?[0-9]{1,9}\.[0-9]{2}$")


class PatientIdentification(StrEnum):
    """Where the patient's identity comes from."""

    VITALE = "vitale"  # read from the carte Vitale in the reader
    NIR = "nir"  # typed by the user (sans Vitale, dégradé)
    ADRI = "adri"  # an ADRi answer (sans Vitale, télémédecine)
    APCV = "apcv"  # an ApCV session (the application carte Vitale)


class FseError(BillingError):
    """An FSE cannot be built or secured as asked; ``reason`` says why (French)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ModeUnavailableError(FseError):
    """The securing mode asked for (or implied) cannot be used with what is available."""

    def __init__(self, mode: SecuringMode | None, reason: str) -> None:
        super().__init__(reason)
        self.mode = mode


def money(value: Decimal) -> str:
    """The wire form of an amount: a string with exactly two decimals (``"25.00"``)."""
    return str(value.quantize(CENT))


def parse_money(text: object, where: str) -> Decimal:
    """Read a wire amount back; raises ``FseError`` when it is not ``-?d+.dd``."""
    if not isinstance(text, str) or not MONEY.match(text):
        raise FseError(f"montant illisible pour {where} : {text!r}")
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise FseError(f"montant illisible pour {where} : {text!r}") from exc


def decimal_text(value: Decimal) -> str:
    """A non-money decimal (coefficient, rate) as plain text without exponent: "1", "0.5"."""
    text = format(value.normalize(), "f")
    return text


def utc_stamp(moment: datetime) -> str:
    """ISO 8601 UTC to the second with a ``Z``: the only timestamp form of the formats."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(text: str) -> datetime:
    """Inverse of ``utc_stamp``."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Replacement:
    """The remplaçant who performed and bills in the titulaire's name (SSV group 1150)."""

    number: str  # numéro du remplaçant (8 digits + key, as on his CPS situation)
    national_id: str = ""  # RPPS of the remplaçant, when known

    def to_document(self) -> dict[str, Any]:
        return {"number": self.number, "national_id": self.national_id}


@dataclass(frozen=True, slots=True)
class PractitionerSituation:
    """The practitioner and the situation d'exercice he bills under (SSV groups 1120/1140)."""

    billing_number: str  # numéro de facturation AM, 8 digits
    billing_key: str  # 1 digit
    national_id: str  # RPPS (or ADELI)
    last_name: str
    first_name: str
    situation: int  # logical number of the situation on the CPS
    specialty: str  # CNAM specialty, 2 digits
    sector: str  # secteur conventionnel
    convention_code: str = ""
    price_zone: str = ""
    ik_zone: str = ""
    practice_mode: str = "0"  # 0 libéral, 1 salarié, 4 remplaçant
    structure: str = ""
    replacement: Replacement | None = None

    @property
    def practitioner_id(self) -> str:
        """The key under which numbers are counted: n° de facturation + key."""
        return f"{self.billing_number}{self.billing_key}"

    def to_document(self) -> dict[str, Any]:
        return {
            "billing_number": self.billing_number,
            "billing_key": self.billing_key,
            "national_id": self.national_id,
            "last_name": self.last_name,
            "first_name": self.first_name,
            "situation": self.situation,
            "specialty": self.specialty,
            "sector": self.sector,
            "convention_code": self.convention_code,
            "price_zone": self.price_zone,
            "ik_zone": self.ik_zone,
            "practice_mode": self.practice_mode,
            "structure": self.structure,
            "replacement": None if self.replacement is None else self.replacement.to_document(),
        }


@dataclass(frozen=True, slots=True)
class Beneficiary:
    """The patient: the assuré's NIR and the bénéficiaire (SSV groups 101/104, 1130)."""

    assure_nir: str  # 13 characters
    assure_nir_key: str  # 2 digits
    birth_date: str  # AAAAMMJJ, kept as text: lunar dates may have a day or month > 31/12
    rang: str  # rang de naissance "1".."9"
    qualite: str  # "00" assuré, "02" conjoint, "06" enfant...
    beneficiary_nir: str = ""  # certified NIR of the bénéficiaire when he has his own
    beneficiary_nir_key: str = ""
    identification: PatientIdentification = PatientIdentification.VITALE
    adri_reference: str = ""  # reference of the ADRi answer, when identified that way

    @property
    def patient_key(self) -> str:
        """Stable key of a bénéficiaire: assuré NIR+key, birth date, rang (SESAM's triple)."""
        return f"{self.assure_nir}{self.assure_nir_key}-{self.birth_date}-{self.rang}"

    def to_document(self) -> dict[str, Any]:
        return {
            "assure_nir": self.assure_nir,
            "assure_nir_key": self.assure_nir_key,
            "beneficiary_nir": self.beneficiary_nir,
            "beneficiary_nir_key": self.beneficiary_nir_key,
            "birth_date": self.birth_date,
            "rang": self.rang,
            "qualite": self.qualite,
            "identification": self.identification.value,
            "adri_reference": self.adri_reference,
        }


@dataclass(frozen=True, slots=True)
class Organism:
    """The destination AMO organism (SSV group 1310): régime, caisse, centre."""

    regime: str  # 2 digits
    caisse: str  # 3 digits
    centre: str  # 4 digits
    code_gestion: str = ""

    @property
    def key(self) -> str:
        """``regime-caisse-centre``: how lots are grouped."""
        return f"{self.regime}-{self.caisse}-{self.centre}"

    def to_document(self) -> dict[str, Any]:
        return {
            "regime": self.regime,
            "caisse": self.caisse,
            "centre": self.centre,
            "code_gestion": self.code_gestion,
        }


@dataclass(frozen=True, slots=True)
class FseAct:
    """One priced act line, as the billing engine priced it (``billing.pricing.PricedLine``)."""

    date: date
    code: str
    quantity: int
    coefficient: Decimal
    fee: Decimal  # honoraires of the line, dépassement included
    base: Decimal  # base de remboursement
    amo_rate: Decimal  # taux AMO, percent
    amo: Decimal  # AMO part of the line, before the participation forfaitaire
    overrun_kind: str = ""  # "", "DE", "DA", "DP", "ED"
    overrun: Decimal = Decimal("0.00")

    def to_document(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "code": self.code,
            "quantity": self.quantity,
            "coefficient": decimal_text(self.coefficient),
            "fee": money(self.fee),
            "base": money(self.base),
            "amo_rate": decimal_text(self.amo_rate),
            "amo": money(self.amo),
            "overrun_kind": self.overrun_kind,
            "overrun": money(self.overrun),
        }


@dataclass(frozen=True, slots=True)
class Amounts:
    """Totals of the FSE (the billing engine's parts)."""

    total_fees: Decimal
    amo: Decimal
    participation_forfaitaire: Decimal
    amc: Decimal
    patient_remainder: Decimal

    def to_document(self) -> dict[str, Any]:
        return {
            "total_fees": money(self.total_fees),
            "amo": money(self.amo),
            "participation_forfaitaire": money(self.participation_forfaitaire),
            "amc": money(self.amc),
            "patient_remainder": money(self.patient_remainder),
        }


@dataclass(frozen=True, slots=True)
class TiersPayant:
    """Dispense d'avance de frais chosen for the AMO part and the AMC part."""

    amo: bool = False
    amc: bool = False


@dataclass(frozen=True, slots=True)
class Mentions:
    """Mentions carried by the FSE: DE (dépassement exceptionnel), ED (entente directe),
    acte gratuit."""

    de: bool = False
    ed: bool = False
    acte_gratuit: bool = False


@dataclass(frozen=True, slots=True)
class Rectifies:
    """The FSE that an FSE rectificative replaces (rejected by the caisse or refused in
    the ARL): its wire identifier and its number."""

    fse_id: str
    number: int

    def to_document(self) -> dict[str, Any]:
        return {"fse_id": self.fse_id, "number": self.number}


@dataclass(frozen=True, slots=True)
class FseBody:
    """Everything the Vitale certification and the caisse see, in one value."""

    fse_id: str  # UUID: the FSE's identifier on the wire (ARL, NOEMIE)
    number: int  # per practitioner, never reused
    created_at: datetime
    care_date: date
    practitioner: PractitionerSituation
    beneficiary: Beneficiary
    organism: Organism
    mode: SecuringMode
    acts: tuple[FseAct, ...]
    amounts: Amounts
    tiers_payant: TiersPayant = TiersPayant()
    mentions: Mentions = Mentions()
    vitale_serial: str = ""  # hex, vitale mode only: part of what the card certifies
    degrade_reason: str = ""  # dégradé only: why the user chose it
    referential_version: str = ""
    coverage: Mapping[str, str] = field(default_factory=dict)  # e.g. {"ald": "1"}
    rectifies: Rectifies | None = None  # an FSE rectificative: the FSE it replaces
    apcv_session: str = ""  # apcv mode only: the ApCV session that signs the digest
    # Done at a distance (NGAP art. 14.9.3 [002 L3410-3503]): priced by its rules, and the
    # caisse checks that a code reserved to it comes with it (testbed/am/checks.py).
    teleconsultation: bool = False

    def to_document(self) -> dict[str, Any]:
        """The body as a JSON-ready mapping (integers, strings, booleans, null only)."""
        document: dict[str, Any] = {
            "fse_id": self.fse_id,
            "number": self.number,
            "created_at": utc_stamp(self.created_at),
            "care_date": self.care_date.isoformat(),
            "practitioner": self.practitioner.to_document(),
            "beneficiary": self.beneficiary.to_document(),
            "organism": self.organism.to_document(),
            "securing": {
                "mode": self.mode.value,
                "vitale_serial": self.vitale_serial,
                "degrade_reason": self.degrade_reason,
                # Only in apcv mode: the digests of every other FSE stay what they were.
                **({"apcv_session": self.apcv_session} if self.apcv_session else {}),
            },
            "acts": [act.to_document() for act in self.acts],
            "amounts": self.amounts.to_document(),
            "tiers_payant": {"amo": self.tiers_payant.amo, "amc": self.tiers_payant.amc},
            "mentions": {
                "de": self.mentions.de,
                "ed": self.mentions.ed,
                "acte_gratuit": self.mentions.acte_gratuit,
            },
            "coverage": dict(self.coverage),
            "referential_version": self.referential_version,
        }
        # Only when set: the bytes (and digests) of every other FSE stay what they were.
        if self.rectifies is not None:
            document["rectifies"] = self.rectifies.to_document()
        if self.teleconsultation:
            document["teleconsultation"] = True
        return document

    def canonical(self) -> bytes:
        """RFC 8785 bytes of the body: what is digested and certified."""
        return canonical_bytes(self.to_document())


@dataclass(frozen=True, slots=True)
class Fse:
    """A secured FSE: its body, its digest, and the Vitale certification when there is one."""

    body: FseBody
    digest: bytes  # SHA-256 of body.canonical()
    certification: bytes = b""  # 8 bytes in vitale mode, empty otherwise
    apcv_signature: bytes = b""  # apcv mode: the ApCV service's signature of the digest

    @property
    def number(self) -> int:
        return self.body.number

    @property
    def mode(self) -> SecuringMode:
        return self.body.mode

    def to_document(self) -> dict[str, Any]:
        """The whole FSE as the wire document (see ``docs/formats/fse.md``)."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "body": self.body.to_document(),
            "digest": self.digest.hex(),
            "vitale_certification": self.certification.hex(),
            **({"apcv_signature": self.apcv_signature.hex()} if self.apcv_signature else {}),
        }

    def canonical(self) -> bytes:
        """RFC 8785 bytes of the whole FSE document."""
        return canonical_bytes(self.to_document())
