"""Parcours de soins: whether the patient counts as out of it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from billing.referential import Parameters, age_in_years

if TYPE_CHECKING:
    from billing.request import PricingRequest


def is_out_of_pathway(request: PricingRequest, parameters: Parameters) -> bool:
    """Out of the parcours de soins; a patient under 16 never is (regulation, ticket 3)."""
    if request.patient.care_pathway != "out":
        return False
    age = age_in_years(request.patient.birth_date, request.date_of_care)
    return age >= parameters.pathway_exempt_below_age
