"""How the lists and sheets name a person (no store, no search: the recette imports it)."""

from __future__ import annotations


def patient_name(last: str | None, first: str | None) -> str:
    """« DURAND Léa » (NOM Prénom): how every list names a patient (the recette too)."""
    return " ".join(x for x in (last or "", (first or "").title()) if x)
