"""The outbox's totals by status (``sesam queue status``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from client.store.connection import Repository
from client.store.rows import OutboxStatus
from client.store.scoping import within


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

    def by_status(self, practitioners: frozenset[str] | None = None) -> list[OutboxTotal]:
        """The queue's lots and their FSE per status (of ``practitioners`` when given)."""
        seen, ids = within("l.practitioner_id", practitioners)
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
                "SELECT o.status, count(DISTINCT o.id) AS lots, count(f.id) AS fse, "  # noqa: S608
                "coalesce(sum(CAST(f.total_fees AS REAL)), 0) AS total, "
                "coalesce(sum(CAST(f.amo AS REAL)), 0) AS amo, "
                "coalesce(sum(CAST(f.amc AS REAL)), 0) AS amc "
                "FROM outbox o JOIN lots l ON l.id = o.id "
                f"LEFT JOIN fse f ON f.lot_id = o.id WHERE 1 = 1{seen} "
                "GROUP BY o.status",
                ids,
            )
        ]
