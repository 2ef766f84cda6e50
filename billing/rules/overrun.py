"""Dépassements: who may bill DE, DA, DP or ED, on what, and up to how much."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal
from typing import TYPE_CHECKING

from billing.money_text import euros
from billing.referential import ActKind, age_in_years
from billing.rules.codes import ErrorCode, ResolvedAct, RuleError
from billing.rules.pathway import is_out_of_pathway

if TYPE_CHECKING:
    from billing.referential import Referential
    from billing.request import PricingRequest

_COORDINATION = frozenset({"MCS", "MCC", "MCG"})
_DENTAL_GROUPS = frozenset({"DENTMED", "DENTISTE"})
#: Care classes of the dental acts (``tariffs.csv`` column ``care``).
_DENTAL_CARES = frozenset({"dental", "prevention"})
_Refuse = Callable[[str], None]


def check_overrun(
    request: PricingRequest, acts: tuple[ResolvedAct, ...], referential: Referential
) -> list[RuleError]:
    """Rules on the invoice's overrun, which applies to the first act."""
    overrun = request.overrun
    if overrun is None:
        return []
    if not acts:
        return [
            RuleError(
                ErrorCode.OVERRUN_NOT_ALLOWED,
                None,
                None,
                "Un dépassement doit porter sur un acte : la facture n'en contient aucun.",
            )
        ]
    first = acts[0]
    row = first.row
    if row is None:
        return []  # unknown or not in force: already reported
    kind = overrun.kind
    errors: list[RuleError] = []

    def refuse(message: str) -> None:
        errors.append(first.error(ErrorCode.OVERRUN_NOT_ALLOWED, message))

    if request.patient.c2s:
        refuse(
            f"Patient bénéficiaire de la C2S : tarifs opposables, aucun dépassement ({kind}) "
            "n'est permis [002 L272, L1695, L1782, L3923]."
        )
    if row.kind is not ActKind.ACT:
        refuse(
            f"Le dépassement ({kind}) porte sur l'acte principal ; {row.code} n'est pas un acte "
            "mais une majoration ou un déplacement : placez l'acte principal en premier "
            "[002 L262]."
        )
    for resolved in acts:
        if resolved.row is not None and resolved.row.to_only:
            refuse(
                f"{resolved.row.code} se facture uniquement à tarif opposable : pas de "
                f"dépassement ({kind}) sur cette facture ({resolved.row.source})."
            )
    if kind == "DE":
        if request.practitioner.sector != "1":
            refuse("Le DE est réservé aux praticiens de secteur 1 [002 L262].")
    elif kind == "DA":
        _check_da(request, acts, referential, refuse)
        errors += _da_cap(first, overrun.amount, referential)
    elif kind == "DP":
        _check_dp(request, refuse)
    else:  # ED
        groups = referential.specialty_groups(request.practitioner.specialty)
        if not groups & _DENTAL_GROUPS:
            refuse("L'entente directe (ED) est réservée aux soins bucco-dentaires [002 L1782].")
        if not row.ed_allowed:
            refuse(
                "L'entente directe (ED) ne porte que sur les soins prothétiques ou "
                f"orthodontiques ; {row.code} n'en fait pas partie [002 L1782]."
            )
        errors += _ed_cap(first, overrun.amount)
    return errors


def _check_da(
    request: PricingRequest,
    acts: tuple[ResolvedAct, ...],
    referential: Referential,
    refuse: _Refuse,
) -> None:
    practitioner = request.practitioner
    if "SPE" not in referential.specialty_groups(practitioner.specialty):
        refuse("Le DA est réservé aux médecins spécialistes [002 L272].")
    if practitioner.sector != "1":
        refuse(
            "Le DA est réservé aux spécialistes appliquant les tarifs opposables (secteur 1) "
            "[002 L272]."
        )
    first = acts[0].row if acts else None
    if (
        first is not None
        and first.care in _DENTAL_CARES
        and "DENTMED" in referential.specialty_groups(practitioner.specialty)
    ):
        refuse(
            f"{first.code} : les soins bucco-dentaires de première intention des stomatologues, "
            "chirurgiens maxillo-faciaux et chirurgiens oraux restent dans le parcours de soins "
            "(accès spécifique) : pas de DA [002 L1757-1758, L272]."
        )
    elif not is_out_of_pathway(request, referential.parameters):
        age = age_in_years(request.patient.birth_date, request.date_of_care)
        detail = " (un patient de moins de 16 ans n'en sort jamais)" if age < 16 else ""
        refuse(
            "Le DA ne s'applique qu'aux soins hors parcours de soins coordonnés"
            + detail
            + " [002 L272]."
        )
    for resolved in acts:
        if resolved.row is not None and resolved.row.code in _COORDINATION:
            refuse(
                f"La majoration de coordination {resolved.row.code} ne se cumule pas avec un "
                "DA [002 L3267]."
            )


def _check_dp(request: PricingRequest, refuse: _Refuse) -> None:
    practitioner = request.practitioner
    if practitioner.sector == "1" and not practitioner.optam:
        refuse("Le DP est réservé aux praticiens de secteur 2, 1 DP ou adhérents OPTAM.")
    if request.patient.care_pathway == "emergency":
        refuse(
            "En situation d'urgence médicale, les tarifs opposables s'imposent : pas de DP "
            "[002 L294-295]."
        )


def da_cap(base: Decimal, rate: Decimal, technical: bool) -> Decimal:
    """Highest DA on an act whose tariff (coordinated pathway) is ``base``.

    Clinical acts: the total, rounded up to the euro, may not exceed the tariff + 17.5 %
    [002 L274]; technical acts: 17.5 % of the tariff [002 L276].
    """
    if technical:
        return (base * rate).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    ceiling = (base * (1 + rate)).to_integral_value(rounding=ROUND_CEILING)
    return ceiling - base


def _da_cap(first: ResolvedAct, amount: Decimal, referential: Referential) -> list[RuleError]:
    row = first.row
    if row is None or row.amount is None or first.base <= 0:
        return []  # no tariff, no cap to compute (MISSING_TARIFF already says so)
    cap = da_cap(first.base, referential.parameters.da_cap_rate, row.is_technical)
    if amount <= cap:
        return []
    how = (
        "17,5 % du tarif de l'acte technique [002 L276]"
        if row.is_technical
        else "tarif + 17,5 %, arrondi à l'euro supérieur [002 L274]"
    )
    return [
        first.error(
            ErrorCode.OVERRUN_CAP_EXCEEDED,
            f"DA de {euros(amount)} sur {row.code} : au plus {euros(cap)} ({how}).",
        )
    ]


def _ed_cap(first: ResolvedAct, amount: Decimal) -> list[RuleError]:
    row = first.row
    if row is None or row.fee_cap is None:
        return []
    limit = row.fee_cap * first.act.quantity
    if first.base + amount <= limit:
        return []
    return [
        first.error(
            ErrorCode.OVERRUN_CAP_EXCEEDED,
            f"Honoraires de {euros(first.base + amount)} sur {row.code} : les honoraires limites "
            f"de facturation sont de {euros(limit)} ({row.source}).",
        )
    ]
