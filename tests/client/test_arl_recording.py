"""Recording the ARL that comes back with a sent lot: one transaction (the contact, the ARL,
the lot and its FSE), every FSE written once, one row of the journal, and nothing the user
or the audit sees changed: each FSE still shows "sent" then "acknowledged", the month
figures and the counters agree with the FSE, and the journal verifies."""

from __future__ import annotations

from typing import Any

import pytest
from am_support import FakeClock, client_settings, close_lots, create_fse, seeded

from billing.fse_states import FseEventKind, FseState
from billing.lot_states import LotState
from client.sender import Sender
from client.store import Store
from client.transport import HttpsTransport
from testbed.am.server import AmServer


class CountingSender(Sender):
    """The product's sender, counting the statements it runs to record each answer."""

    recorded: list[list[str]]

    def _record(self, row: Any, answer: Any, report: Any) -> None:
        statements: list[str] = []
        self.store.db.conn.set_trace_callback(statements.append)
        try:
            super()._record(row, answer, report)
        finally:
            self.store.db.conn.set_trace_callback(None)
        self.recorded.append(statements)


def _totals_by_state(store: Store) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """(the month totals' counts, the status counters, a recount of the FSE), by state."""

    def by_state(sql: str) -> dict[str, int]:
        return {str(s): int(n) for s, n in store.db.execute(sql).fetchall() if n}

    return (
        by_state("SELECT state, sum(n) FROM fse_month_totals GROUP BY state"),
        by_state("SELECT state, sum(n) FROM fse_status_counts GROUP BY state"),
        by_state("SELECT state, count(*) FROM fse GROUP BY state"),
    )


@pytest.mark.sqlite_only  # reads the SQLite file itself
def test_an_arl_with_the_send_answer_is_recorded_in_one_transaction(
    store: Store, am: AmServer, cabinet: Any
) -> None:
    clock = FakeClock()
    create_fse(store, cabinet, 4, clock, lot_size=4)
    (lot_id,) = close_lots(store, cabinet, clock)
    settings = client_settings(am.url)
    sender = CountingSender(
        store, HttpsTransport(settings), settings=settings, clock=clock, rng=seeded(1)
    )
    sender.recorded = []
    # Every write of an FSE's state, noted by a trigger of this connection only.
    store.db.execute("CREATE TEMP TABLE fse_state_writes (fse_id INTEGER, state TEXT)")
    store.db.execute(
        "CREATE TEMP TRIGGER note_state_write AFTER UPDATE OF state ON main.fse BEGIN "
        "INSERT INTO fse_state_writes VALUES (NEW.id, NEW.state); END"
    )
    report = sender.run()

    assert report.acknowledged == 1 and report.complete
    (statements,) = sender.recorded
    writes = [s.split()[0].upper() for s in statements]
    assert writes.count("BEGIN") == 1 and writes.count("COMMIT") == 1
    # The lot's events of both steps and its two states: one row of the journal.
    journal_rows = [s for s in statements if "INSERT INTO AUDIT_JOURNAL" in s.upper()]
    assert len(journal_rows) == 1
    assert [e.kind for e in store.audit_entries()[-10:]] == [
        *["sent"] * 4,
        "lot_state",
        *["arl_positive"] * 4,
        "lot_state",
    ]
    # Each FSE row is written once, straight to its last state.
    writes_of = store.db.execute("SELECT fse_id, state FROM fse_state_writes").fetchall()
    assert sorted(writes_of) == sorted((fse.id, "acknowledged") for fse in store.fse_list())

    assert store.lot_by_id(lot_id).state is LotState.ACKNOWLEDGED
    for fse in store.fse_list(lot_id=lot_id):
        assert fse.state is FseState.ACKNOWLEDGED
        moves = [(e.kind, e.from_state, e.to_state) for e in store.fse_events(fse.id)][-2:]
        assert moves == [
            (FseEventKind.SENT, FseState.IN_LOT, FseState.SENT),
            (FseEventKind.ARL_POSITIVE, FseState.SENT, FseState.ACKNOWLEDGED),
        ]
    month, counters, recount = _totals_by_state(store)
    assert month == counters == recount == {"acknowledged": 4}
    assert store.audit_verify().breach is None
    contact = store.db.execute(
        "SELECT count(*) FROM transport_log WHERE lot_id = ? AND event = 'contact'", [lot_id]
    ).fetchone()[0]
    assert contact == 1
