"""The main window: a sidebar of pages, the pages, and the status bar."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from client.context import AppContext
from ui.card_flow import CardFlow
from ui.card_watch import CardWatcher
from ui.errors import is_silent, message_for, show_error
from ui.interaction import QtInteraction
from ui.qt import (
    QCloseEvent,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
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
from ui.worker_failures import WORKERS, WorkerFailures

if TYPE_CHECKING:  # imported where first used, as before (start-up stays light)
    from billing.referential import Referential
    from client.alerts import Alert
    from client.backup import RestoreReport
    from ui.dialogs.restore import RestoreDialog
    from ui.services import SecureOutcome

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
        # The backup copies on its own thread in steps: its progress, read every second
        # while it runs, in the status bar (minutes for a large store; the desk works on).
        self._backup_progress_timer = QTimer(self)
        self._backup_progress_timer.timeout.connect(self._show_backup_progress)
        # An old store is converted as the database thread opens it (minutes at 1 M FSE,
        # again after restoring an old backup): the pages wait, the status bar says why.
        self._migration_shown = False
        self._migration_timer = QTimer(self)
        self._migration_timer.timeout.connect(self._show_migration_progress)
        self._migration_timer.start(1000)
        self.worker_failures = WorkerFailures(self)
        self.worker_failures.changed.connect(self._on_worker_failure)
        self._closed = False
        #: The damaged store's French report (None: the store is sound or not yet checked):
        #: the application runs on, degraded, and offers a restore (``open_restore_dialog``).
        self.store_damage: str | None = None
        self.damage_box: QMessageBox | None = None
        #: The one-time notice of space only ``sesam store compact`` can recover.
        self.space_box: QMessageBox | None = None
        self.restore_dialog: RestoreDialog | None = None

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
        self.watcher.card_events.connect(self.card_flow.on_card_events)
        self.watcher.monitor_failed.connect(self._on_monitor_failed)
        self.card_flow.card_inserted.connect(self.status.on_card_inserted)
        self.card_flow.card_removed.connect(self.status.on_card_removed)
        self.card_flow.busy_changed.connect(self.status.on_card_busy)
        self.card_flow.card_failed.connect(self._on_card_failed)
        self.session.practitioner_changed.connect(self.status.on_practitioner_changed)
        self.runner.task_failed.connect(self.task_failed)
        self.billing_page.invoice_panel.fse_secured.connect(self._on_fse_secured)
        #: Print the documents made (receipt, feuille de soins, duplicata) through the Qt
        #: print dialog (``ui.printing``); off in tests unless they ask for it.
        self.open_documents = False
        from ui.printing import DocumentPrinter

        self.printer = DocumentPrinter(self.runner, self)
        self.printer.printed.connect(self._on_printed)
        self.printer.failed.connect(self._on_print_failed)
        self.resize(1366, 768)

    def _make_go(self, index: int) -> Callable[[], None]:
        def go() -> None:
            self.go_to(index)

        return go

    def go_to(self, index: int) -> None:
        self.sidebar.setCurrentRow(index)

    def prepare_to_show(self) -> None:
        """Render the window once off screen before ``show``: its widgets polished and laid
        out, their fonts' glyphs made. Its first paint on screen, with the start's loads
        running beside it, then takes ~8 ms instead of 60–120 ms at 1 M FSE (issue #27,
        docs/performance.md finding 40); the user waits as long for the window to appear.
        The background threads are started here too, not as the start submits its loads."""
        self.runner.start_workers()
        self.grab()

    @Slot(int)
    def _on_page_selected(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        page = self.stack.currentWidget()
        activated = getattr(page, "activated", None)
        if callable(activated):
            activated()

    def start(self) -> None:
        """Start watching readers and the background services (never blocks), once the
        shown window has had its first paint (``ui.first_paint``: the loads beside it made
        it wait for the GIL, 60–120 ms at 1 M FSE)."""
        from ui.first_paint import after_first_paint

        after_first_paint(self, self._start_now)

    def _start_now(self) -> None:
        if self._closed:  # closed before its first paint
            return
        self.ctx.start_monitor(self.watcher.on_change, self.watcher.on_error)
        self.runner.submit(
            self.ctx.ensure_referential, self._on_referential_loaded, label="référentiel des actes"
        )
        for _title, page in self.pages:
            start = getattr(page, "start", None)
            if callable(start):
                start()
        # Before the first backup (same housekeeping thread): a damaged store is told now.
        self.runner.submit(
            lambda: self.ctx.diagnose_store().result(),
            self._on_store_diagnosed,
            label="contrôle de la base",
        )
        self._backup_if_due()
        from client.usecases import lots

        # A gap is never silent: numbers given out with no FSE, signed lots gone (issue #17).
        self.runner.submit(
            lambda: lots.gap_alerts(self.ctx), self._on_gaps, label="contrôle des numéros"
        )
        self._backup_timer = QTimer(self)
        self._backup_timer.timeout.connect(self._backup_if_due)
        self._backup_timer.start(60 * 60 * 1000)

    def _on_store_diagnosed(self, damage: BaseException | None) -> None:
        if damage is None or self.store_damage is not None:
            return  # sound, or already told (a page met the damage first)
        detail = getattr(damage, "detail", "") or type(damage).__name__
        # The application's own words: the command line's message names ``sesam restore``.
        self.store_damage = tr(
            "Le fichier de la base de données {path} est endommagé ({detail}) : n'y "
            "enregistrez plus rien, restaurez une sauvegarde."
        ).format(path=self.ctx.store_path, detail=detail)
        text = tr(
            "La base de données ne peut pas être utilisée : son fichier est endommagé (disque "
            "abîmé, coupure pendant une écriture…).\n\n{path}\n({detail})\n\nRestaurez "
            "une sauvegarde : la base endommagée sera mise de côté dans le dossier "
            "« sauvegardes », jamais effacée, et les numéros de FSE ne redescendront pas. "
            "D'ici là, n'enregistrez rien."
        ).format(path=self.ctx.store_path, detail=detail)
        box = QMessageBox(
            QMessageBox.Icon.Critical, tr("Base de données endommagée"), text, parent=self
        )
        box.setObjectName("storeDamaged")
        restore = box.addButton(tr("Restaurer une sauvegarde…"), QMessageBox.ButtonRole.AcceptRole)
        restore.setObjectName("storeDamagedRestore")
        box.addButton(tr("Plus tard"), QMessageBox.ButtonRole.RejectRole)
        restore.clicked.connect(lambda: self.open_restore_dialog())
        box.open()
        self.damage_box = box
        self.status.showMessage(
            tr("⚠ Base de données endommagée : restaurez une sauvegarde (Réglages ou Diagnostic)."),
            0,
        )
        self.diagnostics_page.render_failures()

    def open_restore_dialog(self) -> RestoreDialog:
        """« Restaurer une sauvegarde » (from the damaged-store report, Réglages, Diagnostic)."""
        from ui.dialogs.restore import RestoreDialog

        if self.restore_dialog is not None and self.restore_dialog.running:
            self.restore_dialog.raise_()
            return self.restore_dialog
        dialog = RestoreDialog(self, self, self._sending, self.store_damage)
        dialog.restored.connect(self._on_restored)
        dialog.open()
        self.restore_dialog = dialog
        return dialog

    def _on_restored(self, report: RestoreReport) -> None:
        """The store was replaced: every page reads it again."""
        self.store_damage = None
        if self.damage_box is not None:
            self.damage_box.close()  # the report of a store now restored
        self.worker_recovered("sauvegarde")
        self.status.showMessage(
            tr("Base restaurée à partir de {name}.").format(name=report.source.name), 15000
        )
        for _title, page in self.pages:
            refresh = getattr(page, "refresh", None) or getattr(page, "refresh_drafts", None)
            if callable(refresh):
                refresh()

    @Slot()
    def _backup_if_due(self) -> None:
        self.runner.submit(
            lambda: self.ctx.backup_if_due().result(),
            self._on_backup_done,
            self._on_backup_failed,
            label="sauvegarde de la base",
        )
        self._backup_progress_timer.start(1000)

    @Slot()
    def _show_backup_progress(self) -> None:
        progress = self.ctx.backup_progress
        if progress is None:
            given = self.ctx.space_progress  # after the backup: free pages given back
            if given is not None and given[1] > 0:
                self.status.showMessage(
                    tr("Place libre rendue au disque : {percent} %").format(
                        percent=min(100, given[0] * 100 // given[1])
                    ),
                    2000,
                )
            return
        copied, total = progress
        if total == 0:  # client.backup.CHECKING: the live database's check before the copy
            self.status.showMessage(tr("Sauvegarde de la base : vérification de la base…"), 2000)
        elif 0 < total <= copied:  # copied: the copy's integrity check (~9 s at 1 M FSE)
            self.status.showMessage(tr("Sauvegarde de la base : vérification de la copie…"), 2000)
        elif total > 0:
            self.status.showMessage(
                tr("Sauvegarde de la base en cours : {percent} %").format(
                    percent=min(100, copied * 100 // total)
                ),
                2000,
            )

    @Slot()
    def _show_migration_progress(self) -> None:
        progress = self.ctx.migration_progress
        if progress is None:
            if self._migration_shown:
                self._migration_shown = False
                self.status.showMessage(tr("Mise à jour de la base terminée."), 8000)
            return
        self._migration_shown = True
        self.status.showMessage(
            tr("Mise à jour de la base : {step} {percent} %").format(
                step=tr(progress.step), percent=progress.percent
            ),
            2000,
        )

    def _on_gaps(self, alerts: list[Alert]) -> None:
        if not alerts:
            return
        text = "\n\n".join(f"{a.message}\n→ {a.action}" for a in alerts)
        box = QMessageBox(QMessageBox.Icon.Critical, tr("Registre incomplet"), text, parent=self)
        box.setObjectName("gapAlerts")
        box.open()
        self.gap_box = box

    def _on_backup_done(self, path: Path | None) -> None:
        self._backup_progress_timer.stop()
        self.worker_recovered("sauvegarde")
        if path is not None:
            logger.info("backup written: %s", path.name)
        room, self.ctx.space_to_recover = self.ctx.space_to_recover, None
        if room is not None:  # told once per store file (client.compact_daily)
            from client.compact_daily import space_message

            box = QMessageBox(
                QMessageBox.Icon.Information,
                tr("Place à récupérer sur le disque"),
                space_message(room),
                parent=self,
            )
            box.setObjectName("spaceToRecover")
            box.open()
            self.space_box = box

    def _on_backup_failed(self, exc: BaseException) -> None:
        self._backup_progress_timer.stop()
        # Retried by the hourly timer; said now, in the status bar and on the diagnostics.
        self.worker_failures.report("sauvegarde", exc)
        from client.store.errors import damage_error

        damage = damage_error(exc, self.ctx.store_path)
        if damage is not None and self.store_damage is None:
            self._on_store_diagnosed(damage)  # the backup's full check found it

    def _sending(self) -> bool:
        sender = self.queue_page.send_thread
        return sender is not None and sender.is_alive()

    def report_worker_failure(self, worker: str, exc: BaseException) -> None:
        """A background worker (``ui.worker_failures.WORKERS``) stopped on ``exc``."""
        self.worker_failures.report(worker, exc)

    def worker_recovered(self, worker: str) -> None:
        """``worker`` succeeded again: its failure leaves the status bar (kept in the list)."""
        self.worker_failures.recovered(worker)

    @Slot()
    def _on_worker_failure(self) -> None:
        active = self.worker_failures.active
        if active:
            last = max(active.values(), key=lambda f: f.at)
            self.status.set_worker_failure(
                tr("⚠ {what} arrêtée (voir Diagnostic)").format(what=WORKERS[last.worker]),
                last.text(),
            )
        else:
            self.status.set_worker_failure(None)
        self.diagnostics_page.render_failures()

    def _on_referential_loaded(self, referential: Referential) -> None:
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
    def _on_fse_secured(self, outcome: SecureOutcome) -> None:
        self.queue_page.refresh()
        if self.open_documents:
            for path in outcome.documents:
                self.printer.print_pdf(path)

    def print_document(self, path: Path, title: str = "Imprimer") -> None:
        """Print a PDF made by ``client.documents`` when documents are to be printed."""
        if self.open_documents:
            self.printer.print_pdf(path, title)

    @Slot(object, int)
    def _on_printed(self, path: Path, pages: int) -> None:
        if pages:
            self.status.showMessage(f"{path.name} envoyé à l'imprimante ({pages} page(s)).", 8000)
        else:
            self.status.showMessage(f"Impression de {path.name} annulée.", 8000)

    @Slot(object, str)
    def _on_print_failed(self, _path: Path, text: str) -> None:
        self.status.showMessage(text, 15000)

    @Slot(object)
    def task_failed(self, exc: BaseException) -> None:
        """A background task failed: a damaged store is told once, with its restore."""
        from client.store.errors import damage_error

        damage = damage_error(exc, self.ctx.store_path)
        if damage is not None:
            # One report offering the restore, not one box per page that failed to load.
            if self.store_damage is None:
                self._on_store_diagnosed(damage)
            return
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


def page_title(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "title")
    return label


def align_right() -> Qt.AlignmentFlag:
    return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
