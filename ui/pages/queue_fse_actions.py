"""The actions on the FSE chosen in the queue page's list: duplicata, feuille de soins,
cancel, « Corriger et renvoyer… » (FSE rectificative), « Clore le reste dû… », and where
every euro of it stands (client.euro_status, client.remainders)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from client.euro_status import EuroStatus
from client.fse_search import FseListRow
from client.rectify import Rectified, RectifyDraft
from client.remainders import Closure
from client.usecases import payments
from ui import services
from ui.errors import message_for
from ui.fmt import euros
from ui.pages.base import Page
from ui.qt import QInputDialog, QKeySequence, QLabel, QMessageBox, QObject, QPushButton, Qt
from ui.translation import tr
from ui.widgets.fse_list import FseListWidget


def _fse_motif(f: FseListRow) -> str:
    return " ".join(x for x in (f.motif_code or "", f.motif_label, f.detail) if x)


class FseActions(QObject):
    """The buttons added to the FSE list and what they do; ``say`` writes the page's
    message line, ``refresh`` reloads the page after a change."""

    def __init__(
        self,
        page: Page,
        fse_list: FseListWidget,
        say: Callable[[str], None],
        refresh: Callable[[], None],
    ) -> None:
        super().__init__(page)
        self.page = page
        self.fse_list = fse_list
        self.say = say
        self.refresh = refresh
        self.duplicata_button = QPushButton(tr("Duplicata… (Ctrl+D)"))
        self.duplicata_button.setObjectName("duplicataButton")
        self.duplicata_button.setShortcut(QKeySequence("Ctrl+D"))
        self.duplicata_button.clicked.connect(self.issue_duplicata)
        fse_list.add_action(self.duplicata_button)
        self.print_fse_button = QPushButton(tr("Imprimer la feuille de soins / duplicata…"))
        self.print_fse_button.setObjectName("printFseButton")
        self.print_fse_button.setShortcut(QKeySequence("Ctrl+P"))
        self.print_fse_button.setToolTip(
            tr("Ctrl+P : imprimer la feuille de soins (ou le duplicata) de la FSE choisie")
        )
        self.print_fse_button.clicked.connect(self.print_selected_fse)
        fse_list.add_action(self.print_fse_button)
        self.cancel_fse_button = QPushButton(tr("Annuler la FSE (Suppr)"))
        self.cancel_fse_button.setObjectName("cancelFseButton")
        self.cancel_fse_button.clicked.connect(self.cancel_selected_fse)
        fse_list.add_action(self.cancel_fse_button)
        self.rectify_button = QPushButton(tr("Corriger et renvoyer…"))
        self.rectify_button.setObjectName("rectifyButton")
        self.rectify_button.setToolTip(
            tr("FSE rejetée ou refusée : la corriger et la signer à nouveau (FSE rectificative)")
        )
        self.rectify_button.setEnabled(False)
        self.rectify_button.clicked.connect(self.rectify_selected_fse)
        fse_list.table.selectionModel().currentChanged.connect(self._fse_chosen)
        fse_list.add_action(self.rectify_button)
        self.close_remainder_button = QPushButton(tr("Clore le reste dû…"))
        self.close_remainder_button.setObjectName("closeRemainderButton")
        self.close_remainder_button.setToolTip(
            tr("FSE payée partiellement ou rejetée : perte acceptée ou réclamé à la caisse")
        )
        self.close_remainder_button.clicked.connect(self.close_selected_remainder)
        fse_list.add_action(self.close_remainder_button)
        # Where each part (AMO, AMC, patient) of the chosen FSE stands, in words.
        self.fse_detail = QLabel("")
        self.fse_detail.setObjectName("fseEuroStatus")
        self.fse_detail.setWordWrap(True)
        fse_list.table.selectionModel().currentChanged.connect(self.show_euro_status)
        from ui.qt import QShortcut

        delete = QShortcut(QKeySequence(Qt.Key.Key_Delete), fse_list.table)
        delete.activated.connect(self.cancel_selected_fse)

    def selected_fse(self) -> FseListRow | None:
        return self.fse_list.selected()

    def _on_failed(self, exc: BaseException) -> None:
        self.page.main.task_failed(exc)

    def issue_duplicata(self) -> None:
        fse = self.selected_fse()
        if fse is None:
            self.say(tr("Choisissez d'abord la FSE."))
            return
        motif, ok = QInputDialog.getText(self.page, tr("Duplicata"), "Motif du duplicata :")
        if not ok or not motif.strip():
            return
        self.page.runner.submit(
            lambda: payments.duplicata_by_uuid(self.page.ctx, fse.fse_uuid, motif.strip()),
            self._on_duplicata,
            self._on_failed,
            label="duplicata",
        )

    def print_selected_fse(self) -> None:
        """The feuille de soins of the chosen FSE, or its duplicata, through the print dialog."""
        from ui.printing import FseDocument, ask_fse_document

        fse = self.selected_fse()
        if fse is None:
            self.say(tr("Choisissez d'abord la FSE."))
            return
        choice = ask_fse_document(self.page, fse.number)
        if choice is FseDocument.DUPLICATA:
            self.issue_duplicata()
        elif choice is FseDocument.FEUILLE_DE_SOINS:
            self.page.runner.submit(
                lambda: payments.feuille_de_soins_by_uuid(self.page.ctx, fse.fse_uuid),
                self._on_feuille_de_soins,
                self._on_failed,
                label="feuille de soins",
            )

    def _on_feuille_de_soins(self, path: Path) -> None:
        self.say(f"Feuille de soins enregistrée : {path}")
        self.page.main.print_document(path, tr("Imprimer la feuille de soins"))

    def _on_duplicata(self, path: Path) -> None:
        self.say(f"Duplicata enregistré : {path}")
        self.page.main.print_document(path, tr("Imprimer le duplicata"))
        self.refresh()

    def cancel_selected_fse(self) -> None:
        fse = self.selected_fse()
        if fse is None:
            return
        answer = QMessageBox.question(
            self.page,
            tr("Annuler la FSE"),
            f"Annuler la FSE n° {fse.number} ? Elle ne sera pas transmise.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.page.runner.submit(
            lambda: payments.cancel_by_uuid(self.page.ctx, fse.fse_uuid),
            lambda _row: self.refresh(),
            self._on_failed,
            label="annulation",
        )

    def _fse_chosen(self, *_: object) -> None:
        from billing.fse_states import RECTIFIABLE_STATES

        fse = self.selected_fse()
        self.rectify_button.setEnabled(fse is not None and fse.state in RECTIFIABLE_STATES)

    def rectify_selected_fse(self) -> None:
        """« Corriger et renvoyer… » : the rejected FSE read, corrected in a dialog, its
        rectificative signed with the practitioner's CPS (database thread)."""
        fse = self.selected_fse()
        if fse is None:
            return
        motif = _fse_motif(fse)
        self.page.runner.submit(
            lambda: payments.rectify_draft(self.page.ctx, fse.fse_uuid),
            lambda draft: self._ask_rectification(draft, motif),
            self._on_rectify_failed,
            label="correction",
        )

    def _ask_rectification(self, draft: RectifyDraft, motif: str) -> None:
        from ui.dialogs.rectify import ask_rectification

        practitioner = self.page.session.practitioner
        if practitioner is None:
            self.say(
                tr("Insérez la carte CPS du praticien : c'est elle qui signe la FSE corrigée.")
            )
            return
        request = ask_rectification(self.page, draft, motif)
        if request is None:
            return
        self.rectify_button.setEnabled(False)
        self.page.runner.submit(
            lambda: payments.rectify_fse(self.page.ctx, request, services.cps_of(practitioner)),
            self._on_rectified,
            self._on_rectify_failed,
            label="FSE rectificative",
        )

    def _on_rectified(self, done: Rectified) -> None:
        new = done.rectificative
        self.say(
            f"FSE n° {done.original.number} rectifiée par la FSE n° {new.number} "
            f"({euros(new.total_fees)}) : en file d'envoi, partira au prochain envoi (F9)."
        )
        self.refresh()

    def _on_rectify_failed(self, exc: BaseException) -> None:
        from billing.errors import BillingError
        from client.errors import ClientError

        self._fse_chosen()
        if isinstance(exc, ClientError | BillingError):  # refused, said in French here
            self.say("Correction impossible : " + message_for(exc))
            return
        self._on_failed(exc)

    # --- every euro of the chosen FSE (client.euro_status, client.remainders) -----------
    def show_euro_status(self, *_: object) -> None:
        fse = self.selected_fse()
        if fse is None:
            self.fse_detail.setText("")
            return
        self.page.runner.submit(
            lambda: payments.euro_status_by_uuid(self.page.ctx, fse.fse_uuid),
            self._on_euro_status,
            lambda exc: self.fse_detail.setText(message_for(exc)),
            label="détail de la FSE",
        )

    def _on_euro_status(self, status: EuroStatus) -> None:
        from client.euro_status import status_lines

        chosen = self.selected_fse()
        if chosen is None or chosen.fse_uuid != status.fse_uuid:
            return  # the user moved on meanwhile
        self.fse_detail.setText("\n".join(status_lines(status)))

    def close_selected_remainder(self) -> None:
        """« Clore le reste dû… »: the FSE's parts read, then the dialog, then the closure
        (database thread)."""
        fse = self.selected_fse()
        if fse is None:
            self.say(tr("Choisissez d'abord la FSE."))
            return
        self.page.runner.submit(
            lambda: payments.euro_status_by_uuid(self.page.ctx, fse.fse_uuid),
            self._ask_closure,
            self._on_failed,
            label="reste dû",
        )

    def _ask_closure(self, status: EuroStatus) -> None:
        from client.remainders import ClosureMotif
        from ui.dialogs.close_remainder import CloseRemainderDialog

        final = status.closure is not None and status.closure.motif is ClosureMotif.LOSS
        if status.missing <= 0 or final:
            self.say(
                f"Rien à clore pour la FSE n° {status.number} : "
                + "; ".join(p.text for p in status.parts if p.part.value != "patient")
                + "."
            )
            return
        dialog = CloseRemainderDialog(self.page, status)
        if dialog.exec() != CloseRemainderDialog.DialogCode.Accepted:
            return
        motif, comment = dialog.choice()
        self.page.runner.submit(
            lambda: payments.close_remainder_by_uuid(
                self.page.ctx, status.fse_uuid, motif, comment
            ),
            lambda closure: self._on_closed(status.number, closure),
            self._on_failed,
            label="clôture du reste dû",
        )

    def _on_closed(self, number: int, closure: Closure) -> None:
        self.say(
            f"Reste dû de la FSE n° {number} ({euros(closure.amount)}) clos : {closure.label}."
        )
        self.refresh()
        self.show_euro_status()
