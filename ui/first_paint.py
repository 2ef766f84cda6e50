"""Run something once a shown window has been painted for the first time.

The application's start submits its loads (the referential, every page's first read, the
store's checks) as the window shows. Run beside them, the window's first paint waited for
the GIL at each of its Python calls: 60–120 ms at 1 M FSE against ~8 ms alone (issue #27,
docs/performance.md finding 40). The loads now begin right after that paint.
"""

from __future__ import annotations

from collections.abc import Callable

from ui.qt import QEvent, QObject, QTimer, QWidget, QWindow

#: Started anyway if the window is not painted by then (started minimised, a platform that
#: never says the window is exposed): the loads must not wait on the screen.
AT_THE_LATEST_MS = 1000


class _FirstExpose(QObject):
    """Watches the window's native handle until it is exposed, then calls back once."""

    def __init__(self, window: QWidget, then: Callable[[], None]) -> None:
        super().__init__(window)
        self._then: Callable[[], None] | None = then
        self._handle: QWindow | None = window.windowHandle()
        if self._handle is not None:
            self._handle.installEventFilter(self)
        QTimer.singleShot(AT_THE_LATEST_MS, self, self._fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Expose:
            # Called before the expose is handled: the paint it causes comes first.
            QTimer.singleShot(0, self, self._fire)
        return False

    def _fire(self) -> None:
        then, self._then = self._then, None
        if self._handle is not None:
            self._handle.removeEventFilter(self)
            self._handle = None
        if then is not None:
            then()


def after_first_paint(window: QWidget, then: Callable[[], None]) -> None:
    """Call ``then`` on the GUI thread once ``window`` has been painted on screen; now if it
    is hidden (nothing to paint) or already exposed."""
    handle = window.windowHandle()
    if not window.isVisible() or handle is None or handle.isExposed():
        then()
        return
    _FirstExpose(window, then)
