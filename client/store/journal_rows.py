"""The audit journal's rows written by older versions, regrouped as a store written today
keeps them (issue #27, migration m037).

Before m029 every entry but a lot's was a row of its own, its hash whole (~230 B an entry);
a store written today keeps the entries one operation writes together in one row (a secured
FSE's created, secured and lot member entries; a NOEMIE file's entries), the inner hashes as
prefixes (``client.store.journal``). Rows are storage: the entries, their ``seq`` and their
hashes are what ``sesam audit verify`` checks, and they read the same after.

Regrouped: consecutive rows of one entry written at the same instant (one operation stamps
its entries with one time). Each entry's hash is checked through the chain first: when all
of a group's do, the row is today's (inner hashes as prefixes); when one does not (a journal
tampered with, or not chained), the group's hashes are kept whole end to end, so every
entry reads back exactly as stored and ``sesam audit verify`` names the same entry, for the
same reason, as before. A damaged row is copied as it is and joined to none.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from billing.audit import GENESIS, AuditEntry
from client.migration_progress import STEP_JOURNAL_REGROUPED, report
from client.store.journal import _HASH, _UNREADABLE, _row_entries, entry_of, stored_entries
from client.store.packing import pack_records

logger = logging.getLogger(__name__)

#: Entries in one regrouped row at most: bounds a row's size (a NOEMIE file of thousands of
#: lines stamps them all with one time).
GROUP_LIMIT = 256

#: The table the rows are copied into, renamed ``audit_journal`` by the migration.
REGROUPED_TABLE = "audit_journal_regrouped"
_INSERT = f"INSERT INTO {REGROUPED_TABLE} (seq, record, hash) VALUES (?, ?, ?)"  # noqa: S608


@dataclass(frozen=True, slots=True)
class Regrouped:
    """What a regrouping did: rows read and written, entries carried."""

    rows_before: int
    rows_after: int
    entries: int


def regroup_journal(conn: Any, batch: int) -> Regrouped:
    """Copy ``audit_journal`` into ``REGROUPED_TABLE`` (made by the caller), its rows of one
    entry regrouped (see the module), ``batch`` rows read at a time, the progress in the log
    (``regroupement du journal d'audit : n / total``). ``conn``: the store's raw connection,
    SQLite or PostgreSQL (``execute``, ``executemany``, in the caller's transaction)."""
    total = int(conn.execute("SELECT count(*) FROM audit_journal").fetchone()[0])
    group: list[AuditEntry] = []
    verified: list[bool] = []  # each entry of the group: its stored hash is its own
    verified_raw: list[bytes] = []  # each entry's stored hash
    written: list[tuple[int, Any, Any]] = []
    previous, last, done, entries = GENESIS, 0, 0, 0

    def flush() -> None:
        if not group:
            return
        if all(verified):  # read back the same from their prefixes: today's row
            written.append(stored_entries(group))
        else:  # whole hashes end to end, as lots' rows were: read back as they were
            records = [(e.at, e.kind, e.fse_id, e.lot_id, e.payload) for e in group]
            written.append((group[0].seq, pack_records(records), b"".join(verified_raw)))
        group.clear()
        verified.clear()
        verified_raw.clear()

    while True:
        rows = conn.execute(
            "SELECT seq, record, hash FROM audit_journal WHERE seq > ? ORDER BY seq LIMIT ?",
            [last, batch],
        ).fetchall()
        if not rows:
            break
        for seq, record, hash_value in rows:
            kept = _row_entries(record, hash_value)
            read = []
            for i, (fields, current) in enumerate(kept):
                read.append(entry_of(int(seq) + i, fields, current, previous))
                previous = read[-1].hash
            entries += len(read)
            only = read[0]
            joinable = (
                len(kept) == 1
                and kept[0][0] is not _UNREADABLE
                and isinstance(hash_value, bytes | memoryview)
                and len(bytes(hash_value)) == _HASH
            )
            if not joinable:
                flush()
                written.append((int(seq), record, hash_value))  # as found
                continue
            if not (
                group
                and group[-1].seq + 1 == only.seq
                and group[0].at == only.at
                and len(group) < GROUP_LIMIT
            ):
                flush()
            group.append(only)
            verified.append(only.computed_hash() == only.hash)
            verified_raw.append(bytes(hash_value))
        last, done = rows[-1][0], done + len(rows)
        # The group in hand may go on in the next batch: only what is complete is written.
        _write(conn, written)
        logger.info("regroupement du journal d'audit : %d / %d", done, total)
        report(STEP_JOURNAL_REGROUPED, done, total)
    flush()
    _write(conn, written)
    after = int(conn.execute(f"SELECT count(*) FROM {REGROUPED_TABLE}").fetchone()[0])  # noqa: S608
    return Regrouped(rows_before=total, rows_after=after, entries=entries)


def _write(conn: Any, rows: list[tuple[int, Any, Any]]) -> None:
    if rows:
        conn.executemany(_INSERT, rows)
        rows.clear()
