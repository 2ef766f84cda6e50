"""Backups of the store and their restoration (SQLite online backup API).

``backup`` copies the live database, consistently even while other connections write, into
``<data dir>/sauvegardes/sesam-AAAAMMJJ-HHMMSS.db`` (mode 0600, directory 0700) and keeps
the last ``keep`` of them. ``backup_if_due`` is the scheduled backup: the application calls
it at start and then once a day (the UI's daily timer); it does nothing when the newest
backup is younger than ``every``.

``restore`` checks the file (``PRAGMA integrity_check``, and that it is a sesam database:
the migrations table of the ``sesam-client`` set), copies the current database aside
(``avant-restauration-...db``), then copies the backup into the live database through the
backup API (the WAL and the other connections stay consistent). Opening the store then
raises the FSE and lot counters to the high-water mark of ``numbering.json``: an FSE number
handed out after the backup is never handed out again. The restoration is recorded in the
audit journal (the journal of the restored database goes on from its own head).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from billing.audit import AuditKind
from client.config import data_dir
from client.durable import fsync_directory
from client.migrations import MIGRATIONS
from client.store import (
    BUSY_TIMEOUT_MS,
    Store,
    StoreError,
    open_store,
    storage_error,
)

logger = logging.getLogger(__name__)

BACKUP_DIR_NAME = "sauvegardes"
#: How many scheduled backups are kept.
DEFAULT_KEEP = 14
#: How often ``backup_if_due`` makes one.
DEFAULT_EVERY = timedelta(hours=24)

_NAME = re.compile(r"^sesam-(\d{8}-\d{6})\.db$")
_STAMP = "%Y%m%d-%H%M%S"


class BackupError(StoreError):
    """A backup or a restoration could not be made (French ``str()``)."""


class NotASesamDatabaseError(BackupError):
    """The file to restore is not a sound sesam database; nothing was changed."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"{path} n'est pas une sauvegarde utilisable ({reason}) : rien n'a été modifié. "
            "Choisissez un autre fichier de sauvegarde (dossier « sauvegardes » des données)."
        )
        self.path = path
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RestoreReport:
    """What ``restore`` did."""

    source: Path
    previous_copy: Path  # the database as it was before, kept aside
    restored_sha256: str


def _utc_now() -> datetime:
    return datetime.now(UTC)


def backup_dir(base: Path | None = None) -> Path:
    """``<data dir>/sauvegardes`` (0700), created when missing."""
    path = (base or data_dir()) / BACKUP_DIR_NAME
    path.mkdir(mode=0o700, exist_ok=True)
    path.chmod(0o700)
    return path


