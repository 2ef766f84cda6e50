"""The store on a PostgreSQL server (a cabinet's shared database), through psycopg 3.

``PgDatabase`` offers the repositories what they use of sqlite-utils' ``Database``
(``client.store.protocol.StoreDatabase``), each statement translated by
``client.store.dialect``: the repositories keep one SQL text for both backends. The
connection runs in autocommit mode and the store opens its transactions itself (``BEGIN``
/ ``COMMIT``, savepoints when nested), as it does on SQLite.

Values read back as SQLite gives them: sums of integers as ``int`` (PostgreSQL's
``numeric``), ``bytea`` as ``bytes``; parameters ``bool`` sent as 0/1 (the columns are
integers, as in SQLite).

The server stopped or the network cut: every statement's error is the store's French
``DatabaseUnavailableError`` (reads included, not only the write transactions), and the
next statement after the transaction under way is ended opens a new connection, so a
post resumes by itself once the server answers. A transaction cut with its connection is
never carried on in a new one: its statements are refused until its owner rolls it back.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import pq
from psycopg.adapt import Loader
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.numeric import Int2Dumper

from client.store.dialect import (
    POSTGRESQL,
    gives_id,
    has_returning,
    inserted_table,
    to_postgres,
)
from client.store.errors import DatabaseUnavailableError, StoreError, storage_error

#: The key of the advisory lock every write transaction takes first: writers follow one
#: another as with SQLite's ``BEGIN IMMEDIATE`` (numbering, lots, the journal's chain).
WRITE_LOCK_KEY = 0x5E5A_4D01

#: Seconds to reach the server before saying it does not answer.
CONNECT_TIMEOUT = 10

#: The settings of the store's sessions (see ``connect``).
SESSION_OPTIONS = "-c jit=off -c max_parallel_workers_per_gather=0"


class UnstorableTextError(StoreError):
    """A text holding a NUL character (0x00): PostgreSQL refuses it, SQLite keeps it."""

    def __init__(self) -> None:
        super().__init__(
            "Une donnée à enregistrer contient un caractère nul (0x00), que le serveur "
            "PostgreSQL du cabinet refuse : rien n'a été enregistré. Elle vient sans doute "
            "d'un fichier endommagé : vérifiez-le ou demandez-en une nouvelle copie."
        )


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
    # JIT off: the store's statements are short reads by an index; the planner's cost
    # for a lookup per lot (the alerts, 2 800 lots at 1M FSE) passed JIT's threshold and
    # compiling took 5-40 ms for a 10 ms query. No parallel workers either: for a
    # screenful of the 1M FSE list the planner chose two, whose start cost 20-30 ms for
    # 3 ms of work (issue #27). Options given in the URL are kept.
    given = conninfo_to_dict(url).get("options") or ""
    conn = psycopg.connect(
        url,
        autocommit=True,
        connect_timeout=CONNECT_TIMEOUT,
        options=f"{given} {SESSION_OPTIONS}".strip(),
    )
    conn.adapters.register_loader("numeric", _NumericLoader)
    # A flag sent as 0/1 (the columns are integers, as in SQLite) by the adapter itself:
    # no Python pass over every parameter of every row (issue #27).
    conn.adapters.register_dumper(bool, Int2Dumper)
    return conn


#: An insert of plain values, nothing computed, no conflict clause: what COPY does alike.
_PLAIN_INSERT = re.compile(
    r"INSERT INTO (?P<table>\w+) \((?P<columns>\w+(?:, \w+)*)\) VALUES \(%s(?:, %s)*\)",
    re.IGNORECASE,
)


def _params(params: Sequence[Any] | None) -> Sequence[Any]:
    # Flags need no conversion here: ``connect`` dumps ``bool`` as 0/1.
    return params if params is not None else ()


#: A result that holds rows (``description`` is not None), as psycopg tells it.
_ROWS = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE, pq.ExecStatus.TUPLES_CHUNK)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What ``PgConnection.execute`` does with one SQL text, worked out once per text
    (the dialect's translation, the id to return, the sequence to follow): ~15 us of
    Python per statement otherwise, ~20 statements an ARL (issue #27)."""

    statements: tuple[bytes, ...]  # more than one: a trigger (its function, then it)
    returning: bool  # `` RETURNING id`` added: the identity ``lastrowid`` reads
    follow: str | None  # the table whose identity sequence follows the given ids
    schema: bool  # the statement changes the schema


def _unavailable(exc: psycopg.Error, url: str) -> DatabaseUnavailableError | None:
    typed = storage_error(exc, None)
    if not isinstance(typed, DatabaseUnavailableError):
        return None
    return DatabaseUnavailableError(safe_url(url), typed.detail)


