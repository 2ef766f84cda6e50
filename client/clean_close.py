"""The application's clean-close mark: ``sesam.db.fermee`` beside the store.

The full store check (``PRAGMA quick_check``) reads the whole file: 27 s at 1 M FSE. The
application needs it at start only when its last session did not end normally (killed,
power cut, crash): its context writes this mark when it closes normally
(``AppContext.close``, after the store's last connection is closed), and
``build_context`` takes it (reads and deletes it) before the store is written. A start
that finds no mark, or a mark for another file (the database replaced by hand since),
checks the whole file; the daily backup checks it in any case.

The mark names the file it stands for (device and inode): a copy put in its place has
another. Written atomically (a temporary file, fsync, rename, fsync of the folder), and its
removal is made durable before the session writes: a session cut short never leaves a
mark behind that says « closed cleanly ».
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from client.durable import fsync_directory, replace_file

logger = logging.getLogger(__name__)

MARK_SUFFIX = ".fermee"
_MAX_MARK = 256


def mark_path(db_path: Path) -> Path:
    """``<db>.fermee`` beside the database."""
    return db_path.with_name(db_path.name + MARK_SUFFIX)


def _identity(db_path: Path) -> str | None:
    try:
        st = os.stat(db_path)
    except OSError:
        return None
    return f"{st.st_dev} {st.st_ino}"


def write(db_path: Path) -> bool:
    """The session closed normally (call once its store connections are closed); False
    when nothing was written (no database, or a disk that refuses: the next start then
    checks the whole file, which is only slower)."""
    identity = _identity(db_path)
    if identity is None:
        return False
    try:
        replace_file(mark_path(db_path), (identity + "\n").encode("ascii"))
    except OSError:
        logger.warning("clean-close mark not written beside %s", db_path.name)
        return False
    return True


def take(db_path: Path) -> bool:
    """Whether the last session on ``db_path`` closed normally; the mark is removed (this
    session is now the one that must close normally). A mark that cannot be removed
    counts as absent: the whole check runs."""
    path = mark_path(db_path)
    try:
        with path.open("rb") as f:
            text = f.read(_MAX_MARK).decode("ascii", "replace").strip()
    except OSError:
        return False
    try:
        path.unlink()
        fsync_directory(path.parent)
    except OSError:
        logger.warning("clean-close mark not removed beside %s", db_path.name)
        return False
    return text == _identity(db_path)