def _copy_database(source: sqlite3.Connection, target: Path) -> None:
    """Online copy of ``source`` into a new file ``target`` (0600), fsynced, atomically."""
    tmp = target.with_name(target.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    try:
        dest = sqlite3.connect(str(tmp))
        try:
            source.backup(dest)
            # A single file, readable without its -wal companion.
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
        target.chmod(0o600)
        fsync_directory(target.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def backups(directory: Path | None = None) -> list[Path]:
    """The scheduled backups, oldest first."""
    folder = directory or backup_dir()
    return sorted(p for p in folder.iterdir() if _NAME.match(p.name))


def backup(
    store: Store,
    out: Path | None = None,
    *,
    now: datetime | None = None,
    keep: int = DEFAULT_KEEP,
) -> Path:
    """Copy the database to ``out`` (default: a new dated file in ``sauvegardes``).

    Dated backups beyond the ``keep`` newest are removed; a file given with ``out`` is
    never counted nor removed.
    :raises StorageError: the disk is full or read-only (the partial copy is removed).
    """
    moment = now or _utc_now()
    folder = backup_dir(store.path.parent)
    target = out or folder / f"sesam-{moment.astimezone(UTC).strftime(_STAMP)}.db"
    try:
        _copy_database(store.db.conn, target)
    except (OSError, sqlite3.Error) as exc:
        typed = storage_error(exc, target.parent)
        if typed is None:
            raise
        raise typed from exc
    logger.info("backup written: %s", target.name)
    if out is None:
        for old in backups(folder)[:-keep] if keep > 0 else []:
            old.unlink()
            logger.info("old backup removed: %s", old.name)
    return target


def backup_if_due(
    store: Store,
    every: timedelta = DEFAULT_EVERY,
    clock: Callable[[], datetime] = _utc_now,
    keep: int = DEFAULT_KEEP,
) -> Path | None:
    """The scheduled backup: one when the newest is older than ``every`` (or none exists).

    Call it at start and then daily; returns the new backup, or None when not due.
    """
    now = clock()
    existing = backups(backup_dir(store.path.parent))
    if existing:
        match = _NAME.match(existing[-1].name)
        assert match is not None  # noqa: S101 - backups() filtered on it
        newest = datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
        if now - newest < every:
            return None
    return backup(store, now=now, keep=keep)


def check_backup(path: Path) -> None:
    """Raise ``NotASesamDatabaseError`` unless ``path`` is a sound sesam database."""
    if not path.is_file():
        raise NotASesamDatabaseError(path, "fichier introuvable")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise NotASesamDatabaseError(path, "fichier illisible") from exc
    try:
        try:
            result = conn.execute("PRAGMA integrity_check").fetchall()
        except sqlite3.DatabaseError as exc:
            raise NotASesamDatabaseError(path, "pas une base SQLite ou base endommagée") from exc
        if [tuple(r) for r in result] != [("ok",)]:
            raise NotASesamDatabaseError(path, "base endommagée (integrity_check)")
        try:
            applied = {
                r[0]
                for r in conn.execute(
                    f"SELECT name FROM {MIGRATIONS.migrations_table} WHERE migration_set = ?",  # noqa: S608
                    [MIGRATIONS.name],
                )
            }
        except sqlite3.Error as exc:
            raise NotASesamDatabaseError(path, "pas une base du logiciel sesam") from exc
        if "m001_fse_lots_outbox" not in applied:
            raise NotASesamDatabaseError(path, "pas une base du logiciel sesam")
    finally:
        conn.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _carry_marks(store: Store) -> None:
    """Write the current counters to numbering.json (even if that file was lost): the
    restored, older database must not hand out these numbers again."""
    for row in store.db.query(
        "SELECT practitioner_id, last_fse_number, last_lot_number, lot_closings FROM counters"
    ):
        pid = row["practitioner_id"]
        store.numbering.mark(pid, "fse", int(row["last_fse_number"]))
        store.numbering.mark(pid, "lot", int(row["last_lot_number"]))
        store.numbering.mark(pid, "closing", int(row["lot_closings"]))


def restore(
    source: Path,
    db_path: Path | None = None,
    *,
    clock: Callable[[], datetime] = _utc_now,
) -> RestoreReport:
    """Replace the database by the backup ``source`` (see the module docstring).

    Other processes must have closed the database (the application is stopped).
    :raises NotASesamDatabaseError: ``source`` is damaged or not a sesam database.
    :raises StorageError: the disk is full or read-only.
    """
    check_backup(source)
    now = clock()
    current = open_store(db_path)  # creates / migrates the current one if needed
    try:
        before = current.audit_verify()
        _carry_marks(current)
        previous_copy = backup_dir(current.path.parent) / (
            f"avant-restauration-{now.astimezone(UTC).strftime(_STAMP)}.db"
        )
        backup(current, previous_copy, now=now)
        restored_sha256 = _sha256(source)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            dest = sqlite3.connect(str(current.path), timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                src.backup(dest)
            finally:
                dest.close()
        finally:
            src.close()
    except (OSError, sqlite3.Error) as exc:
        typed = storage_error(exc, (db_path or current.path).parent)
        if typed is None:
            raise
        raise typed from exc
    finally:
        current.close()
    # Opening raises the counters to numbering.json: numbers handed out since the backup
    # stay used.
    store = open_store(current.path)
    try:
        store.record_audit(
            AuditKind.RESTORED,
            now,
            {
                "backup_sha256": restored_sha256,
                "previous_count": before.count,
                "previous_head": before.head_hash,
                "previous_copy": previous_copy.name,
            },
        )
    finally:
        store.close()
    logger.warning("database restored from %s (previous copy %s)", source, previous_copy.name)
    return RestoreReport(
        source=source, previous_copy=previous_copy, restored_sha256=restored_sha256
    )
