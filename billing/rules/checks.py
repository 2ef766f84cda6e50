"""Runs every rule family on a priced invoice."""

from __future__ import annotations

from typing import TYPE_CHECKING

from billing.rules.codes import ResolvedAct, RuleError
from billing.rules.cumul import check_cumul
from billing.rules.eligibility import check_eligibility
from billing.rules.frequency import check_frequency
from billing.rules.overrun import check_overrun
from billing.rules.teleconsultation import check_teleconsultation

if TYPE_CHECKING:
    from billing.referential import Referential
    from billing.request import PricingRequest


def check_invoice(
    request: PricingRequest, acts: tuple[ResolvedAct, ...], referential: Referential
) -> list[RuleError]:
    """Every rule error of the invoice; acts whose row is None were reported by pricing."""
    errors: list[RuleError] = []
    errors += check_eligibility(request, acts, referential)
    errors += check_cumul(acts, referential)
    errors += check_frequency(request, acts, referential)
    errors += check_overrun(request, acts, referential)
    errors += check_teleconsultation(request, acts)
    return errors
