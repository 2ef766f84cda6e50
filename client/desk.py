"""The invoice of the billing desk: one patient, one date of care, its acts, its payment mode.

The desk (``ui/``) turns what its widgets hold into an :class:`Invoice`; pricing and securing
read that object (:func:`pricing_draft`, :func:`fse_request`). The bénéficiaire is held as
himself (the card's person, a patient of the local file, ADRi's answer), never as a position
in a list: the person shown on screen is the person billed.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from billing import price_io
from billing.fse import PatientIdentification, SecuringMode, TiersPayant
from billing.working_days import add_working_days
from cardio import layout
from cardio.vitale_values import AmcContract
from client.errors import ClientError
from client.fse_input import PricingDraft, parse_identity
from client.fse_service import FseInput, PatientIdentity
from client.payment_means import PaymentMeans

logger = logging.getLogger(__name__)


class DeskError(ClientError):
    """The invoice cannot be priced or secured as it is; the French message says why."""


class PatientSource(StrEnum):
    """How the patient was identified (goes with the FSE: SESAM-Vitale or not)."""

    VITALE = "vitale"
    LOCAL = "local"  # found in the local patient file
    NIR = "nir"  # identity typed or given by ADRi: SESAM sans Vitale
    DEGRADED = "degrade"
    APCV = "apcv"  # the application carte Vitale: an ApCV session (client.apcv)


class PaymentMode(StrEnum):
    """Who pays the practitioner: the patient, or the caisse (and the complémentaire)."""

    DIRECT = "direct"
    TIERS_PAYANT_AMO = "tp_amo"
    TIERS_PAYANT_AMO_AMC = "tp_amo_amc"

    @property
    def label(self) -> str:
        return PAYMENT_MODE_LABELS[self]

    @property
    def tiers_payant(self) -> TiersPayant:
        return TiersPayant(
            amo=self is not PaymentMode.DIRECT, amc=self is PaymentMode.TIERS_PAYANT_AMO_AMC
        )


PAYMENT_MODE_LABELS = {
    PaymentMode.DIRECT: "paiement direct",
    PaymentMode.TIERS_PAYANT_AMO: "tiers payant AMO",
    PaymentMode.TIERS_PAYANT_AMO_AMC: "tiers payant AMO + AMC",
}


#: Why an FSE is made in dégradé (the FSE carries the reason).
DEGRADED_REASONS = (
    "carte Vitale absente",
    "carte Vitale défectueuse",
    "lecteur hors service",
    "carte Vitale non utilisable à la date des soins",
)


def person_name(person: Any) -> str:
    """'PRÉNOM NOM' of a bénéficiaire, a local patient or ADRi's answer."""
    first = str(getattr(person, "prenom", "") or getattr(person, "first_name", "") or "")
    last = str(
        getattr(person, "nom_usage", "")
        or getattr(person, "nom", "")
        or getattr(person, "last_name", "")
        or ""
    )
    return f"{first} {last.upper()}".strip()


def birth_date_of(person: Any) -> dt.date | None:
    """The birth date; a lunar date (day or month beyond the calendar) is read as the first
    day of its year, which gives the same age in completed years most of the time."""
    value = getattr(person, "birth_date", None)
    if isinstance(value, dt.date):
        return value
    raw = str(getattr(person, "birth_date_raw", "") or value or "")
    if len(raw) >= 4 and raw[:4].isdigit():
        return dt.date(int(raw[:4]), 1, 1)
    return None


