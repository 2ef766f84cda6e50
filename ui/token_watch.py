"""Polls a PKCS#11 token that no reader event announces (SoftHSM2, a USB key, a card the
PC/SC monitor does not know), so that the desk notices it going and coming back.

A light ``QTimer`` on the GUI thread submits one check at a time to the card thread (where
every card call runs, after the reader monitor's polls); the check's answer comes back
as a signal emitted on the GUI thread (``ui.gui_relay``). The runner is not used: a check
every second would flicker its "busy" indicator in the status bar.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future

from cardio.errors import CardError
from ui.gui_relay import to_gui
from ui.qt import QObject, QTimer, Signal, Slot
from ui.tasks import Executor

logger = logging.getLogger(__name__)

#: Often enough to show a pulled card at once, rarely enough to cost nothing.
DEFAULT_INTERVAL_MS = 1000

Check = Callable[[], object]
OnResult = Callable[[object], None]


class TokenWatch(QObject):
    """Runs ``check`` on the card thread every ``interval_ms`` and hands its result to
    ``on_result`` on the GUI thread; never two checks at once, none after :meth:`stop`."""

    _checked = Signal(int, object)  # generation, Future

    def __init__(self, card_thread: Executor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._card_thread = card_thread
        self._timer = QTimer(self)
        self._timer.setInterval(DEFAULT_INTERVAL_MS)
        self._timer.timeout.connect(self._tick)
        self._checked.connect(self._on_checked)
        self._check: Check | None = None
        self._on_result: OnResult | None = None
        self._in_flight = False
        #: Bumped at each watch/stop: the answer of a check from before is dropped.
        self._generation = 0

    @property
    def watching(self) -> bool:
        return self._check is not None

    def set_interval(self, ms: int) -> None:
        self._timer.setInterval(ms)

    def watch(self, check: Check, on_result: OnResult) -> None:
        """Poll with ``check`` from now on (replaces what was watched)."""
        self._generation += 1
        self._check, self._on_result = check, on_result
        self._timer.start()

    def stop(self) -> None:
        self._generation += 1
        self._check = self._on_result = None
        self._timer.stop()

    @Slot()
    def _tick(self) -> None:
        if self._check is None or self._in_flight:
            return
        generation = self._generation
        try:
            future = self._card_thread.submit(self._check)
        except RuntimeError:  # the card thread is shut down: the application is closing
            self.stop()
            return
        self._in_flight = True
        future.add_done_callback(lambda done: self._emit(generation, done))

    def _emit(self, generation: int, future: Future[object]) -> None:
        try:
            to_gui(self._checked, generation, future)
        except RuntimeError:  # deleted while the check ran (shutdown)
            logger.debug("token check finished after the watch was deleted")

    @Slot(int, object)
    def _on_checked(self, generation: int, future: Future[object]) -> None:
        self._in_flight = False
        if generation != self._generation or self._on_result is None or future.cancelled():
            return
        try:
            result = future.result()
        except (CardError, ValueError) as exc:  # a middleware error: again at the next tick
            logger.info("PKCS#11 token check failed: %s", type(exc).__name__)
            return
        self._on_result(result)
