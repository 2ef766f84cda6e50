"""The store's errors, in French for the user: not found, ambiguous number, and the
storage failures (disk full, read-only, I/O, the PostgreSQL server out of reach) told
apart from SQLite's and PostgreSQL's own errors."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from client.errors import ClientError


class StoreError(ClientError):
    """Base of the store's errors (French ``str()``)."""


class NotFoundError(StoreError):
    """No FSE or lot with that number / id."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} introuvable.")
        self.what = what


class AmbiguousError(StoreError):
    """A number that several practitioners use: the practitioner must be given."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} : plusieurs praticiens ont ce numéro, précisez le praticien.")
        self.what = what


class StorageError(StoreError):
    """The disk refused a read or a write; nothing half-written was kept (rolled back)."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class DiskFullError(StorageError):
    """No space left on the disk that holds the data directory."""

    def __init__(self, path: Path | None = None) -> None:
        super().__init__(
            f"Le disque des données ({path or 'dossier de données'}) est plein : rien n'a été "
            "enregistré, les FSE déjà enregistrées sont intactes. Libérez de la place (ou "
            "déplacez les anciennes sauvegardes) puis recommencez.",
            path,
        )


class ReadOnlyStorageError(StorageError):
    """The data directory (or the database file) cannot be written."""

    def __init__(self, path: Path | None = None) -> None:
        super().__init__(
            f"Le dossier de données ({path or 'dossier de données'}) est en lecture seule : "
            "rien n'a été enregistré. Vérifiez que le disque n'est pas protégé en écriture "
            "ou monté en lecture seule et que vous avez les droits sur ce dossier, puis "
            "recommencez.",
            path,
        )


class DiskIOError(StorageError):
    """The disk reported an input/output error."""

    def __init__(self, path: Path | None = None) -> None:
        super().__init__(
            f"Erreur d'entrée/sortie sur le disque des données ({path or 'dossier de données'}) "
            ": rien n'a été enregistré. Vérifiez le disque (sauvegardez-le), puis recommencez.",
            path,
        )


class DamagedStoreError(StorageError):
    """The database file is damaged (SQLite: corrupt, or not a database at all)."""

    def __init__(self, path: Path | None = None, detail: str = "") -> None:
        # ``path`` is the database file or, from ``storage_error``, its directory.
        where = path / "sesam.db" if path is not None and path.is_dir() else path
        folder = where.parent / "sauvegardes" if where is not None else None
        newest = sorted(folder.glob("sesam-*.db"))[-1:] if folder and folder.is_dir() else []
        hint = (
            f"La sauvegarde la plus récente est {newest[0]} : restaurez-la avec « sesam restore "
            f"{newest[0]} »."
            if newest
            else "Restaurez une sauvegarde avec « sesam restore FICHIER »."
        )
        super().__init__(
            f"La base de données ({where or 'sesam.db'}) est endommagée"
            + (f" ({detail})" if detail else "")
            + " : n'y enregistrez plus rien. "
            + hint
            + " La base endommagée est gardée de côté, jamais effacée.",
            path,
        )
        self.detail = detail


class DatabaseUnavailableError(StorageError):
    """The cabinet's PostgreSQL server does not answer (stopped, network cut) or refused
    the connection; nothing half-written was kept (the transaction rolled back)."""

    def __init__(self, where: str = "", detail: str = "") -> None:
        super().__init__(
            f"Le serveur de base de données du cabinet ({where or 'PostgreSQL'}) ne répond "
            "pas : rien n'a été enregistré. Vérifiez que le serveur est démarré et que ce "
            "poste est relié au réseau du cabinet, puis recommencez."
            + (f" (Détail : {detail})" if detail else "")
        )
        self.where = where
        self.detail = detail


class ServerSideBackupError(StoreError):
    """A SQLite backup asked of a store that lives on the cabinet's PostgreSQL server."""

    def __init__(self) -> None:
        super().__init__(
            "La base est sur le serveur PostgreSQL du cabinet : elle se sauvegarde sur le "
            "serveur (pg_dump, voir docs/architecture.md), pas depuis un poste. Pour en "
            "garder une copie SQLite ici : « sesam store copy --from postgresql://... » dans "
            "un dossier de données vide."
        )


