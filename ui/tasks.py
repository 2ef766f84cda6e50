"""Background work for the GUI: futures run elsewhere, their outcome comes back on the GUI thread.

The GUI thread never waits on a card, the disk or the network. Work is submitted to an
executor (the card thread, the database worker, a general pool) and the resulting future's
outcome is handed to ``ui.gui_relay``, which emits it on the GUI thread to a bound slot of a
QObject that lives there; the callbacks given to :meth:`TaskRunner.submit` then run there.

Rule (Anki's QueryOp): **the op function must not touch widgets.** It runs on another thread.
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol, TypeVar

from ui.gui_gc import GuiThreadCollector
from ui.gui_relay import install as install_relay
from ui.gui_relay import to_gui
from ui.qt import QObject, Signal, Slot

logger = logging.getLogger(__name__)

T = TypeVar("T")
#: The general pool's threads.
WORKERS = 4
Failure = Callable[[BaseException], None]


class Executor(Protocol):
    """Anything with ``submit(fn) -> Future`` (a ThreadPoolExecutor, the CardThread...)."""

    def submit(self, fn: Callable[[], T], /) -> Future[T]: ...


@dataclass(slots=True)
class _Pending:
    label: str
    # Set once the future exists (before its done-callback can fire): it knows the
    # result's type, which the signal carrying the future has lost.
    deliver: Callable[[], None] | None = None


class TaskRunner(QObject):
    """Runs callables on executors and calls back on the GUI thread.

    ``busy_changed(count, label)`` lets the status bar show that something is going on.
    """

    _finished = Signal(int, object)
    busy_changed = Signal(int, str)
    task_failed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="ui-task")
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._finished.connect(self._on_finished)
        install_relay()
        # While workers run Python beside the GUI thread, only the GUI thread collects
        # garbage: a collection on a worker can deadlock PySide6 (``ui.gui_gc``).
        self._collector = GuiThreadCollector(self)
        self._collector.start()

    def start_workers(self) -> None:
        """Start the pool's threads now (before the window shows). Started on demand, each
        made the GUI thread wait in ``submit`` until it ran, for the GIL the loads beside
        it held: ~20 ms of the start's stall at 1 M FSE (issue #27)."""
        all_in = threading.Barrier(WORKERS)
        # Each task waits for the others: no thread is idle, each submit starts one.
        for _ in range(WORKERS):
            self._pool.submit(all_in.wait, 5.0)

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    def submit(
        self,
        fn: Callable[[], T],
        on_success: Callable[[T], None] | None = None,
        on_failure: Failure | None = None,
        *,
        executor: Executor | None = None,
        label: str = "",
    ) -> Future[T] | None:
        """Run ``fn`` on ``executor`` (default: the general pool); callbacks on the GUI thread.

        Without ``on_failure`` an exception is re-emitted as ``task_failed`` (shown by the
        main window). Returns the future, or None once the runner is shut down.
        """
        if self._closed:
            logger.debug("task %r refused: runner shut down", label)
            return None
        task_id = next(self._ids)
        pending = self._pending[task_id] = _Pending(label)
        self.busy_changed.emit(len(self._pending), label)
        try:
            future = (executor or self._pool).submit(fn)
        except RuntimeError as exc:  # executor already shut down
            del self._pending[task_id]
            self.busy_changed.emit(len(self._pending), "")
            logger.warning("task %r not started: %s", label, exc)
            return None
        pending.deliver = functools.partial(self._deliver, future, on_success, on_failure, label)
        # The done-callback runs on the worker thread: it only queues the emission for the
        # GUI thread (``ui.gui_relay``: no Qt call on the worker).
        future.add_done_callback(functools.partial(self._emit_done, task_id))
        return future

    def _emit_done(self, task_id: int, future: object) -> None:
        try:
            to_gui(self._finished, task_id, future)
        except RuntimeError:  # the QObject was deleted during shutdown
            logger.debug("task %d finished after the runner was deleted", task_id)

    @Slot(int, object)
    def _on_finished(self, task_id: int, _future: object) -> None:
        pending = self._pending.pop(task_id, None)
        self.busy_changed.emit(len(self._pending), "")
        if pending is not None and pending.deliver is not None:
            pending.deliver()

    def _deliver(
        self,
        future: Future[T],
        on_success: Callable[[T], None] | None,
        on_failure: Failure | None,
        label: str,
    ) -> None:
        try:
            result = future.result()
        except CancelledError:
            return
        except BaseException as exc:
            if on_failure is not None:
                on_failure(exc)
            else:
                logger.error("task %r failed", label, exc_info=exc)
                self.task_failed.emit(exc)
            return
        if on_success is not None:
            on_success(result)

    def shutdown(self) -> None:
        """Refuse new work, cancel what has not started and wait for what runs."""
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()
        self._collector.stop()
