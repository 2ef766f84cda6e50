"""Reader events, from the card thread to the GUI: ``ReaderMonitor`` callbacks become signals.

``cardio.monitor.ReaderMonitor`` polls the readers on the card thread and calls
``on_change(snapshot, events)`` there. :meth:`CardWatcher.on_change` only emits; the
connected slots run on the GUI thread (queued connection, bound slots — B12.5).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ui.qt import QObject, Signal

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReaderView:
    """What the GUI shows for one reader: its name, whether a card is in, and its ATR."""

    name: str
    card_present: bool
    atr: bytes | None = None
    #: pcscd's card event counter: tells a swap of two identical cards from no change.
    event_count: int = 0


def reader_views(snapshot: Any) -> tuple[ReaderView, ...]:
    """Normalise a monitor snapshot (ReaderState items, or a mapping name -> state)."""
    items = snapshot.values() if isinstance(snapshot, dict) else snapshot or ()
    views = []
    for item in items:
        name = getattr(item, "name", None) or getattr(item, "reader", None) or str(item)
        present = bool(getattr(item, "card_present", False))
        atr = getattr(item, "atr", None) if present else None
        count = int(getattr(item, "event_count", 0) or 0)
        views.append(ReaderView(str(name), present, atr, count))
    return tuple(views)


class CardWatcher(QObject):
    """Turns the monitor's callbacks into GUI-thread signals."""

    readers_changed = Signal(object)  # tuple[ReaderView, ...]
    card_events = Signal(object)  # the monitor's events, as given
    monitor_failed = Signal(object)  # an exception raised by the poll (pcscd gone...)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.readers: tuple[ReaderView, ...] = ()
        self.readers_changed.connect(self._remember)

    def on_change(self, snapshot: Any, events: Any = ()) -> None:
        """Called by the monitor on the card thread: emit only, never touch widgets."""
        try:
            self.readers_changed.emit(reader_views(snapshot))
            if events:
                self.card_events.emit(list(events))
        except RuntimeError:  # the watcher was deleted while the monitor still polled
            logger.debug("reader change after the watcher was deleted")

    def on_error(self, exc: BaseException) -> None:
        """Called by the monitor on the card thread when polling fails."""
        try:
            self.monitor_failed.emit(exc)
        except RuntimeError:
            logger.debug("monitor error after the watcher was deleted")

    def _remember(self, views: tuple[ReaderView, ...]) -> None:
        self.readers = views
