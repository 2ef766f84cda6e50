"""The store: FSE, lots, outbox and numbering in one SQLite file (sqlite-utils), or in the
cabinet's PostgreSQL database when ``database_url`` / ``SESAM_DATABASE_URL`` names one
(``postgres``, ``dialect``: the same repositories and migrations; see docs/architecture.md).

Opening (``open_store``) creates the data directory (0700) and the database file (0600,
and its ``-wal``/``-shm`` companions), sets ``journal_mode=WAL``, ``synchronous=FULL``,
``foreign_keys=ON``, ``busy_timeout``, applies the migrations (``client.migrations``) and
raises the number counters to the high-water mark kept outside the database. On SQLite the
repositories see ``sqlite_database.SqliteDatabase`` (sqlite-utils' rules without importing
it) and ``PRAGMA user_version`` marks a store whose migrations are all applied
(``opening.schema_mark``): a listing then imports neither sqlite-utils nor the migrations.

Threads: a ``Store`` wraps one ``sqlite3`` connection, which is bound to the thread that
opened it. Open one ``Store`` per thread (``open_store(same path)``); the application does
all its writes from one database thread (``client.context.DbWorker``). Several processes
may share the file: writes take the database lock first (``BEGIN IMMEDIATE``).

Numbering: FSE and lot numbers are counted per practitioner in ``counters``. Before the
transaction that uses a new number commits, the number is written and fsynced to
``numbering.json`` next to the database; every new number is 1 + the max of the database
counter and that file. So a number handed out is never handed out again, even when an
older copy of the database is restored or the process dies between the two writes (a
number can be skipped, never reused).

Layout: ``Store`` (``store``) holds one ``Connection`` (``connection``: the connection,
``write()`` and read transactions) and repositories on it, one concern each: ``base``
(numbers; practitioners and patients), ``queries`` (FSE, lots, outbox, history),
``journal`` (events, audit chain; ``books`` checks the books against it), ``lots`` (lot
writes, outbox), ``fse`` (FSE writes), ``returns`` (payments, remainders, unmatched NOEMIE
lines), ``transmissions`` (sync state, transport log, ARL), ``figures`` (dashboard,
recette), ``search`` (the FSE list), ``alerting`` (the alerts' queries). ``Store``'s
methods of old delegate to them. ``rows`` and ``stamps`` hold the row types; ``mapping``
builds rows from their fields; ``opening`` (``open_store``), which raises the ``counters``,
notes the compression ``dictionaries`` and imports the ``side_files`` of older versions.
The SQL of the client lives here; the client modules call the repositories
(``store.returns.latest_payment(...)``).

Nothing outside SQLite opens the database files: closing any descriptor of the file drops
the process's POSIX locks, and another connection would then unlink the ``-wal`` under the
open ones (issue #17). Modes are set by umask at creation and ``chmod`` by name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from client.store.errors import (
    AmbiguousError,
    DiskFullError,
    DiskIOError,
    NotFoundError,
    ReadOnlyStorageError,
    StorageError,
    StoreError,
    storage_error,
)
from client.store.numbering import Numbering
from client.store.opening import BUSY_TIMEOUT_MS, DB_NAME, NUMBERING_NAME, default_path, open_store
from client.store.rows import (
    EventRow,
    FseRow,
    HistoryAct,
    LotRow,
    OutboxRow,
    OutboxStatus,
    parse_db_stamp,
    stamp,
)
from client.store.store import Store

if TYPE_CHECKING:
    from client.store.lot_step import LotStep


def __getattr__(name: str) -> object:
    # A lot's move is defined when asked for (a dataclass: ~0.6 ms): a listing never asks
    # (issue #27).
    if name == "LotStep":
        from client.store.lot_step import LotStep

        return LotStep
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BUSY_TIMEOUT_MS",
    "DB_NAME",
    "NUMBERING_NAME",
    "AmbiguousError",
    "DiskFullError",
    "DiskIOError",
    "EventRow",
    "FseRow",
    "HistoryAct",
    "LotRow",
    "LotStep",
    "NotFoundError",
    "Numbering",
    "OutboxRow",
    "OutboxStatus",
    "ReadOnlyStorageError",
    "StorageError",
    "Store",
    "StoreError",
    "default_path",
    "open_store",
    "parse_db_stamp",
    "stamp",
    "storage_error",
]
