"""Python's cyclic garbage collected on the GUI thread only, while workers run beside it.

CPython collects on whichever thread allocates when a threshold is crossed. When such a
collection frees a Python object with a slot still connected to a Qt signal, PySide6
disconnects it from that thread. ``QObject::disconnect`` takes Qt's connection lock and then,
with the GIL released, asks Python whether ``disconnectNotify`` is overridden, which needs
the GIL back. If the GUI thread holds the GIL at that moment and is connecting a signal (a
widget being built), it waits on the same Qt lock, and both threads wait for ever. This
happened in CI (``docs/upstream-faults.md``): a worker's allocation started a
collection while the GUI thread built a widget. So while a :class:`~ui.tasks.TaskRunner`
lives, the automatic collector is off, and a timer on the GUI thread collects the
generations it would have collected.
"""

from __future__ import annotations

import gc
import time

from ui.qt import QObject, QTimer

#: How often the GUI thread looks at the collector's counts (ms).
INTERVAL_MS = 250
#: How often it measures the oldest generation, to collect it as CPython would (s).
OLD_CHECK_S = 10.0
#: CPython collects the oldest generation (every object the program holds: ~40 ms at 100 k
#: objects, a stall the desk would feel) only once it has grown by a quarter since the last
#: time; its own count of that growth is not exposed, so the generation is measured.
OLD_GROWTH = 1.25

#: The collectors started and not stopped: the automatic collector is off while any runs.
_running: list[GuiThreadCollector] = []
_was_enabled = True


def _old_generation_size() -> int:
    return len(gc.get_objects(generation=2))  # ~2 ms at 100 k objects


class GuiThreadCollector(QObject):
    """Turns the automatic collector off while started, and collects on its timer."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect_due)
        self._old_size = 0
        self._old_checked = 0.0

    def start(self) -> None:
        global _was_enabled
        if self in _running:
            return
        if not _running:
            _was_enabled = gc.isenabled()
            gc.disable()
        _running.append(self)
        self._old_size = _old_generation_size()
        self._old_checked = time.monotonic()
        self._timer.start()

    def stop(self) -> None:
        """The timer stopped; the automatic collector back on when no other one runs."""
        self._timer.stop()
        if self in _running:
            _running.remove(self)
            if not _running and _was_enabled:
                gc.enable()

    def collect_due(self) -> int:
        """Collect the oldest generation whose count has crossed its threshold (the younger
        ones with it), as the automatic collector would, the oldest of all only once it has
        grown (``OLD_GROWTH``); the number of objects freed."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if not thresholds[generation] or counts[generation] <= thresholds[generation]:
                continue
            if generation == 2 and not self._old_generation_grown():
                continue
            freed = gc.collect(generation)
            if generation == 2:
                self._old_size = _old_generation_size()
            return freed
        return 0

    def _old_generation_grown(self) -> bool:
        now = time.monotonic()
        if now - self._old_checked < OLD_CHECK_S:
            return False
        self._old_checked = now
        return _old_generation_size() > self._old_size * OLD_GROWTH
