"""The main window: a sidebar of pages, the pages, and the status bar."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from client.context import AppContext
from ui.card_flow import CardFlow
from ui.card_watch import CardWatcher
from ui.errors import is_silent, message_for, show_error
from ui.interaction import QtInteraction
from ui.qt import (
    QCloseEvent,
    QHBoxLayout,
    QKeySequence,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QShortcut,
    QSize,
    QStackedWidget,
    Qt,
    QTimer,
    QWidget,
    Signal,
    Slot,
)
from ui.session import SessionState
from ui.status import StatusPanel
from ui.tasks import TaskRunner
from ui.translation import tr

logger = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """Sidebar (Ctrl+1 … Ctrl+6) and pages; owns the runner, the watcher and the session."""

    referential_ready = Signal(object)

    def __init__(self, ctx: AppContext, interaction: QtInteraction | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(tr("Facturation SESAM-Vitale"))
        self.ctx = ctx
        self.runner = TaskRunner(self)
        self.session = SessionState(self)
        self.interaction = interaction or QtInteraction()
        self.interaction.set_parent_widget(self)
        self.watcher = CardWatcher(self)
        self.card_flow = CardFlow(ctx, self.runner, self.session, self.interaction, self)
        self.status = StatusPanel(self)
        self.setStatusBar(self.status)
        self._closed = False

        from ui.pages.billing import BillingPage
        from ui.pages.dashboard import DashboardPage
        from ui.pages.diagnostics import DiagnosticsPage
        from ui.pages.queue import QueuePage
        from ui.pages.scor import ScorPage
        from ui.pages.settings import SettingsPage

        self.billing_page = BillingPage(self)
        self.queue_page = QueuePage(self)
        self.dashboard_page = DashboardPage(self)
        self.scor_page = ScorPage(self)
        self.settings_page = SettingsPage(self)
        self.diagnostics_page = DiagnosticsPage(self)
        self.pages: list[tuple[str, QWidget]] = [
            (tr("Patient et facturation"), self.billing_page),
            (tr("File d'attente"), self.queue_page),
            (tr("Tableau de bord"), self.dashboard_page),
            (tr("SCOR"), self.scor_page),
            (tr("Réglages"), self.settings_page),
            (tr("Diagnostic"), self.diagnostics_page),
        ]
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setFixedWidth(195)
        self.sidebar.setIconSize(QSize(0, 0))
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stack = QStackedWidget()
        for number, (title, page) in enumerate(self.pages, start=1):
            item = QListWidgetItem(f"{title}")
            item.setToolTip(f"Ctrl+{number}")
            self.sidebar.addItem(item)
            self.stack.addWidget(page)
            shortcut = QShortcut(QKeySequence(f"Ctrl+{number}"), self)
            shortcut.activated.connect(self._make_go(number - 1))
        self.sidebar.currentRowChanged.connect(self._on_page_selected)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.setStyleSheet(STYLE)
        self.sidebar.setCurrentRow(0)

        self.watcher.readers_changed.connect(self.status.on_readers_changed)
        self.watcher.readers_changed.connect(self.card_flow.on_readers_changed)
        self.watcher.monitor_failed.connect(self._on_monitor_failed)
        self.card_flow.card_inserted.connect(self.status.on_card_inserted)
        self.card_flow.card_removed.connect(self.status.on_card_removed)
        self.card_flow.busy_changed.connect(self.status.on_card_busy)
        self.card_flow.card_failed.connect(self._on_card_failed)
        self.session.practitioner_changed.connect(self.status.on_practitioner_changed)
        self.runner.task_failed.connect(self._on_task_failed)
        self.billing_page.invoice_panel.fse_secured.connect(self._on_fse_secured)
        #: Print the documents made (receipt, feuille de soins, duplicata) through the Qt
        #: print dialog (``ui.printing``); off in tests unless they ask for it.
        self.open_documents = False
        from ui.printing import DocumentPrinter

        self.printer = DocumentPrinter(self.runner, self)
        self.printer.printed.connect(self._on_printed)
        self.printer.failed.connect(self._on_print_failed)
        self.resize(1366, 768)

    def _make_go(self, index: int) -> Any:
        def go() -> None:
            self.go_to(index)

        return go

    def go_to(self, index: int) -> None:
        self.sidebar.setCurrentRow(index)

    @Slot(int)
    def _on_page_selected(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        page = self.stack.currentWidget()
        activated = getattr(page, "activated", None)
        if callable(activated):
            activated()

    def start(self) -> None:
        """Start watching readers and the background services (never blocks)."""
        self.ctx.start_monitor(self.watcher.on_change, self.watcher.on_error)
        self.runner.submit(
            self.ctx.ensure_referential, self._on_referential_loaded, label="référentiel des actes"
        )
        for _title, page in self.pages:
            start = getattr(page, "start", None)
            if callable(start):
                start()
        self._backup_if_due()
        self._backup_timer = QTimer(self)
        self._backup_timer.timeout.connect(self._backup_if_due)
        self._backup_timer.start(60 * 60 * 1000)

    @Slot()
    def _backup_if_due(self) -> None:
        self.runner.submit(
            lambda: self.ctx.backup_if_due().result(),
            self._on_backup_done,
            label="sauvegarde de la base",
        )

    def _on_backup_done(self, path: Path | None) -> None:
        if path is not None:
            logger.info("backup written: %s", path.name)

    def _on_referential_loaded(self, referential: Any) -> None:
        self.referential_ready.emit(referential)

    @Slot(object)
    def _on_monitor_failed(self, exc: BaseException) -> None:
        self.status.on_monitor_failed(message_for(exc))

    @Slot(str, object)
    def _on_card_failed(self, reader: str, exc: BaseException) -> None:
        if is_silent(exc):
            return
        show_error(self, exc, tr("Carte"))

    @Slot(object)
    def _on_fse_secured(self, outcome: Any) -> None:
        self.queue_page.refresh()
        if self.open_documents:
            for path in getattr(outcome, "documents", []):
                self.printer.print_pdf(path)

    def print_document(self, path: Any, title: str = "Imprimer") -> None:
        """Print a PDF made by ``client.documents`` when documents are to be printed."""
        if self.open_documents:
            self.printer.print_pdf(path, title)

    @Slot(object, int)
    def _on_printed(self, path: Any, pages: int) -> None:
        if pages:
            self.status.showMessage(f"{path.name} envoyé à l'imprimante ({pages} page(s)).", 8000)
        else:
            self.status.showMessage(f"Impression de {path.name} annulée.", 8000)

    @Slot(object, str)
    def _on_print_failed(self, _path: Any, text: str) -> None:
        self.status.showMessage(text, 15000)

    @Slot(object)
    def _on_task_failed(self, exc: BaseException) -> None:
        show_error(self, exc)

    def shutdown(self) -> None:
        """Stop everything in order: pages, monitor and sender, card thread, store (B5)."""
        if self._closed:
            return
        self._closed = True
        self.interaction.abort()
        for _title, page in self.pages:
            stop = getattr(page, "stop", None)
            if callable(stop):
                stop()
        self.ctx.close()
        self.runner.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)


STYLE = """
QListWidget#sidebar { background: #1f3b57; color: #e8eef4; border: none; font-size: 14px; }
QListWidget#sidebar::item { padding: 12px 14px; }
QListWidget#sidebar::item:selected { background: #2f6ea5; color: white; }
QLabel[role="title"] { font-size: 18px; font-weight: 600; color: #1f3b57; }
QLabel[role="hint"] { color: #5a6570; }
QLabel[role="error"] { color: #b3261e; }
QLabel[role="ok"] { color: #1b7f3b; }
QLabel[role="amount"] { font-size: 15px; }
QGroupBox { font-weight: 600; }
"""


def page_title(text: str) -> Any:
    from ui.qt import QLabel

    label = QLabel(text)
    label.setProperty("role", "title")
    return label


def align_right() -> Any:
    return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
