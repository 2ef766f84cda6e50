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
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import sqlite3
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from billing.audit import AuditKind
from client import presence
from client.config import data_dir
from client.durable import fsync_directory
from client.migrations import MIGRATIONS
from client.output_files import check_output
from client.store import (
    BUSY_TIMEOUT_MS,
    Store,
    StoreError,
    damage,
    open_store,
    storage_error,
)
from client.store.errors import DamagedStoreError
from client.store.opening import default_path

logger = logging.getLogger(__name__)

BACKUP_DIR_NAME = "sauvegardes"
#: How many scheduled backups are kept.
DEFAULT_KEEP = 14
#: How often ``backup_if_due`` makes one.
DEFAULT_EVERY = timedelta(hours=24)

_NAME = re.compile(r"^sesam-(\d{8}-\d{6})\.db$")
#: A copy under way: ``<target>.<pid>.tmp`` (a bare ``.tmp`` from older versions).
_TEMPORARY = re.compile(r"^.+\.db(?:\.(\d+))?\.tmp$")
#: The largest file ``check_backup`` reads (a database of a cabinet is far smaller).
MAX_BACKUP_SIZE = 64 * 1024**3
_STAMP = "%Y%m%d-%H%M%S"
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


@dataclass(frozen=True, slots=True)
class RestoreReport:
    """What ``restore`` did."""

    source: Path
    previous_copy: Path | None  # the database as it was before, kept aside (None: none)
    restored_sha256: str
    damaged: bool = False  # the previous database was damaged: moved aside whole


def _utc_now() -> datetime:
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
            match = _TEMPORARY.match(path.name)
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
        rows = store.db.conn.execute("PRAGMA quick_check").fetchall()
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


def _copy_database(
    source: sqlite3.Connection, target: Path, progress: Progress | None = None
) -> None:
    """Online copy of ``source`` into a new file ``target`` (0600), fsynced, verified
    (``check_backup``) before it is renamed into place.

    The copy is the snapshot of one read transaction, taken in steps of
    ``PAGES_PER_STEP`` pages: in WAL mode the other connections keep writing meanwhile, and
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

            source.backup(dest, pages=PAGES_PER_STEP, progress=step)
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
    return sorted(p for p in folder.iterdir() if _NAME.match(p.name))


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
    moment = now or _utc_now()
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
    target = out or folder / f"sesam-{moment.astimezone(UTC).strftime(_STAMP)}.db"
    check_store(store)
    try:
        _copy_database(store.db.conn, target, progress)
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
    clock: Callable[[], datetime] = _utc_now,
    keep: int = DEFAULT_KEEP,
    progress: Progress | None = None,
) -> Path | None:
    """The scheduled backup: one when the newest is older than ``every`` (or none exists).

    Call it at start and then daily; returns the new backup, or None when not due. The
    live database is checked every time (``quick_check``), due or not: the start of the
    application is when a damaged store must be told.
    :raises DamagedStoreError: the database is damaged.
    """
    now = clock()
    try:
        folder = backup_dir(store.path.parent)
    except OSError as exc:
        typed = storage_error(exc, store.path.parent)
        if typed is None:
            raise
        raise typed from exc
    clean_temporaries(folder)
    check_store(store)
    existing = backups(folder)
    if existing:
        match = _NAME.match(existing[-1].name)
        assert match is not None  # noqa: S101 - backups() filtered on it
        newest = datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
        if now - newest < every:
            return None
    return backup(store, now=now, keep=keep, progress=progress)


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
        match = _NAME.match(path.name)
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
        taken = datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
        found.append(BackupInfo(path, taken, size, problem))
    return found


def diagnose_store(db_path: Path | None = None) -> DamagedStoreError | None:
    """Whether the current database is damaged (cannot be opened, or fails ``quick_check``):
    the error to show, or None (sound, or no database yet). Other failures (disk full,
    read-only) are raised as they are."""
    db_path = Path(db_path) if db_path is not None else default_path()
    if not db_path.exists():
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
    for row in store.db.query(
        "SELECT practitioner_id, last_fse_number, last_lot_number, lot_closings FROM counters"
    ):
        pid = row["practitioner_id"]
        store.numbering.mark(pid, "fse", int(row["last_fse_number"]))
        store.numbering.mark(pid, "lot", int(row["last_lot_number"]))
        store.numbering.mark(pid, "closing", int(row["lot_closings"]))


def _move_aside(db_path: Path, folder: Path, now: datetime) -> Path:
    """Move a damaged database (and its -wal/-shm) into ``folder``; never deleted."""
    stamp = now.astimezone(UTC).strftime(_STAMP)
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
    clock: Callable[[], datetime] = _utc_now,
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
    check_backup(source)
    now = clock()
    db_path = Path(db_path) if db_path is not None else default_path()
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
                        before = current.audit_verify()
                        before_count, before_head = before.count, before.head_hash
                    except Exception:  # a journal that does not verify is no reason to stop
                        logger.exception("audit of the database being replaced failed")
                    _carry_marks(current)
                    previous_copy = folder / (
                        f"avant-restauration-{now.astimezone(UTC).strftime(_STAMP)}.db"
                    )
                    try:
                        _copy_database(current.db.conn, previous_copy)
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
