"""Pricing of one invoice: fees, reimbursement base, AMO and AMC parts, patient remainder.

``price(request, referential)`` looks every act up at the date of care, computes each line
(amounts rounded half-up to the cent per line), checks the convention's rules
(:mod:`billing.rules`) and returns a :class:`PricedInvoice` whose ``errors`` say what must be
fixed before anything is signed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from billing.referential import (
    NotInForceError,
    Referential,
    TariffRow,
    UnknownCodeError,
    age_in_years,
)
from billing.rules import ErrorCode, ResolvedAct, RuleError, check_invoice, is_out_of_pathway

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def cents(value: Decimal) -> Decimal:
    """``value`` rounded half-up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class Sector(StrEnum):
    """Conventional sector of the practitioner."""

    S1 = "1"
    S1_DP = "1DP"
    S2 = "2"


class CarePathway(StrEnum):
    """Where the patient stands in the parcours de soins coordonnés."""

    IN = "in"
    OUT = "out"
    DIRECT_ACCESS = "direct_access"
    EMERGENCY = "emergency"


class OverrunKind(StrEnum):
    """Dépassement kinds: exigence particulière, autorisé plafonné, permanent, entente directe."""

    DE = "DE"
    DA = "DA"
    DP = "DP"
    ED = "ED"


@dataclass(frozen=True, slots=True)
class Practitioner:
    """The billing practitioner's situation (specialty, sector, OPTAM, médecin traitant)."""

    specialty: str
    sector: Sector
    optam: bool = False
    is_treating_doctor: bool = False
    zone: str = "metropole"


@dataclass(frozen=True, slots=True)
class Patient:
    """What pricing needs to know about the patient at the date of care."""

    birth_date: date
    ald: bool = False
    c2s: bool = False
    maternity: bool = False
    at_mp: bool = False
    care_pathway: CarePathway = CarePathway.IN


@dataclass(frozen=True, slots=True)
class Act:
    """One act to bill: a code, a quantity (units, km) and a coefficient (HS)."""

    code: str
    quantity: int = 1
    coefficient: Decimal = Decimal(1)
    requested_practitioner: str | None = None


@dataclass(frozen=True, slots=True)
class Overrun:
    """A dépassement on the first act of the invoice; never reimbursed."""

    kind: OverrunKind
    amount: Decimal


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """An act this practitioner already billed (for this patient; SNP/HS: all patients)."""

    date: date
    code: str
    quantity: int = 1
    requested_practitioner: str | None = None


@dataclass(frozen=True, slots=True)
class PricingRequest:
    """Everything needed to price and check one invoice."""

    date_of_care: date
    practitioner: Practitioner
    patient: Patient
    acts: tuple[Act, ...]
    overrun: Overrun | None = None
    history: tuple[HistoryEntry, ...] = ()

    @property
    def patient_age(self) -> int:
        """Patient's age in completed years at the date of care."""
        return age_in_years(self.patient.birth_date, self.date_of_care)


@dataclass(frozen=True, slots=True)
class PricedLine:
    """One priced act. ``amount`` includes the overrun; ``reimbursement_base`` never does."""

    code: str
    label: str
    quantity: int
    coefficient: Decimal
    amount: Decimal
    reimbursement_base: Decimal
    amo_rate: Decimal
    amo_amount: Decimal
    overrun_kind: OverrunKind | None = None
    overrun_amount: Decimal = ZERO
    local_tariff: bool = False
    source: str = ""


@dataclass(frozen=True, slots=True)
class PricedInvoice:
    """The priced invoice: ``amo + amc + patient_remainder == total_fees``."""

    lines: tuple[PricedLine, ...]
    total_fees: Decimal
    amo: Decimal
    participation_forfaitaire: Decimal
    amc: Decimal
    patient_remainder: Decimal
    errors: tuple[RuleError, ...]
    referential_version: str = ""

    @property
    def valid(self) -> bool:
        """True when no rule rejects the invoice."""
        return not self.errors


def amo_rate(request: PricingRequest, referential: Referential) -> Decimal:
    """AMO rate in percent: 100 (ALD, maternité, AT/MP), 30 (out of pathway) or 70."""
    params = referential.parameters
    patient = request.patient
    if patient.ald or patient.maternity or patient.at_mp:
        return params.rate_exonerated
    if is_out_of_pathway(request, params):
        return params.rate_out_of_pathway
    return params.rate_standard


