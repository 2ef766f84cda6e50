"""Opening the store: data directory and file modes, SQLite settings, migrations,
counters raised to the high-water mark."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from client.config import DATA_DIR_ENV, data_dir
from client.migrations import MIGRATIONS
from client.store.errors import storage_error
from client.store.fse import Store
from client.store.numbering import Numbering

logger = logging.getLogger(__name__)


DB_NAME = "sesam.db"


NUMBERING_NAME = "numbering.json"


BUSY_TIMEOUT_MS = 10_000


def _private_file(path: Path) -> None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    path.chmod(0o600)


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
        raise typed from exc


def _data_dir_path() -> Path | None:
    """Where the data directory is, without creating it (for error messages)."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) if override else None


def _open(path: Path | str | None) -> Store:
    db_path = Path(path) if path is not None else default_path()
    if not db_path.parent.exists():
        db_path.parent.mkdir(parents=True, mode=0o700)
    _private_file(db_path)
    conn = sqlite3.connect(str(db_path), timeout=BUSY_TIMEOUT_MS / 1000)
    db = Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA foreign_keys = ON")
    for suffix in ("-wal", "-shm"):
        companion = db_path.with_name(db_path.name + suffix)
        if companion.exists():
            companion.chmod(0o600)
    store = Store(db, db_path, Numbering(db_path.parent / NUMBERING_NAME))
    with store.write():  # two processes starting together must not both migrate
        MIGRATIONS.apply(db)
    store.reconcile_counters()
    logger.info("store opened: %s", db_path)
    return store
