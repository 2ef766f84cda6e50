"""The application's clean-close mark: ``sesam.db.fermee`` beside the store.

The full store check (``PRAGMA quick_check``) reads the whole file: 27 s at 1 M FSE. The
application needs it at start only when a session did not end normally (killed, power cut,
crash). Each application session on the store (a cabinet may open a second window on the
same store) is a :class:`Session`: ``begin`` takes the mark (reads and deletes it) and
registers the session, ``Session.end`` (``AppContext.close``, after the session's store
connections are closed) writes the mark only when the session is the **last** one and
every other session since the mark was taken also ended normally:

* each session holds an exclusive ``flock`` on its own file in ``sesam.db.sessions/``,
  removed when it ends normally; a killed session leaves its file, unlocked (``flock``
  locks die with their process). The last session to end finds it and writes no mark: the
  next start checks the whole file;
* a session that ends while another still runs writes no mark (that one will, or not);
* a program that is not an application session (a ``sesam`` command, a sender) still
  holding the store (``client.presence``) means no mark either: it may yet be killed.

Beginning and ending are serialized by a lock file in that folder, so a session starting
while another ends either finds the mark or is seen by the one ending. The mark names the
file it stands for (device and inode): a copy put in its place has another. Written
atomically (a temporary file, fsync, rename, fsync of the folder), and its removal is made
durable before the session writes: a session cut short never leaves a mark behind that
says « closed cleanly ».
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from client import presence
from client.durable import fsync_directory, replace_file

logger = logging.getLogger(__name__)

MARK_SUFFIX = ".fermee"
SESSIONS_SUFFIX = ".sessions"
_GUARD = "verrou"
_MAX_MARK = 256


def mark_path(db_path: Path) -> Path:
    """``<db>.fermee`` beside the database."""
    return db_path.with_name(db_path.name + MARK_SUFFIX)


def sessions_dir(db_path: Path) -> Path:
    """``<db>.sessions/``: one locked file per running application session."""
    return db_path.with_name(db_path.name + SESSIONS_SUFFIX)


def _identity(db_path: Path) -> str | None:
    try:
        st = os.stat(db_path)
    except OSError:
        return None
    return f"{st.st_dev} {st.st_ino}"


def write(db_path: Path) -> bool:
    """Write the mark (the last session closed normally; its connections closed); False
    when nothing was written (no database, or a disk that refuses: the next start then
    checks the whole file, which is only slower)."""
    identity = _identity(db_path)
    if identity is None:
        return False
    try:
        replace_file(mark_path(db_path), (identity + "\n").encode("ascii"))
    except OSError:
        logger.warning("clean-close mark not written beside %s", db_path.name)
        return False
    return True


def take(db_path: Path) -> bool:
    """Whether the last session on ``db_path`` closed normally; the mark is removed (this
    session is now the one that must close normally). A mark that cannot be removed
    counts as absent: the whole check runs."""
    path = mark_path(db_path)
    try:
        with path.open("rb") as f:
            text = f.read(_MAX_MARK).decode("ascii", "replace").strip()
    except OSError:
        return False
    try:
        path.unlink()
        fsync_directory(path.parent)
    except OSError:
        logger.warning("clean-close mark not removed beside %s", db_path.name)
        return False
    return text == _identity(db_path)


@contextlib.contextmanager
def _guarded(folder: Path) -> Iterator[None]:
    """One beginning or ending at a time on this store (all processes)."""
    fd = os.open(folder / _GUARD, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # the lock goes with the descriptor


def _others(folder: Path, own: Path | None) -> tuple[int, list[Path]]:
    """(sessions still running, files of sessions that died without ending)."""
    running = 0
    dead: list[Path] = []
    for path in folder.iterdir():
        if path.name == _GUARD or path == own or path.name.endswith(".tmp"):
            continue
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            running += 1
        else:
            dead.append(path)
        finally:
            os.close(fd)
    return running, dead


@dataclass
class Session:
    """One application session on the store; ``clean_start``: the sessions before it all
    ended normally (the start's check need not read every page)."""

    db_path: Path
    clean_start: bool
    _fd: int | None = field(default=None, repr=False)
    _file: Path | None = field(default=None, repr=False)
    _ended: bool = field(default=False, repr=False)

    def end(self) -> bool:
        """The session closed normally (call once its store connections are closed); True
        when the mark was written (this was the last session, and none died meanwhile)."""
        if self._ended:
            return False
        self._ended = True
        folder = sessions_dir(self.db_path)
        try:
            with _guarded(folder):
                return self._end(folder)
        except OSError:
            logger.warning("clean-close mark not written beside %s", self.db_path.name)
            return False

    def _end(self, folder: Path) -> bool:
        if self._file is None or self._fd is None:
            return False  # never registered (a disk that refused): the next start checks
        self._file.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None
        running, dead = _others(folder, self._file)
        if running:
            return False  # the last one to end writes it
        if dead:
            # A session was cut short since the mark was taken: the next start reads every
            # page. Its file goes, so that the next ending is judged on its own.
            logger.warning("%d session(s) on %s ended without closing", len(dead), folder.name)
            for path in dead:
                path.unlink(missing_ok=True)
            return False
        try:
            with presence.exclusive(self.db_path):  # no sesam command, no sender
                return write(self.db_path)
        except presence.StoreInUseError:
            return False


def begin(db_path: Path) -> Session:
    """Take the mark and register this session (call before the session writes anything:
    killed, it leaves no mark and its unlocked file behind)."""
    folder = sessions_dir(db_path)
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        with _guarded(folder):
            clean = take(db_path)
            _running, dead = _others(folder, None)
            for gone in dead:
                # Cut short before: this start reads every page (no mark), which covers
                # it; a session ending later must not count it again.
                gone.unlink(missing_ok=True)
                clean = False
            path = folder / f"{os.getpid()}-{secrets.token_hex(4)}"
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)  # held for the life of the session
            return Session(db_path, clean, fd, path)
    except OSError:
        # A read-only or full disk: the session runs, the next start checks every page.
        logger.warning("session not registered beside %s", db_path.name)
        return Session(db_path, clean_start=False)
