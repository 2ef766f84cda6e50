"""The outbox's totals by status (``sesam queue status``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from client.store.connection import Repository
from client.store.rows import OutboxStatus


@dataclass(frozen=True, slots=True)
class OutboxTotal:
    """The lots of one outbox status, their FSE and amounts."""

    status: OutboxStatus
    lots: int
    fse: int
    total: Decimal
    amo: Decimal
    amc: Decimal


class OutboxTotals(Repository):
    """Counts and amounts of the outbox, by status."""

    def by_status(self) -> list[OutboxTotal]:
        return [
            OutboxTotal(
                status=OutboxStatus(r["status"]),
                lots=int(r["lots"]),
                fse=int(r["fse"]),
                # Summed as REAL by SQLite: through str as the command always read them.
                total=Decimal(str(r["total"])),
                amo=Decimal(str(r["amo"])),
                amc=Decimal(str(r["amc"])),
            )
            for r in self.db.query(
                "SELECT o.status, count(DISTINCT o.id) AS lots, count(f.id) AS fse, "
                "coalesce(sum(CAST(f.total_fees AS REAL)), 0) AS total, "
                "coalesce(sum(CAST(f.amo AS REAL)), 0) AS amo, "
                "coalesce(sum(CAST(f.amc AS REAL)), 0) AS amc "
                "FROM outbox o LEFT JOIN fse f ON f.lot_id = o.id "
                "GROUP BY o.status"
            )
        ]
