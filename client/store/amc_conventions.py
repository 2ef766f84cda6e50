"""The AMC conventions table (migration m017): which complémentaires the cabinet has a
convention with, and whether it allows their part in tiers payant; and what an AMC already
paid for a patient this year (its yearly ceiling)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from client.store.connection import Repository
from client.store.rows import parse_db_stamp, stamp


class AmcConvention(NamedTuple):
    """One convention with a complémentaire."""

    amc_number: str  # n° AMC, 8 digits
    name: str
    convention: str
    tiers_payant: bool
    updated_at: datetime
    #: Its payment delay in days (the late-AMC alert); None: the default of
    #: ``billing/tariffs/amc-delais.json`` (column of m025).
    delay_days: int | None = None


class AmcConventions(Repository):
    """The conventions table and the AMC's yearly consumption."""

    def conventions(self) -> list[AmcConvention]:
        """Every convention, by n° AMC."""
        rows = self.db.execute(
            "SELECT amc_number, name, convention, tiers_payant, updated_at, delay_days "
            "FROM amc_conventions ORDER BY amc_number"
        ).fetchall()
        return [_convention(row) for row in rows]

    def convention(self, amc_number: str) -> AmcConvention | None:
        """The convention with this AMC, or None (no AMC part, nothing sent to it)."""
        row = self.db.execute(
            "SELECT amc_number, name, convention, tiers_payant, updated_at, delay_days "
            "FROM amc_conventions WHERE amc_number = ?",
            [amc_number],
        ).fetchone()
        return _convention(row) if row else None

    def set_convention(
        self,
        amc_number: str,
        name: str,
        convention: str,
        tiers_payant: bool,
        now: datetime,
        delay_days: int | None = None,
    ) -> None:
        """Add or replace a convention (``delay_days`` None: the default delay)."""
        with self.write():
            self.db.execute(
                "INSERT INTO amc_conventions (amc_number, name, convention, tiers_payant, "
                "updated_at, delay_days) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (amc_number) "
                "DO UPDATE SET name = excluded.name, convention = excluded.convention, "
                "tiers_payant = excluded.tiers_payant, updated_at = excluded.updated_at, "
                "delay_days = excluded.delay_days",
                [amc_number, name, convention, int(tiers_payant), stamp(now), delay_days],
            )

    def remove_convention(self, amc_number: str) -> bool:
        """Forget a convention; False when there was none."""
        with self.write():
            cursor = self.db.execute(
                "DELETE FROM amc_conventions WHERE amc_number = ?", [amc_number]
            )
        return bool(cursor.rowcount)

    def amc_used_in_year(self, patient_id: str, year: int) -> Decimal:
        """The AMC parts billed by this cabinet for the patient in the civil ``year`` (the
        yearly ceilings count them; what other practitioners billed is not known here).
        The FSE cancelled, rectified or rejected bill nothing."""
        rows = self.db.execute(
            "SELECT amc FROM fse WHERE patient_id = ? AND care_date >= ? AND care_date < ? "
            "AND state NOT IN ('cancelled', 'rectified', 'rejected')",
            [patient_id, date(year, 1, 1).isoformat(), date(year + 1, 1, 1).isoformat()],
        ).fetchall()
        return sum((Decimal(str(r[0])) for r in rows), Decimal("0.00"))


def _convention(row: tuple[object, ...]) -> AmcConvention:
    number, name, convention, tp, updated, delay = row
    return AmcConvention(
        str(number),
        str(name),
        str(convention),
        bool(tp),
        parse_db_stamp(str(updated)),
        None if delay is None else int(str(delay)),
    )
