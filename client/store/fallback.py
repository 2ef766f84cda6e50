"""Opening the store for reading only, when the disk refuses writes (read-only or full).

A store closed cleanly has no ``-wal``: opening it normally must create ``-wal`` and
``-shm``, which a read-only or full disk refuses, and the user could not even list his
FSE. Here the database is opened ``mode=ro`` (``immutable`` when there is no ``-wal``: no
lock files to create; the file is then whole), provided its schema is current (no
migration can run). Reading works; any write fails with the disk's own diagnosis.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from urllib.parse import quote

from sqlite_utils import Database

from client.migrations import MIGRATIONS
from client.store.numbering import Numbering
from client.store.store import Store

logger = logging.getLogger(__name__)


def open_read_only(db_path: Path, numbering: Path) -> Store | None:
    """The store opened for reading, or None when that is not possible either."""
    if not db_path.is_file():
        return None
    wal = db_path.with_name(db_path.name + "-wal")
    try:
        immutable = not wal.exists() or wal.stat().st_size == 0
    except OSError:
        immutable = False
    uri = f"file:{quote(str(db_path))}?mode=ro" + ("&immutable=1" if immutable else "")
    try:
        conn = sqlite3.connect(uri, uri=True)
    except sqlite3.Error:
        return None
    try:
        db = Database(conn)
        if MIGRATIONS.pending(db):
            conn.close()
            return None
    except sqlite3.Error:
        conn.close()
        return None
    logger.info("store opened read-only (the disk refuses writes): %s", db_path)
    store = Store(db, db_path, Numbering(numbering))
    store.read_only = True
    return store