class PgCursor:
    """What the repositories read of a ``sqlite3.Cursor``: rows, ``description``,
    ``rowcount`` and ``lastrowid`` (the ``id`` an ``INSERT`` returned); the server's
    errors while rows are fetched typed as on ``execute``."""

    def __init__(
        self,
        cursor: psycopg.Cursor[Any] | None,
        url: str = "",
        lastrowid: int | None = None,
        rowcount: int = -1,
    ) -> None:
        self._cursor = cursor
        self._url = url
        self.lastrowid = lastrowid
        self.rowcount = cursor.rowcount if cursor is not None else rowcount

    @property
    def description(self) -> list[tuple[str, ...]] | None:
        described = self._cursor.description if self._cursor is not None else None
        return [(c.name,) for c in described] if described else None

    def _has_rows(self) -> bool:
        # psycopg's ``description`` builds its columns at each call: the status suffices.
        result = self._cursor.pgresult if self._cursor is not None else None
        return result is not None and (result.nfields > 0 or result.status in _ROWS)

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._cursor is None or not self._has_rows():
            return None
        with self._typed():
            return self._cursor.fetchone()

    def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
        if self._cursor is None or not self._has_rows():
            return []
        with self._typed():
            return self._cursor.fetchmany(size)

    def fetchall(self) -> list[tuple[Any, ...]]:
        if self._cursor is None or not self._has_rows():
            return []
        with self._typed():
            return self._cursor.fetchall()

    @contextlib.contextmanager
    def _typed(self) -> Iterator[None]:
        try:
            yield
        except psycopg.Error as exc:
            typed = _unavailable(exc, self._url)
            if typed is None:
                raise
            raise typed from exc

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.fetchall())


