"""Signals from the card, sender and worker threads, emitted on the GUI thread.

A thread that emits a queued signal takes one of Qt's connection locks while it holds the
GIL. PySide6 6.11 can hold that same lock on the GUI thread while it waits for the GIL: a
garbage collection there frees an object whose slot was connected, and its disconnection
asks Python whether ``disconnectNotify`` is overridden (docs/upstream-faults.md). The two
threads would then wait on each other and the desk would freeze.

So the application's other threads never emit: :func:`to_gui` puts the signal and its
arguments in a queue and writes one byte to a socket, calls that take no Qt lock. The
GUI thread, woken by a ``QSocketNotifier`` on the socket's other end, emits them in the
order they were queued. A call made on the GUI thread itself emits at once, as before.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections import deque
from typing import Protocol

from ui.qt import QCoreApplication, QObject, QSocketNotifier

logger = logging.getLogger(__name__)


class Emitter(Protocol):
    """A bound signal (``SignalInstance``), or anything that emits like one."""

    def emit(self, *args: object) -> None: ...


class GuiRelay:
    """Emits on the GUI thread the signals queued by other threads (one per application)."""

    def __init__(self, app: QObject) -> None:
        self.gui_thread = threading.get_ident()
        self.closed = False
        self._queued: deque[tuple[Emitter, tuple[object, ...]]] = deque()
        self._wake_read, self._wake_write = socket.socketpair()
        self._wake_read.setblocking(False)
        self._wake_write.setblocking(False)
        # A child of the application: it goes with it, and the relay closes then.
        self._notifier = QSocketNotifier(self._wake_read.fileno(), QSocketNotifier.Type.Read, app)
        self._notifier.activated.connect(self._emit_queued)
        self._notifier.destroyed.connect(self._close)

    def post(self, signal: Emitter, args: tuple[object, ...]) -> bool:
        """Queue ``signal.emit(*args)`` for the GUI thread (any thread). False once closed."""
        if self.closed:
            return False
        # Queued before the byte is written: the GUI thread reads the socket, then the
        # queue, so no wake-up can find an emission missing.
        self._queued.append((signal, args))
        try:
            self._wake_write.send(b"\0")
        except BlockingIOError:  # the socket is full of wake-ups: one is enough
            pass
        except OSError:  # closed meanwhile (the application is going)
            return False
        return True

    def _emit_queued(self) -> None:
        try:
            while self._wake_read.recv(4096):
                pass
        except OSError:  # BlockingIOError: all read; anything else: closed
            pass
        # A slot may run a nested event loop (a modal dialog): the emissions queued
        # meanwhile are emitted there, from this same queue, still in order.
        while self._queued:
            signal, args = self._queued.popleft()
            try:
                signal.emit(*args)
            except RuntimeError:  # the signal's object was deleted meanwhile (closing)
                logger.debug("signal of a deleted object dropped")
            except Exception:  # a wrong emission: said, and the ones after it still go
                logger.exception("signal %r not emitted", signal)

    def _close(self) -> None:
        self.closed = True
        self._wake_read.close()
        self._wake_write.close()


_relay: GuiRelay | None = None


def install() -> GuiRelay:
    """The application's relay, made on first call: call it on the GUI thread once the
    ``QCoreApplication`` exists (the application's start, each ``TaskRunner``)."""
    global _relay
    if _relay is None or _relay.closed:
        app = QCoreApplication.instance()
        if app is None:
            raise RuntimeError("the relay needs the QApplication")
        _relay = GuiRelay(app)
    return _relay


def to_gui(signal: Emitter, *args: object) -> None:
    """``signal.emit(*args)`` on the GUI thread: now when called there, otherwise queued.

    Without a relay (a test of one widget with no application around it), emit from this
    thread: Qt's queued connection, as before the relay."""
    relay = _relay
    if relay is None or threading.get_ident() == relay.gui_thread or not relay.post(signal, args):
        signal.emit(*args)
