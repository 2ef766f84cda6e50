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

    def count(self, start: date, end: date) -> int:
        """ApCV FSE of care dates ``start``..``end`` (included), as the dashboard counts
        FSE (drafts, cancelled and rectified ones left out)."""
        row = self._one(SQL_APCV_COUNT, [start.isoformat(), end.isoformat()])
        return int(row["n"]) if row else 0
