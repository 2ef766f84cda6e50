"""What every page shares: access to the context, the runner and the session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from ui.qt import QDialog, QLabel, QVBoxLayout, QWidget
from ui.translation import tr

if TYPE_CHECKING:
    from client.context import AppContext
    from client.store import Store
    from ui.card_flow import CardFlow
    from ui.card_watch import CardWatcher
    from ui.session import SessionState
    from ui.status import StatusPanel
    from ui.tasks import TaskRunner

T = TypeVar("T")


class PageHost(Protocol):
    """What a page uses of the main window. A protocol rather than ``MainWindow`` itself,
    which builds the pages: the pages never import the window back (no import circle)."""

    ctx: AppContext
    runner: TaskRunner
    session: SessionState
    card_flow: CardFlow
    watcher: CardWatcher
    status: StatusPanel

    def go_to(self, index: int) -> None: ...

    def open_restore_dialog(self) -> QDialog: ...

    def print_document(self, path: Path, title: str = ...) -> None: ...

    def report_worker_failure(self, worker: str, exc: BaseException) -> None: ...

    def worker_recovered(self, worker: str) -> None: ...

    def task_failed(self, exc: BaseException) -> None: ...


class Page(QWidget):
    """A page of the main window (no business logic: it drives ``client``)."""

    title = ""

    def __init__(self, window: PageHost) -> None:
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

    def on_db(
        self,
        fn: Callable[[Store], T],
        on_success: Callable[[T], None] | None = None,
        label: str = "",
    ) -> None:
        """Run ``fn(store)`` on the database thread; ``on_success(result)`` on the GUI."""
        self.runner.submit(
            lambda: self.ctx.db.submit(fn).result(),
            on_success,
            self._on_failed,
            label=label,
        )

    def _on_failed(self, exc: BaseException) -> None:
        # The main window's handler: a damaged store is told once, with its restore.
        self.main.task_failed(exc)


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "hint")
    label.setWordWrap(True)
    return label
