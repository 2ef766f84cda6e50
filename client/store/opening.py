"""Opening the store: data directory and file modes, SQLite settings, migrations,
counters raised to the high-water mark."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from client import presence
from client.bounded_read import InputFileError, read_text_bounded
from client.config import DATA_DIR_ENV, data_dir
from client.migration_progress import ProgressSink, reporting
from client.store.dictionaries import register_stored
from client.store.errors import (
    DamagedStoreError,
    DiskFullError,
    DiskIOError,
    ReadOnlyStorageError,
    storage_error,
)
from client.store.numbering import InDatabaseNumbering, Numbering
from client.store.side_files import import_side_files
from client.store.sqlite_database import SqliteDatabase, full_database
from client.store.store import Store

if TYPE_CHECKING:
    from client.store.protocol import StoreDatabase

logger = logging.getLogger(__name__)


DB_NAME = "sesam.db"


#: Environment variable naming the cabinet's PostgreSQL server (see ``database_url``).
DATABASE_URL_ENV = "SESAM_DATABASE_URL"

#: The settings file of the data folder (``client.settings``), read here for one key.
SETTINGS_NAME = "settings.json"


NUMBERING_NAME = "numbering.json"


BUSY_TIMEOUT_MS = 10_000


def _private_file(path: Path) -> None:
    """Mode 0600 on ``path`` if it exists, by its name only.

    Never open the database file outside SQLite: POSIX record locks belong to the process,
    and closing any descriptor of the file drops all of them, so the next connection
    believes it is the last one, checkpoints and unlinks the ``-wal`` under the others.
    """
    with contextlib.suppress(FileNotFoundError):
        path.chmod(0o600)


@contextlib.contextmanager
def _private_umask() -> Iterator[None]:
    """Files SQLite creates meanwhile (the database, its ``-wal``/``-shm``) are 0600.

    The umask is process-wide: other threads creating files meanwhile get 0600 too, which
    is never less safe.
    """
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def default_path() -> Path:
    """``<data dir>/sesam.db``."""
    return data_dir() / DB_NAME


def configured_database_url(directory: Path | None = None) -> str:
    """The cabinet's PostgreSQL server this workstation uses: ``SESAM_DATABASE_URL``, else
    ``database_url`` in the data folder's ``settings.json``; "" for the SQLite file.

    Only that key is read here: a settings file otherwise wrong is reported by whoever
    loads the settings, never taken as « no server » when it names one.
    """
    override = os.environ.get(DATABASE_URL_ENV, "").strip()
    if override:
        return override
    default = _default_path_quiet() if directory is None else None
    folder = directory if directory is not None else default.parent if default else None
    settings = folder / SETTINGS_NAME if folder is not None else None
    if settings is None or not settings.is_file():
        return ""
    try:
        doc = json.loads(read_text_bounded(settings, 1_000_000))
    except (InputFileError, ValueError, RecursionError):
        return ""
    url = doc.get("database_url") if isinstance(doc, dict) else None
    return url.strip() if isinstance(url, str) else ""


def open_store(
    path: Path | str | None = None,
    *,
    database_url: str | None = None,
    progress: ProgressSink | None = None,
) -> Store:
    """Open (creating and migrating if needed) the store; see the module docstring.

    :param path: the database file; default ``client.config.data_dir() / "sesam.db"``.
        On PostgreSQL it only names the data folder (nothing is created there).
    :param database_url: ``postgresql://...`` for that server, "" for the SQLite file;
        None (default): as configured (``configured_database_url``).
    :param progress: called as a long migration converts the store (minutes at 1 M FSE:
        the user is shown why the opening waits); None: the sink already set on this thread
        (``client.migration_progress.reporting``), if any.
    """
    with reporting(progress):
        return _open_any(path, database_url)


def _open_any(path: Path | str | None, database_url: str | None) -> Store:
    if database_url is None:
        database_url = configured_database_url(Path(path).parent if path is not None else None)
    if database_url:
        return _open_postgres(database_url, path)
    try:
        return _open(path)
    except (OSError, sqlite3.Error) as exc:
        where = Path(path).parent if path is not None else _data_dir_path()
        typed = storage_error(exc, where)
        if typed is None:
            raise
        if isinstance(typed, DiskFullError | ReadOnlyStorageError | DiskIOError):
            # The disk refuses writes: the user can still consult and export.
            db_path = Path(path) if path is not None else _default_path_quiet()
            if db_path is not None:
                from client.store.fallback import open_read_only  # only when the disk refuses

                fallback = open_read_only(db_path, db_path.parent / NUMBERING_NAME)
                if fallback is not None:
                    return fallback
        raise typed from exc


def _integrity_problem(db: StoreDatabase) -> str | None:
    """SQLite's first complaint about the file (``PRAGMA quick_check``), or None if whole."""
    try:
        first = db.execute("PRAGMA quick_check(1)").fetchone()
    except sqlite3.Error as exc:
        return str(exc)
    return None if first is None or first[0] == "ok" else str(first[0])


