"""The store's one connection and its transactions, shared by every repository.

``Connection`` owns the ``sqlite3`` connection (through sqlite-utils) or the PostgreSQL
one (``client.store.postgres``), both seen through ``client.store.protocol.StoreDatabase``,
the write transaction (``BEGIN IMMEDIATE``; on PostgreSQL ``BEGIN`` and the writers'
advisory lock; savepoints when nested) and the typing of storage errors; ``Repository`` is
what each part of the store (``client.store.store``) builds on: the shared connection and
its helpers, nothing else.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from client.store.errors import storage_error
from client.store.numbering import Numbering
from client.store.protocol import ServerTransactions, StoreDatabase

logger = logging.getLogger(__name__)


class Connection:
    """One database connection (bound to the thread that opened it) and its transactions."""

    def __init__(self, db: StoreDatabase, path: Path, numbering: Numbering) -> None:
        self.db = db
        self.path = path
        self.numbering = numbering
        # Known once: a server opens its own transactions; SQLite has a file to copy.
        self._server = db if isinstance(db, ServerTransactions) else None
        # sqlite-utils' Database or the store's own SqliteDatabase: a sqlite3 connection.
        raw = db.conn
        self._sqlite = raw if isinstance(raw, sqlite3.Connection) else None

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        """One write transaction (``BEGIN IMMEDIATE``: takes the write lock up front).

        Nested calls join the outer transaction through a savepoint.
        """
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield
            return
        try:
            if self._server is not None:
                self._server.begin_write()
            else:
                conn.execute("BEGIN IMMEDIATE")
        except Exception as exc:  # sqlite3.Error, psycopg.Error: typed if the disk/server
            self._raise_storage(exc)
            raise
        try:
            yield
        except BaseException as exc:
            self._rollback()
            self._raise_storage(exc)
            raise
        try:
            conn.execute("COMMIT")
        except BaseException as exc:
            self._rollback()
            self._raise_storage(exc)
            raise

    def _rollback(self) -> None:
        conn = self.db.conn
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except Exception:
                # SQLite rolls back by itself after some I/O errors; the original error
                # is what the user must see.
                logger.warning("rollback failed after a write error", exc_info=True)

    @property
    def on_postgres(self) -> bool:
        """Whether the store is on PostgreSQL (psycopg is imported only then)."""
        return self._server is not None

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The SQLite connection itself, for what only SQLite does (a page-exact backup).

        :raises RuntimeError: the store is on PostgreSQL (callers check ``on_postgres``).
        """
        if self._sqlite is None:
            raise RuntimeError("the store is on PostgreSQL: no SQLite connection")
        return self._sqlite

    def _raise_storage(self, exc: BaseException) -> None:
        typed = storage_error(exc, self.path.parent)
        if typed is not None and typed is not exc:
            logger.error("store write failed: %s", type(exc).__name__)
            raise typed from exc

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        """One read transaction (a consistent snapshot), unless the caller holds one."""
        conn = self.db.conn
        own = not conn.in_transaction
        if own and self._server is not None:
            self._server.begin_read()
        elif own:
            conn.execute("BEGIN")
        try:
            yield
        finally:
            if own and conn.in_transaction:
                conn.execute("ROLLBACK")

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        """The first row of a query, None when there is none."""
        rows = list(self.db.query(sql, params))
        return rows[0] if rows else None

    def integrity_check(self) -> str:
        """``PRAGMA integrity_check``: "ok" when the file is sound (a PostgreSQL server
        checks its own pages: "ok")."""
        if self.on_postgres:
            return "ok"
        row = self.db.execute("PRAGMA integrity_check").fetchone()
        return str(row[0])

    def require_transaction(self) -> None:
        if not self.db.conn.in_transaction:
            raise RuntimeError("this store method must run inside Store.write()")


class Repository:
    """One concern of the store, on the shared connection (one level: no chain)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @property
    def db(self) -> StoreDatabase:
        return self.conn.db

    @property
    def numbering(self) -> Numbering:
        return self.conn.numbering

    def write(self) -> contextlib.AbstractContextManager[None]:
        return self.conn.write()

    def _one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        return self.conn.one(sql, params)

    def _require_transaction(self) -> None:
        self.conn.require_transaction()
