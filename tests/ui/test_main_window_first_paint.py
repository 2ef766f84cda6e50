"""The window is painted before the start's loads begin (issue #27: the first paint beside
them waited for the GIL, 60–120 ms at 1 M FSE), and the pages still fill after it.

The real main window (offscreen) on a real SQLite file through the context.
"""

from __future__ import annotations

from ui.qt import QEvent, QObject


class _Order(QObject):
    """Records the window's exposure and each background load as it is submitted."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Expose:
            self.events.append("peinte")
        return False

    def submitted(self, _count: int, label: str) -> None:
        if label:
            self.events.append(label)


def test_the_window_is_painted_before_the_start_loads_anything(qtbot, ctx) -> None:
    from ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.prepare_to_show()  # as ``sesam-app`` does: rendered once off screen first
    favourites = list(window.billing_page.invoice_panel.favourite_buttons)
    order = _Order()
    window.runner.busy_changed.connect(order.submitted)
    window.show()
    window.windowHandle().installEventFilter(order)
    try:
        reading = window.runner.pending_count  # the window's own (its favourites)
        window.start()
        assert window.runner.pending_count == reading  # no load before the first paint
        qtbot.waitUntil(lambda: window.queue_page.view is not None, timeout=15000)
        assert order.events[0] == "peinte"
        assert "file d'attente" in order.events
        assert "FSE à envoyer" in window.queue_page.summary.text()
        # The store's favourites are the ones shown: the same buttons, not rebuilt.
        assert window.billing_page.invoice_panel.favourite_buttons == favourites
    finally:
        window.shutdown()


def test_a_window_closed_before_its_first_paint_starts_nothing(qtbot, ctx) -> None:
    from ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.start()
    window.shutdown()  # closed at once: its paint, then the start, come after
    qtbot.wait(100)
    assert ctx.monitor is None  # no reader watched, no load left running
    assert window.runner.pending_count == 0


def test_a_hidden_window_starts_at_once(qtbot, ctx) -> None:
    from ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    try:
        window.start()  # never shown (nothing to paint): its loads are not held back
        assert window.runner.pending_count > 0
        qtbot.waitUntil(lambda: window.queue_page.view is not None, timeout=15000)
    finally:
        window.shutdown()
