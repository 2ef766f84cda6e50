"""Restoring a backup of the store, and telling whether the current database is damaged
(see :mod:`client.backup` for the whole story: a sound database is copied aside first, a
damaged one moved aside whole, never deleted; the numbering never goes back)."""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from billing.audit import AuditKind
from client import presence
from client.backup_files import (
    PAGES_PER_STEP,
    STAMP,
    NotASesamDatabaseError,
    Progress,
    backup_dir,
    check_backup,
    check_store,
    clean_temporaries,
    copy_database,
    utc_now,
)
from client.durable import fsync_directory
from client.store import (
    BUSY_TIMEOUT_MS,
    Store,
    StoreError,
    damage,
    open_store,
    storage_error,
)
from client.store.errors import DamagedStoreError, ServerSideRestoreError
from client.store.opening import configured_database_url, default_path

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RestoreReport:
    """What ``restore`` did."""

    source: Path
    previous_copy: Path | None  # the database as it was before, kept aside (None: none)
    restored_sha256: str
    damaged: bool = False  # the previous database was damaged: moved aside whole


def diagnose_store(db_path: Path | None = None, *, full: bool = True) -> DamagedStoreError | None:
    """Whether the current database is damaged (cannot be opened, or fails ``quick_check``):
    the error to show, or None (sound, or no database yet). Other failures (disk full,
    read-only) are raised as they are.

    ``full=False``: the open alone (SQLite's header, the schema and the migrations' rows,
    the counters) and the damage already found (``damage.marked``), not ``quick_check``'s
    read of every page — the application's start after a session that closed normally
    (``client.clean_close``); the daily backup checks every page before it copies."""
    db_path = Path(db_path) if db_path is not None else default_path()
    if not db_path.exists() or configured_database_url(db_path.parent):
        # On the cabinet's server the store is not this file (a SQLite file left after
        # moving in): the server checks its own pages.
        return None
    try:
        store = open_store(db_path)
    except DamagedStoreError as exc:
        damage.mark(db_path, exc.detail)
        return exc
    except StoreError as exc:
        if isinstance(exc.__cause__, sqlite3.DatabaseError) and not isinstance(
            exc.__cause__, sqlite3.OperationalError
        ):
            damage.mark(db_path, str(exc.__cause__))
            return DamagedStoreError(db_path, str(exc.__cause__))
        raise
    except (sqlite3.DatabaseError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        # Opening reads rows (migrations, counters): undecodable rows are damage too.
        logger.error("current database cannot be opened: %s", type(exc).__name__)
        damage.mark(db_path, "donnée illisible")
        return DamagedStoreError(db_path, "donnée illisible")
    try:
        if full:
            check_store(store)
    except DamagedStoreError as exc:
        return exc
    finally:
        store.close()
    reason = damage.marked(db_path)
    if reason is not None:
        # Found by a fuller check than quick_check (a backup's integrity_check).
        return DamagedStoreError(db_path, reason)
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _carry_marks(store: Store) -> None:
    """Write the current counters to numbering.json (even if that file was lost): the
    restored, older database must not hand out these numbers again."""
    for row in store.maintenance.counter_marks():
        store.numbering.mark(row.practitioner_id, "fse", row.last_fse_number)
        store.numbering.mark(row.practitioner_id, "lot", row.last_lot_number)
        store.numbering.mark(row.practitioner_id, "closing", row.lot_closings)


def _move_aside(db_path: Path, folder: Path, now: datetime) -> Path:
    """Move a damaged database (and its -wal/-shm) into ``folder``; never deleted."""
    stamp = now.astimezone(UTC).strftime(STAMP)
    aside = folder / f"endommagee-{stamp}.db"
    for suffix in ("", "-wal", "-shm", "-journal"):
        source = db_path.with_name(db_path.name + suffix)
        if source.exists():
            os.replace(source, aside.with_name(aside.name + suffix))
    fsync_directory(folder)
    fsync_directory(db_path.parent)
    return aside


def _sound_current(db_path: Path) -> Store | None:
    """The current store opened, if it exists and passes its check; None when damaged."""
    if not db_path.exists():
        return None
    try:
        current = open_store(db_path)
    except DamagedStoreError:
        return None
    except StoreError as exc:
        if isinstance(exc.__cause__, sqlite3.DatabaseError) and not isinstance(
            exc.__cause__, sqlite3.OperationalError
        ):
            return None
        raise
    except (sqlite3.DatabaseError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        # Opening reads rows (migrations, counters): undecodable rows are damage too.
        logger.exception("current database cannot be opened: treated as damaged")
        return None
    try:
        check_store(current)
    except DamagedStoreError:
        current.close()
        return None
    return current


def restore(
    source: Path,
    db_path: Path | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    progress: Progress | None = None,
) -> RestoreReport:
    """Replace the database by the backup ``source`` (see the module docstring).

    Works when the current database is damaged or cannot be opened at all (it is moved
    aside, never deleted). Refused while another process has the store open.
    ``progress(copied_pages, total_pages)`` follows the copy of the backup.
    :raises NotASesamDatabaseError: ``source`` is damaged or not a sesam database.
    :raises StoreInUseError: another process has the store open; nothing was changed.
    :raises StorageError: the disk is full or read-only.
    """
    db_path = Path(db_path) if db_path is not None else default_path()
    if configured_database_url(db_path.parent):
        raise ServerSideRestoreError
    check_backup(source)
    now = clock()
    folder = backup_dir(db_path.parent)
    clean_temporaries(folder)
    before_count: int | None = None
    before_head: str | None = None
    damaged = False
    previous_copy: Path | None
    with presence.exclusive(db_path):
        try:
            current = _sound_current(db_path)
            if current is not None:
                try:
                    try:
                        # Its last entry, as the restoration's entry names it: not the whole
                        # journal verified (a quarter of an hour at 1 M FSE, before an
                        # urgent restoration); the base itself is kept aside, whole.
                        before_count, before_head = current.journal.journal_head()
                    except Exception:  # an unreadable journal is no reason to stop
                        logger.exception("journal head of the database being replaced unread")
                    _carry_marks(current)
                    previous_copy = folder / (
                        f"avant-restauration-{now.astimezone(UTC).strftime(STAMP)}.db"
                    )
                    try:
                        copy_database(current.conn.sqlite, previous_copy)
                    except NotASesamDatabaseError:
                        # Its copy fails integrity_check (an index out of step, which
                        # quick_check passes): damaged after all, moved aside whole below.
                        logger.error("database being replaced fails integrity_check")
                        current.close()
                        current = None
                finally:
                    if current is not None:
                        current.close()
            if current is None:
                # Damaged or unreadable: kept whole beside the backups; the numbering
                # high-water mark (numbering.json) keeps numbers from going back.
                damaged = db_path.exists()
                previous_copy = _move_aside(db_path, folder, now) if damaged else None
                logger.error("damaged database moved aside: %s", previous_copy)
            if not db_path.exists():
                # Created 0600 before SQLite writes patient data into it.
                os.close(os.open(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            restored_sha256 = _sha256(source)
            src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            try:
                dest = sqlite3.connect(str(db_path), timeout=BUSY_TIMEOUT_MS / 1000)
                try:

                    def step(_status: int, remaining: int, total: int) -> None:
                        if progress is not None:
                            progress(total - remaining, total)

                    src.backup(dest, pages=PAGES_PER_STEP, progress=step)
                finally:
                    dest.close()
            finally:
                src.close()
        except (OSError, sqlite3.Error) as exc:
            typed = storage_error(exc, db_path.parent)
            if typed is None:
                raise
            raise typed from exc
        # Opening raises the counters to numbering.json: numbers handed out since the
        # backup stay used.
        store = open_store(db_path)
        damage.clear(db_path)  # the damaged file is aside: this database is the backup
        try:
            store.record_audit(
                AuditKind.RESTORED,
                now,
                {
                    "backup_sha256": restored_sha256,
                    "previous_count": before_count,
                    "previous_head": before_head,
                    "previous_copy": previous_copy.name if previous_copy else None,
                    "previous_damaged": damaged,
                },
            )
        finally:
            store.close()
    logger.warning("database restored from %s (previous copy %s)", source, previous_copy)
    return RestoreReport(
        source=source,
        previous_copy=previous_copy,
        restored_sha256=restored_sha256,
        damaged=damaged,
    )
