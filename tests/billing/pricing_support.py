"""Builders shared by the billing-engine tests (pricing, rules, referential)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from billing.pricing import PricedInvoice, price
from billing.referential import Referential
from billing.request import (
    Act,
    CarePathway,
    HistoryEntry,
    Overrun,
    OverrunKind,
    Patient,
    Practitioner,
    PricingRequest,
    Sector,
)

# The team's shared folder stands beside the repository (as it does in CI).
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
S002 = "002_43679c6e4e635b7a.txt"
S001 = "001_778817741b762352.txt"
ADULT = date(1980, 5, 1)


def referential() -> Referential:
    return Referential.load_default()


def make_request(
    codes: list[str | Act] | tuple[str | Act, ...] = ("G",),
    *,
    on: str = "2025-03-10",
    specialty: str = "01",
    sector: str = "1",
    optam: bool = False,
    treating: bool = True,
    zone: str = "metropole",
    birth: date | str = ADULT,
    pathway: str = "in",
    overrun: tuple[str, str] | None = None,
    history: list[tuple[str, str]] | list[HistoryEntry] | None = None,
    **patient: Any,
) -> PricingRequest:
    acts = tuple(a if isinstance(a, Act) else Act(a) for a in codes)
    hist: list[HistoryEntry] = []
    for item in history or []:
        if isinstance(item, HistoryEntry):
            hist.append(item)
        else:
            hist.append(HistoryEntry(date.fromisoformat(item[0]), item[1]))
    return PricingRequest(
        date_of_care=date.fromisoformat(on),
        practitioner=Practitioner(specialty, Sector(sector), optam, treating, zone),
        patient=Patient(
            birth_date=birth if isinstance(birth, date) else date.fromisoformat(birth),
            care_pathway=CarePathway(pathway),
            **patient,
        ),
        acts=acts,
        overrun=None if overrun is None else Overrun(OverrunKind(overrun[0]), Decimal(overrun[1])),
        history=tuple(hist),
    )


def price_of(*args: Any, **kwargs: Any) -> PricedInvoice:
    return price(make_request(*args, **kwargs), referential())


def error_codes(invoice: PricedInvoice) -> set[str]:
    return {error.code.value for error in invoice.errors}


def seed_line(file: str, line: int) -> str:
    return (SEEDS / file).read_text(encoding="utf-8").splitlines()[line - 1]
