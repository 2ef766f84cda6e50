"""Who may bill a code for whom: age, specialty, médecin traitant, sector family, coefficient."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from billing.referential import Family, TariffRow, Treating, age_in_years
from billing.rules.codes import ErrorCode, ResolvedAct, RuleError

if TYPE_CHECKING:
    from billing.referential import Referential
    from billing.request import PricingRequest

_ONE = Decimal(1)


def check_eligibility(
    request: PricingRequest, acts: tuple[ResolvedAct, ...], referential: Referential
) -> list[RuleError]:
    """Age, billers, médecin traitant, G/C family and coefficient conditions, per act."""
    errors: list[RuleError] = []
    for resolved in acts:
        row = resolved.row
        if row is None:
            continue
        for check in (_age, _specialty, _treating, _family, _coefficient):
            error = check(request, resolved, row, referential)
            if error is not None:
                errors.append(error)
    return errors


def _age(
    request: PricingRequest, resolved: ResolvedAct, row: TariffRow, referential: Referential
) -> RuleError | None:
    condition = row.age
    patient = request.patient
    if condition is None or condition.matches(patient.birth_date, request.date_of_care):
        return None
    if row.age_waiver == "maternity" and patient.maternity:
        return None  # EBD of the pregnant woman: same exam, any age [002 L1949, L1969]
    age = age_in_years(patient.birth_date, request.date_of_care)
    return resolved.error(
        ErrorCode.AGE_CONDITION,
        f"Le code {row.code} est réservé aux patients de {condition.describe()} "
        f"({row.source}) ; le patient a {age} ans à la date des soins.",
    )


def _specialty(
    request: PricingRequest, resolved: ResolvedAct, row: TariffRow, referential: Referential
) -> RuleError | None:
    specialty = request.practitioner.specialty
    if referential.may_bill(row, specialty):
        return None
    label = referential.specialty_labels.get(specialty, "spécialité non répertoriée")
    return resolved.error(
        ErrorCode.SPECIALTY_NOT_ALLOWED,
        f"Le code {row.code} n'est pas facturable par un praticien de spécialité {specialty} "
        f"({label}) ({row.source}).",
    )


def _treating(
    request: PricingRequest, resolved: ResolvedAct, row: TariffRow, referential: Referential
) -> RuleError | None:
    is_mt = request.practitioner.is_treating_doctor
    if row.treating is Treating.REQUIRED and not is_mt:
        return resolved.error(
            ErrorCode.SPECIALTY_NOT_ALLOWED,
            f"Le code {row.code} est réservé au médecin traitant du patient ({row.source}).",
        )
    if row.treating is Treating.EXCLUDED and is_mt:
        return resolved.error(
            ErrorCode.SPECIALTY_NOT_ALLOWED,
            f"Le code {row.code} est réservé à un médecin autre que le médecin traitant "
            f"({row.source}).",
        )
    return None


def _family(
    request: PricingRequest, resolved: ResolvedAct, row: TariffRow, referential: Referential
) -> RuleError | None:
    practitioner = request.practitioner
    sector2_without_optam = practitioner.sector != "1" and not practitioner.optam
    overrun = request.overrun
    with_dp = overrun is not None and overrun.kind == "DP"
    if row.family is Family.OPPOSABLE and sector2_without_optam and with_dp:
        return resolved.error(
            ErrorCode.SPECIALTY_NOT_ALLOWED,
            f"En secteur {practitioner.sector} sans OPTAM, le code {row.code} ne se facture "
            "qu'à tarif opposable ; avec dépassement, cotez C (V en visite, CP pour "
            "psychiatre ou neurologue) [002 L3243-3247].",
        )
    if row.family is Family.SECTOR2 and not sector2_without_optam:
        return resolved.error(
            ErrorCode.SPECIALTY_NOT_ALLOWED,
            f"Le code {row.code} est réservé aux médecins de secteur 2 sans OPTAM facturant avec "
            "dépassement ; en secteur 1 ou OPTAM, cotez G, CS ou CNP [002 L3243-3247].",
        )
    return None


def _coefficient(
    request: PricingRequest, resolved: ResolvedAct, row: TariffRow, referential: Referential
) -> RuleError | None:
    coefficient = resolved.act.coefficient
    if row.coefficients:
        if coefficient in row.coefficients:
            return None
        allowed = ", ".join(str(c).replace(".", ",") for c in row.coefficients)
        return resolved.error(
            ErrorCode.NOT_IN_FORCE,
            f"Coefficient {str(coefficient).replace('.', ',')} non admis pour {row.code} : "
            f"coefficients en vigueur {allowed} ({row.source}).",
        )
    if coefficient == _ONE:
        return None
    if row.code == "C":
        return resolved.error(
            ErrorCode.NOT_IN_FORCE,
            "La lettre clé C associée à un coefficient n'est plus admise pour la surveillance "
            "des patients hospitalisés : cotez HS [002 L3348].",
        )
    return resolved.error(
        ErrorCode.NOT_IN_FORCE,
        f"Le code {row.code} ne prend pas de coefficient ({row.source}).",
    )
