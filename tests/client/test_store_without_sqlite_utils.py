"""The store's own SQLite database (``client.store.sqlite_database``) keeps sqlite-utils'
transaction rules, so the repositories behave as before (issue #27: a listing opens the
store without importing sqlite-utils); a store is migrated whenever its mark says it may
not be current."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from client.store import open_store
from client.store.opening import schema_mark
from client.store.sqlite_database import SqliteDatabase


@pytest.fixture(params=["own", "sqlite-utils"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> SqliteDatabase | Database:
    conn = sqlite3.connect(tmp_path / "t.db")
    conn.execute("CREATE TABLE t (a INTEGER, b TEXT)")
    conn.commit()
    made = SqliteDatabase(conn) if request.param == "own" else Database(conn)
    return made


def _count(db: SqliteDatabase | Database) -> int:
    return int(db.execute("SELECT count(*) FROM t").fetchone()[0])


def test_a_write_outside_a_transaction_is_kept_at_once(
    db: SqliteDatabase | Database, tmp_path: Path
) -> None:
    db.execute("INSERT INTO t VALUES (?, ?)", [1, "x"])
    assert not db.conn.in_transaction
    other = sqlite3.connect(tmp_path / "t.db")  # another connection sees it
    assert other.execute("SELECT count(*) FROM t").fetchone()[0] == 1


def test_query_gives_named_rows_and_refuses_a_statement_without_rows(
    db: SqliteDatabase | Database,
) -> None:
    db.execute("INSERT INTO t VALUES (1, 'x')")
    assert list(db.query("SELECT a, b, a FROM t")) == [{"a": 1, "b": "x", "a_2": 1}]
    with pytest.raises(ValueError, match="returns rows"):
        db.query("DELETE FROM t")
    assert _count(db) == 1  # the refused statement was undone
    with pytest.raises(ValueError, match="returns rows"):
        db.query("BEGIN")
    assert list(db.query("PRAGMA user_version")) == [{"user_version": 0}]


def test_atomic_rolls_back_the_whole_and_a_nested_block_alone(
    db: SqliteDatabase | Database,
) -> None:
    with pytest.raises(RuntimeError), db.atomic():
        db.execute("INSERT INTO t VALUES (1, 'x')")
        raise RuntimeError
    assert _count(db) == 0 and not db.conn.in_transaction
    with db.atomic():
        db.execute("INSERT INTO t VALUES (1, 'x')")
        with pytest.raises(RuntimeError), db.atomic():
            db.execute("INSERT INTO t VALUES (2, 'y')")
            raise RuntimeError
    assert _count(db) == 1


@pytest.mark.sqlite_only  # the mark is SQLite's `PRAGMA user_version` (the server: unchanged)
def test_a_store_whose_mark_differs_is_checked_and_marked_again(tmp_path: Path) -> None:
    path = tmp_path / "sesam.db"
    open_store(path).close()
    raw = sqlite3.connect(path)
    names = [n for (n,) in raw.execute("SELECT name FROM _sqlite_migrations ORDER BY name")]
    assert raw.execute("PRAGMA user_version").fetchone()[0] == schema_mark(names)
    # A version with another migrations list marked it (the records removed are covered
    # by the tests of each migration: they delete its record and reopen).
    raw.execute("PRAGMA user_version = 7")
    raw.commit()
    raw.close()
    store = open_store(path)
    try:
        mark = store.db.execute("PRAGMA user_version").fetchone()[0]
        assert mark == schema_mark(names)
    finally:
        store.close()
