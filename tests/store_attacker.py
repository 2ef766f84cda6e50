"""The attacker: someone who reaches the store's database behind the application and edits
its rows (a user with ``sqlite3`` on the file, an administrator with ``psql`` on the
cabinet's server). The tests of the audit and of the migrations use it to tamper with a
store, on either backend: a raw ``sqlite3`` connection on the SQLite file, a raw psycopg
connection on the PostgreSQL database the test runs on (``SESAM_DATABASE_URL``, which
``tests/conftest.py`` sets for each test of the PostgreSQL pass).

Statements are written in SQLite's SQL, ``?`` placeholders; on PostgreSQL they go through
the store's own translation (``client.store.dialect``), as the store's do."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

import psycopg

from client.store import Store
from client.store.dialect import to_postgres
from client.store.opening import DATABASE_URL_ENV
from client.store.postgres import connect

#: What a trigger's refusal (``RAISE(ABORT, ...)``, a plpgsql ``RAISE EXCEPTION``) raises
#: through the store's own connection, on either backend.
REFUSED: tuple[type[Exception], ...] = (sqlite3.IntegrityError, psycopg.errors.RaiseException)

#: The tables where each backend records the migrations applied.
_MIGRATIONS_TABLE = {"sqlite": "_sqlite_migrations", "postgresql": "schema_migrations"}


def on_postgres() -> bool:
    """Whether this test's store is on PostgreSQL (the PostgreSQL pass)."""
    return bool(os.environ.get(DATABASE_URL_ENV, "").strip())


class Attacker:
    """A raw connection to the store's database, in autocommit (each statement lands at
    once, as an edit in ``sqlite3`` or ``psql`` does)."""

    def __init__(self, db: Path) -> None:
        url = os.environ.get(DATABASE_URL_ENV, "").strip()
        self.backend = "postgresql" if url else "sqlite"
        self._pg = connect(url) if url else None
        self._lite = None if url else sqlite3.connect(db, isolation_level=None)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement; the cursor (``fetchone``, ``fetchall``, iteration)."""
        if self._pg is not None:
            (statement,) = to_postgres(sql)
            return self._pg.execute(statement.encode(), list(params))
        assert self._lite is not None
        return self._lite.execute(sql, params)

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row."""
        return self.execute(sql, params).fetchone()[0]

    def drop_triggers(self, *names: str) -> None:
        """Drop the named triggers (the journal's protections: the attacker knows them)."""
        for name in names:
            if self._pg is None:
                self.execute(f"DROP TRIGGER {name}")
                continue
            table = self._pg.execute(
                b"SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = %s", [name]
            ).fetchone()
            assert table is not None, f"no trigger {name}"
            self._pg.execute(f"DROP TRIGGER {name} ON {table[0]}".encode())

    def foreign_keys_off(self) -> None:
        """Edits that break the references are let through: SQLite's ``PRAGMA
        foreign_keys = OFF``; on PostgreSQL the replication role, which skips the foreign
        keys' checks (and the other triggers: drop or keep them knowingly)."""
        if self._pg is None:
            self.execute("PRAGMA foreign_keys = OFF")
        else:
            self._pg.execute(b"SET session_replication_role = replica")

    def forget_migrations(self, *names: str) -> None:
        """Remove the records of the named migrations: the store opened next applies them
        again (a store of the version before them, once their changes are undone)."""
        table = _MIGRATIONS_TABLE[self.backend]
        for name in names:
            self.execute(f"DELETE FROM {table} WHERE name = ?", [name])  # noqa: S608

    def close(self) -> None:
        if self._pg is not None:
            self._pg.close()
        if self._lite is not None:
            self._lite.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def attacker(db: Path, *, drop: Sequence[str] = ()) -> Attacker:
    """An ``Attacker`` on the store ``db`` (its file on SQLite; on PostgreSQL the test's
    database), the triggers ``drop`` dropped; ``close()`` it, or use it in ``with``."""
    conn = Attacker(db)
    try:
        conn.drop_triggers(*drop)
    except BaseException:
        conn.close()
        raise
    return conn


def drop_trigger_in(store: Store, name: str, table: str) -> None:
    """Drop trigger ``name`` of ``table`` inside the store's own transaction (a test taking
    a store back to before the migration that made it; PostgreSQL: the trigger and its
    function)."""
    if getattr(store.db, "dialect", "sqlite") == "postgresql":
        store.db.execute(f"DROP TRIGGER {name} ON {table}")
        store.db.execute(f"DROP FUNCTION {name}_fn()")
    else:
        store.db.execute(f"DROP TRIGGER {name}")
