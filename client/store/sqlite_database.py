"""The store's SQLite database without importing sqlite-utils (issue #27).

``sesam`` listings answer in a fresh process: importing sqlite-utils (with click, pluggy,
dateutil) cost 45–90 ms of a ~250 ms command, for the four calls the repositories make
(``client.store.protocol.StoreDatabase``: ``conn``, ``execute``, ``query``, ``atomic``,
``close``). ``SqliteDatabase`` gives those four with sqlite-utils 4.2's own semantics,
adapted from it (Apache License 2.0, Simon Willison): a write outside a transaction
commits at once; ``query`` refuses a statement that returns no rows and undoes it;
savepoints when nested; duplicate column names renamed. Anything else (the migrations'
``db[table]``, ``table_names``...) is handed to a sqlite-utils ``Database`` on the same
connection, imported only then.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database

_TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"}
_QUERY_REJECTED = _TRANSACTION_CONTROL | {"VACUUM", "ATTACH", "DETACH"}
#: Statements whose rows (``RETURNING``) are read before their savepoint is released.
_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE"})
#: Names the store probes for (``isinstance`` of its runtime protocols, ``getattr`` with a
#: default) that sqlite-utils' ``Database`` has not either: answered without importing it.
_NOT_DELEGATED = frozenset(
    {"conn", "_full", "begin_write", "begin_read", "query_stream", "dialect", "schema_changed"}
)
_NOT_ROWS = (
    "query() can only be used with SQL that returns rows - use execute() for other statements"
)


class SqliteDatabase:
    """``conn`` seen as the store's database (``StoreDatabase``); see the module docstring."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._full: Database | None = None
        conn.execute("PRAGMA recursive_triggers=on;")  # as sqlite-utils' Database does

    def full(self) -> Database:
        """sqlite-utils' ``Database`` on this connection (the migrations, the copy)."""
        if self._full is None:
            from sqlite_utils import Database

            self._full = Database(self.conn, recursive_triggers=False, execute_plugins=False)
        return self._full

    def __getattr__(self, name: str) -> Any:
        # Only for what is not defined here: sqlite-utils' other methods.
        if name.startswith("__") or name in _NOT_DELEGATED:
            raise AttributeError(name)
        return getattr(self.full(), name)

    def __getitem__(self, table: str) -> Any:
        return self.full()[table]

    def close(self) -> None:
        self.conn.close()

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> sqlite3.Cursor:
        was_in_transaction = self.conn.in_transaction
        try:
            if parameters is not None:
                cursor = self.conn.execute(sql, parameters)
            else:
                cursor = self.conn.execute(sql)
        except Exception:
            if not was_in_transaction and self.conn.in_transaction:
                self.conn.execute("ROLLBACK")  # nothing would ever commit it
            raise
        if (
            not was_in_transaction
            and self.conn.in_transaction
            and cursor.description is None
            and _first_keyword(sql) not in _TRANSACTION_CONTROL
        ):
            self.conn.execute("COMMIT")  # the driver's implicit transaction
        return cursor

    def query(self, sql: str, params: Sequence[Any] | None = None) -> Iterator[dict[str, Any]]:
        keyword = _first_keyword(sql)
        if keyword in _QUERY_REJECTED:
            raise ValueError(_NOT_ROWS)
        args: tuple[Any, ...] = (params,) if params is not None else ()
        if keyword == "PRAGMA":
            if self.conn.in_transaction:
                cursor = self.conn.execute(sql, *args)
            else:
                previous = self.conn.isolation_level
                try:
                    self.conn.isolation_level = None
                    cursor = self.conn.execute(sql, *args)
                finally:
                    self.conn.isolation_level = previous
            if cursor.description is None:
                raise ValueError(_NOT_ROWS)
            keys = _dedupe_keys(d[0] for d in cursor.description)
            return (dict(zip(keys, row, strict=True)) for row in cursor)
        # In a savepoint: a statement that turns out to return no rows is undone.
        self.conn.execute('SAVEPOINT "sqlite_utils_query"')
        released = False
        try:
            cursor = self.conn.execute(sql, *args)
            if cursor.description is None:
                raise ValueError(_NOT_ROWS)
            keys = _dedupe_keys(d[0] for d in cursor.description)
            if keyword not in _WRITES:
                try:
                    self.conn.execute('RELEASE "sqlite_utils_query"')
                    released = True
                    return (dict(zip(keys, row, strict=True)) for row in cursor)
                except sqlite3.OperationalError:
                    pass  # a statement still running (``WITH … UPDATE … RETURNING``)
            # A write with RETURNING runs until its last row is read: SQLite refuses the
            # release before, so its rows are read first.
            fetched = cursor.fetchall()
            self.conn.execute('RELEASE "sqlite_utils_query"')
            released = True
            return (dict(zip(keys, row, strict=True)) for row in fetched)
        finally:
            if not released and self.conn.in_transaction:
                self.conn.execute('ROLLBACK TO "sqlite_utils_query"')
                self.conn.execute('RELEASE "sqlite_utils_query"')

    @contextlib.contextmanager
    def atomic(self) -> Iterator[SqliteDatabase]:
        if self.conn.in_transaction:
            savepoint = f"sqlite_utils_{os.urandom(16).hex()}"
            self.conn.execute(f"SAVEPOINT {savepoint};")
            try:
                yield self
            except BaseException:
                # A RAISE(ROLLBACK) may have ended the whole transaction, savepoint included.
                if self.conn.in_transaction:
                    self.conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint};")
                    self.conn.execute(f"RELEASE SAVEPOINT {savepoint};")
                raise
            else:
                self.conn.execute(f"RELEASE SAVEPOINT {savepoint};")
            return
        self.conn.execute("BEGIN")
        try:
            yield self
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise


def full_database(db: Any) -> Any:
    """sqlite-utils' ``Database`` behind ``db`` when it is a ``SqliteDatabase``, else
    ``db`` itself (already sqlite-utils' or the PostgreSQL one)."""
    return db.full() if isinstance(db, SqliteDatabase) else db


def _first_keyword(sql: str) -> str:
    """The statement's first keyword, upper-cased, past blanks, comments, ``;`` and a BOM."""
    i, n = 0, len(sql)
    while i < n:
        if sql[i].isspace() or sql[i] in (";", "\ufeff"):
            i += 1
        elif sql.startswith("--", i):
            newline = sql.find("\n", i)
            if newline == -1:
                return ""
            i = newline + 1
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            if end == -1:
                return ""
            i = end + 2
        else:
            break
    j = i
    while j < n and (sql[j].isalpha() or sql[j] == "_"):
        j += 1
    return sql[i:j].upper()


def _dedupe_keys(keys: Iterable[str]) -> list[str]:
    """Column names made unique (``_2``, ``_3``... on later duplicates), as sqlite-utils."""
    names = list(keys)
    taken = set(names)
    if len(taken) == len(names):
        return names
    seen: set[str] = set()
    result = []
    for key in names:
        if key in seen:
            new_key, suffix = key, 2
            while new_key in seen or new_key in taken:
                new_key = f"{key}_{suffix}"
                suffix += 1
            key = new_key
        seen.add(key)
        result.append(key)
    return result
