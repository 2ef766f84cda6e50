"""Files the user asks the product to write (``--out``): never over the store, its journal
files, a backup, the numbering or the settings; never over an existing file unless asked
(``force``); always 0600 (they hold patient data), written whole or not at all.

The check compares the target with the protected files by path (after resolving symbolic
links) and by inode (a hard link to the database is the database).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from client.config import APP_NAME, DATA_DIR_ENV, user_data_dir
from client.durable import fsync_directory
from client.errors import ClientError

#: Names in the data directory that only the product may write.
_PROTECTED_NAMES = ("sesam.db", "numbering.json", "settings.json", "scor.json", "tarifs-locaux.csv")
_COMPANIONS = ("-wal", "-shm", "-journal")
BACKUP_DIR_NAME = "sauvegardes"


class OutputPathError(ClientError):
    """The output path is refused; nothing was written (French ``str()``)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"Fichier de sortie refusé ({path}) : {reason}. Rien n'a été écrit.")
        self.path = path
        self.reason = reason


def _data_dirs(extra: tuple[Path, ...]) -> list[Path]:
    found = list(extra)
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        found.append(Path(override))
    else:
        found.append(user_data_dir(APP_NAME))  # the default data directory, not created
    return [Path(os.path.realpath(d)) for d in found]


def protected_files(data_dirs: tuple[Path, ...] = ()) -> list[Path]:
    """The files no output may replace (they need not exist)."""
    paths: list[Path] = []
    for folder in _data_dirs(data_dirs):
        for name in _PROTECTED_NAMES:
            paths.append(folder / name)
            paths.extend(folder / f"{name}{suffix}" for suffix in _COMPANIONS)
    return paths


def _is_protected(target: Path, data_dirs: tuple[Path, ...]) -> str | None:
    """Why ``target`` (resolved) is protected, or None."""
    folders = _data_dirs(data_dirs)
    for folder in folders:
        if target.parent == folder / BACKUP_DIR_NAME:
            return "c'est le dossier des sauvegardes, qui n'appartient qu'au logiciel"
    try:
        target_stat = target.stat()
    except OSError:
        target_stat = None
    for path in protected_files(data_dirs):
        if target == path:
            return "c'est un fichier de la base de données du logiciel"
        if target_stat is not None:
            with contextlib.suppress(OSError):
                other = path.stat()
                if (other.st_dev, other.st_ino) == (target_stat.st_dev, target_stat.st_ino):
                    return "c'est un lien vers un fichier de la base de données du logiciel"
    return None


def check_output(path: Path, *, force: bool = False, data_dirs: tuple[Path, ...] = ()) -> Path:
    """The resolved target of ``path`` if it may be written, else ``OutputPathError``."""
    target = Path(os.path.realpath(path))
    why = _is_protected(target, data_dirs)
    if why is not None:
        raise OutputPathError(path, why)
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise OutputPathError(path, exc.strerror or "inaccessible") from exc
    if not stat.S_ISREG(info.st_mode):
        raise OutputPathError(path, "ce n'est pas un fichier ordinaire")
    if not force:
        raise OutputPathError(
            path, "le fichier existe déjà ; choisissez un autre nom ou ajoutez --force"
        )
    return target


_OS_REASONS = {
    errno.ENOENT: "le dossier n'existe pas",
    errno.EACCES: "vous n'avez pas le droit d'écrire dans ce dossier",
    errno.EPERM: "vous n'avez pas le droit d'écrire dans ce dossier",
    errno.EROFS: "le disque est en lecture seule",
    errno.ENOSPC: "le disque est plein",
    errno.EDQUOT: "le quota du disque est atteint",
    errno.EISDIR: "c'est un dossier",
    errno.ENOTDIR: "le chemin passe par un fichier qui n'est pas un dossier",
}


def write_output(
    path: Path, data: bytes, *, force: bool = False, data_dirs: tuple[Path, ...] = ()
) -> Path:
    """Write ``data`` to ``path`` (0600, whole or nothing) after ``check_output``.

    Without ``force`` the file appears only if no file of that name exists (hard link of the
    finished temporary: no race with another writer). Returns the path written.
    """
    target = check_output(path, force=force, data_dirs=data_dirs)
    try:
        return _write(path, target, data, force)
    except OSError as exc:
        reason = _OS_REASONS.get(exc.errno or 0, exc.strerror or type(exc).__name__)
        raise OutputPathError(path, reason) from exc


def _write(path: Path, target: Path, data: bytes, force: bool) -> Path:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if force:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)
            except FileExistsError as exc:
                raise OutputPathError(
                    path, "le fichier existe déjà ; choisissez un autre nom ou ajoutez --force"
                ) from exc
            except OSError:
                # A file system without hard links: O_EXCL was checked just above.
                os.replace(tmp, target)
        fsync_directory(target.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return target
