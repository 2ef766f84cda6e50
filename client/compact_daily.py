"""The free pages of the store given back by the application itself, beside the desk
(issue #27): no command a practitioner would have to know of.

The application's housekeeping thread (``AppContext.backup_if_due``: its own connection,
after the day's backup, every hour) calls :func:`tidy`:

* an incremental store (born so, or compacted once by ``sesam store compact``): the free
  pages beyond ``KEEP_FREE`` are handed back ``STEP_PAGES`` at a time, each step its own
  short write transaction (the desk's writes wait at most one step, then take the lock
  during the pause between steps); progress ``(bytes given back, bytes to give back)``;
  stopped at the next step when the application closes. Killed midway, SQLite rolls the
  step under way back: the store is whole, the pages not yet given back stay free.
* a store whose file can only shrink by a whole copy (``auto_vacuum`` none: created by an
  older version, then converted in place by the migrations): the space to recover is told
  once per file (a mark beside it names its inode), with what to do: ``sesam store
  compact``, which needs the store to itself. The application does not copy a whole store
  behind the desk's back.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from client.durable import replace_file
from client.store import Store
from client.store.compaction import (
    Space,
    auto_vacuum_mode,
    checkpoint_passive,
    give_back,
    page_size,
    space,
)

logger = logging.getLogger(__name__)

#: Pages handed back per write transaction (4 MiB at 4 KiB pages): a step holds the
#: writers' lock a few tens of milliseconds.
STEP_PAGES = 1024
#: Pause between steps: the desk's writers waiting on the lock get it.
STEP_PAUSE = 0.05
#: Free pages kept for the next rows (a day's writes): giving them back then growing the
#: file again would be work for nothing.
KEEP_FREE = 4 * 1024 * 1024
#: Below this much to recover, a store that needs a whole copy is not worth a word.
WORTH_TELLING = 64 * 1024 * 1024
#: Beside the database: the store (its inode) whose space to recover was told.
TOLD_SUFFIX = ".compactage-signale"

_INCREMENTAL = 2

Progress = Callable[[int, int], None]


def tidy(
    store: Store, progress: Progress | None = None, stop: Callable[[], bool] = lambda: False
) -> Space | None:
    """Give the free pages back (incremental store), or return the space a compaction
    would recover when it has not been told yet for this file (and is worth telling)."""
    if store.conn.on_postgres:
        return None  # the server's own VACUUM
    conn = store.conn.sqlite
    room = space(conn, store.path)
    if auto_vacuum_mode(conn) == _INCREMENTAL:
        give_back_free_pages(store, room, progress, stop)
        return None
    if room.reclaimable < WORTH_TELLING or _told(store.path):
        return None
    _mark_told(store.path)
    return room


def give_back_free_pages(
    store: Store, room: Space, progress: Progress | None, stop: Callable[[], bool]
) -> int:
    """The steps; returns the bytes given back."""
    conn = store.conn.sqlite
    page = page_size(conn)
    to_give = max(0, room.reclaimable - KEEP_FREE) // page
    given = 0
    while given < to_give and not stop():
        step = min(STEP_PAGES, to_give - given)
        try:
            give_back(conn, step)
        except sqlite3.OperationalError as exc:
            # The desk held the lock past the busy timeout, or the disk is full: the pages
            # stay free (nothing lost), the next run goes on.
            logger.warning("free pages not given back this time: %s", exc)
            break
        given += step
        if progress is not None:
            progress(given * page, to_give * page)
        if given < to_give:
            time.sleep(STEP_PAUSE)
    if given:
        checkpoint_passive(conn)
        logger.info("place rendue au disque : %d octets", given * page)
    return given * page


def _identity(db_path: Path) -> str:
    st = os.stat(db_path)
    return f"{st.st_dev} {st.st_ino}"


def _told_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + TOLD_SUFFIX)


def _told(db_path: Path) -> bool:
    try:
        return _told_path(db_path).read_text(encoding="ascii").strip() == _identity(db_path)
    except (OSError, UnicodeDecodeError):
        return False


def _mark_told(db_path: Path) -> None:
    try:
        replace_file(_told_path(db_path), (_identity(db_path) + "\n").encode("ascii"))
    except OSError:
        logger.warning("space-to-recover notice not remembered beside %s", db_path.name)


def _gigabytes(size: int) -> str:
    return f"{size / 1e9:.1f}".replace(".", ",") + " Go"


def space_message(room: Space) -> str:
    """What the user reads (French): how much, and what to do."""
    return (
        f"La base de données occupe {_gigabytes(room.file_bytes)} sur le disque, dont "
        f"{_gigabytes(room.reclaimable)} de place libérée par la mise à jour de l'application "
        "et que seul un compactage peut rendre au disque. Quand vous le voudrez (quelques "
        "minutes ; l'application fermée, aucun envoi en cours), lancez la commande « sesam "
        f"store compact » : il lui faut {_gigabytes(room.needed)} libres sur le disque. Rien "
        "ne presse et rien n'est perdu d'ici là ; ce message ne sera plus affiché. Ensuite, "
        "l'application rendra d'elle-même la place libérée."
    )
