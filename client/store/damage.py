"""A damaged database, remembered: ``sesam.db.endommagee`` beside it, holding the reason.

Damage inside the pages is found by ``PRAGMA quick_check`` (before every backup, at the
application's start after a session that did not close normally: ``client.clean_close``),
which reads the whole file: 0.6 s on an 800 MB store, too slow for
every command. Once found, the mark makes every later command say it at the cost of an
``os.stat``; a restoration, or a backup whose copy passes the full ``integrity_check``,
removes it. Damage that SQLite meets
while reading (« file is not a database », « malformed ») is told at once and marked too.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

MARK_SUFFIX = ".endommagee"
_MAX_MARK = 4096  # the reason, a line of SQLite's text: bounded when read back


def mark_path(db_path: Path) -> Path:
    """``<db>.endommagee`` beside the database."""
    return db_path.with_name(db_path.name + MARK_SUFFIX)


def mark(db_path: Path, detail: str) -> None:
    """Remember that ``db_path`` is damaged (a read-only or full disk: not remembered)."""
    path = mark_path(db_path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(detail[:_MAX_MARK])
    except OSError:
        logger.warning("damage mark not written beside %s", db_path.name)


def clear(db_path: Path) -> None:
    """The database is sound again (restored, or its check passed)."""
    with contextlib.suppress(OSError):
        mark_path(db_path).unlink(missing_ok=True)


def marked(db_path: Path) -> str | None:
    """The reason ``db_path`` was found damaged, or None (no mark)."""
    path = mark_path(db_path)
    try:
        with path.open("rb") as f:
            return f.read(_MAX_MARK).decode("utf-8", "replace").strip() or "endommagée"
    except FileNotFoundError:
        return None
    except OSError:
        return "endommagée"
