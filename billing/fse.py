"""The FSE (feuille de soins électronique): its content, its securing modes, its document.

An FSE is a ``FseBody`` (everything the caisse needs, SSV invoice groups 1110-1321 as a
checklist) plus its securing: the SHA-256 digest of the body's canonical form and, in
*sécurisé Vitale* mode, the Vitale card's 8-byte certification of that digest. The wire
form is ``docs/formats/fse.md`` (format ``SESAM-FSE`` version 1, RFC 8785 JSON).

Securing modes are decided from what is actually available (``decide_mode``) and never
silently downgraded: SESAM dégradé is only ever the user's explicit choice, with a reason.
"""

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
from billing.signing import CERTIFICATION_LENGTH, VitaleCertifier, sha256

logger = logging.getLogger(__name__)

FORMAT = "SESAM-FSE"
VERSION = 1
_CENT = Decimal("0.01")
_MONEY = re.compile(r"^-?[0-9]{1,9}\.[0-9]{2}$")


class SecuringMode(StrEnum):
    """How the FSE is secured (jFSE's SECURED / CARDLESS / DEGRADED)."""

    VITALE = "vitale"  # sécurisé Vitale: the card certifies the digest
    SANS_VITALE = "sans_vitale"  # SESAM sans Vitale: patient identified by NIR or ADRi
    DEGRADE = "degrade"  # SESAM dégradé: CPS only, paper duplicata signed by the patient


class PatientIdentification(StrEnum):
    """Where the patient's identity comes from."""

    VITALE = "vitale"  # read from the carte Vitale in the reader
    NIR = "nir"  # typed by the user (sans Vitale, dégradé)
    ADRI = "adri"  # an ADRi answer (sans Vitale, télémédecine)


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
    return str(value.quantize(_CENT))


def parse_money(text: object, where: str) -> Decimal:
    """Read a wire amount back; raises ``FseError`` when it is not ``-?d+.dd``."""
    if not isinstance(text, str) or not _MONEY.match(text):
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
        }

    def canonical(self) -> bytes:
        """RFC 8785 bytes of the whole FSE document."""
        return canonical_bytes(self.to_document())


def decide_mode(
    requested: SecuringMode | None,
    *,
    vitale_present: bool,
    patient_given: bool,
    degrade_reason: str,
) -> SecuringMode:
    """The securing mode to use, from what the user asked and what is there.

    Never downgrades on its own: with no Vitale card and no explicit choice it refuses;
    dégradé needs a reason; sans Vitale needs an explicit patient identity.
    :raises ModeUnavailableError: the wanted mode cannot be used.
    """
    if requested is None:
        if vitale_present:
            return SecuringMode.VITALE
        raise ModeUnavailableError(
            None,
            "Aucune carte Vitale n'est insérée. Insérez-la, ou choisissez explicitement le "
            "mode SESAM sans Vitale (identité du patient fournie) ou le mode dégradé "
            "(avec son motif).",
        )
    if requested is SecuringMode.VITALE and not vitale_present:
        raise ModeUnavailableError(
            requested,
            "Mode sécurisé Vitale demandé mais aucune carte Vitale n'est lisible. Insérez la "
            "carte ; le passage en mode dégradé doit être choisi explicitement, avec son motif.",
        )
    if requested is SecuringMode.DEGRADE and not degrade_reason.strip():
        raise ModeUnavailableError(
            requested, "Le mode dégradé exige un motif (carte Vitale absente, illisible...)."
        )
    if requested is SecuringMode.SANS_VITALE and not patient_given:
        raise ModeUnavailableError(
            requested,
            "Le mode SESAM sans Vitale exige l'identité du patient (NIR ou réponse ADRi).",
        )
    if requested is SecuringMode.DEGRADE and not (patient_given or vitale_present):
        raise ModeUnavailableError(
            requested, "Le mode dégradé exige l'identité du patient (carte Vitale ou NIR saisi)."
        )
    return requested


def secure(body: FseBody, certifier: VitaleCertifier | None) -> Fse:
    """Digest the body and, in vitale mode, have the card certify the digest.

    :raises ModeUnavailableError: vitale mode without a certifier, or a certifier offered
        for another mode (a dégradé FSE carries no certification, by construction).
    :raises FseError: the card serial does not match the body, or the certification
        has the wrong length.
    """
    digest = sha256(body.canonical())
    if body.mode is not SecuringMode.VITALE:
        if body.vitale_serial:
            raise FseError("Une FSE non sécurisée Vitale ne porte pas de numéro de carte Vitale.")
        return Fse(body=body, digest=digest)
    if certifier is None:
        raise ModeUnavailableError(body.mode, "La carte Vitale est nécessaire pour sécuriser.")
    if certifier.serial.hex() != body.vitale_serial:
        raise FseError(
            "La carte Vitale du lecteur n'est pas celle qui a été lue : recommencez la lecture."
        )
    certification = certifier.certify(digest)
    if len(certification) != CERTIFICATION_LENGTH:
        raise FseError(
            f"Certification Vitale de {len(certification)} octets au lieu de "
            f"{CERTIFICATION_LENGTH}."
        )
    return Fse(body=body, digest=digest, certification=certification)


def _str(doc: Mapping[str, Any], key: str) -> str:
    value = doc[key]
    if not isinstance(value, str):
        raise FseError(f"champ {key} : texte attendu")
    return value


