"""After ``sesam store copy`` the target's triggers are back and keep counting (issue #26):
the copy turns them off for its own transaction (on, they rewrite the same few rows once
per copied row: a 100k store did not finish on PostgreSQL), so an FSE billed after the
move must still move the dashboard and every count the triggers keep, exactly as in a
store that never moved. Real SQLite files, a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fse_cards_support import cards, fse_input

from client import dashboard
from client.fse_service import FseService
from client.store import Store, open_store
from client.store.copying import copy_store, trigger_writes


def _yesterday() -> str:
    return (date.today() - timedelta(days=1)).isoformat()


def _bill(store: Store, count: int) -> None:
    c = cards()
    service = FseService(store)
    for i in range(count):
        service.create(fse_input(i % 2, _yesterday()), c.cps, c.vitale)


def _url(backend: str, request: pytest.FixtureRequest) -> str:
    """A new database on the run's PostgreSQL server, or "" for a SQLite file."""
    if backend == "postgresql":
        make: Callable[[], str] = request.getfixturevalue("pg_database")
        return make()
    return ""


def _kept_rows(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables the triggers keep (counts, month totals, remainders…)."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for table in sorted(trigger_writes(store)):
        read = store.db.query(f"SELECT * FROM {table}")  # noqa: S608 - the store's tables
        rows[table] = sorted((tuple(r.values()) for r in read), key=repr)
    return rows


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_fse_billed_after_the_copy_is_counted_as_in_a_store_that_never_moved(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    url = _url(backend, request)
    source = open_store(tmp_path / "poste" / "sesam.db", database_url="")
    target = open_store(tmp_path / "cible" / "sesam.db", database_url=url)
    fresh = open_store(tmp_path / "neuve" / "sesam.db", database_url=url)
    try:
        _bill(source, 3)
        triggers = trigger_writes(fresh)

        copy_store(source, target, "cible", lambda *_: None)

        # The same triggers as a new store of this version, writing the same tables.
        assert trigger_writes(target) == triggers
        now = datetime.now()
        before = dashboard.last_months(target, now)
        _bill(target, 1)
        _bill(source, 1)
        after = dashboard.last_months(target, now)
        assert after.fse_count == before.fse_count + 1
        assert after.waiting_count == before.waiting_count + 1
        assert after.fees > before.fees
        assert after == dashboard.last_months(source, now)
        assert _kept_rows(target) == _kept_rows(source)
    finally:
        fresh.close()
        target.close()
        source.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_copy_cut_short_leaves_the_target_with_its_triggers(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """The triggers are turned off (dropped, on SQLite) inside the copy's transaction: a
    failure part-way rolls that back too, and the target still counts what it bills."""
    source = open_store(tmp_path / "poste" / "sesam.db", database_url="")
    target = open_store(tmp_path / "cible" / "sesam.db", database_url=_url(backend, request))
    try:
        _bill(source, 2)
        triggers = trigger_writes(target)

        def fail(table: str, done: int, _total: int) -> None:
            if table == "fse" and done:
                raise RuntimeError("coupure réseau")

        with pytest.raises(RuntimeError, match="coupure réseau"):
            copy_store(source, target, "cible", fail)

        assert trigger_writes(target) == triggers
        assert target.fse_list() == []
        before = dashboard.last_months(target, datetime.now())
        _bill(target, 1)
        assert dashboard.last_months(target, datetime.now()).fse_count == before.fse_count + 1
    finally:
        target.close()
        source.close()
