"""Reader events, from the card thread to the GUI: ``ReaderMonitor`` callbacks become signals.

``cardio.monitor.ReaderMonitor`` polls the readers on the card thread and calls
``on_change(snapshot, events)`` there. :meth:`CardWatcher.on_change` only hands its
signals to ``ui.gui_relay``, which emits them on the GUI thread, where the connected
slots run (bound slots — B12.5). The
monitor's events (insert, remove, swap, with the card's identity) are the desk's only
source of card events: nothing derives them again from the snapshots.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from cardio.connection import ReaderState
from cardio.monitor import ReaderEvent
from ui.gui_relay import to_gui
from ui.qt import QObject, Signal

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReaderView:
    """What the GUI shows for one reader: its name, whether a card is in, and its ATR."""

    name: str
    card_present: bool
    atr: bytes | None = None


def reader_views(snapshot: Iterable[ReaderState]) -> tuple[ReaderView, ...]:
    """What the GUI shows of a monitor snapshot."""
    return tuple(
        ReaderView(state.name, state.card_present, state.atr if state.card_present else None)
        for state in snapshot
    )


class CardWatcher(QObject):
    """Turns the monitor's callbacks into GUI-thread signals."""

    readers_changed = Signal(object)  # tuple[ReaderView, ...]
    card_events = Signal(object)  # tuple[ReaderEvent, ...], after readers_changed
    monitor_failed = Signal(object)  # an exception raised by the poll (pcscd gone...)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.readers: tuple[ReaderView, ...] = ()
        self.readers_changed.connect(self._remember)

    def on_change(
        self, snapshot: Iterable[ReaderState], events: tuple[ReaderEvent, ...] = ()
    ) -> None:
        """Called by the monitor on the card thread: emit only, never touch widgets.
        The events go out at every poll reported, none included: the first one tells
        the card flow that the readers were looked at."""
        try:
            to_gui(self.readers_changed, reader_views(snapshot))
            to_gui(self.card_events, tuple(events))
        except RuntimeError:  # the watcher was deleted while the monitor still polled
            logger.debug("reader change after the watcher was deleted")

    def on_error(self, exc: BaseException) -> None:
        """Called by the monitor on the card thread when polling fails."""
        try:
            to_gui(self.monitor_failed, exc)
        except RuntimeError:
            logger.debug("monitor error after the watcher was deleted")

    def _remember(self, views: tuple[ReaderView, ...]) -> None:
        self.readers = views
