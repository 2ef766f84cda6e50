"""The backup files of the store: where they live (``sauvegardes``, 0700), how the live
database is checked (``quick_check``) and copied into one (SQLite online backup API, a
verified temporary renamed into place), how a file is checked before a restore
(``integrity_check``, a sesam database) and listed. :mod:`client.backup` makes the
scheduled backups and :mod:`client.restore` restores one.

The SQL here runs on connections of its own, not the store's (the read that pins the online
backup's snapshot, the check of a backup file): file-level work, the one exception
``tests/test_store_owns_sql.py`` allows. The live store's check is ``store.maintenance``."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from client.config import data_dir
from client.durable import fsync_directory
from client.migrations import MIGRATIONS
from client.store import (
    Store,
    StoreError,
    damage,
    storage_error,
)
from client.store.errors import DamagedStoreError

logger = logging.getLogger(__name__)

BACKUP_DIR_NAME = "sauvegardes"
#: How many scheduled backups are kept.
DEFAULT_KEEP = 14
#: How often ``backup_if_due`` makes one.
DEFAULT_EVERY = timedelta(hours=24)

BACKUP_NAME = re.compile(r"^sesam-(\d{8}-\d{6})\.db$")
#: A copy under way: ``<target>.<pid>.tmp`` (a bare ``.tmp`` from older versions).
TEMPORARY = re.compile(r"^.+\.db(?:\.(\d+))?\.tmp$")
#: The largest file ``check_backup`` reads (a database of a cabinet is far smaller).
MAX_BACKUP_SIZE = 64 * 1024**3
STAMP = "%Y%m%d-%H%M%S"
#: Pages copied per step of a backup (4 MiB of 4 KiB pages): between steps the desk's
#: writes go on, and the caller hears of the progress.
PAGES_PER_STEP = 1024

#: ``progress(copied_pages, total_pages)`` after each step of a backup.
Progress = Callable[[int, int], None]


class BackupError(StoreError):
    """A backup or a restoration could not be made (French ``str()``)."""


class BackupStoppedError(BackupError):
    """A backup was stopped before its end (the application closing); no copy was kept."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"Sauvegarde de {path.name} interrompue ({reason}) : rien n'a été gardé.")
        self.path = path


