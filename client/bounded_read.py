"""Files read from outside, read with a bound: the size is checked before reading (on the
open descriptor) and while reading (a file that grows meanwhile), and what is not a regular
file (``/dev/zero``, a FIFO, a directory) is refused without blocking: opened non-blocking,
checked with ``fstat`` before the first read.

Every reader of an outside file goes through ``read_bounded``: NOEMIE, settings, local
tariffs, the SCOR settings and images, numbering, a lot to verify (backups are checked with
``stat`` before SQLite opens them, ``client.backup.check_backup``).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from client.errors import ClientError

_CHUNK = 1 << 20


class InputFileError(ClientError):
    """An outside file refused or unreadable; nothing was read (French ``str()``)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"Fichier {path} refusé : {reason}.")
        self.path = path
        self.reason = reason


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.0f} Mo"
    if n >= 1000:
        return f"{n / 1000:.0f} ko"
    return f"{n} octets"


_OPEN_REASONS = {
    errno.ENOENT: "fichier introuvable",
    errno.EACCES: "lecture non autorisée",
    errno.EPERM: "lecture non autorisée",
    errno.EISDIR: "c'est un dossier",
    errno.ELOOP: "lien symbolique en boucle",
    errno.EIO: "erreur de lecture du disque",
}


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    :raises InputFileError: missing, unreadable, not a regular file, or larger than
        ``limit`` (before or while reading).
    :raises FileNotFoundError: never; a missing file is an ``InputFileError`` too (callers
        that accept a missing file test ``exists()`` first).
    """
    try:
        # O_NONBLOCK: opening a FIFO without writer would block forever.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise InputFileError(path, _OPEN_REASONS.get(exc.errno or 0, "illisible")) from exc
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputFileError(path, "c'est un dossier")
        if not stat.S_ISREG(info.st_mode):
            raise InputFileError(
                path, "ce n'est pas un fichier ordinaire (périphérique, tube ou socket)"
            )
        if info.st_size > limit:
            raise InputFileError(
                path, f"fichier trop grand ({_size(info.st_size)}, au plus {_size(limit)})"
            )
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        total = 0
        while True:
            try:
                chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            except OSError as exc:
                raise InputFileError(
                    path, _OPEN_REASONS.get(exc.errno or 0, "erreur de lecture")
                ) from exc
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise InputFileError(
                    path,
                    f"fichier trop grand (il grandit pendant la lecture ; au plus {_size(limit)})",
                )
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text_bounded(path: Path, limit: int, encoding: str = "utf-8") -> str:
    """``read_bounded`` decoded; an undecodable file is an ``InputFileError``."""
    data = read_bounded(path, limit)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputFileError(path, f"le texte n'est pas encodé en {encoding.upper()}") from exc
