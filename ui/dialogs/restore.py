"""« Restaurer une sauvegarde »: the backups listed (date, size, verified), what a restoration
does said before it runs, the restoration itself off the GUI thread with its progress.

No business logic here: ``client.backup`` lists, verifies and restores (the same restore as
``sesam restore``), through ``AppContext.list_backups`` / ``restore_backup``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ui.errors import message_for
from ui.qt import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.translation import tr

if TYPE_CHECKING:
    from client.backup import BackupInfo, RestoreReport
    from ui.pages.base import PageHost

EXPLANATION = (
    "La base actuelle n'est jamais effacée : elle est d'abord mise de côté dans le dossier "
    "« sauvegardes » (« avant-restauration-… » ou, si elle est endommagée, "
    "« endommagee-… »). Les FSE enregistrées après la sauvegarde choisie ne seront plus "
    "dans la base ; les numéros de FSE et de lot ne redescendent jamais (aucun numéro déjà "
    "donné ne sera redonné). Fermez d'abord les autres programmes qui utilisent la base "
    "(une autre fenêtre de l'application, une commande sesam, un envoi en cours) : la "
    "restauration est refusée tant qu'ils l'ont ouverte."
)


def size_text(size: int) -> str:
    """``1,5 Mo`` / ``12 ko``: the French way."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")
    return f"{max(1, round(size / 1024))} ko"