def age_at(born: dt.date, day: dt.date) -> int:
    """Age in completed years at ``day``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True, slots=True)
class InvoicePatient:
    """The patient billed, how he was identified, and the card he came with (if any)."""

    source: str  # a PatientSource value
    beneficiary: Any  # cardio.vitale.Beneficiary, client.context.LocalPatient, ADRi's answer
    card: Any = None  # cardio.vitale.VitaleCard when read from a card; the ApCV session
    reader: str | None = None
    patient_id: Any = None  # id in the local store, once created
    degrade_reason: str = ""

    @property
    def name(self) -> str:
        return person_name(self.beneficiary)

    @property
    def nir(self) -> str:
        b = self.beneficiary
        with_key = getattr(b, "nir_with_key", None)
        if isinstance(with_key, str):
            return with_key
        nir = str(getattr(b, "nir", "") or "")
        key = str(getattr(b, "nir_key", "") or "")
        return nir + key if len(nir) == 13 else nir

    @property
    def degraded(self) -> bool:
        return self.source not in (PatientSource.VITALE, PatientSource.APCV)

    @property
    def birth_date(self) -> dt.date | None:
        return birth_date_of(self.beneficiary)

    def age_at(self, day: dt.date) -> int | None:
        born = self.birth_date
        return None if born is None else age_at(born, day)

    def coverage_kinds(self, day: dt.date) -> set[str]:
        """Kinds of coverage (ALD, MAT, ATMP, C2S) open at ``day``."""
        rights_at = getattr(self.beneficiary, "rights_at", None)
        if not callable(rights_at):
            return set()
        return {str(c.kind) for c in rights_at(day).coverages}

    def amc_contract(self, day: dt.date) -> AmcContract | None:
        """The complémentaire of the bénéficiaire open at ``day``: the card's, or the one
        ADRi returned (the FSE prices the AMC part from them: ``client.amc_pricing``)."""
        rights_at = getattr(self.beneficiary, "rights_at", None)
        if not callable(rights_at):
            return None
        amc = rights_at(day).amc
        return amc if isinstance(amc, AmcContract) else None

    def amc_tiers_payant(self, day: dt.date) -> bool:
        """The complémentaire on the card (or ADRi) agrees to the tiers payant."""
        rights_at = getattr(self.beneficiary, "rights_at", None)
        if not callable(rights_at):
            return False
        amc = rights_at(day).amc
        return bool(amc is not None and amc.tiers_payant)

    def store_key(self) -> str | None:
        """The store's key of the patient (assuré NIR+key, birth date, rang), when known."""
        person = self.beneficiary
        local_id = getattr(person, "id", None)
        if isinstance(local_id, str) and local_id:
            return local_id
        assure = getattr(self.card, "assure", None)
        if assure is not None:
            raw = getattr(person, "birth_date_raw", "")
            return f"{assure.nir}{assure.nir_key}-{raw}-{getattr(person, 'rang', None) or 1}"
        identity = getattr(person, "identity", None)
        if callable(identity):
            data = identity()
            return f"{data.get('nir', '')}-{data.get('birth_date', '')}-{data.get('rang', '1')}"
        return None

    def is_on_card(self, card: Any) -> bool:
        """This patient came with ``card`` (same card: serial)."""
        return (
            self.card is not None
            and card is not None
            and getattr(self.card, "serial", None) == getattr(card, "serial", None)
        )


@dataclass(frozen=True, slots=True)
class InvoiceAct:
    """One act of the invoice, as typed; ``ald`` when it is in relation with the ALD
    (ordonnancier bizone: only those acts are exonerated)."""

    code: str
    quantity: int = 1
    coefficient: Decimal = Decimal(1)
    ald: bool = False


@dataclass(frozen=True, slots=True)
class Invoice:
    """What the desk bills: one patient, one date of care, its acts, its payment mode."""

    patient: InvoicePatient
    care_date: dt.date
    acts: tuple[InvoiceAct, ...]
    payment: PaymentMode = PaymentMode.DIRECT
    situation: Any = None  # cardio.cps.Situation the practitioner bills under
    overrun_kind: str = ""
    overrun_amount: Decimal = Decimal("0.00")
    care_pathway: str = "in"
    treating_doctor: bool = True
    means: PaymentMeans | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    teleconsultation: bool = False  # priced by the téléconsultation rules

    @property
    def ald_related(self) -> bool:
        """Every act is in relation with the ALD (the exoneration applies to the invoice)."""
        return bool(self.acts) and all(a.ald for a in self.acts)


