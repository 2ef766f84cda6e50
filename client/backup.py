"""Backups of the store and their restoration (SQLite online backup API).

``backup`` copies the live database, consistently even while other connections write, into
``<data dir>/sauvegardes/sesam-AAAAMMJJ-HHMMSS.db`` (mode 0600, directory 0700) and keeps
the last ``keep`` of them. ``backup_if_due`` is the scheduled backup: the application calls
it at start and then once a day (the UI's daily timer); it does nothing when the newest
backup is younger than ``every``.

Before a backup the live database passes ``PRAGMA quick_check`` (a damaged store is never
copied over good backups: ``DamagedStoreError``), and the copy passes ``integrity_check``
before it is renamed into place; the rotation therefore only ever drops older backups than a
verified one. A damage found (by either check, or by SQLite while reading) is remembered
beside the database (``client.store.damage``): every later command says it, until a
restoration or a sound backup. Temporaries of a killed backup (``*.<pid>.tmp``) are
removed at the next backup or start (``clean_temporaries``).

``restore`` checks the file (``PRAGMA integrity_check``, and that it is a sesam database:
the migrations table of the ``sesam-client`` set) and refuses while another process has the
store open (``client.presence``). When the current database is sound it copies it aside
(``avant-restauration-...db``), then copies the backup into the live database through the
backup API. When the current database is damaged or cannot be opened at all, it is moved
aside whole (``endommagee-...db`` with its ``-wal``/``-shm``, never deleted) and the backup
is copied in its place. Opening the store then raises the FSE and lot counters to the
high-water mark of ``numbering.json``: an FSE number handed out after the backup is never
handed out again. The restoration is recorded in the audit journal (the journal of the
restored database goes on from its own head).

The files (where, copy, check, list) are in :mod:`client.backup_files` and the restoration
in :mod:`client.restore`; both are re-exported here (callers import from ``client.backup``).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from client.backup_files import (
    BACKUP_DIR_NAME,
    BACKUP_NAME,
    DEFAULT_EVERY,
    DEFAULT_KEEP,
    MAX_BACKUP_SIZE,
    PAGES_PER_STEP,
    STAMP,
    BackupError,
    BackupInfo,
    BackupStoppedError,
    NotASesamDatabaseError,
    Progress,
    backup_dir,
    backups,
    check_backup,
    check_store,
    clean_temporaries,
    copy_database,
    list_backups,
    utc_now,
)
from client.output_files import check_output
from client.restore import (
    RestoreReport,
    diagnose_store,
    restore,
)
from client.store import (
    Store,
    damage,
    storage_error,
)
from client.store.errors import DamagedStoreError, ServerSideBackupError

logger = logging.getLogger(__name__)

#: ``progress(0, CHECKING)``: the live database's ``quick_check`` runs, before any page is
#: copied (a total of 0 pages: the copy has not started). The caller says « vérification
#: de la base… » rather than nothing for the ~15 s the check takes at 1 M FSE.
CHECKING = 0

__all__ = [
    "BACKUP_DIR_NAME",
    "CHECKING",
    "DEFAULT_EVERY",
    "DEFAULT_KEEP",
    "MAX_BACKUP_SIZE",
    "PAGES_PER_STEP",
    "BackupError",
    "BackupInfo",
    "BackupStoppedError",
    "NotASesamDatabaseError",
    "Progress",
    "RestoreReport",
    "backup",
    "backup_dir",
    "backup_if_due",
    "backups",
    "check_backup",
    "check_store",
    "clean_temporaries",
    "diagnose_store",
    "list_backups",
    "restore",
]


def backup(
    store: Store,
    out: Path | None = None,
    *,
    now: datetime | None = None,
    keep: int = DEFAULT_KEEP,
    force: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Copy the database to ``out`` (default: a new dated file in ``sauvegardes``).

    Dated backups beyond the ``keep`` newest are removed (the new one, verified, is the
    newest: the last good backup is never the one removed); a file given with ``out`` is
    never counted nor removed, and may be neither a file of the store, nor a backup, nor an
    existing file unless ``force``.
    :raises DamagedStoreError: the live database fails its check; nothing was written.
    :raises OutputPathError: ``out`` is refused.
    :raises StorageError: the disk is full or read-only (the partial copy is removed).
    """
    if store.conn.on_postgres:
        raise ServerSideBackupError
    moment = now or utc_now()
    try:
        folder = backup_dir(store.path.parent)
    except OSError as exc:
        typed = storage_error(exc, store.path.parent)
        if typed is None:
            raise
        raise typed from exc
    clean_temporaries(folder)
    if out is not None:
        out = check_output(out, force=force, data_dirs=(store.path.parent,))
    target = out or folder / f"sesam-{moment.astimezone(UTC).strftime(STAMP)}.db"
    if progress is not None:
        progress(0, CHECKING)  # heard before the check reads the whole file (~15 s at 1 M)
    check_store(store)
    try:
        copy_database(store.conn.sqlite, target, progress, pages=PAGES_PER_STEP)
    except NotASesamDatabaseError as exc:
        # The page-exact copy fails ``integrity_check`` where the live database passed
        # ``quick_check`` (an index out of step with its table): the live database is damaged.
        detail = "contrôle d'intégrité complet en échec"
        damage.mark(store.path, detail)
        raise DamagedStoreError(store.path, detail) from exc
    except (OSError, sqlite3.Error) as exc:
        typed = storage_error(exc, target.parent)
        if typed is None:
            raise
        raise typed from exc
    logger.info("backup written: %s", target.name)
    # The copy passed the full integrity_check, page for page the live database: sound.
    damage.clear(store.path)
    if out is None:
        for old in backups(folder)[:-keep] if keep > 0 else []:
            old.unlink()
            logger.info("old backup removed: %s", old.name)
    return target


def backup_if_due(
    store: Store,
    every: timedelta = DEFAULT_EVERY,
    clock: Callable[[], datetime] = utc_now,
    keep: int = DEFAULT_KEEP,
    progress: Progress | None = None,
) -> Path | None:
    """The scheduled backup: one when the newest is older than ``every`` (or none exists).

    Call it at start and then hourly; returns the new backup, or None when not due. The live
    database is checked (``quick_check``) only before a backup is written: it reads the whole
    file (~27 s at 1 M FSE), and the start's check is ``restore.diagnose_store``'s.
    :raises DamagedStoreError: the database is damaged.
    """
    if store.conn.on_postgres:
        return None  # the cabinet's server backs its database up (docs/architecture.md)
    now = clock()
    try:
        folder = backup_dir(store.path.parent)
    except OSError as exc:
        typed = storage_error(exc, store.path.parent)
        if typed is None:
            raise
        raise typed from exc
    clean_temporaries(folder)
    existing = backups(folder)
    if existing:
        match = BACKUP_NAME.match(existing[-1].name)
        assert match is not None  # noqa: S101 - backups() filtered on it
        newest = datetime.strptime(match.group(1), STAMP).replace(tzinfo=UTC)
        if now - newest < every:
            return None
    return backup(  # checks the live database first (once: it reads the whole file)
        store, now=now, keep=keep, progress=progress
    )
