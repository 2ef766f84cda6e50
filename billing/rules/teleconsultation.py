"""The téléconsultation rules (NGAP art. 14.9.3, convention médicale 2024 [002 L3410-3503]):
codes billed only in téléconsultation (TC2 [002 L2089]) and codes never billed in one (the
urgency majorations of NGAP art. 14 and 14.2 [002 L2151]), read from
``billing/tariffs/teleconsultation.json`` with their sources."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from billing.referential_files import read_data_file
from billing.rules.codes import ErrorCode, ResolvedAct, RuleError

if TYPE_CHECKING:
    from billing.request import PricingRequest


@functools.cache
def _lists() -> tuple[Mapping[str, str], Mapping[str, str]]:
    data = json.loads(read_data_file("teleconsultation.json"))
    return dict(data["only_in_teleconsultation"]), dict(data["not_in_teleconsultation"])


def misplaced_codes(codes: Iterable[str], teleconsultation: bool) -> list[str]:
    """What the rules refuse among ``codes``, each as « CODE seulement en
    téléconsultation » or « CODE jamais en téléconsultation » (the caisse's check too)."""
    only, never = _lists()
    found = []
    for code in dict.fromkeys(codes):
        if teleconsultation and code in never:
            found.append(f"{code} jamais en téléconsultation")
        elif not teleconsultation and code in only:
            found.append(f"{code} seulement en téléconsultation")
    return found


def check_teleconsultation(
    request: PricingRequest, acts: tuple[ResolvedAct, ...]
) -> list[RuleError]:
    """Acts the invoice may not carry in (or outside) a téléconsultation."""
    only, never = _lists()
    errors: list[RuleError] = []
    for resolved in acts:
        code = resolved.act.code.strip().upper()
        if request.teleconsultation and code in never:
            errors.append(
                resolved.error(
                    ErrorCode.TELECONSULTATION,
                    f"Le code {code} ne se facture pas en téléconsultation ({never[code]}).",
                )
            )
        elif not request.teleconsultation and code in only:
            errors.append(
                resolved.error(
                    ErrorCode.TELECONSULTATION,
                    f"Le code {code} ne se facture qu'en téléconsultation ({only[code]}) : "
                    "cochez « téléconsultation » ou cotez l'acte fait au cabinet.",
                )
            )
    return errors
