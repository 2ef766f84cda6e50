"""The store on a PostgreSQL server (a cabinet's shared database), through psycopg 3.

``PgDatabase`` offers the repositories what they use of sqlite-utils' ``Database``
(``execute``, ``query``, ``conn``, ``atomic``, ``close``), each statement translated by
``client.store.dialect``: the repositories keep one SQL text for both backends. The
connection runs in autocommit mode and the store opens its transactions itself (``BEGIN``
/ ``COMMIT``, savepoints when nested), as it does on SQLite.

Values read back as SQLite gives them: sums of integers as ``int`` (PostgreSQL's
``numeric``), ``bytea`` as ``bytes``; parameters ``bool`` sent as 0/1 (the columns are
integers, as in SQLite).
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import pq
from psycopg.adapt import Loader

from client.store.dialect import (
    POSTGRESQL,
    gives_id,
    has_returning,
    inserted_table,
    to_postgres,
)

DATABASE_URL_ENV = "SESAM_DATABASE_URL"

#: The key of the advisory lock every write transaction takes first: writers follow one
#: another as with SQLite's ``BEGIN IMMEDIATE`` (numbering, lots, the journal's chain).
WRITE_LOCK_KEY = 0x5E5A_4D01

#: Seconds to reach the server before saying it does not answer.
CONNECT_TIMEOUT = 10


class _NumericLoader(Loader):
    """``numeric`` (a sum or an average) as SQLite returns it: ``int`` when whole."""

    def load(self, data: Any) -> int | float:
        value = Decimal(bytes(data).decode())
        return int(value) if value == value.to_integral_value() else float(value)


def safe_url(url: str) -> str:
    """``url`` without its password (for messages and logs)."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        return "adresse PostgreSQL illisible"
    host = info.get("host", "localhost")
    port = info.get("port", "5432")
    return f"postgresql://{info.get('user', '')}@{host}:{port}/{info.get('dbname', '')}"


def connect(url: str) -> psycopg.Connection[Any]:
    """An autocommit connection to ``url``, loading values as SQLite would."""
    conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
    conn.adapters.register_loader("numeric", _NumericLoader)
    return conn


def _params(params: Sequence[Any] | None) -> list[Any]:
    return [int(v) if isinstance(v, bool) else v for v in params or ()]


class PgCursor:
    """What the repositories read of a ``sqlite3.Cursor``: rows, ``description``,
    ``rowcount`` and ``lastrowid`` (the ``id`` an ``INSERT`` returned)."""

    def __init__(self, cursor: psycopg.Cursor[Any], lastrowid: int | None = None) -> None:
        self._cursor = cursor
        self.lastrowid = lastrowid
        self.rowcount = cursor.rowcount

    @property
    def description(self) -> list[tuple[str, ...]] | None:
        described = self._cursor.description
        return [(c.name,) for c in described] if described else None

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._cursor.description is None:
            return None
        return self._cursor.fetchone()

    def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
        if self._cursor.description is None:
            return []
        return self._cursor.fetchmany(size)

    def fetchall(self) -> list[tuple[Any, ...]]:
        if self._cursor.description is None:
            return []
        return self._cursor.fetchall()

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.fetchall())


class PgConnection:
    """What the repositories use of a ``sqlite3.Connection``."""

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw
        self._identity: set[str] | None = None

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != pq.TransactionStatus.IDLE

    def identity_tables(self) -> set[str]:
        """The tables whose ``id`` the database numbers (``lastrowid`` of an insert)."""
        if self._identity is None:
            rows = self.raw.execute(
                "SELECT table_name FROM information_schema.columns WHERE column_name = 'id' "
                "AND is_identity = 'YES' AND table_schema = current_schema()"
            ).fetchall()
            self._identity = {str(r[0]) for r in rows}
        return self._identity

    def schema_changed(self) -> None:
        self._identity = None

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> PgCursor:
        statements = to_postgres(sql)
        if len(statements) > 1:  # a trigger: its function, then the trigger
            for statement in statements:
                self.raw.execute(statement.encode())
            self.schema_changed()
            return PgCursor(self.raw.cursor())
        statement = statements[0]
        table = inserted_table(sql)
        returning = table is not None and not has_returning(sql) and table in self.identity_tables()
        if returning:
            statement += " RETURNING id"
        cursor = self.raw.cursor()
        cursor.execute(statement.encode(), _params(params))
        self._follow_given_ids(sql, table)
        if returning:
            row = cursor.fetchone()
            return PgCursor(cursor, int(row[0]) if row else None)
        if table is None and sql.lstrip()[:6].upper() in ("CREATE", "ALTER ", "DROP T"):
            self.schema_changed()
        return PgCursor(cursor)

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> PgCursor:
        (statement,) = to_postgres(sql)
        cursor = self.raw.cursor()
        cursor.executemany(statement.encode(), [_params(p) for p in seq])
        self._follow_given_ids(sql, inserted_table(sql))
        return PgCursor(cursor)

    def _follow_given_ids(self, sql: str, table: str | None) -> None:
        """After rows inserted with their ``id`` given (the journal's batches number their
        events as SQLite would), the next generated ``id`` comes after them."""
        if table is None or table not in self.identity_tables() or not gives_id(sql):
            return
        self.raw.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - catalog
            f"(SELECT max(id) FROM {table}))".encode()
        )

    def commit(self) -> None:
        """As ``sqlite3.Connection.commit``: ends the transaction under way, if any."""
        if self.in_transaction:
            self.raw.execute(b"COMMIT")

    def close(self) -> None:
        self.raw.close()


class PgDatabase:
    """The store's database on PostgreSQL, shaped as sqlite-utils' ``Database`` for the
    repositories (``execute``, ``query``, ``conn``, ``atomic``, ``close``)."""

    dialect = POSTGRESQL

    def __init__(self, raw: psycopg.Connection[Any], url: str) -> None:
        self.conn = PgConnection(raw)
        self.url = url
        self._savepoints = itertools.count(1)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> PgCursor:
        return self.conn.execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> Iterator[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description or ()]
        for row in cursor.fetchall():
            yield dict(zip(names, row, strict=True))

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """A savepoint inside the transaction, else a transaction."""
        if not self.conn.in_transaction:
            self.conn.raw.execute(b"BEGIN")
            try:
                yield
            except BaseException:
                self.conn.raw.execute(b"ROLLBACK")
                raise
            self.conn.raw.execute(b"COMMIT")
            return
        name = f"sp{next(self._savepoints)}"
        self.conn.raw.execute(f"SAVEPOINT {name}".encode())
        try:
            yield
        except BaseException:
            self.conn.raw.execute(f"ROLLBACK TO SAVEPOINT {name}".encode())
            raise
        self.conn.raw.execute(f"RELEASE SAVEPOINT {name}".encode())

    def begin_write(self) -> None:
        """``BEGIN`` and the writers' lock (see ``WRITE_LOCK_KEY``)."""
        self.conn.raw.execute(b"BEGIN")
        self.conn.raw.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})".encode())

    def begin_read(self) -> None:
        """A read transaction on one snapshot."""
        self.conn.raw.execute(b"BEGIN ISOLATION LEVEL REPEATABLE READ")

    def table_names(self) -> list[str]:
        rows = self.conn.raw.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() ORDER BY table_name"
        ).fetchall()
        return [str(r[0]) for r in rows]

    def close(self) -> None:
        self.conn.close()
