"""Opening the store: data directory and file modes, SQLite settings, migrations,
counters raised to the high-water mark."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sqlite_utils import Database

from client import presence
from client.config import DATA_DIR_ENV, data_dir
from client.migrations import MIGRATIONS
from client.store.errors import (
    DamagedStoreError,
    DiskFullError,
    DiskIOError,
    ReadOnlyStorageError,
    storage_error,
)
from client.store.fallback import open_read_only
from client.store.kept import import_side_files
from client.store.numbering import Numbering
from client.store.store import Store

logger = logging.getLogger(__name__)


DB_NAME = "sesam.db"


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


def open_store(path: Path | str | None = None) -> Store:
    """Open (creating and migrating if needed) the store; see the module docstring.

    :param path: the database file; default ``client.config.data_dir() / "sesam.db"``.
    """
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
                fallback = open_read_only(db_path, db_path.parent / NUMBERING_NAME)
                if fallback is not None:
                    return fallback
        raise typed from exc


def _integrity_problem(db: Database) -> str | None:
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
        conn = sqlite3.connect(str(db_path), timeout=BUSY_TIMEOUT_MS / 1000)
        db = Database(conn)
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
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
        with store.write():  # two processes starting together must not both migrate
            MIGRATIONS.apply(db)
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
