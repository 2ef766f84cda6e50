"""``sesam store compact``: the disk given back the pages the store no longer uses (issue #27).

Why a command, not a step of the migrations nor of the daily backup: giving the pages back
rewrites the whole file (SQLite's ``VACUUM``: 3 GB at 1M FSE, minutes), needs that much free
disk, and needs the store to itself (no application, no sending), which a migration run at
every start or the backup running beside the desk cannot ask. The migration that frees the
most (m037) says so in the log; the command says beforehand what it needs and what it gives.
Once compacted the store is incremental: the pages freed later go back to the disk in short
steps from the application's housekeeping thread (``client.compact_daily``), which also tells
the user once when a store still needs this command.

Safe at every step: the compact copy is written beside the database while the store stays
as it was; only when the copy is whole and on disk does it take the database's place (a
rename). Killed before, the store is untouched (the copy left over is removed by the next
compaction); killed after, the store is the compact one.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from client import presence
from client.durable import fsync_directory
from client.errors import ClientError
from client.store import open_store
from client.store.compaction import (
    COMPACT_SUFFIX,
    Space,
    checkpoint_all,
    is_incremental,
    space,
    write_compact_copy,
)
from client.store.errors import storage_error

logger = logging.getLogger(__name__)

#: Less than this to give back (and already incremental): nothing is rewritten.
NOTHING_WORTH = 1024 * 1024


def _gigabytes(size: int) -> str:
    return f"{size / 1e9:.1f}".replace(".", ",") + " Go"


class NotEnoughDiskError(ClientError):
    """The folder of the store has not the free disk a compaction needs."""

    def __init__(self, folder: Path, room: Space) -> None:
        super().__init__(
            f"Le compactage écrit d'abord une copie compacte de la base à côté d'elle : il "
            f"faut {_gigabytes(room.needed)} libres sur le disque de {folder}, il n'y en a "
            f"que {_gigabytes(room.disk_free)}. Rien n'a été modifié. Libérez de la place "
            "(anciennes sauvegardes déplacées sur un autre disque, par exemple) puis "
            "recommencez."
        )
        self.room = room


class CompactInUseError(ClientError):
    """Another process has the store open."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"La base {path} est ouverte par un autre programme (l'application, un envoi en "
            "cours ou une autre commande sesam) : le compactage n'a pas été fait, rien n'a "
            "été modifié. Fermez l'application et attendez la fin des envois, puis "
            "recommencez."
        )


class CompactNotPossibleError(ClientError):
    """The database could not be put in place (something kept part of its -wal)."""


@dataclass(frozen=True, slots=True)
class CompactReport:
    """Sizes before and after (bytes); ``done`` False when there was nothing to give back."""

    file_before: int
    file_after: int
    done: bool


def compact(db_path: Path, progress: Callable[[int, int], None] | None = None) -> CompactReport:
    """Give back the free pages of the SQLite store ``db_path`` (see the module).

    :raises CompactInUseError: another process has the store open; nothing was changed.
    :raises NotEnoughDiskError: not enough free disk beside it; nothing was changed.
    """
    target = db_path.with_name(db_path.name + COMPACT_SUFFIX)
    try:
        with presence.exclusive(db_path):
            return _compact(db_path, target, progress)
    except presence.StoreInUseError as exc:
        raise CompactInUseError(db_path) from exc
    except OSError as exc:
        target.unlink(missing_ok=True)
        typed = storage_error(exc, db_path.parent)
        if typed is None:
            raise
        raise typed from exc


def _compact(
    db_path: Path, target: Path, progress: Callable[[int, int], None] | None
) -> CompactReport:
    target.unlink(missing_ok=True)  # a copy left by a compaction killed midway
    store = open_store(db_path, database_url="")  # migrated first (m037 frees the most)
    try:
        conn = store.conn.sqlite
        room = space(conn, db_path)
        if room.reclaimable < NOTHING_WORTH and is_incremental(db_path):
            return CompactReport(room.file_bytes, room.file_bytes, done=False)
        if room.disk_free < room.needed:
            raise NotEnoughDiskError(db_path.parent, room)
        logger.info(
            "compactage : %d octets en usage sur %d, copie vers %s",
            room.used_bytes,
            room.file_bytes,
            target,
        )
        try:
            write_compact_copy(conn, target, room.used_bytes, progress)
            whole = checkpoint_all(conn)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    finally:
        store.close()
    wal = db_path.with_name(db_path.name + "-wal")
    if not whole or (wal.exists() and wal.stat().st_size > 0):
        target.unlink(missing_ok=True)
        raise CompactNotPossibleError(
            "La base n'a pas pu être remplacée par sa copie compacte (son journal -wal "
            "n'a pas pu être vidé) : rien n'a été modifié. Recommencez quand plus aucun "
            "programme n'utilise la base."
        )
    os.replace(target, db_path)
    # Nobody has the store open (``presence``): the -wal's index of the old file goes.
    db_path.with_name(db_path.name + "-shm").unlink(missing_ok=True)
    fsync_directory(db_path.parent)
    after = open_store(db_path, database_url="")  # opens, and is the compact one
    try:
        file_after = space(after.conn.sqlite, db_path).file_bytes
    finally:
        after.close()
    logger.info("compactage : %d → %d octets", room.file_bytes, file_after)
    return CompactReport(room.file_bytes, file_after, done=True)
