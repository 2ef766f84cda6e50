"""Figures of the dashboard, for the desktop UI and ``sesam dashboard``: télétransmission
rate (dégradé excluded), fees billed and received per month, amounts waiting, rejects, days
since the last transmission.

Sums come from the month totals the store keeps by trigger (``fse_month_totals``,
``payment_month_totals``: migration m007), corrected by the days of the period's first and
last months that fall outside it (a range of a covering index: ``fse.care_date``,
``payments.paid_on``, m006); the FSE still waiting are a range of ``fse.state``. A few
hundred rows come back whatever the size of the store. Amounts are stored as text: SQL
would sum them as floats, so it groups by amount too and counts, and the groups are summed
here as ``Decimal`` (amount × count: the same value and the same exponent as adding every
row).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from billing.fse_states import UNCOUNTED_STATES, FseState
from client.remainders import remainder_totals
from client.store import Store, figures

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")

#: States whose money is still expected from the caisses.
WAITING_STATES = (
    FseState.SECURED,
    FseState.IN_LOT,
    FseState.SENT,
    FseState.ACKNOWLEDGED,
)
#: States that count as a reject: NOEMIE reject or negative ARL.
REJECT_STATES = (FseState.REJECTED, FseState.REFUSED)
assert {s.value for s in WAITING_STATES} == {"secured", "in_lot", "sent", "acknowledged"}  # noqa: S101

#: A rectified FSE counts through its rectificative: the care is counted once.
assert {s.value for s in UNCOUNTED_STATES} == {"draft", "cancelled", "rectified"}  # noqa: S101

#: Payments that brought money (``client.returns.Reconciliation`` values).
PAID_OUTCOMES = ("payee", "payee_partiellement")

# The queries live in the store (``client.store.figures``); named here too for the tests.
QUERIES = figures.QUERIES


class DashboardPeriodError(ValueError):
    """The period asked for ends before it starts."""

    def __init__(self, start: date, end: date) -> None:
        super().__init__(
            f"Période invalide : le {end.isoformat()} est avant le {start.isoformat()}."
        )


class MonthFigures(NamedTuple):
    """One month: fees billed (by date of care), money received (by payment date)."""

    month: str  # "AAAA-MM"
    fse_count: int
    fees: Decimal  # honoraires facturés (total of the FSE)
    billed: Decimal  # part billed to the caisses (AMO + AMC)
    received: Decimal  # paid by NOEMIE during the month
    rejects: int

    @property
    def label(self) -> str:
        """'MM/AAAA' for charts."""
        return f"{self.month[5:7]}/{self.month[:4]}"

    def to_json(self) -> dict[str, Any]:
        """For ``--json`` output (amounts as strings)."""
        return {
            "mois": self.month,
            "fse": self.fse_count,
            "honoraires": str(self.fees),
            "facture_caisses": str(self.billed),
            "recu": str(self.received),
            "rejets": self.rejects,
        }


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Figures over a period of care dates (``start``..``end`` included)."""

    start: date
    end: date
    fse_count: int
    vitale_count: int
    degrade_count: int
    fees: Decimal
    billed: Decimal
    received: Decimal
    # Every FSE still waiting for its money, whatever its date, and the remainders claimed
    # from the caisse (still expected: client.remainders).
    waiting_amount: Decimal
    waiting_count: int
    rejects: int
    last_transmission: str | None  # database timestamp
    days_since_transmission: int | None
    months: tuple[MonthFigures, ...] = field(default=())
    # Unpaid remainders of partly paid and rejected FSE not closed by the user, any date.
    unpaid_amount: Decimal = ZERO
    unpaid_count: int = 0
    claimed_amount: Decimal = ZERO  # claimed from the caisse (counted in waiting too)
    claimed_count: int = 0
    # Of ``vitale_count``: the FSE secured by the application carte Vitale (ApCV).
    apcv_count: int = 0

    @property
    def mode_counts(self) -> dict[str, int]:
        """FSE by securing mode: the card, its application, sans Vitale, dégradé."""
        return {
            "vitale": self.vitale_count - self.apcv_count,
            "apcv": self.apcv_count,
            "sans_vitale": self.fse_count - self.vitale_count - self.degrade_count,
            "degrade": self.degrade_count,
        }

    @property
    def mode_shares(self) -> dict[str, Decimal]:
        """The share of FSE of each securing mode, in percent (empty without FSE)."""
        if not self.fse_count:
            return {}
        return {
            mode: (Decimal(100 * n) / self.fse_count).quantize(Decimal("0.1"))
            for mode, n in self.mode_counts.items()
        }

    @property
    def teletransmission_rate(self) -> Decimal | None:
        """Percentage of FSE sent secured (Vitale or sans Vitale), dégradé excluded."""
        if not self.fse_count:
            return None
        secured = self.fse_count - self.degrade_count
        return (Decimal(100 * secured) / self.fse_count).quantize(Decimal("0.1"))

    @property
    def vitale_rate(self) -> Decimal | None:
        """Percentage of FSE secured by the carte Vitale (the card or its application)."""
        if not self.fse_count:
            return None
        return (Decimal(100 * self.vitale_count) / self.fse_count).quantize(Decimal("0.1"))

    def to_json(self) -> dict[str, Any]:
        """For ``sesam dashboard --json``."""

        def rate(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "du": self.start.isoformat(),
            "au": self.end.isoformat(),
            "fse": self.fse_count,
            "fse_vitale": self.vitale_count,
            "fse_degrade": self.degrade_count,
            "taux_teletransmission": rate(self.teletransmission_rate),
            "taux_vitale": rate(self.vitale_rate),
            "fse_apcv": self.apcv_count,
            "fse_par_mode": self.mode_counts,
            "part_par_mode": {k: str(v) for k, v in self.mode_shares.items()},
            "honoraires": str(self.fees),
            "facture_caisses": str(self.billed),
            "recu": str(self.received),
            "en_attente": str(self.waiting_amount),
            "fse_en_attente": self.waiting_count,
            "rejets": self.rejects,
            "non_payes": str(self.unpaid_amount),
            "fse_non_payees": self.unpaid_count,
            "reclames": str(self.claimed_amount),
            "fse_reclamees": self.claimed_count,
            "derniere_transmission": self.last_transmission,
            "jours_depuis_transmission": self.days_since_transmission,
            "mois": [m.to_json() for m in self.months],
        }