class RestoreDialog(QDialog):
    """Lists the backups and restores the one chosen; ``restored(report)`` when done."""

    restored = Signal(object)

    def __init__(
        self,
        window: PageHost,
        parent: QWidget,
        sending: Callable[[], bool],
        damage: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("restoreDialog")
        self.setWindowTitle(tr("Restaurer une sauvegarde"))
        self.main = window
        #: Whether the window's sender is at work (a restore would pull the store from it).
        self.sending = sending
        self.ctx = window.ctx
        self.runner = window.runner
        self.backups: list[BackupInfo] = []
        self.report: RestoreReport | None = None
        #: Asks the user to confirm (the question's text): a message box; tests replace it.
        self.confirm: Callable[[str], bool] = self._ask
        layout = QVBoxLayout(self)
        if damage:
            self.damage_label = QLabel(damage)
            self.damage_label.setObjectName("restoreDamage")
            self.damage_label.setProperty("role", "error")
            self.damage_label.setWordWrap(True)
            layout.addWidget(self.damage_label)
        explanation = QLabel(tr(EXPLANATION))
        explanation.setObjectName("restoreExplanation")
        explanation.setProperty("role", "hint")
        explanation.setWordWrap(True)
        layout.addWidget(explanation)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("backupList")
        self.table.setHorizontalHeaderLabels([tr("Date"), tr("Taille"), tr("Vérification")])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda _item: self._on_restore())
        layout.addWidget(self.table, 1)
        self.state_label = QLabel(tr("Vérification des sauvegardes…"))
        self.state_label.setObjectName("restoreState")
        self.state_label.setWordWrap(True)
        layout.addWidget(self.state_label)
        self.progress = QProgressBar()
        self.progress.setObjectName("restoreProgress")
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        row = QHBoxLayout()
        self.other_button = QPushButton(tr("Autre fichier…"))
        self.other_button.setObjectName("restoreOtherFile")
        self.other_button.clicked.connect(self._on_other_file)
        row.addWidget(self.other_button)
        row.addStretch(1)
        self.restore_button = QPushButton(tr("Restaurer la sauvegarde choisie…"))
        self.restore_button.setObjectName("restoreButton")
        self.restore_button.setEnabled(False)
        self.restore_button.setDefault(True)
        self.other_button.setAutoDefault(False)
        self.restore_button.clicked.connect(self._on_restore)
        row.addWidget(self.restore_button)
        self.close_button = QPushButton(tr("Fermer"))
        self.close_button.setObjectName("restoreClose")
        self.close_button.clicked.connect(self.reject)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._show_progress)
        self.running = False
        self.resize(760, 460)
        self.load()

    # --------------------------------------------------------------- the list
    def load(self) -> None:
        """List and verify the backups (housekeeping thread)."""
        self.runner.submit(
            lambda: self.ctx.list_backups().result(),
            self._on_listed,
            self._on_list_failed,
            label="liste des sauvegardes",
        )

    def _on_listed(self, found: list[BackupInfo]) -> None:
        self.backups = found
        self.table.setRowCount(len(found))
        for row, info in enumerate(found):
            when = info.taken_at.astimezone().strftime("%d/%m/%Y %H:%M")
            state = (
                tr("vérifiée") if info.verified else tr("refusée : {why}").format(why=info.problem)
            )
            for column, text in enumerate((when, size_text(info.size), state)):
                item = QTableWidgetItem(text)
                item.setToolTip(str(info.path))
                self.table.setItem(row, column, item)
        first_good = next((i for i, b in enumerate(found) if b.verified), None)
        if first_good is not None:
            self.table.selectRow(first_good)
        if self.report is not None:
            pass  # the outcome of the restoration stays said
        elif not found:
            self.state_label.setText(
                tr(
                    "Aucune sauvegarde dans {folder}. Choisissez un fichier de sauvegarde "
                    "avec « Autre fichier… »."
                ).format(folder=self.ctx.data_dir / "sauvegardes")
            )
        else:
            good = sum(1 for b in found if b.verified)
            self.state_label.setText(
                tr(
                    "{n} sauvegarde(s), dont {good} vérifiée(s). La plus récente est en haut."
                ).format(n=len(found), good=good)
            )
        self._update_buttons()

    def _on_list_failed(self, exc: BaseException) -> None:
        self.state_label.setText(message_for(exc))

    def selected(self) -> BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.backups):
            return None
        return self.backups[rows[0].row()]

    def _update_buttons(self) -> None:
        chosen = self.selected()
        self.restore_button.setEnabled(
            not self.running and self.report is None and chosen is not None and chosen.verified
        )
        self.other_button.setEnabled(not self.running)
        self.close_button.setEnabled(not self.running)

    # ------------------------------------------------------------ restoring
    def _ask(self, question: str) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Question, tr("Restaurer une sauvegarde"), question, parent=self
        )
        box.setObjectName("restoreConfirm")
        yes = box.addButton(tr("Restaurer"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(tr("Annuler"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return box.clickedButton() is yes

    def _on_restore(self) -> None:
        chosen = self.selected()
        if chosen is None or not chosen.verified or self.running:
            return
        when = chosen.taken_at.astimezone().strftime("%d/%m/%Y à %H:%M")
        self.restore_path(chosen.path, tr("la sauvegarde du {when}").format(when=when))

    def _when(self, path: Path) -> str:
        """« la sauvegarde du 05/12/2026 à 18:00 » for a listed backup, else its name."""
        for info in self.backups:
            if info.path == path:
                when = info.taken_at.astimezone().strftime("%d/%m/%Y à %H:%M")
                return tr("la sauvegarde du {when}").format(when=when)
        return path.name

    def _on_other_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            tr("Fichier de sauvegarde"),
            str(self.ctx.data_dir / "sauvegardes"),
            tr("Base sesam (*.db)"),
        )
        if path:
            self.restore_path(Path(path), str(path))

    def restore_path(self, path: Path, what: str) -> None:
        """Confirm, then restore ``path`` (the checks are the client's: a file that is not
        a sound sesam backup is refused there, and said here)."""
        if self.sending():
            self.state_label.setText(
                tr(
                    "Un envoi est en cours : attendez sa fin (page File d'attente), puis "
                    "recommencez. Rien n'a été modifié."
                )
            )
            return
        question = tr(
            "Restaurer {what} ?\n\n{explanation}\n\nLes pages de l'application seront "
            "rechargées à partir de la base restaurée."
        ).format(what=what, explanation=tr(EXPLANATION))
        if not self.confirm(question):
            return
        self.running = True
        self._update_buttons()
        self.progress.setRange(0, 0)  # busy until the first step is known
        self.progress.setVisible(True)
        self.state_label.setText(tr("Restauration en cours… Ne fermez pas l'application."))
        self._timer.start()
        self.runner.submit(
            lambda: self.ctx.restore_backup(path).result(),
            self._on_restored,
            self._on_restore_failed,
            label="restauration de la base",
        )

    def _show_progress(self) -> None:
        done = self.ctx.restore_progress
        if done is not None and done[1] > 0:
            self.progress.setRange(0, done[1])
            self.progress.setValue(done[0])

    def _finish(self) -> None:
        self._timer.stop()
        self.running = False
        self.progress.setVisible(False)
        self._update_buttons()

    def _on_restored(self, report: RestoreReport) -> None:
        self.report = report
        self._finish()
        kept = (
            tr(" La base précédente est gardée : {path}.").format(path=report.previous_copy)
            if report.previous_copy is not None
            else ""
        )
        self.state_label.setProperty("role", "ok")
        self.state_label.setText(
            tr("Restauration faite à partir de {what}.").format(what=self._when(report.source))
            + kept
        )
        self._restyle(self.state_label)
        damage = getattr(self, "damage_label", None)
        if damage is not None:
            damage.setVisible(False)  # the damaged file is aside: the store is sound
        self.close_button.setDefault(True)
        self.restored.emit(report)
        self.load()

    def _on_restore_failed(self, exc: BaseException) -> None:
        self._finish()
        self.state_label.setProperty("role", "error")
        self.state_label.setText(message_for(exc))
        self._restyle(self.state_label)

    @staticmethod
    def _restyle(label: QWidget) -> None:
        label.style().unpolish(label)
        label.style().polish(label)