class PgConnection:
    """What the repositories use of a ``sqlite3.Connection``; a new connection to the
    server when the last one broke (see the module docstring)."""

    def __init__(self, raw: psycopg.Connection[Any], url: str = "") -> None:
        self.raw = raw
        self.url = url
        self._identity: set[str] | None = None
        #: A transaction was under way when the connection broke: lost with it (the
        #: server rolled it back); its owner's ``ROLLBACK`` ends it here.
        self._lost = False
        self._closed = False  # closed by the store: never opened again
        #: The savepoint of the nested write that ended last, not released yet: its
        #: ``RELEASE`` goes with the next ``SAVEPOINT`` (one round trip for two) and a
        #: ``COMMIT`` or ``ROLLBACK`` ends it with the rest — half the savepoints' round
        #: trips of an ARL recorded (issue #27). Meanwhile the statements run inside it,
        #: which changes nothing: a rollback to an older savepoint undoes it all the same.
        self._unreleased: str | None = None
        #: How each SQL text runs here (``_Plan``), forgotten when the schema changes.
        self._plans: dict[str, _Plan] = {}
        #: A cursor whose last statement gave no rows, nobody holding it: the next
        #: statement's (a new psycopg cursor costs ~9 us, issue #27).
        self._spare: psycopg.Cursor[Any] | None = None

    @property
    def broken(self) -> bool:
        """Whether the server dropped the connection (stopped, restarted, network cut)."""
        return not self._closed and (self.raw.closed or self.raw.broken)

    @property
    def in_transaction(self) -> bool:
        if self.broken:
            return self._lost
        return self.raw.info.transaction_status != pq.TransactionStatus.IDLE

    def run(self, statement: bytes, params: Sequence[Any] | None = None) -> psycopg.Cursor[Any]:
        """``statement`` sent as is (already PostgreSQL's), the server's absence typed."""
        if self.broken:
            self._reconnect()
        if self._unreleased is not None and statement.lstrip()[:8].upper() in (
            b"COMMIT",
            b"ROLLBACK",
        ):
            # The transaction's end, or a rollback to an older savepoint (the one left
            # unreleased is always younger): both end it.
            self._unreleased = None
        was_open = self.raw.pgconn.transaction_status != pq.TransactionStatus.IDLE
        cursor, self._spare = self._spare or self.raw.cursor(), None
        try:
            cursor.execute(statement, params)
        except psycopg.Error as exc:
            typed = self._typed(exc, was_open)
            if typed is None:
                raise
            raise typed from exc
        return cursor

    def _typed(self, exc: psycopg.Error, was_open: bool) -> StoreError | None:
        """``exc`` as the store's French error (None: a bug or the data, raised as is);
        a transaction under way lost when the connection broke."""
        if self.broken:
            self._lost = was_open
        unavailable = _unavailable(exc, self.url)
        if unavailable is not None:
            return unavailable
        if isinstance(exc, psycopg.DataError) and "(0x00)" in str(exc):
            return UnstorableTextError()
        return None

    def _reconnect(self) -> None:
        """A new connection in place of the broken one: never inside a lost transaction
        (its first statements ran on the server gone; the rest must not run alone)."""
        if self._lost:
            raise DatabaseUnavailableError(
                safe_url(self.url), "connexion perdue pendant l'enregistrement, annulé"
            )
        self._unreleased = None  # its transaction, if any, ended with the old connection
        self._spare = None
        try:
            self.raw = connect(self.url)
        except psycopg.Error as exc:
            first = str(exc).strip().splitlines()
            raise DatabaseUnavailableError(safe_url(self.url), first[0] if first else "") from exc

    def savepoint(self, name: str) -> None:
        """``SAVEPOINT name``, after the release of the one left unreleased (if any)."""
        released = f"RELEASE SAVEPOINT {self._unreleased}; " if self._unreleased else ""
        self.run(f"{released}SAVEPOINT {name}".encode())
        self._unreleased = None

    def release_later(self, name: str) -> None:
        """The nested write of ``name`` ended well: released with the next statement that
        ends it (see ``_unreleased``). Any savepoint left unreleased is younger (made
        inside ``name``'s block): releasing ``name`` releases it too."""
        self._unreleased = name

    def end_lost(self, statement: bytes) -> bool:
        """Whether ``statement`` is the ``ROLLBACK`` that ends a lost transaction (nothing
        to send: the server rolled it back when the connection broke)."""
        if self.broken and self._lost and statement.strip().upper() == b"ROLLBACK":
            self._lost = False
            self._unreleased = None
            return True
        return False

    def identity_tables(self) -> set[str]:
        """The tables whose ``id`` the database numbers (``lastrowid`` of an insert)."""
        if self._identity is None:
            # The catalog itself: information_schema's views cost 3-5 ms at every opening.
            rows = self.run(
                b"SELECT c.relname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                b"WHERE a.attname = 'id' AND a.attidentity <> '' AND NOT a.attisdropped "
                b"AND c.relnamespace = current_schema()::regnamespace"
            ).fetchall()
            self._identity = {str(r[0]) for r in rows}
        return self._identity

    def schema_changed(self) -> None:
        self._identity = None
        self._plans.clear()

    def _plan(self, sql: str) -> _Plan:
        statements = to_postgres(sql)
        if len(statements) > 1:  # a trigger: its function, then the trigger
            return _Plan(tuple(s.encode() for s in statements), False, None, True)
        statement = statements[0]
        table = inserted_table(sql)
        returning = table is not None and not has_returning(sql) and table in self.identity_tables()
        if returning:
            statement += " RETURNING id"
        follow = (
            table
            if table is not None and gives_id(sql) and table in self.identity_tables()
            else None
        )
        schema = table is None and sql.lstrip()[:6].upper() in ("CREATE", "ALTER ", "DROP T")
        if len(self._plans) >= 4096:  # texts built with values (a migration's): bounded
            self._plans.clear()
        plan = self._plans[sql] = _Plan((statement.encode(),), returning, follow, schema)
        return plan

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> PgCursor:
        plan = self._plans.get(sql) or self._plan(sql)
        if len(plan.statements) > 1:
            for statement in plan.statements:
                self.run(statement)
            self.schema_changed()
            return PgCursor(None)
        (statement,) = plan.statements
        if self.end_lost(statement):
            return PgCursor(None)
        cursor = self.run(statement, _params(params))
        if plan.follow is not None:
            self._follow_given_ids(plan.follow)
        if plan.returning:
            row = PgCursor(cursor, self.url).fetchone()
            return PgCursor(cursor, self.url, int(row[0]) if row else None)
        if plan.schema:
            self.schema_changed()
        result = cursor.pgresult
        if result is not None and result.status == pq.ExecStatus.COMMAND_OK:
            # No rows to read later: the cursor serves the next statement.
            self._spare = cursor
            return PgCursor(None, rowcount=cursor.rowcount)
        return PgCursor(cursor, self.url)

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> PgCursor:
        (statement,) = to_postgres(sql)
        if self.broken:
            self._reconnect()
        was_open = self.raw.pgconn.transaction_status != pq.TransactionStatus.IDLE
        cursor, self._spare = self._spare or self.raw.cursor(), None
        rows = seq if isinstance(seq, list) else list(seq)
        plain = _PLAIN_INSERT.fullmatch(statement.strip()) if len(rows) > 1 else None
        try:
            if plain is not None:
                # Rows given whole (a lot's events, a store copied): one COPY rather than a
                # statement per row, a quarter of the client's CPU (issue #27); triggers fire.
                into = f"COPY {plain['table']} ({plain['columns']}) FROM STDIN"
                with cursor.copy(into.encode()) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(statement.encode(), rows)
        except psycopg.Error as exc:
            typed = self._typed(exc, was_open)
            if typed is None:
                raise
            raise typed from exc
        table = inserted_table(sql)
        if table is not None and table in self.identity_tables() and gives_id(sql):
            self._follow_given_ids(table)
        # No rows to read (a COPY, or psycopg's executemany without ``returning``).
        rowcount, self._spare = cursor.rowcount, cursor
        return PgCursor(None, rowcount=rowcount)

    def _follow_given_ids(self, table: str) -> None:
        """After rows inserted with their ``id`` given (the journal's batches number their
        events as SQLite would), the next generated ``id`` comes after them."""
        self.run(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - catalog
            f"(SELECT max(id) FROM {table}))".encode()
        )

    def commit(self) -> None:
        """As ``sqlite3.Connection.commit``: ends the transaction under way, if any."""
        if self.in_transaction:
            self.run(b"COMMIT")

    def close(self) -> None:
        self._closed = True
        self.raw.close()