class NotASesamDatabaseError(BackupError):
    """The file to restore is not a sound sesam database; nothing was changed."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"{path} n'est pas une sauvegarde utilisable ({reason}) : rien n'a été modifié. "
            "Choisissez un autre fichier de sauvegarde (dossier « sauvegardes » des données)."
        )
        self.path = path
        self.reason = reason


def utc_now() -> datetime:
    return datetime.now(UTC)


def backup_dir(base: Path | None = None) -> Path:
    """``<data dir>/sauvegardes`` (0700), created when missing."""
    path = (base or data_dir()) / BACKUP_DIR_NAME
    path.mkdir(mode=0o700, exist_ok=True)
    path.chmod(0o700)
    return path


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_temporaries(folder: Path | None = None) -> int:
    """Remove the partial copies left by a killed backup (patient data); returns how many.

    A temporary whose writer is still alive (another process backing up now) is kept.
    """
    folder = folder or backup_dir()
    removed = 0
    with contextlib.suppress(OSError):
        for path in folder.iterdir():
            match = TEMPORARY.match(path.name)
            if match is None:
                continue
            if match.group(1) is not None and _pid_alive(int(match.group(1))):
                continue
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
                logger.warning("partial backup copy removed: %s", path.name)
    return removed


def check_store(store: Store) -> None:
    """``PRAGMA quick_check`` of the live database (cheap: no index cross-check).

    :raises DamagedStoreError: the database is damaged.
    """
    try:
        rows = store.maintenance.quick_check()
    except sqlite3.DatabaseError as exc:
        typed = storage_error(exc, store.path)
        if typed is not None and not isinstance(typed, DamagedStoreError):
            raise typed from exc
        damage.mark(store.path, str(exc))
        raise DamagedStoreError(store.path, str(exc)) from exc
    if [tuple(r) for r in rows] != [("ok",)]:
        first = str(rows[0][0]) if rows else "?"
        logger.error("quick_check of %s failed: %s", store.path.name, first)
        damage.mark(store.path, "contrôle d'intégrité en échec")
        raise DamagedStoreError(store.path, "contrôle d'intégrité en échec")


def copy_database(
    source: sqlite3.Connection,
    target: Path,
    progress: Progress | None = None,
    *,
    pages: int = PAGES_PER_STEP,
) -> None:
    """Online copy of ``source`` into a new file ``target`` (0600), fsynced, verified
    (``check_backup``) before it is renamed into place.

    The copy is the snapshot of one read transaction, taken in steps of
    ``pages`` pages: in WAL mode the other connections keep writing meanwhile, and
    the copy does not restart when they do (without the read transaction it restarts at
    every write of another connection)."""
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    try:
        dest = sqlite3.connect(str(tmp))
        began = not source.in_transaction
        flush = os.open(tmp, os.O_RDONLY)
        try:
            if began:
                source.execute("BEGIN")
                source.execute("SELECT count(*) FROM sqlite_master").fetchall()  # the snapshot

            def step(_status: int, remaining: int, total: int) -> None:
                # Written out at each step: a commit of the desk (fsync) never waits behind
                # the copy's whole backlog of dirty pages (321 ms measured at 100k FSE).
                os.fsync(flush)
                if progress is not None:
                    progress(total - remaining, total)

            source.backup(dest, pages=pages, progress=step)
            # A single file, readable without its -wal companion.
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            os.close(flush)
            if began and source.in_transaction:
                source.rollback()  # the read snapshot: nothing was written
            dest.close()
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        check_backup(tmp)  # a copy that would be refused at restore is never kept
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
    return sorted(p for p in folder.iterdir() if BACKUP_NAME.match(p.name))


def check_backup(path: Path) -> None:
    """Raise ``NotASesamDatabaseError`` unless ``path`` is a sound sesam database."""
    try:
        info = path.stat()
    except OSError as exc:
        raise NotASesamDatabaseError(path, "fichier introuvable") from exc
    if not stat.S_ISREG(info.st_mode):
        raise NotASesamDatabaseError(path, "ce n'est pas un fichier ordinaire")
    if info.st_size > MAX_BACKUP_SIZE:
        raise NotASesamDatabaseError(path, "fichier beaucoup trop grand")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise NotASesamDatabaseError(path, "fichier illisible") from exc
    # Damaged names come back in integrity_check's report, or in SQLite's error message
    # (then sqlite3 itself raises UnicodeDecodeError): found by the long fuzz run.
    conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
    try:
        try:
            result = conn.execute("PRAGMA integrity_check").fetchall()
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
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
        except (sqlite3.Error, UnicodeDecodeError) as exc:
            raise NotASesamDatabaseError(path, "pas une base du logiciel sesam") from exc
        if "m001_fse_lots_outbox" not in applied:
            raise NotASesamDatabaseError(path, "pas une base du logiciel sesam")
    finally:
        conn.close()


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """A scheduled backup as the restore dialog lists it."""

    path: Path
    taken_at: datetime  # UTC, from the file name
    size: int  # bytes
    problem: str | None  # None: verified sound (``check_backup``); else why it is refused

    @property
    def verified(self) -> bool:
        return self.problem is None


def list_backups(directory: Path | None = None, *, verify: bool = True) -> list[BackupInfo]:
    """The scheduled backups, newest first, each checked with ``check_backup`` when
    ``verify`` (an ``integrity_check`` per file: call it off the GUI thread)."""
    folder = directory or backup_dir()
    found: list[BackupInfo] = []
    for path in reversed(backups(folder)):
        match = BACKUP_NAME.match(path.name)
        assert match is not None  # noqa: S101 - backups() filtered on it
        try:
            size = path.stat().st_size
        except OSError:
            continue  # removed meanwhile (rotation by another process)
        problem: str | None = None
        if verify:
            try:
                check_backup(path)
            except NotASesamDatabaseError as exc:
                problem = exc.reason
        taken = datetime.strptime(match.group(1), STAMP).replace(tzinfo=UTC)
        found.append(BackupInfo(path, taken, size, problem))
    return found