def month_start(day: date, back: int = 0) -> date:
    """The first day of the month ``back`` months before ``day``'s."""
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _month_keys(start: date, end: date) -> list[str]:
    keys = []
    current = month_start(start)
    while current <= end:
        keys.append(f"{current.year:04d}-{current.month:02d}")
        current = month_start(date(current.year + current.month // 12, current.month % 12 + 1, 1))
    return keys


def _outside(start: date, end: date) -> list[tuple[date, date]]:
    """The days of the first and last months outside ``start``..``end`` (usually none
    before ``start``, a month's first day, and none after ``end``, today)."""
    outside = ((month_start(start), start), (end + timedelta(days=1), month_start(end, -1)))
    return [(since, until) for since, until in outside if since < until]


def compute(
    store: Store,
    start: date,
    end: date,
    now: datetime,
    practitioners: frozenset[str] | None = None,
) -> Dashboard:
    """The dashboard over care dates ``start``..``end`` (included), read in one go; of
    ``practitioners``' FSE and payments only when given (issue #26: who is looking).

    :raises DashboardPeriodError: ``end`` is before ``start``.
    """
    if end < start:
        raise DashboardPeriodError(start, end)
    keys = _month_keys(start, end)
    per_month: dict[str, dict[str, Any]] = {
        k: {"count": 0, "fees": ZERO, "billed": ZERO, "received": ZERO, "rejects": 0} for k in keys
    }
    count = vitale = degrade = rejects = 0
    fees = billed = received = ZERO
    reject_states = {s.value for s in REJECT_STATES}
    outside = _outside(start, end)
    for group in store.figures.fse_groups(keys[0], keys[-1], outside, practitioners):
        month = per_month[group.month]
        n = group.n
        amount = (group.amo + group.amc) * n
        total_fees = group.total_fees * n
        count += n
        vitale += n if group.mode == "vitale" else 0
        degrade += n if group.mode == "degrade" else 0
        fees += total_fees
        billed += amount
        month["count"] += n
        month["fees"] += total_fees
        month["billed"] += amount
        if group.state in reject_states:
            rejects += n
            month["rejects"] += n
    for paid in store.figures.received_groups(keys[0], keys[-1], outside, practitioners):
        amount = (paid.paid_amo + paid.paid_amc) * paid.n
        received += amount
        per_month[paid.month]["received"] += amount
    waiting = ZERO
    waiting_count = 0
    for waits in store.figures.waiting_groups(practitioners):
        waiting += (waits.amo + waits.amc) * waits.n
        waiting_count += waits.n
    remainders = remainder_totals(store, practitioners)
    waiting += remainders.claimed_amount
    waiting_count += remainders.claimed_count
    last = store.figures.last_transmission()
    days = None
    if last:
        days = max(0, (now.date() - date.fromisoformat(last[:10])).days)
    return Dashboard(
        start=start,
        end=end,
        fse_count=count,
        vitale_count=vitale,
        degrade_count=degrade,
        fees=fees,
        billed=billed,
        received=received,
        waiting_amount=waiting,
        waiting_count=waiting_count,
        unpaid_amount=remainders.unpaid_amount,
        unpaid_count=remainders.unpaid_count,
        claimed_amount=remainders.claimed_amount,
        claimed_count=remainders.claimed_count,
        apcv_count=store.apcv.count(start, end, practitioners),
        rejects=rejects,
        last_transmission=last,
        days_since_transmission=days,
        months=tuple(
            MonthFigures(
                month=k,
                fse_count=v["count"],
                fees=v["fees"],
                billed=v["billed"],
                received=v["received"],
                rejects=v["rejects"],
            )
            for k, v in per_month.items()
        ),
    )


def last_months(store: Store, now: datetime, months: int = 6) -> Dashboard:
    """The dashboard of the ``months`` last months, the current one included."""
    today = now.date()
    return compute(store, month_start(today, months - 1), today, now)
