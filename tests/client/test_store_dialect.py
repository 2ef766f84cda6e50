"""The repositories' SQLite SQL means the same on PostgreSQL (``client.store.dialect``):
each case runs on the run's backend (``scripts/test.sh`` runs this file on both)."""

from __future__ import annotations

from pathlib import Path

from client.store import open_store
from client.store.dialect import to_postgres


def test_an_empty_list_of_states_keeps_every_fse_out_or_in_as_on_sqlite(tmp_path: Path) -> None:
    store = open_store(tmp_path / "sesam.db")
    try:
        # A list filtered by no state: nothing taken out (NOT IN ()), nothing kept (IN ()).
        rows = list(store.db.query("SELECT count(*) AS n FROM fse WHERE state NOT IN ()"))
        assert rows == [{"n": 0}]
        rows = list(store.db.query("SELECT 1 AS one WHERE 'x' NOT IN () AND NOT ('x' IN ())"))
        assert rows == [{"one": 1}]
    finally:
        store.close()


def test_an_empty_list_is_written_as_false_or_true_and_literals_are_left_alone() -> None:
    (sql,) = to_postgres("SELECT * FROM fse f WHERE f.state NOT IN () AND f.mode IN ()")
    assert sql == "SELECT * FROM fse f WHERE TRUE AND FALSE"
    (sql,) = to_postgres("SELECT * FROM fse WHERE reason = 'state IN ()'")
    assert sql == "SELECT * FROM fse WHERE reason = 'state IN ()'"