# --- rules of the desk ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentChoice:
    """The payment modes the patient's situation allows, and the forced one with its reason."""

    allowed: tuple[PaymentMode, ...]
    forced: PaymentMode | None = None
    reason: str = ""


#: Codes of the prevention exams of children (examens obligatoires, L.2132-2 CSP):
#: tiers payant on the AMO part is mandatory (L.162-1-22 CSS, convention [002 L1701]).
CHILD_PREVENTION_CODES = frozenset({"COE"})


def payment_choice(invoice: Invoice) -> PaymentChoice:
    """Which payment modes the patient may have, and the one the law imposes.

    Mandatory tiers payant (convention médicale 2024, art. « tiers payant » [002 L1695-1711]):
    C2S on both parts (L.861-3 CSS); on the AMO part for maternité, soins en rapport avec
    une ALD (L.162-1-21 CSS), AT/MP (L.432-1 CSS) and the prevention exams of children
    (L.162-1-22 CSS). AMO + AMC is offered when the complémentaire agrees to it (card or
    ADRi) or under C2S.
    """
    day = invoice.care_date
    patient = invoice.patient
    kinds = patient.coverage_kinds(day)
    amc_allowed = layout.COVERAGE_C2S in kinds or patient.amc_tiers_payant(day)
    allowed = [PaymentMode.DIRECT, PaymentMode.TIERS_PAYANT_AMO]
    if amc_allowed:
        allowed.append(PaymentMode.TIERS_PAYANT_AMO_AMC)
    if layout.COVERAGE_C2S in kinds:
        return PaymentChoice(
            (PaymentMode.TIERS_PAYANT_AMO_AMC,),
            PaymentMode.TIERS_PAYANT_AMO_AMC,
            "C2S : tiers payant intégral obligatoire (art. L.861-3 CSS).",
        )
    reason = ""
    if layout.COVERAGE_MATERNITY in kinds:
        reason = "maternité : tiers payant obligatoire sur la part AMO (art. L.162-1-21 CSS)."
    elif layout.COVERAGE_AT_MP in kinds:
        reason = "AT/MP : tiers payant obligatoire sur la part AMO (art. L.432-1 CSS)."
    elif layout.COVERAGE_ALD in kinds and invoice.ald_related:
        reason = (
            "soins en rapport avec l'ALD : tiers payant obligatoire sur la part AMO "
            "(art. L.162-1-21 CSS)."
        )
    elif any(a.code.upper() in CHILD_PREVENTION_CODES for a in invoice.acts):
        age = patient.age_at(day)
        if age is not None and age < 18:
            reason = (
                "examen de prévention de l'enfant : tiers payant obligatoire sur la part AMO "
                "(art. L.162-1-22 CSS)."
            )
    if not reason:
        return PaymentChoice(tuple(allowed))
    modes = tuple(m for m in allowed if m is not PaymentMode.DIRECT)
    return PaymentChoice(modes, modes[0], reason[0].upper() + reason[1:])


def effective_payment(invoice: Invoice) -> PaymentMode:
    """The payment mode chosen, corrected when the law imposes one or rights refuse it."""
    choice = payment_choice(invoice)
    if invoice.payment in choice.allowed:
        return invoice.payment
    return choice.forced or choice.allowed[0]


def to_collect(payment: PaymentMode, priced: Any) -> Decimal:
    """What the patient pays at the desk: all (paiement direct), all but the AMO part, or all
    but the AMO and AMC parts."""
    total = Decimal(priced.total_fees)
    if payment is PaymentMode.DIRECT:
        return total
    if payment is PaymentMode.TIERS_PAYANT_AMO:
        return total - Decimal(priced.amo)
    return max(total - Decimal(priced.amo) - Decimal(priced.amc), Decimal("0.00"))


def transmission_deadline(
    care_date: dt.date, working_days: int, subdivision: str | None = None
) -> dt.date:
    """Last day to transmit an FSE for ``care_date`` (R.161-47 CSS; ``settings.json``
    ``transmission_deadline_working_days``)."""
    return add_working_days(care_date, working_days, subdivision=subdivision)