#: Rows per fetch of a long read. The process's peak memory follows it, far beyond the rows
#: themselves (``sesam audit verify`` of a 100k store: 442 MB at 50 000, 137 MB at 5 000,
#: 89 MB at 500, 85 MB at 200; 68 MB on SQLite), for no time gained above a few hundred.
STREAM_CHUNK = 500


class PgDatabase:
    """The store's database on PostgreSQL: ``client.store.protocol.StoreDatabase`` for
    the repositories, ``ServerTransactions`` for the store's transactions."""

    dialect = POSTGRESQL

    def __init__(self, raw: psycopg.Connection[Any], url: str) -> None:
        self.conn = PgConnection(raw, url)
        self.url = url
        self._savepoints = itertools.count(1)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> PgCursor:
        return self.conn.execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> Iterator[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description or ()]
        for row in cursor.fetchall():
            yield dict(zip(names, row, strict=True))

    def query_stream(
        self, sql: str, params: Sequence[Any] | None = None, chunk: int = STREAM_CHUNK
    ) -> Iterator[dict[str, Any]]:
        """The rows of a long read (a whole journal) through a server-side cursor, ``chunk``
        rows at a time: ``query`` would bring the whole result into memory first (13 GB
        for a 1 M FSE journal, issue #27). Inside a transaction, where such a cursor lives;
        outside one, as ``query``."""
        if not self.conn.in_transaction:
            yield from self.query(sql, params)
            return
        (statement,) = to_postgres(sql)
        name = f"sesam_stream_{next(self._savepoints)}"
        cursor = self.conn.raw.cursor(name=name)
        try:
            try:
                cursor.execute(statement, _params(params))
                names = [d.name for d in cursor.description or ()]
                while rows := cursor.fetchmany(chunk):
                    for row in rows:
                        yield dict(zip(names, row, strict=True))
            except psycopg.Error as exc:
                typed = self.conn._typed(exc, was_open=True)
                if typed is None:
                    raise
                raise typed from exc
        finally:
            if not self.conn.broken:
                cursor.close()

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """A savepoint inside the transaction, else a transaction."""
        if not self.conn.in_transaction:
            self.conn.run(b"BEGIN")
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.run(b"COMMIT")
            return
        name = f"sp{next(self._savepoints)}"
        self.conn.savepoint(name)
        try:
            yield
        except BaseException:
            if not self.conn.broken:  # else the whole transaction is lost: its owner ends it
                self.conn.run(f"ROLLBACK TO SAVEPOINT {name}".encode())
            raise
        self.conn.release_later(name)

    def begin_write(self) -> None:
        """``BEGIN`` and the writers' lock (see ``WRITE_LOCK_KEY``), in one round trip (no
        parameters: sent as one simple query; a round trip per transaction less, an ARL
        recorded is one)."""
        try:
            self.conn.run(f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})".encode())
        except BaseException:
            if self.conn.in_transaction:
                with contextlib.suppress(psycopg.Error, DatabaseUnavailableError):
                    self.conn.execute("ROLLBACK")  # the caller has no transaction to end
            raise

    def begin_read(self) -> None:
        """A read transaction on one snapshot."""
        self.conn.run(b"BEGIN ISOLATION LEVEL REPEATABLE READ")

    def table_names(self) -> list[str]:
        # What information_schema.tables lists (tables, views), from the catalog: 6x faster.
        rows = self.conn.run(
            b"SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
            b"AND relkind IN ('r', 'p', 'v', 'f') ORDER BY relname"
        ).fetchall()
        return [str(r[0]) for r in rows]

    def close(self) -> None:
        self.conn.close()
