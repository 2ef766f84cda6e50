"""A lot's FSE moved to one state in one statement, their counts adjusted once per lot
(issue #27: recording an ARL ≤ 3 ms).

The three count triggers a state change must follow (``fse_status_counts``,
``fse_month_totals``, ``fse_outcome_totals``) run two statements per FSE: ~0.4 ms of a
50-FSE lot's ARL. On SQLite, m039 makes them wait while the lot's row is in
``fse_counts_held``; here the counts leave the lot's groups before the write and join the
new ones after it, in grouped statements that say what the triggers say (the same outcome:
the FSE's last payment; the same amounts; the same matches), in the caller's transaction:
a failure rolls the hold back with the rest, so it never outlives the write. PostgreSQL's
triggers take no subquery in ``WHEN``; there the three are statement triggers (m041), which
the lot's one ``UPDATE`` fires once each, reading its rows from the transition tables.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from billing.fse_states import FseState
from client.store.protocol import StoreDatabase

#: The lot's FSE that move (a rectified or cancelled FSE stays as it is).
_MEMBERS = "FROM fse f WHERE f.lot_id = ? AND f.state NOT IN (?, ?)"
#: The FSE's outcome as the triggers read it: its last payment's, '' when none.
_OUTCOME = (
    "coalesce((SELECT p.outcome FROM payments p WHERE p.fse_uuid = f.fse_uuid "
    "ORDER BY p.id DESC LIMIT 1), '')"
)
_CENTS = "CAST(round(CAST(f.total_fees AS REAL) * 100) AS INTEGER)"
#: What the three counts group the lot's FSE by, read once for the lot.
_READ = (
    "SELECT f.state, f.practitioner_id, substr(f.care_date, 1, 7), f.mode, f.total_fees, "
    f"f.amo, f.amc, {_OUTCOME}, {_CENTS} {_MEMBERS}"
)
_STATUS_LEAVE = "UPDATE fse_status_counts SET n = n - ? WHERE state = ? AND outcome = ?"
_STATUS_JOIN = (
    "INSERT INTO fse_status_counts (state, outcome, n) VALUES (?, ?, ?) "
    "ON CONFLICT (state, outcome) DO UPDATE SET n = n + excluded.n"
)
_MONTH_LEAVE = (
    "UPDATE fse_month_totals SET n = n - ? WHERE month = ? AND practitioner_id = ? "
    "AND mode = ? AND state = ? AND total_fees = ? AND amo = ? AND amc = ?"
)
_MONTH_JOIN = (
    "INSERT INTO fse_month_totals (n, month, practitioner_id, mode, state, total_fees, amo, "
    "amc) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (month, practitioner_id, mode, state, total_fees, amo, amc) "
    "DO UPDATE SET n = n + excluded.n"
)
_OUTCOME_LEAVE = (
    "UPDATE fse_outcome_totals SET n = n - ?, cents = cents - ? "
    "WHERE practitioner_id = ? AND state = ? AND outcome = ?"
)
_OUTCOME_JOIN = (
    "INSERT INTO fse_outcome_totals (n, cents, practitioner_id, state, outcome) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (practitioner_id, state, outcome) DO UPDATE SET "
    "n = fse_outcome_totals.n + excluded.n, cents = fse_outcome_totals.cents + excluded.cents"
)
_STAYING = (FseState.CANCELLED.value, FseState.RECTIFIED.value)


def move_lot_fse(
    db: StoreDatabase, lot_id: str, state: FseState, when: str, *, grouped: bool
) -> None:
    """Every FSE of the lot but the rectified and cancelled ones to ``state`` (``when``:
    their ``updated_at``), in the caller's transaction. ``grouped``: the counts adjusted
    once for the lot (SQLite, m039) instead of by the triggers for each FSE (PostgreSQL's,
    m041, do it once per statement)."""
    members = [lot_id, *_STAYING]
    if grouped:
        db.execute("INSERT INTO fse_counts_held (lot_id) VALUES (?)", [lot_id])
        status: Counter[tuple[Any, ...]] = Counter()
        month: Counter[tuple[Any, ...]] = Counter()
        outcome: Counter[tuple[Any, ...]] = Counter()
        cents: Counter[tuple[Any, ...]] = Counter()
        for old, who, when_month, mode, fees, amo, amc, paid, amount in db.execute(
            _READ, members
        ).fetchall():
            status[old, paid] += 1
            month[when_month, who, mode, old, fees, amo, amc] += 1
            outcome[who, old, paid] += 1
            cents[who, old, paid] += amount
        db.conn.executemany(_STATUS_LEAVE, [(k, *key) for key, k in status.items()])
        db.conn.executemany(_MONTH_LEAVE, [(k, *key) for key, k in month.items()])
        db.conn.executemany(_OUTCOME_LEAVE, [(k, cents[key], *key) for key, k in outcome.items()])
    # One statement for the lot: SQLite opens a statement journal per execution of an
    # UPDATE that fires triggers, 2.5× the cost of the write itself per FSE.
    db.execute(
        "UPDATE fse SET state = ?, updated_at = ? WHERE lot_id = ? AND state NOT IN (?, ?)",
        [state.value, when, *members],
    )
    if grouped:
        new = state.value
        db.conn.executemany(_STATUS_JOIN, [(new, paid, k) for (_old, paid), k in status.items()])
        db.conn.executemany(
            _MONTH_JOIN,
            [(k, m, who, mode, new, *amounts) for (m, who, mode, _o, *amounts), k in month.items()],
        )
        db.conn.executemany(
            _OUTCOME_JOIN,
            [(k, cents[key], key[0], new, key[2]) for key, k in outcome.items()],
        )
        db.execute("DELETE FROM fse_counts_held WHERE lot_id = ?", [lot_id])