def check_care_date(
    care_date: dt.date, today: dt.date, working_days: int, subdivision: str | None = None
) -> str:
    """'' when the date may be billed without a word; a French warning past the deadline.

    :raises DeskError: the date is in the future.
    """
    if care_date > today:
        raise DeskError(
            f"La date des soins ({care_date:%d/%m/%Y}) est dans le futur : on ne facture que des "
            "soins déjà réalisés."
        )
    deadline = transmission_deadline(care_date, working_days, subdivision)
    if today > deadline:
        return (
            f"Soins du {care_date:%d/%m/%Y} : le délai réglementaire de transmission "
            f"({working_days} jours ouvrés, art. R.161-47 CSS) est dépassé depuis le "
            f"{deadline:%d/%m/%Y}. La caisse peut refuser ou retarder le paiement."
        )
    return ""


# --- rule messages in words -----------------------------------------------------------------

#: The texts the tariff rows cite, by their seed number, as a GP knows them.
SOURCE_NAMES = {
    "000": "charte de bonnes pratiques OCAM – chirurgiens-dentistes",
    "001": "avenant à la convention dentaire (JORF du 18/01/2025, art. 58 à 58.5)",
    "002": "convention médicale 2024",
    "004": "avenant n° 1 à la convention des médecins généralistes (arrêté du 17/10/1997)",
}
_SEED_FILE = re.compile(r"(\d{3})_[0-9a-f]{16}\.txt(?:\s*L\d[\d,\-]*)?")
_SEED_CITATION = re.compile(r"\[(\d{3}) L[\d\-, L]+\]")


def readable_rule_message(message: str) -> str:
    """A billing rule's message with its sources named (« convention médicale 2024 »), not
    as the internal file and line references of the tariff tables."""

    def name(match: re.Match[str]) -> str:
        return SOURCE_NAMES.get(match.group(1), "texte conventionnel")

    text = _SEED_CITATION.sub(lambda m: f"[{name(m)}]", message)
    text = _SEED_FILE.sub(name, text)
    # The same source named twice in a row (« convention médicale 2024 ; convention … »).
    for source in SOURCE_NAMES.values():
        text = text.replace(f"{source} ; {source}", source).replace(f"{source}, {source}", source)
    return text


# --- towards pricing and securing ---------------------------------------------------------


def pricing_draft(invoice: Invoice) -> PricingDraft:
    """The pricing request of the invoice, checked as ``sesam price`` checks it; the
    history is left to the store (``FseService``, :func:`client.usecases.securing.price`).

    :raises DeskError: the patient's birth date is unknown.
    :raises billing.price_io.InputError: a value is out of what pricing accepts.
    """
    situation = invoice.situation
    patient = invoice.patient
    kinds = patient.coverage_kinds(invoice.care_date)
    born = patient.birth_date
    if born is None:
        raise DeskError("Date de naissance du patient inconnue : saisissez-la avant de facturer.")
    specialty = price_io.specialty_of(str(getattr(situation, "specialty", "01") or "01"))
    sector = price_io.sector_of(str(getattr(situation, "secteur", "1") or "1"))
    pathway = price_io.care_pathway_of(invoice.care_pathway)
    acts = tuple(
        price_io.checked_act(a.code, a.quantity, a.coefficient, f"acts[{i}]")
        for i, a in enumerate(invoice.acts)
    )
    if not acts:
        raise price_io.InputError("acts", "au moins un acte est attendu")
    overrun = None
    if invoice.overrun_kind and invoice.overrun_amount > 0:
        overrun = price_io.checked_overrun(invoice.overrun_kind, invoice.overrun_amount)
    return PricingDraft(
        date_of_care=invoice.care_date,
        acts=acts,
        specialty=specialty,
        sector=sector,
        optam=bool(getattr(situation, "optam", False)),
        is_treating_doctor=invoice.treating_doctor,
        birth_date=min(born, invoice.care_date),
        # Exoneration for the ALD only for care in relation with it (ordonnancier bizone).
        ald=layout.COVERAGE_ALD in kinds and invoice.ald_related,
        c2s=layout.COVERAGE_C2S in kinds,
        maternity=layout.COVERAGE_MATERNITY in kinds,
        at_mp=layout.COVERAGE_AT_MP in kinds,
        care_pathway=pathway,
        overrun=overrun,
        teleconsultation=invoice.teleconsultation,
    )