def participation_forfaitaire_due(request: PricingRequest, referential: Referential) -> Decimal:
    """The participation forfaitaire owed on this invoice before capping by the AMO part."""
    params = referential.parameters
    patient = request.patient
    if patient.c2s or patient.maternity:
        return ZERO
    if request.patient_age < params.pf_min_age:
        return ZERO
    groups = referential.specialty_groups(request.practitioner.specialty)
    if "DENTISTE" in groups:  # chirurgien-dentiste's acts carry no participation forfaitaire
        return ZERO
    return params.participation_forfaitaire(request.date_of_care)


def price(request: PricingRequest, referential: Referential) -> PricedInvoice:
    """Price every act at the date of care and check the rules; never raises on bad acts."""
    rate = amo_rate(request, referential)
    errors: list[RuleError] = []
    resolved: list[ResolvedAct] = []
    lines: list[PricedLine] = []
    for index, act in enumerate(request.acts):
        row = _resolve(index, act, request, referential, errors)
        base = ZERO
        if row is not None and row.amount is not None:
            base = cents(row.amount * act.coefficient * act.quantity)
        overrun = request.overrun if index == 0 else None
        overrun_amount = cents(overrun.amount) if overrun is not None else ZERO
        resolved.append(ResolvedAct(index, act, row, base))
        lines.append(
            PricedLine(
                code=row.code if row is not None else act.code.strip().upper(),
                label=row.label if row is not None else "",
                quantity=act.quantity,
                coefficient=act.coefficient,
                amount=base + overrun_amount,
                reimbursement_base=base,
                amo_rate=rate,
                amo_amount=cents(base * rate / HUNDRED),
                overrun_kind=overrun.kind if overrun is not None else None,
                overrun_amount=overrun_amount,
                local_tariff=row.local if row is not None else False,
                source=row.source if row is not None else "",
            )
        )
    errors.extend(check_invoice(request, tuple(resolved), referential))
    errors.sort(key=lambda e: len(request.acts) if e.act_index is None else e.act_index)

    total_fees = sum((line.amount for line in lines), ZERO)
    base_total = sum((line.reimbursement_base for line in lines), ZERO)
    amo_gross = sum((line.amo_amount for line in lines), ZERO)
    # The participation forfaitaire is taken from the AMO part, never beyond it.
    pf = min(participation_forfaitaire_due(request, referential), amo_gross)
    amo = amo_gross - pf
    # C2S: tiers payant intégral, the complementary part covers the rest of the base.
    amc = max(base_total - amo, ZERO) if request.patient.c2s else ZERO
    remainder = total_fees - amo - amc
    invoice = PricedInvoice(
        lines=tuple(lines),
        total_fees=total_fees,
        amo=amo,
        participation_forfaitaire=pf,
        amc=amc,
        patient_remainder=remainder,
        errors=tuple(errors),
        referential_version=referential.version,
    )
    logger.debug("Priced %d acts: total %s, %d errors", len(lines), total_fees, len(invoice.errors))
    return invoice


def _resolve(
    index: int,
    act: Act,
    request: PricingRequest,
    referential: Referential,
    errors: list[RuleError],
) -> TariffRow | None:
    code = act.code.strip().upper()
    try:
        row = referential.lookup(
            code,
            request.date_of_care,
            specialty=request.practitioner.specialty,
            zone=request.practitioner.zone,
        )
    except UnknownCodeError as exc:
        errors.append(RuleError(ErrorCode.UNKNOWN_CODE, index, code, str(exc)))
        return None
    except NotInForceError as exc:
        errors.append(RuleError(ErrorCode.NOT_IN_FORCE, index, code, str(exc)))
        return None
    if row.amount is None:
        errors.append(
            RuleError(
                ErrorCode.MISSING_TARIFF,
                index,
                code,
                f"Le tarif de {code} n'est pas donné par le référentiel ({row.source}) : "
                "saisissez-le dans le fichier des tarifs locaux pour pouvoir le facturer.",
            )
        )
    return row
