"""Pricing of one invoice: fees, reimbursement base, AMO and AMC parts, patient remainder.

``price(request, referential)`` looks every act up at the date of care, computes each line
(amounts rounded half-up to the cent per line), checks the convention's rules
(:mod:`billing.rules`) and returns a :class:`PricedInvoice` whose ``errors`` say what must be
fixed before anything is signed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from billing.amc import CeilingKind, amc_part
from billing.referential import (
    NotInForceError,
    Referential,
    TariffRow,
    UnknownCodeError,
)
from billing.request import (
    Act,
    OverrunKind,
    PricingRequest,
)
from billing.rules import ErrorCode, ResolvedAct, RuleError, check_invoice, is_out_of_pathway

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
_DENTIST = "DENTISTE"
_DENTAL_CARE = "dental"
_PREVENTION = "prevention"


def cents(value: Decimal) -> Decimal:
    """``value`` rounded half-up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


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
    amc_amount: Decimal = ZERO


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
    #: The contract rule that priced the AMC part ("" with no complémentaire, or the C2S).
    amc_rule: str = ""
    #: The ceiling that cut the AMC part, if any (the patient pays what it cut).
    amc_capped_by: CeilingKind | None = None

    @property
    def valid(self) -> bool:
        """True when no rule rejects the invoice."""
        return not self.errors


def care_class(row: TariffRow | None, request: PricingRequest, referential: Referential) -> str:
    """The care class of a line for its AMO rate: the row's, or ``dental`` for a dentist."""
    if row is not None and row.care:
        return row.care
    groups = referential.specialty_groups(request.practitioner.specialty)
    return _DENTAL_CARE if _DENTIST in groups else ""


def amo_rate(
    request: PricingRequest, referential: Referential, row: TariffRow | None = None
) -> Decimal:
    """AMO rate in percent of one line (dated values in ``parameters.json``).

    Exonération (ALD, maternité, AT/MP) first; then the care class of the act
    (prevention 100 %, dental care 60 % since 2023-10-15); then out of the pathway (30 %);
    else the standard rate. Dental care is never « hors parcours »: dentists are outside it,
    and the dental practitioners among physicians stay in it [002 L1757-1758].
    """
    params = referential.parameters
    patient = request.patient
    if patient.ald or patient.maternity or patient.at_mp:
        return params.rate_exonerated
    care = care_class(row, request, referential)
    if care:
        period = params.care_rate(care, request.date_of_care)
        if period is not None:
            return period.rate
        return params.rate_standard
    if is_out_of_pathway(request, params):
        return params.rate_out_of_pathway
    return params.rate_standard


def participation_forfaitaire_due(
    request: PricingRequest,
    referential: Referential,
    rows: Sequence[TariffRow | None] = (),
) -> Decimal:
    """The participation forfaitaire owed on this invoice before capping by the AMO part.

    None on an invoice of prevention exams only (``rows`` all of care class ``prevention``):
    they leave nothing to the patient [002 L1701, L1885].
    """
    params = referential.parameters
    patient = request.patient
    if patient.c2s or patient.maternity:
        return ZERO
    if rows and all(row is not None and row.care == _PREVENTION for row in rows):
        return ZERO
    if request.patient_age < params.pf_min_age:
        return ZERO
    groups = referential.specialty_groups(request.practitioner.specialty)
    if "DENTISTE" in groups:  # chirurgien-dentiste's acts carry no participation forfaitaire
        return ZERO
    return params.participation_forfaitaire(request.date_of_care)


def price(request: PricingRequest, referential: Referential) -> PricedInvoice:
    """Price every act at the date of care and check the rules; never raises on bad acts."""
    errors: list[RuleError] = []
    resolved: list[ResolvedAct] = []
    lines: list[PricedLine] = []
    for index, act in enumerate(request.acts):
        row = _resolve(index, act, request, referential, errors)
        rate = amo_rate(request, referential, row)
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
    rows = [item.row for item in resolved]
    pf = min(participation_forfaitaire_due(request, referential, rows), amo_gross)
    amo = amo_gross - pf
    amc_rule = ""
    capped_by: CeilingKind | None = None
    if request.patient.c2s:
        # C2S: tiers payant intégral, the complementary part covers the rest of the base.
        amc = max(base_total - amo, ZERO)
    elif request.amc is not None:
        part = amc_part(request.amc, lines)
        lines = [replace(line, amc_amount=a) for line, a in zip(lines, part.per_line, strict=True)]
        # Never beyond what the AMO leaves: the participation forfaitaire stays the patient's.
        amc = min(part.total, max(total_fees - amo - pf, ZERO))
        amc_rule, capped_by = request.amc.rule.contract, part.capped_by
    else:
        amc = ZERO
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
        amc_rule=amc_rule,
        amc_capped_by=capped_by,
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
    others = [other.code for i, other in enumerate(request.acts) if i != index]
    try:
        row = referential.lookup(
            code,
            request.date_of_care,
            specialty=request.practitioner.specialty,
            zone=request.practitioner.zone,
            with_codes=others,
        )
    except UnknownCodeError as exc:
        errors.append(RuleError(ErrorCode.UNKNOWN_CODE, index, code, str(exc)))
        return None
    except NotInForceError as exc:
        errors.append(RuleError(ErrorCode.NOT_IN_FORCE, index, code, str(exc)))
        return None
    if row.amount is None:
        why = f" : {row.missing_note}" if row.missing_note else ""
        errors.append(
            RuleError(
                ErrorCode.MISSING_TARIFF,
                index,
                code,
                f"Le tarif de {code} n'est pas donné par le référentiel ({row.source}){why}. "
                "Saisissez-le dans le fichier des tarifs locaux pour pouvoir le facturer.",
            )
        )
    return row