def mixed_ald_message(invoice: Invoice) -> str:
    """'' unless the invoice mixes acts in relation with the ALD and others."""
    flags = {a.ald for a in invoice.acts}
    if len(flags) > 1:
        return (
            "Cette facture mêle des actes en rapport avec l'ALD et d'autres : faites deux "
            "factures (seuls les soins en rapport avec l'ALD sont exonérés, ordonnancier bizone)."
        )
    return ""


def _identity_of(patient: InvoicePatient) -> PatientIdentity:
    """The identity of a patient billed without his card (local file, typed, ADRi)."""
    identity = getattr(patient.beneficiary, "identity", None)
    if not callable(identity):
        raise DeskError("L'identité du patient manque : créez-le ou identifiez-le par son NIR.")
    return parse_identity(identity())


def beneficiary_selector(person: Any) -> dict[str, str]:
    """The bénéficiaire on the card by who he is (rang, birth date, first name)."""
    return {
        "rang": str(getattr(person, "rang", None) or 1),
        "birth_date": str(getattr(person, "birth_date_raw", "")),
        "prenom": str(getattr(person, "prenom", "")),
    }


def fse_request(invoice: Invoice) -> FseInput:
    """The typed ``FseService.create`` request of the invoice (no JSON in between)."""
    patient = invoice.patient
    situation = invoice.situation
    source = patient.source
    pricing = pricing_draft(invoice)
    selector: Mapping[str, str] | None = None
    identity: PatientIdentity | None = None
    reason = ""
    if source == PatientSource.VITALE:
        mode = SecuringMode.VITALE
        selector = beneficiary_selector(patient.beneficiary)
    elif source == PatientSource.APCV:
        mode = SecuringMode.APCV  # the session signs: the identity is the service's answer
        identity = _identity_of(patient)
    else:
        mode = (
            SecuringMode.DEGRADE if source == PatientSource.DEGRADED else SecuringMode.SANS_VITALE
        )
        if mode is SecuringMode.DEGRADE:
            reason = patient.degrade_reason or (
                "carte Vitale absente" if patient.card is None else "carte Vitale non utilisable"
            )
        if patient.card is not None:
            selector = beneficiary_selector(patient.beneficiary)
        else:
            identity = _identity_of(patient)
            if identity.beneficiary.identification is PatientIdentification.APCV:
                # An ApCV patient billed otherwise (dégradé, a resumed draft): his identity
                # and rights are the ADRi answer of the session, without its garantie.
                identity = replace(
                    identity,
                    beneficiary=replace(
                        identity.beneficiary, identification=PatientIdentification.ADRI
                    ),
                )
    payment = effective_payment(invoice)
    return FseInput(
        pricing=pricing,
        beneficiary=selector,
        mode=mode,
        degrade_reason=reason,
        situation=int(situation.number) if situation is not None else None,
        tiers_payant=payment.tiers_payant,
        acte_gratuit=False,
        identity=identity,
    )


def invoice_header(invoice_patient: InvoicePatient | None, day: dt.date, payment: str) -> str:
    """« Facture pour SOPHIE DURAND, 44 ans — soins du 05/12/2026 — tiers payant AMO »."""
    if invoice_patient is None:
        return f"Facture : choisissez le patient — soins du {day:%d/%m/%Y}"
    age = invoice_patient.age_at(day)
    who = invoice_patient.name.upper()
    if age is not None:
        who += f", {age} an{'s' if age > 1 else ''}"
    return f"Facture pour {who} — soins du {day:%d/%m/%Y} — {payment}"