def _default_path_quiet() -> Path | None:
    """``default_path()`` without creating anything (the disk may refuse)."""
    try:
        return default_path()
    except OSError:
        return None


def _data_dir_path() -> Path | None:
    """Where the data directory is, without creating it (for error messages)."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) if override else None


def _open(path: Path | str | None) -> Store:
    db_path = Path(path) if path is not None else default_path()
    if not db_path.parent.exists():
        db_path.parent.mkdir(parents=True, mode=0o700)
    with _private_umask():
        new = not db_path.exists() or db_path.stat().st_size == 0
        conn = sqlite3.connect(str(db_path), timeout=BUSY_TIMEOUT_MS / 1000)
        db = SqliteDatabase(conn)
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if new:
                # Before WAL writes the header: a new store gives its free pages back in
                # steps (client/compact_daily.py), never needs « sesam store compact ».
                db.execute("PRAGMA auto_vacuum = INCREMENTAL")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            conn.close()  # a full or read-only disk: no descriptor left open
            raise
    # A file made by an older version or copied in: tighten by name (chmod opens nothing).
    for suffix in ("", "-wal", "-shm"):
        _private_file(db_path.with_name(db_path.name + suffix))
    presence.hold(db_path)  # a restoration refuses to run while others hold the store
    store = Store(db, db_path, Numbering(db_path.parent / NUMBERING_NAME))
    store._presence = True
    try:
        _migrate_sqlite(store, db)
        register_stored(db)  # the compression dictionaries the store's values need
        store.reconcile_counters()
        import_side_files(store, db_path.parent)  # drafts and favourites of older versions
    except sqlite3.Error as exc:
        # Damage in the migrations' own table reads as « nothing applied yet », and the first
        # migration then fails on tables that exist: say « damaged », not « unexpected ».
        damaged = None if storage_error(exc, db_path) else _integrity_problem(db)
        store.close()
        if damaged:
            raise DamagedStoreError(db_path, damaged) from exc
        raise
    except BaseException:
        store.close()
        raise
    logger.info("store opened: %s", db_path)
    return store


def schema_mark(applied: list[str]) -> int | None:
    """What ``PRAGMA user_version`` holds once every migration of this version is applied:
    a CRC of ``client/migrations.py`` (a migration added changes it) and of the names the
    migrations' table records (a record removed changes it); None when the file is not
    there to read (then every opening runs the migrations' own check)."""
    try:
        source = (Path(__file__).resolve().parents[1] / "migrations.py").read_bytes()
    except OSError:
        return None
    names = "\n".join(applied).encode()
    return (zlib.crc32(names, zlib.crc32(source)) & 0x7FFFFFFF) or 1  # a signed 32-bit int


def _applied(db: SqliteDatabase) -> list[str]:
    """The migrations' table's names in order ([] on a new store)."""
    try:
        rows = db.execute("SELECT name FROM _sqlite_migrations ORDER BY name").fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise
        return []
    return [name for (name,) in rows]


def _migrate_sqlite(store: Store, db: SqliteDatabase) -> None:
    """The pending migrations applied, unless ``user_version`` says none is: a listing
    then reads one PRAGMA and the migrations' names instead of importing the migrations
    and sqlite-utils (issue #27)."""
    mark = schema_mark(_applied(db))
    if mark is not None and db.execute("PRAGMA user_version").fetchone()[0] == mark:
        return
    from client.migrations import MIGRATIONS

    with store.write():  # two processes starting together must not both migrate
        MIGRATIONS.apply(full_database(db))
        after = schema_mark(_applied(db))
        if after is not None:
            db.execute(f"PRAGMA user_version = {after}")


def _open_postgres(url: str, path: Path | str | None) -> Store:
    """The store on the cabinet's PostgreSQL server: migrated under the writers' lock (two
    posts starting together do not both migrate); nothing written to the data folder."""
    # Here, not at the top: psycopg is imported only by the workstations that use it.
    import psycopg

    from client.migrations import MIGRATIONS
    from client.store.errors import DatabaseUnavailableError
    from client.store.postgres import PgDatabase, connect, safe_url

    db_path = Path(path) if path is not None else default_path()
    # The data folder still holds this workstation's settings, scans and exports.
    db_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        raw = connect(url)
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()
        raise DatabaseUnavailableError(safe_url(url), first[0] if first else "") from exc
    db = PgDatabase(raw, url)
    store = Store(db, db_path, InDatabaseNumbering())
    try:
        with store.write():
            MIGRATIONS.apply(db)
        db.conn.schema_changed()
        register_stored(db)
        store.reconcile_counters()
        # A workstation moving to the server brings its drafts and favourites of old.
        import_side_files(store, db_path.parent)
    except BaseException:
        store.close()
        raise
    logger.info("store opened on PostgreSQL: %s", safe_url(url))
    return store
