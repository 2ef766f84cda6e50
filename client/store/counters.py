"""The number counters raised, at each opening, to the high-water mark: the max of the
counter, the numbers in use and ``numbering.json`` (``client.store`` says why)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from client.store.base import Numbers
from client.store.connection import Connection
from client.store.stamps import stamp


def reconcile_counters(
    conn: Connection, numbers: Numbers, renew_open_lots: Callable[[str], None]
) -> None:
    """Raise every practitioner's counters; ``renew_open_lots(id)`` when numbering.json is
    ahead of the database (a restored copy, or a crash right after numbering): its open lots
    may have been sent since under the same numbers.

    Here rather than with the lot writer: every opening runs it, a listing included, and
    the lot writer (journal, audit chain) is loaded only when a lot changes (issue #27).
    """
    marks = conn.numbering.read()
    with conn.write():
        ids = {r["id"] for r in conn.db.query("SELECT id FROM practitioners")}
        for pid in sorted(ids | set(marks)):
            if pid not in ids:
                # A practitioner known only to the high-water mark (older DB restored).
                conn.db.execute(
                    "INSERT INTO practitioners (id, billing_number, billing_key, created_at) "
                    "VALUES (?, ?, ?, ?)",
                    [pid, pid[:-1], pid[-1:], stamp(datetime.now(UTC))],
                )
            used = conn.one(
                "SELECT (SELECT COALESCE(MAX(number), 0) FROM fse WHERE practitioner_id = ?)"
                " AS fse, (SELECT COALESCE(MAX(number), 0) FROM lots "
                "WHERE practitioner_id = ?) AS lot, (SELECT lot_closings FROM counters "
                "WHERE practitioner_id = ?) AS closings",
                [pid, pid, pid],
            ) or {"fse": 0, "lot": 0, "closings": None}
            last_fse, last_lot = numbers.counters(pid)
            closings = int(used["closings"] or 0)
            mark = marks.get(pid, {})
            fse_n = max(last_fse, used["fse"], mark.get("fse", 0))
            lot_n = max(last_lot, used["lot"], mark.get("lot", 0))
            closing_n = max(closings, mark.get("closing", 0))
            conn.db.execute(
                "INSERT INTO counters (practitioner_id, last_fse_number, last_lot_number, "
                "lot_closings) VALUES (?, ?, ?, ?) ON CONFLICT (practitioner_id) DO UPDATE "
                "SET last_fse_number = excluded.last_fse_number, "
                "last_lot_number = excluded.last_lot_number, "
                "lot_closings = excluded.lot_closings",
                [pid, fse_n, lot_n, closing_n],
            )
            if mark.get("lot", 0) > max(last_lot, used["lot"]) or closing_n > closings:
                renew_open_lots(pid)
