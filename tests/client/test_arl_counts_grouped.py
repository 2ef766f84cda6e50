"""Issue #27, recording an ARL ≤ 3 ms (m039): while a lot's FSE move together, the three
counts a state change must follow (the status counters, the month totals, the outcome
totals: what the dashboard and the queue page show) are adjusted once for the lot instead
of by a trigger per FSE. What the user reads must stay what a recount of the FSE gives,
group by group, after a positive and a negative ARL, and after a recording that failed
halfway (nothing of it kept, the counts' triggers not left waiting)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from am_support import CARE_DATE, Cabinet, FakeClock, close_lots, create_fse

from billing.arl import Arl, ArlStatus, motif
from billing.fse_states import FseState
from billing.lot_states import LotState
from client.arl_returns import ArlOutcome, apply_arl
from client.store import Store, lot_counts

_OUTCOME = (
    "coalesce((SELECT p.outcome FROM payments p WHERE p.fse_uuid = f.fse_uuid "
    "ORDER BY p.id DESC LIMIT 1), '')"
)
_CENTS = "CAST(round(CAST(f.total_fees AS REAL) * 100) AS INTEGER)"
#: (kept table, its recount from the FSE): every group, not only the totals by state.
_RECOUNTS = (
    (
        "SELECT state, outcome, n FROM fse_status_counts WHERE n <> 0",
        f"SELECT f.state, {_OUTCOME}, count(*) FROM fse f GROUP BY 1, 2",  # noqa: S608
    ),
    (
        (
            "SELECT month, practitioner_id, mode, state, total_fees, amo, amc, n "
            "FROM fse_month_totals WHERE n <> 0"
        ),
        (
            "SELECT substr(f.care_date, 1, 7), f.practitioner_id, f.mode, f.state, f.total_fees, "
            "f.amo, f.amc, count(*) FROM fse f GROUP BY 1, 2, 3, 4, 5, 6, 7"
        ),
    ),
    (
        "SELECT practitioner_id, state, outcome, n, cents FROM fse_outcome_totals WHERE n <> 0",
        (
            f"SELECT f.practitioner_id, f.state, {_OUTCOME}, count(*), sum({_CENTS}) "  # noqa: S608
            "FROM fse f GROUP BY 1, 2, 3"
        ),
    ),
)


def _rows(store: Store, sql: str) -> list[tuple[str, ...]]:
    return sorted(tuple(str(v) for v in r) for r in store.db.execute(sql).fetchall())


def _assert_counts_are_recounts(store: Store) -> None:
    for kept, recount in _RECOUNTS:
        assert _rows(store, kept) == _rows(store, recount), kept
    # The hold never outlives a lot's write.
    assert store.db.execute("SELECT count(*) FROM fse_counts_held").fetchone()[0] == 0


def _arl(lot_id: str, status: ArlStatus, count: int) -> Arl:
    motifs = (motif("A05"),) if status is ArlStatus.NEGATIVE else ()
    return Arl(f"ARL-{lot_id[:8]}", lot_id, status, datetime.now(UTC), count, motifs)


def test_the_counts_follow_lots_acknowledged_and_refused(store: Store, cabinet: Cabinet) -> None:
    clock = FakeClock()
    create_fse(store, cabinet, 7, clock, lot_size=4)
    accepted, refused = close_lots(store, cabinet, clock)
    _assert_counts_are_recounts(store)

    # As the sender records them: closed → sent → acknowledged, in one transaction.
    outcome = apply_arl(store, _arl(accepted, ArlStatus.POSITIVE, 4), clock(), contact="lot remis")
    assert outcome is ArlOutcome.APPLIED
    assert {f.state for f in store.fse_list(lot_id=accepted)} == {FseState.ACKNOWLEDGED}
    _assert_counts_are_recounts(store)

    assert apply_arl(store, _arl(refused, ArlStatus.NEGATIVE, 3), clock()) is ArlOutcome.APPLIED
    assert {f.state for f in store.fse_list(lot_id=refused)} == {FseState.REFUSED}
    _assert_counts_are_recounts(store)
    assert store.audit_verify().breach is None


def test_the_counts_follow_any_change_of_their_keys(store: Store, cabinet: Cabinet) -> None:
    """Every column a count groups by, changed by statements of one row and of many, and a
    statement that moves no key: SQLite's row triggers and PostgreSQL's statement triggers
    (m041, which read the statement's changed rows) keep what a recount gives."""
    clock = FakeClock()
    create_fse(store, cabinet, 6, clock, lot_size=3)
    close_lots(store, cabinet, clock)
    with store.write():
        store.db.execute("UPDATE fse SET updated_at = updated_at")  # no key moves
        store.db.execute("UPDATE fse SET total_fees = '31.00' WHERE number > 3")
        store.db.execute("UPDATE fse SET amo = '21.70' WHERE number = 2")
        store.db.execute("UPDATE fse SET amc = '1.00' WHERE number = 3")
        # Another month than the others' care date (the suite's, relative to today).
        store.db.execute(
            "UPDATE fse SET care_date = ? WHERE number = 1",
            [(CARE_DATE - timedelta(days=40)).isoformat()],
        )
        store.db.execute("UPDATE fse SET state = 'sent' WHERE number <= 4")
        store.db.execute("UPDATE fse SET fse_uuid = fse_uuid || '-b' WHERE number = 5")
        store.db.execute("UPDATE fse SET mode = 'sans_vitale' WHERE number = 6")
    _assert_counts_are_recounts(store)


@pytest.mark.sqlite_only  # the grouped path is SQLite's: PostgreSQL's triggers fire as before
def test_a_recording_that_fails_halfway_keeps_nothing(
    store: Store, cabinet: Cabinet, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    create_fse(store, cabinet, 3, clock, lot_size=3)
    (lot_id,) = close_lots(store, cabinet, clock)
    entries = len(store.audit_entries())
    # The lot's FSE already written, the counts half adjusted: then the write fails.
    monkeypatch.setattr(lot_counts, "_OUTCOME_JOIN", "INSERT INTO no_such_table VALUES (?)")
    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        apply_arl(store, _arl(lot_id, ArlStatus.POSITIVE, 3), clock(), contact="lot remis")
    monkeypatch.undo()

    assert store.lot_by_id(lot_id).state is LotState.CLOSED
    assert {f.state for f in store.fse_list(lot_id=lot_id)} == {FseState.IN_LOT}
    assert len(store.audit_entries()) == entries
    _assert_counts_are_recounts(store)
    # The counts' triggers still follow a single FSE's change after it.
    fse = store.fse_list(lot_id=lot_id)[0]
    with store.write():
        store.db.execute("UPDATE fse SET state = ? WHERE id = ?", ["sent", fse.id])
    _assert_counts_are_recounts(store)
    with store.write():
        store.db.execute("UPDATE fse SET state = ? WHERE id = ?", ["in_lot", fse.id])

    # Recorded again, whole this time.
    assert apply_arl(store, _arl(lot_id, ArlStatus.POSITIVE, 3), clock()) is ArlOutcome.APPLIED
    assert store.lot_by_id(lot_id).state is LotState.ACKNOWLEDGED
    _assert_counts_are_recounts(store)
    assert store.audit_verify().breach is None