class ServerSideRestoreError(StoreError):
    """A SQLite backup to restore on a post whose store is the cabinet's server."""

    def __init__(self) -> None:
        super().__init__(
            "Ce poste utilise la base PostgreSQL du cabinet : une sauvegarde SQLite ne la "
            "remplace pas, rien n'a été restauré. La base du cabinet se restaure sur le "
            "serveur (pg_restore, voir docs/architecture.md) ; pour y verser une base SQLite "
            "neuve : « sesam store copy --to postgresql://... »."
        )


#: PostgreSQL's SQLSTATE classes that mean the server or the network, not the data:
#: connection exceptions, insufficient resources, operator intervention (shut down).
_PG_UNAVAILABLE = ("08", "53", "57")


def _postgres_error(exc: BaseException) -> StorageError | None:
    """A psycopg error as the store's typed error (psycopg is imported only on PostgreSQL:
    its errors are recognised by their module)."""
    if not type(exc).__module__.startswith("psycopg"):
        return None
    state = getattr(exc, "sqlstate", None) or ""
    closed = type(exc).__name__ in ("OperationalError", "InterfaceError") and not state
    if closed or state[:2] in _PG_UNAVAILABLE:
        first = str(exc).strip().splitlines()
        return DatabaseUnavailableError(detail=first[0] if first else "")
    return None


#: SQLite's primary result codes that mean the disk, not the data.
_SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN = 8, 10, 13, 14
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26


#: Below this much free space, a write that failed failed for want of space.
_NEARLY_FULL = 256 * 1024


def _diagnose(path: Path | None) -> StorageError | None:
    """Whether the disk of ``path`` is read-only or full, asked of the file system: SQLite
    reports both as I/O errors or « cannot open » when it must create its -wal/-shm."""
    if path is None:
        return None
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        info = os.statvfs(probe)
    except OSError:
        return None
    if info.f_flag & os.ST_RDONLY:
        return ReadOnlyStorageError(path)
    if info.f_bavail * info.f_frsize < _NEARLY_FULL or (info.f_files and not info.f_favail):
        return DiskFullError(path)
    folder = probe if probe.is_dir() else probe.parent
    if not os.access(folder, os.W_OK):
        return ReadOnlyStorageError(path)
    return None


def storage_error(exc: BaseException, path: Path | None) -> StorageError | None:
    """The typed disk error behind an ``OSError``, a ``sqlite3.Error`` or a psycopg error
    (the server out of reach), or None."""
    if isinstance(exc, StorageError):
        return exc
    from_server = _postgres_error(exc)
    if from_server is not None:
        return from_server
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return DiskFullError(path)
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return ReadOnlyStorageError(path)
        if exc.errno == errno.EIO:
            return _diagnose(path) or DiskIOError(path)
        return None
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        if primary == _SQLITE_FULL:
            return DiskFullError(path)
        if primary in (_SQLITE_READONLY, _SQLITE_CANTOPEN):
            # A read-only connection on a full disk (the fallback of opening) says READONLY.
            full = _diagnose(path)
            return full if isinstance(full, DiskFullError) else ReadOnlyStorageError(path)
        if primary == _SQLITE_IOERR:
            return _diagnose(path) or DiskIOError(path)
        if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            return DamagedStoreError(path, str(exc))
    return None


def damage_error(exc: BaseException, path: Path | None) -> DamagedStoreError | None:
    """``exc`` as a damaged database (SQLite's corrupt / not-a-database codes, or the
    messages of a damaged file read through: malformed, undecodable text), or None."""
    if isinstance(exc, DamagedStoreError):
        return exc
    if isinstance(exc, sqlite3.Error):
        typed = storage_error(exc, path)
        if isinstance(typed, DamagedStoreError):
            return typed
        text = str(exc).lower()
        if typed is None and any(m in text for m in ("decode", "malformed", "not a database")):
            return DamagedStoreError(path, "donnée illisible")
    return None
