"""Who has the store open: a shared ``flock`` on ``sesam.db.lock`` per process that holds it.

A restoration replaces the whole database: another process (the application, a sender)
would go on with its own idea of the open lot and the counters, and what it writes between
the copy aside and the restoration would be lost. ``exclusive`` takes the lock for itself
only when no other process holds it. The lock is a separate file: the database file itself
must never be opened outside SQLite (closing any descriptor of it drops SQLite's POSIX
locks). ``flock`` locks die with their process: never stale.

Within one process the stores share one descriptor (reference-counted), so that a process
restoring while it has the store open itself (the application) is not refused by itself.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from client.errors import ClientError

LOCK_SUFFIX = ".lock"

_lock = threading.Lock()
_held: dict[str, list[int]] = {}  # lock path -> [fd, count]


class StoreInUseError(ClientError):
    """Another process has the store open: the restoration was not made."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"La base {path} est ouverte par un autre programme (l'application, un envoi en "
            "cours ou une autre commande sesam) : la restauration n'a pas été faite, rien "
            "n'a été modifié. Fermez l'application et attendez la fin des envois, puis "
            "recommencez."
        )
        self.path = path


def lock_path(db_path: Path) -> Path:
    """``<db>.lock`` beside the database."""
    return db_path.with_name(db_path.name + LOCK_SUFFIX)


def _open_lock(path: Path) -> int | None:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.ENOENT):
            return None  # read-only or full disk: nothing can be restored there anyway
        raise


def hold(db_path: Path) -> None:
    """This process has the store open (shared lock; waits while a restoration runs)."""
    key = str(lock_path(db_path))
    with _lock:
        entry = _held.get(key)
        if entry is not None:
            entry[1] += 1
            return
        fd = _open_lock(Path(key))
        if fd is None:
            return
        fcntl.flock(fd, fcntl.LOCK_SH)  # blocks only during another process's restoration
        _held[key] = [fd, 1]


def release(db_path: Path) -> None:
    """One store of this process closed (the lock goes with the last one)."""
    key = str(lock_path(db_path))
    with _lock:
        entry = _held.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] <= 0:
            del _held[key]
            os.close(entry[0])


@contextlib.contextmanager
def exclusive(db_path: Path) -> Iterator[None]:
    """Hold the store for this process alone, or raise ``StoreInUseError`` at once.

    Stores this process opens meanwhile share the lock (``hold`` only counts them).
    """
    key = str(lock_path(db_path))
    with _lock:
        entry = _held.get(key)
        if entry is None:
            fd = _open_lock(Path(key))
            if fd is None:
                entry = None
            else:
                entry = _held[key] = [fd, 1]
        else:
            entry[1] += 1
        if entry is not None:
            try:
                fcntl.flock(entry[0], fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                # Converting may have dropped our shared lock (not atomic): take it back.
                fcntl.flock(entry[0], fcntl.LOCK_SH)
                entry[1] -= 1
                if entry[1] <= 0:
                    del _held[key]
                    os.close(entry[0])
                raise StoreInUseError(db_path) from exc
    try:
        yield
    finally:
        if entry is not None:
            fcntl.flock(entry[0], fcntl.LOCK_SH)
            release(db_path)
