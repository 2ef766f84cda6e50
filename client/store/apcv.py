"""The ApCV FSE in the store (migration m019): they are stored in the secured lots' mode
(``vitale``) with their session, so the figures tell them apart here."""

from __future__ import annotations

from datetime import date

from client.store.connection import Repository

SQL_APCV_COUNT = (
    "SELECT count(*) AS n FROM fse WHERE care_date >= ? AND care_date <= ? "
    "AND apcv_session <> '' AND state NOT IN ('draft', 'cancelled', 'rectified')"
)


class ApcvFigures(Repository):
    """How many FSE were secured « ApCV »."""

    def count(self, start: date, end: date, practitioners: frozenset[str] | None = None) -> int:
        """ApCV FSE of care dates ``start``..``end`` (included), as the dashboard counts
        FSE (drafts, cancelled and rectified ones left out), of ``practitioners`` only
        when given (issue #26: who is looking)."""
        sql, values = SQL_APCV_COUNT, [start.isoformat(), end.isoformat()]
        if practitioners is not None:
            ids = sorted(practitioners)
            marks = ", ".join("?" * len(ids)) or "NULL"  # nobody: IN (NULL) matches no row
            sql, values = f"{sql} AND practitioner_id IN ({marks})", [*values, *ids]
        row = self._one(sql, values)
        return int(row["n"]) if row else 0
