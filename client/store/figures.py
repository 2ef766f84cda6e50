"""The queries of the figures: the dashboard (``client.dashboard``) and the recette of a
period (``client.recette``), which sum their groups as ``Decimal``.

Sums come from the month totals the store keeps by trigger (``fse_month_totals``,
``payment_month_totals``: migration m007), corrected by the days of the period's first and
last months outside it (covering indexes ``fse.care_date``, ``payments.paid_on``: m006).
Amounts are TEXT: SQL groups rows by amount and counts them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from client.store.connection import Repository
from client.store.mapping import row_of

# Kept as constants so the tests and the benchmarks can ask SQLite for their plan.
SQL_FSE_MONTHS = (
    "SELECT month, mode, state, total_fees, amo, amc, n FROM fse_month_totals "
    "WHERE month >= ? AND month <= ? AND n != 0 "
    "AND state NOT IN ('draft', 'cancelled', 'rectified')"
)
SQL_FSE_DAYS = (
    "SELECT substr(care_date, 1, 7) AS month, mode, state, total_fees, amo, amc, count(*) AS n "
    "FROM fse WHERE care_date >= ? AND care_date < ? "
    "AND state NOT IN ('draft', 'cancelled', 'rectified') "
    "GROUP BY month, mode, state, total_fees, amo, amc"
)
# From the month totals (a few hundred rows), not the waiting FSE's index rows (tens of
# thousands in a store with weeks of FSE awaiting their payment: 25–47 ms at 1M).
SQL_WAITING = (
    "SELECT amo, amc, sum(n) AS n FROM fse_month_totals "
    "WHERE state IN ('secured', 'in_lot', 'sent', 'acknowledged') AND n != 0 GROUP BY amo, amc"
)
SQL_RECEIVED_MONTHS = (
    "SELECT month, paid_amo, paid_amc, n FROM payment_month_totals "
    "WHERE month >= ? AND month <= ? AND n != 0 AND outcome IN ('payee', 'payee_partiellement')"
)
# ``+outcome``: a range of ``payments_dashboard`` (paid_on first), not every paid line
# through ``payments_outcome`` (the planner's choice without statistics: 122 ms at 100k).
SQL_RECEIVED_DAYS = (
    "SELECT substr(paid_on, 1, 7) AS month, paid_amo, paid_amc, count(*) AS n FROM payments "
    "WHERE paid_on >= ? AND paid_on < ? AND +outcome IN ('payee', 'payee_partiellement') "
    "GROUP BY month, paid_amo, paid_amc"  # outcome IN client.dashboard.PAID_OUTCOMES
)
SQL_LAST_TRANSMISSION = "SELECT max(last_attempt_at) AS last FROM transmissions"
SQL_LAST_RECEIVED = "SELECT max(received_at) AS last FROM transmissions"


def _scoped(
    sql: str,
    practitioners: frozenset[str] | None,
    payments: bool = False,
    column: str = "practitioner_id",
) -> tuple[str, list[str]]:
    """``sql`` restricted to the FSE (or the payments of the FSE) of ``practitioners``
    (issue #26: what a card may see); None: the whole store, ``sql`` unchanged."""
    if practitioners is None:
        return sql, []
    ids = sorted(practitioners)
    marks = ", ".join("?" * len(ids)) or "NULL"  # nobody: IN (NULL) matches no row
    clause = (
        f" AND fse_uuid IN (SELECT fse_uuid FROM fse WHERE practitioner_id IN ({marks}))"  # noqa: S608
        if payments
        else f" AND {column} IN ({marks})"
    )
    ends = [at for at in (sql.find(" GROUP BY"), sql.find(" ORDER BY")) if at >= 0]
    at = min(ends) if ends else len(sql)
    return sql[:at] + clause + sql[at:], ids


QUERIES = (
    SQL_FSE_MONTHS,
    SQL_FSE_DAYS,
    SQL_WAITING,
    SQL_RECEIVED_MONTHS,
    SQL_RECEIVED_DAYS,
    SQL_LAST_TRANSMISSION,
)

# Recette totals: one row per distinct (practitioner, amounts, tiers payant, settlement)
# with its count; a range of an index on care_date (m006). Rectified FSE count through their
# rectificative, as on the dashboard.
SQL_TOTALS = (
    "SELECT f.practitioner_id, f.total_fees, f.amo, f.amc, f.patient_remainder, "
    "f.tiers_payant_amo AS tp_amo, f.tiers_payant_amc AS tp_amc, "
    "coalesce(s.means, '') AS means, coalesce(s.amount, '0.00') AS collected, count(*) AS n "
    "FROM fse f LEFT JOIN fse_settlements s ON s.fse_id = f.id "
    "WHERE "
    "f.care_date >= ? AND f.care_date <= ? AND f.state NOT IN ('draft', 'cancelled', 'rectified') "
    "AND (? IS NULL OR f.practitioner_id = ?) "
    "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9"
)
SQL_LINES = (
    "SELECT f.practitioner_id, f.number, f.care_date, f.state, f.total_fees, f.amo, f.amc, "
    "f.patient_remainder, f.tiers_payant_amo AS tp_amo, f.tiers_payant_amc AS tp_amc, "
    "p.first_name, p.last_name, s.means, s.amount AS collected "
    "FROM fse f JOIN patients p ON p.id = f.patient_id "
    "LEFT JOIN fse_settlements s ON s.fse_id = f.id "
    "WHERE "
    "f.care_date >= ? AND f.care_date <= ? AND f.state NOT IN ('draft', 'cancelled', 'rectified') "
    "AND (? IS NULL OR f.practitioner_id = ?) "
    "ORDER BY f.care_date, f.practitioner_id, f.number LIMIT ?"
)
SQL_LEFT_OUT = (
    "SELECT f.state, count(*) AS n FROM fse f WHERE f.care_date >= ? AND f.care_date <= ? "
    "AND f.state IN ('cancelled', 'rectified') AND (? IS NULL OR f.practitioner_id = ?) "
    "GROUP BY f.state"
)
SQL_PRACTITIONERS = "SELECT id, first_name, last_name FROM practitioners ORDER BY id"


class FseGroup(NamedTuple):
    """``n`` FSE of one month, mode and state with these amounts (``n`` < 0: taken off)."""

    month: str
    mode: str
    state: str
    total_fees: Decimal
    amo: Decimal
    amc: Decimal
    n: int


class ReceivedGroup(NamedTuple):
    """``n`` payments of one month with these amounts paid (``n`` < 0: taken off)."""

    month: str
    paid_amo: Decimal
    paid_amc: Decimal
    n: int


class AmountGroup(NamedTuple):
    """``n`` FSE still waiting with these amounts."""

    amo: Decimal
    amc: Decimal
    n: int


class RecetteGroup(NamedTuple):
    """``n`` FSE of a practitioner with the same amounts, tiers payant and settlement."""

    practitioner_id: str
    total_fees: Decimal
    amo: Decimal
    amc: Decimal
    patient_remainder: Decimal
    tp_amo: int
    tp_amc: int
    means: str  # '' when the desk recorded nothing
    collected: Decimal
    n: int


class RecetteLineRow(NamedTuple):
    """One FSE of the recette, with its patient's name and its settlement at the desk."""

    practitioner_id: str
    number: int
    care_date: date
    state: str
    total_fees: Decimal
    amo: Decimal
    amc: Decimal
    patient_remainder: Decimal
    tp_amo: int
    tp_amc: int
    first_name: str | None
    last_name: str | None
    means: str | None
    collected: str | None


class PractitionerName(NamedTuple):
    id: str
    first_name: str | None
    last_name: str | None


class Figures(Repository):
    """The dashboard's groups, a few hundred rows whatever the size of the store."""

    def fse_groups(
        self,
        first_month: str,
        last_month: str,
        outside: list[tuple[date, date]],
        practitioners: frozenset[str] | None = None,
    ) -> Iterator[FseGroup]:
        """The FSE of the months ``first_month``..``last_month`` (``YYYY-MM``), then those
        of the days ``outside`` (since, until excluded) counted negatively; only those of
        ``practitioners`` when given (None: every practitioner's)."""
        for r, sign in self._in_period(
            _scoped(SQL_FSE_MONTHS, practitioners),
            _scoped(SQL_FSE_DAYS, practitioners),
            first_month,
            last_month,
            outside,
        ):
            yield FseGroup(
                month=str(r["month"]),
                mode=str(r["mode"]),
                state=str(r["state"]),
                total_fees=Decimal(r["total_fees"]),
                amo=Decimal(r["amo"]),
                amc=Decimal(r["amc"]),
                n=sign * int(r["n"]),
            )

    def received_groups(
        self,
        first_month: str,
        last_month: str,
        outside: list[tuple[date, date]],
        practitioners: frozenset[str] | None = None,
    ) -> Iterator[ReceivedGroup]:
        """The payments that brought money, as :meth:`fse_groups` (by payment date)."""
        for r, sign in self._in_period(
            _scoped(SQL_RECEIVED_MONTHS, practitioners),
            _scoped(SQL_RECEIVED_DAYS, practitioners, payments=True),
            first_month,
            last_month,
            outside,
        ):
            yield ReceivedGroup(
                month=str(r["month"]),
                paid_amo=Decimal(r["paid_amo"]),
                paid_amc=Decimal(r["paid_amc"]),
                n=sign * int(r["n"]),
            )

    def _in_period(
        self,
        months: tuple[str, list[str]],
        days: tuple[str, list[str]],
        first_month: str,
        last_month: str,
        outside: list[tuple[date, date]],
    ) -> Iterator[tuple[dict[str, str | int], int]]:
        (months_sql, months_ids), (days_sql, days_ids) = months, days
        for row in self.db.query(months_sql, [first_month, last_month, *months_ids]):
            yield row, 1
        for since, until in outside:
            for row in self.db.query(days_sql, [since.isoformat(), until.isoformat(), *days_ids]):
                yield row, -1

    def waiting_groups(self, practitioners: frozenset[str] | None = None) -> list[AmountGroup]:
        """The FSE whose money is still expected from the caisses, grouped by amounts
        (only those of ``practitioners`` when given)."""
        sql, ids = _scoped(SQL_WAITING, practitioners)
        return [
            AmountGroup(amo=Decimal(r["amo"]), amc=Decimal(r["amc"]), n=int(r["n"]))
            for r in self.db.query(sql, ids)
        ]

    def last_transmission(self) -> str | None:
        """When a lot was last sent (or received, when no attempt was recorded here)."""
        last = next(iter(self.db.query(SQL_LAST_TRANSMISSION)))["last"]
        if last is None:  # only ever received (202) without an attempt recorded here
            last = next(iter(self.db.query(SQL_LAST_RECEIVED)))["last"]
        return str(last) if last else None

    # -------------------------------------------------------------------------- recette

    def recette_groups(
        self,
        start: date,
        end: date,
        practitioner_id: str | None,
        practitioners: frozenset[str] | None = None,
    ) -> list[RecetteGroup]:
        """The FSE of care dates ``start``..``end`` (of one practitioner, or all; only
        those of ``practitioners`` when given) counted by practitioner, amounts, tiers
        payant and settlement."""
        sql, ids = _scoped(SQL_TOTALS, practitioners, column="f.practitioner_id")
        params = [start.isoformat(), end.isoformat(), practitioner_id, practitioner_id, *ids]
        return [row_of(RecetteGroup, r) for r in self.db.query(sql, params)]

    def recette_lines(
        self,
        start: date,
        end: date,
        practitioner_id: str | None,
        limit: int,
        practitioners: frozenset[str] | None = None,
    ) -> list[RecetteLineRow]:
        """The same FSE one by one, by date of care (``limit`` -1: all)."""
        sql, ids = _scoped(SQL_LINES, practitioners, column="f.practitioner_id")
        params = [start.isoformat(), end.isoformat(), practitioner_id, practitioner_id]
        return [row_of(RecetteLineRow, r) for r in self.db.query(sql, [*params, *ids, limit])]

    def recette_left_out(
        self,
        start: date,
        end: date,
        practitioner_id: str | None,
        practitioners: frozenset[str] | None = None,
    ) -> dict[str, int]:
        """How many FSE of the period are cancelled or rectified, by state."""
        sql, ids = _scoped(SQL_LEFT_OUT, practitioners, column="f.practitioner_id")
        params = [start.isoformat(), end.isoformat(), practitioner_id, practitioner_id, *ids]
        return {str(r["state"]): int(r["n"]) for r in self.db.query(sql, params)}

    def practitioner_names(self) -> list[PractitionerName]:
        """Every practitioner known here, by id."""
        return [row_of(PractitionerName, r) for r in self.db.query(SQL_PRACTITIONERS)]
