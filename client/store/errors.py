"""The store's errors, in French for the user: not found, ambiguous number, and the
storage failures (disk full, read-only, I/O) told apart from SQLite's own errors."""

from __future__ import annotations

import errno
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


#: SQLite's primary result codes that mean the disk, not the data.
_SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN = 8, 10, 13, 14


def storage_error(exc: BaseException, path: Path | None) -> StorageError | None:
    """The typed disk error behind an ``OSError`` or a ``sqlite3.Error``, or None."""
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return DiskFullError(path)
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return ReadOnlyStorageError(path)
        if exc.errno == errno.EIO:
            return DiskIOError(path)
        return None
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        if primary == _SQLITE_FULL:
            return DiskFullError(path)
        if primary in (_SQLITE_READONLY, _SQLITE_CANTOPEN):
            return ReadOnlyStorageError(path)
        if primary == _SQLITE_IOERR:
            return DiskIOError(path)
    return None
