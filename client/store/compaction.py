"""Giving the disk back the pages a SQLite store no longer uses (issue #27, ``sesam store
compact``).

SQLite keeps the pages freed by a migration (m037 regroups the journal: ~0.7 KB per FSE at
1M) or by deleted rows on its free list, for the next rows; the file never shrinks. A
compaction writes a compact copy of the database beside it (``VACUUM INTO``: the store stays
as it was until the copy is whole), switches the copy to ``auto_vacuum = INCREMENTAL`` (the
pages freed later can be handed back a few at a time, ``PRAGMA incremental_vacuum``, without
a second copy), then puts it in the database's place. It needs as much free disk as the
database's used pages, beside it: checked before starting.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: The compact copy's name beside the database while it is written.
COMPACT_SUFFIX = ".compactage"
#: Free disk asked beyond the copy's size: SQLite's own temporary needs, the -wal.
_MARGIN = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Space:
    """A store's file: its size, the part of it in use, the free disk beside it (bytes)."""

    file_bytes: int
    used_bytes: int
    disk_free: int

    @property
    def needed(self) -> int:
        """Free disk a compaction needs: the copy of the pages in use, and a margin."""
        return self.used_bytes + _MARGIN

    @property
    def reclaimable(self) -> int:
        return self.file_bytes - self.used_bytes


def page_size(conn: sqlite3.Connection) -> int:
    """The store's page size (bytes)."""
    return int(conn.execute("PRAGMA page_size").fetchone()[0])


def space(conn: sqlite3.Connection, db_path: Path) -> Space:
    """The store's size, used part and the free disk of its folder."""
    size = page_size(conn)
    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    free = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
    return Space(
        file_bytes=pages * size,
        used_bytes=(pages - free) * size,
        disk_free=shutil.disk_usage(db_path.parent).free,
    )


def write_compact_copy(
    conn: sqlite3.Connection,
    target: Path,
    expected_bytes: int,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """``VACUUM INTO`` ``target`` (which must not exist), ``auto_vacuum`` incremental;
    ``progress(bytes written, bytes expected)`` about every second from a watcher thread
    (the copy itself tells nothing until it ends). The store is left as it was."""
    conn.execute("PRAGMA auto_vacuum = INCREMENTAL")  # taken by the copy (SQLite's VACUUM)
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(1.0):
            try:
                written = target.stat().st_size
            except FileNotFoundError:
                written = 0
            if progress is not None:
                progress(min(written, expected_bytes), expected_bytes)

    watcher = threading.Thread(target=watch, name="compactage", daemon=True)
    watcher.start()
    try:
        conn.execute("VACUUM INTO ?", [str(target)])
    finally:
        stop.set()
        watcher.join()
    with open(target, "rb+") as copy:  # on disk before it takes the database's place
        os.fsync(copy.fileno())
    if progress is not None:
        progress(expected_bytes, expected_bytes)


def checkpoint_all(conn: sqlite3.Connection) -> bool:
    """Write the whole -wal into the database and empty it; False when a reader kept part
    of it (another connection: the database must not be replaced then)."""
    busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return int(busy) == 0


def auto_vacuum_mode(conn: sqlite3.Connection) -> int:
    """SQLite's ``auto_vacuum``: 0 none (pages given back only by a whole copy), 1 full,
    2 incremental (``give_back``)."""
    return int(conn.execute("PRAGMA auto_vacuum").fetchone()[0])


def give_back(conn: sqlite3.Connection, pages: int) -> None:
    """Hand at most ``pages`` free pages back to the disk, in one write transaction (an
    incremental store; the file shrinks at the next checkpoint). Killed midway, SQLite
    rolls the step back: the store stays whole."""
    # ``execute`` steps a statement once: one page. A script runs it to its end.
    try:
        conn.executescript(f"BEGIN IMMEDIATE; PRAGMA incremental_vacuum({int(pages)}); COMMIT;")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def checkpoint_passive(conn: sqlite3.Connection) -> None:
    """Write what the -wal holds into the database without waiting on anybody (the file
    shrinks by the pages given back once they are all written)."""
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


def is_incremental(db_path: Path) -> bool:
    """Whether the database at ``db_path`` hands freed pages back on demand."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return int(conn.execute("PRAGMA auto_vacuum").fetchone()[0]) == 2
    finally:
        conn.close()
