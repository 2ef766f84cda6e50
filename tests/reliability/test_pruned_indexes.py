"""Issue #27: a store of the previous version loses the indexes no query needs (each the
first columns of another one the same queries use, m027) when it is opened: every FSE,
lot, payment and journal entry reads as before, `sesam audit verify` passes, and the pages
and listings still read by index (no query of theirs scans the FSE or the payments)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from store_attacker import attacker
from test_audit_books import make_books, verify_cli
from test_compact_storage import what_the_user_sees

from client import returns
from client.fse_search import FseFilter, search, totals
from client.migrations import M027_PRUNED_INDEXES
from client.settings import Settings
from client.store import Store, open_store
from client.usecases.views import read_dashboard, read_queue

#: The indexes as the migrations before m027 made them.
_BEFORE = {
    "fse_care_date": "CREATE INDEX fse_care_date ON fse (care_date)",
    "payments_paid_on": "CREATE INDEX payments_paid_on ON payments (paid_on)",
    "fse_uuid_state": "CREATE INDEX fse_uuid_state ON fse (fse_uuid, state)",
}


def _indexes(db: Path) -> set[str]:
    with attacker(db) as conn:
        if conn.backend == "postgresql":
            sql = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        else:
            sql = "SELECT name FROM sqlite_master WHERE type = 'index'"
        return {r[0] for r in conn.execute(sql)}


def _as_before(made: Path) -> None:
    """The store as the previous version left it: the indexes there, m027 not applied."""
    with attacker(made) as conn:
        for sql in _BEFORE.values():
            conn.execute(sql)
        conn.forget_migrations("m027_pruned_indexes")


class _Services:  # what ``read_dashboard`` uses of the desk's context
    settings = Settings()

    @staticmethod
    def utc_clock() -> datetime:
        return datetime.now(UTC)


def full_scans(db: Path, reads: Callable[[Store], None], tables: str) -> list[str]:
    """The plans of the statements ``reads`` runs that scan one of ``tables`` (a regex
    alternative) without an index, each with its statement."""
    store = open_store(db)
    seen: list[str] = []
    try:
        conn = store.db.conn
        conn.set_trace_callback(seen.append)
        try:
            reads(store)
        finally:
            conn.set_trace_callback(None)
        scan = re.compile(rf"SCAN ({tables})\b(?!.*INDEX)")
        scans = []
        for sql in {s for s in seen if s.lstrip().upper().startswith(("SELECT", "WITH"))}:
            for row in conn.execute("EXPLAIN QUERY PLAN " + sql):
                if scan.match(row[-1]):
                    scans.append(f"{row[-1]} — {sql[:120]}")
        return scans
    finally:
        store.close()


def _scans(db: Path) -> list[str]:
    """The query plans of the pages and listings that read the FSE or the payments whole."""

    def reads(store: Store) -> None:
        since = date.today() - timedelta(days=30)
        read_dashboard(store, _Services())  # type: ignore[arg-type]
        read_queue(store)
        for flt in (FseFilter(), FseFilter(care_from=since, care_to=date.today())):
            search(store, flt, limit=50)
            totals(store, flt)
        returns.reconcile_page(store, 50)
        returns.reconcile_counts(store)

    return full_scans(db, reads, "fse|payments")


def test_a_store_of_before_loses_the_pruned_indexes_and_reads_the_same(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = make_books(data_dir)
    today = what_the_user_sees(made)
    assert not _indexes(made) & set(M027_PRUNED_INDEXES)
    assert set(_BEFORE) == set(M027_PRUNED_INDEXES)
    _as_before(made)
    assert set(_BEFORE) <= _indexes(made)

    assert what_the_user_sees(made) == today  # m027 runs on opening
    assert not _indexes(made) & set(_BEFORE)
    code, out = verify_cli(capsys)
    assert code == 0 and out["conforme"] is True, out["message"]


@pytest.mark.sqlite_only  # SQLite's query plans (``EXPLAIN QUERY PLAN``) over the file
def test_without_the_pruned_indexes_the_pages_still_read_by_index(data_dir: Path) -> None:
    made = make_books(data_dir)
    _as_before(made)
    open_store(made).close()  # m027 runs on opening
    assert _scans(made) == []
