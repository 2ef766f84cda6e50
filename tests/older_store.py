"""Stores as an older version created them: ``auto_vacuum`` none (this version creates its
stores incremental). Their free pages go back to the disk only by a whole copy (``sesam
store compact``): the « space to recover » notice is for such stores."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def created_by_an_older_version(db: Path) -> Path:
    """The file of a store not made yet, created as older versions did (``auto_vacuum``
    none): ``open_store`` then migrates into it as they did, the pages its migrations free
    staying in the file."""
    db.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA auto_vacuum = NONE")
        conn.execute("CREATE TABLE older_version (x INTEGER)")  # the header written: mode fixed
        conn.execute("DROP TABLE older_version")
    finally:
        conn.close()
    return db


def as_created_by_an_older_version(db: Path) -> None:
    """Rewrite the closed store ``db`` with ``auto_vacuum`` none (same content)."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA auto_vacuum = NONE")
        conn.execute("VACUUM")  # the mode changes from incremental only by a rewrite
        assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 0
    finally:
        conn.close()