def _int(doc: Mapping[str, Any], key: str) -> int:
    value = doc[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise FseError(f"champ {key} : entier attendu")
    return value


def _bool(doc: Mapping[str, Any], key: str) -> bool:
    value = doc[key]
    if not isinstance(value, bool):
        raise FseError(f"champ {key} : booléen attendu")
    return value


def _decimal(doc: Mapping[str, Any], key: str) -> Decimal:
    value = _str(doc, key)
    try:
        result = Decimal(value)
    except InvalidOperation as exc:
        raise FseError(f"champ {key} : nombre décimal attendu") from exc
    if not result.is_finite():
        raise FseError(f"champ {key} : nombre décimal attendu")
    return result


def _act_from(doc: Mapping[str, Any]) -> FseAct:
    return FseAct(
        date=date.fromisoformat(_str(doc, "date")),
        code=_str(doc, "code"),
        quantity=_int(doc, "quantity"),
        coefficient=_decimal(doc, "coefficient"),
        fee=parse_money(doc["fee"], "fee"),
        base=parse_money(doc["base"], "base"),
        amo_rate=_decimal(doc, "amo_rate"),
        amo=parse_money(doc["amo"], "amo"),
        overrun_kind=_str(doc, "overrun_kind"),
        overrun=parse_money(doc["overrun"], "overrun"),
    )


def body_from_document(doc: Mapping[str, Any]) -> FseBody:
    """Rebuild a body from its document (already schema-checked).

    :raises FseError: a value cannot be read back.
    """
    try:
        p = doc["practitioner"]
        replacement = p["replacement"]
        b = doc["beneficiary"]
        o = doc["organism"]
        s = doc["securing"]
        a = doc["amounts"]
        r = doc.get("rectifies")
        return FseBody(
            fse_id=_str(doc, "fse_id"),
            number=_int(doc, "number"),
            created_at=parse_stamp(_str(doc, "created_at")),
            care_date=date.fromisoformat(_str(doc, "care_date")),
            practitioner=PractitionerSituation(
                billing_number=_str(p, "billing_number"),
                billing_key=_str(p, "billing_key"),
                national_id=_str(p, "national_id"),
                last_name=_str(p, "last_name"),
                first_name=_str(p, "first_name"),
                situation=_int(p, "situation"),
                specialty=_str(p, "specialty"),
                sector=_str(p, "sector"),
                convention_code=_str(p, "convention_code"),
                price_zone=_str(p, "price_zone"),
                ik_zone=_str(p, "ik_zone"),
                practice_mode=_str(p, "practice_mode"),
                structure=_str(p, "structure"),
                replacement=None
                if replacement is None
                else Replacement(
                    number=_str(replacement, "number"),
                    national_id=_str(replacement, "national_id"),
                ),
            ),
            beneficiary=Beneficiary(
                assure_nir=_str(b, "assure_nir"),
                assure_nir_key=_str(b, "assure_nir_key"),
                beneficiary_nir=_str(b, "beneficiary_nir"),
                beneficiary_nir_key=_str(b, "beneficiary_nir_key"),
                birth_date=_str(b, "birth_date"),
                rang=_str(b, "rang"),
                qualite=_str(b, "qualite"),
                identification=PatientIdentification(_str(b, "identification")),
                adri_reference=_str(b, "adri_reference"),
            ),
            organism=Organism(
                regime=_str(o, "regime"),
                caisse=_str(o, "caisse"),
                centre=_str(o, "centre"),
                code_gestion=_str(o, "code_gestion"),
            ),
            mode=SecuringMode(_str(s, "mode")),
            vitale_serial=_str(s, "vitale_serial"),
            degrade_reason=_str(s, "degrade_reason"),
            acts=tuple(_act_from(act) for act in doc["acts"]),
            amounts=Amounts(
                total_fees=parse_money(a["total_fees"], "total_fees"),
                amo=parse_money(a["amo"], "amo"),
                participation_forfaitaire=parse_money(
                    a["participation_forfaitaire"], "participation_forfaitaire"
                ),
                amc=parse_money(a["amc"], "amc"),
                patient_remainder=parse_money(a["patient_remainder"], "patient_remainder"),
            ),
            tiers_payant=TiersPayant(
                amo=_bool(doc["tiers_payant"], "amo"), amc=_bool(doc["tiers_payant"], "amc")
            ),
            mentions=Mentions(
                de=_bool(doc["mentions"], "de"),
                ed=_bool(doc["mentions"], "ed"),
                acte_gratuit=_bool(doc["mentions"], "acte_gratuit"),
            ),
            coverage={str(k): str(v) for k, v in doc["coverage"].items()},
            referential_version=_str(doc, "referential_version"),
            rectifies=None
            if r is None
            else Rectifies(fse_id=_str(r, "fse_id"), number=_int(r, "number")),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, FseError):
            raise
        raise FseError(f"FSE illisible : {exc}") from exc


def fse_from_document(doc: Mapping[str, Any]) -> Fse:
    """Rebuild an FSE from its wire document and check its digest.

    :raises FseError: unreadable, or the digest does not match the body.
    """
    try:
        body = body_from_document(doc["body"])
        # The digest is over the bytes received, and the body must read back to the same
        # bytes: a field this version does not know about would otherwise go unnoticed.
        received = canonical_bytes(doc["body"])
        digest = sha256(received)
        if body.canonical() != received:
            raise FseError(f"FSE n° {body.number} : contenu non conforme au format version 1.")
        if digest.hex() != doc["digest"]:
            raise FseError(f"FSE n° {body.number} : l'empreinte ne correspond pas au contenu.")
        certification = bytes.fromhex(doc["vitale_certification"])
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
        # outside data: a missing part, a wrong type, an amount out of Decimal's range
        raise FseError(f"FSE illisible : {exc}") from exc
    return Fse(body=body, digest=digest, certification=certification)
