"""Issue #27, recording an ARL in ≤ 3 ms (m035): a store of the previous version loses the
three indexes holding the FSE's state that each lot's acknowledgement rewrote
(``fse_dashboard``, ``fse_waiting``, ``fse_state_number``) when it is opened: every FSE,
lot, payment and journal entry reads as before, `sesam audit verify` passes, and the pages,
the lists by state and the alerts still read by index (no query of theirs scans the FSE)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from store_attacker import attacker
from test_audit_books import make_books, verify_cli
from test_compact_storage import what_the_user_sees
from test_pruned_indexes import _indexes, _Services, full_scans

from billing.fse_states import FseState
from client import returns
from client.alerts import compute_alerts
from client.fse_search import FseFilter, search, totals
from client.migrations import M035_DROPPED_INDEXES
from client.reconciliation import Reconciliation
from client.store import Store, open_store
from client.usecases.views import read_dashboard, read_queue

#: The indexes as the migrations before m035 made them.
_BEFORE = {
    "fse_dashboard": (
        "CREATE INDEX fse_dashboard ON fse (care_date, state, mode, total_fees, amo, amc)"
    ),
    "fse_waiting": "CREATE INDEX fse_waiting ON fse (state, amo, amc)",
    "fse_state_number": "CREATE INDEX fse_state_number ON fse (state, practitioner_id, number)",
}


def _as_before(made: Path) -> None:
    """The store as the previous version left it: the indexes there, m035 not applied."""
    with attacker(made) as conn:
        for sql in _BEFORE.values():
            conn.execute(sql)
        conn.forget_migrations("m035_state_indexes_pruned")


def _scans(db: Path) -> list[str]:
    """The plans of the pages, the FSE list by state and by dates, the reconciliation and
    the alerts that read the FSE whole."""

    def reads(store: Store) -> None:
        since = date.today() - timedelta(days=30)
        read_dashboard(store, _Services())  # type: ignore[arg-type]
        read_queue(store)
        compute_alerts(store, _Services.settings, datetime.now(UTC), include_acknowledged=True)
        filters = [FseFilter(), FseFilter(care_from=since, care_to=date.today())]
        filters += [FseFilter(states=(state,)) for state in FseState]
        filters += [FseFilter(payment=status) for status in Reconciliation]
        for flt in filters:
            search(store, flt, limit=50)
            totals(store, flt)
        returns.reconcile_page(store, 50)
        returns.reconcile_counts(store)

    return full_scans(db, reads, "fse")


def test_a_store_of_before_loses_the_state_indexes_and_reads_the_same(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = make_books(data_dir)
    today = what_the_user_sees(made)
    assert not _indexes(made) & set(M035_DROPPED_INDEXES)
    assert set(_BEFORE) == set(M035_DROPPED_INDEXES)
    _as_before(made)
    assert set(_BEFORE) <= _indexes(made)

    assert what_the_user_sees(made) == today  # m035 runs on opening
    assert not _indexes(made) & set(_BEFORE)
    code, out = verify_cli(capsys)
    assert code == 0 and out["conforme"] is True, out["message"]


@pytest.mark.sqlite_only  # SQLite's query plans (``EXPLAIN QUERY PLAN``) over the file
def test_without_the_state_indexes_the_pages_lists_and_alerts_still_read_by_index(
    data_dir: Path,
) -> None:
    made = make_books(data_dir)
    _as_before(made)
    open_store(made).close()  # m035 runs on opening
    assert _scans(made) == []
