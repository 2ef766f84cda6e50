"""What the AMC did not pay of its part (migration m025): the DRE paid short or rejected by
the complémentaire (gestion séparée), kept by triggers beside the caisse's remainders
(m021) and read here for :mod:`client.remainders` — the list, the closing, the totals."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from client.store.connection import Repository
from client.store.mapping import row_of
from client.store.scoping import Scope, within

#: The remainders with their AMC payment line, their FSE and the AMC of their DRE lot.
_ROWS = (
    "SELECT r.amc_payment_id, r.fse_uuid, r.outcome, r.billed_amc, r.paid_amc, "
    "m.motif_code, m.motif_label, m.recorded_at, f.number, f.care_date, f.practitioner_id, "
    "coalesce(l.amc, '') AS amc_number, nullif(r.closed, '') AS closed "
    "FROM amc_remainders r JOIN amc_payments m ON m.id = r.amc_payment_id "
    "JOIN fse f ON f.fse_uuid = r.fse_uuid LEFT JOIN amc_dre_lots l ON l.id = m.lot_id "
)


def _closed(include_claimed: bool) -> str:
    return "(r.closed = ''" + (" OR r.closed = 'reclame')" if include_claimed else ")")


class AmcRemainderRow(NamedTuple):
    """The AMC's answer for an FSE whose AMC part is unpaid in part or in full, with its
    FSE and the motif of the FSE's latest closure (None when not closed)."""

    amc_payment_id: int
    fse_uuid: str
    outcome: str  # client.reconciliation.Reconciliation: payee_partiellement | rejetee
    billed_amc: Decimal
    paid_amc: Decimal
    motif_code: str
    motif_label: str
    recorded_at: str
    number: int
    care_date: str
    practitioner_id: str
    amc_number: str
    closed: str | None


class AmcRemainderGroup(NamedTuple):
    """``n`` AMC remainders with the same closure, outcome and amounts."""

    closed: str | None
    outcome: str
    billed_amc: Decimal
    paid_amc: Decimal
    n: int


class AmcRemainders(Repository):
    """The AMC parts unpaid, as the m025 triggers keep them."""

    def remainders(
        self,
        *,
        include_claimed: bool,
        limit: int | None = None,
        offset: int = 0,
        practitioners: Scope = None,
    ) -> list[AmcRemainderRow]:
        """Those not closed (claimed ones too with ``include_claimed``), oldest answer
        first (a page when ``limit``), in the order of their index; those of
        ``practitioners`` when given."""
        seen, ids = within("r.practitioner_id", practitioners)
        sql = f"{_ROWS}WHERE {_closed(include_claimed)}{seen} ORDER BY r.amc_payment_id"
        values: list[object] = [*ids]
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            values += [limit, offset]
        return [row_of(AmcRemainderRow, r) for r in self.db.query(sql, values)]

    def remainder_of(self, fse_uuid: str) -> AmcRemainderRow | None:
        """The AMC remainder of one FSE, closed or not; None when its AMC owes nothing."""
        row = self._one(f"{_ROWS}WHERE r.fse_uuid = ?", [fse_uuid])
        return row_of(AmcRemainderRow, row) if row else None

    def groups(self, practitioners: Scope = None) -> list[AmcRemainderGroup]:
        """Every AMC remainder (of ``practitioners`` when given), grouped by closure,
        outcome and amounts (summed by the caller), as the triggers count them
        (``amc_remainder_counts``)."""
        seen, ids = within("practitioner_id", practitioners)
        return [
            row_of(AmcRemainderGroup, r)
            for r in self.db.query(
                "SELECT nullif(closed, '') AS closed, outcome, billed_amc, paid_amc, "  # noqa: S608
                f"sum(n) AS n FROM amc_remainder_counts WHERE n > 0{seen} "
                "GROUP BY closed, outcome, billed_amc, paid_amc",
                ids,
            )
        ]
