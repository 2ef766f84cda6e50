"""What every page shares: access to the context, the runner and the session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ui.qt import QLabel, QVBoxLayout, QWidget
from ui.translation import tr

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class Page(QWidget):
    """A page of the main window (no business logic: it drives ``client``)."""

    title = ""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.main = window
        self.ctx = window.ctx
        self.runner = window.runner
        self.session = window.session
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(16, 12, 16, 8)
        heading = QLabel(tr(self.title))
        heading.setProperty("role", "title")
        self.layout_.addWidget(heading)

    def on_db(self, fn: Any, on_success: Any = None, label: str = "") -> None:
        """Run ``fn(store)`` on the database thread; ``on_success(result)`` on the GUI."""
        self.runner.submit(
            lambda: self.ctx.db.submit(fn).result(),
            on_success,
            self._on_failed,
            label=label,
        )

    def _on_failed(self, exc: BaseException) -> None:
        from ui.errors import show_error

        show_error(self, exc)


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "hint")
    label.setWordWrap(True)
    return label
