"""What backup, restore and ``sesam audit`` read from the live database: its quick check, the
numbering counters a restore carries over, and the raw bytes of the journal's rows.

Copying the database file (SQLite's backup API) and checking a backup file on its own
connection are file-level work: they stay in :mod:`client.backup_files`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from client.store.connection import Repository
from client.store.mapping import row_of

#: The tables whose text ``sesam audit verify`` may have to scan byte by byte, and their key.
JournalTable = Literal["audit_journal", "fse_events"]
_KEYS: dict[str, str] = {"audit_journal": "seq", "fse_events": "id"}


@dataclass(frozen=True, slots=True)
class CounterMarks:
    """One practitioner's last numbers, as the ``counters`` table holds them."""

    practitioner_id: str
    last_fse_number: int
    last_lot_number: int
    lot_closings: int


class Maintenance(Repository):
    """Checks and raw reads for backup, restore and the audit."""

    def quick_check(self) -> list[tuple[object, ...]]:
        """``PRAGMA quick_check`` (cheap: no index cross-check): ``[("ok",)]`` when sound.

        :raises sqlite3.DatabaseError: SQLite found the file too damaged to check.
        """
        return [tuple(r) for r in self.db.conn.execute("PRAGMA quick_check").fetchall()]

    def counter_marks(self) -> list[CounterMarks]:
        """Every practitioner's counters."""
        return [
            row_of(CounterMarks, r)
            for r in self.db.query(
                "SELECT practitioner_id, last_fse_number, last_lot_number, lot_closings "
                "FROM counters"
            )
        ]

    def first_undecodable(self, table: JournalTable) -> int | None:
        """The key of the first row of ``table`` holding text that is not UTF-8, if any.

        Each column is read as bytes: reading it as text is what failed.
        """
        key = _KEYS[table]
        conn = self.db.conn
        # Only text columns: the journal's packed record and hash are bytes (issue #27).
        columns = [
            r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[2].upper() != "BLOB"
        ]
        raw = ", ".join(f"CAST({c} AS BLOB)" for c in columns if c != key)
        if not raw:
            return None
        # ``table`` and ``key`` come from the constant table above; the columns from SQLite.
        for row in conn.execute(f"SELECT {key}, {raw} FROM {table} ORDER BY {key}"):  # noqa: S608
            for value in row[1:]:
                if isinstance(value, bytes):
                    try:
                        value.decode("utf-8")
                    except UnicodeDecodeError:
                        return int(row[0])
        return None
