"""File d'attente et retours: what waits, what is being sent (progress, cancel), what came back
(ARL, payments, rejects with motif); re-send, duplicata, cancel, unmatched payments."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from client.errors import ClientError
from client.labels import RECONCILIATION_LABELS, lot_state_label, mode_label
from ui import services
from ui.errors import message_for
from ui.fmt import date_fr, euros
from ui.models import Column, Deliver, LazyTable
from ui.pages.base import Page, hint
from ui.qt import (
    QEvent,
    QHBoxLayout,
    QInputDialog,
    QKeyEvent,
    QKeySequence,
    QLabel,
    QMessageBox,
    QObject,
    QProgressBar,
    QPushButton,
    Qt,
    QTabWidget,
    QTimer,
    Signal,
    Slot,
)
from ui.translation import QT_TRANSLATE_NOOP, tr
from ui.widgets.fse_list import FseListRow, FseListWidget
from ui.worker_failures import WorkerVanishedError

if TYPE_CHECKING:
    from ui.pages.base import PageHost

logger = logging.getLogger(__name__)


def _fse_motif(f: Any) -> str:
    return " ".join(x for x in (f.motif_code or "", f.motif_label, f.detail) if x)


def _lot_sending(row: tuple[Any, Any]) -> str:
    outbox = row[1]
    if outbox is None:
        return ""
    sending = f"{outbox.attempts} essai" + ("s" if outbox.attempts > 1 else "")
    if outbox.last_error:
        sending += f" — {outbox.last_error}"
    return sending


# A lot row is (LotRow, OutboxRow | None).
LOT_COLUMNS = [
    Column(QT_TRANSLATE_NOOP("", "Lot"), lambda r: str(r[0].number)),
    Column(QT_TRANSLATE_NOOP("", "Type"), lambda r: "FSE" if r[0].kind == "fse" else "PJ"),
    Column(QT_TRANSLATE_NOOP("", "Caisse"), lambda r: str(r[0].organism)),
    Column(QT_TRANSLATE_NOOP("", "Mode"), lambda r: tr(mode_label(r[0].mode))),
    Column(QT_TRANSLATE_NOOP("", "FSE"), lambda r: str(r[0].fse_count), True),
    Column(
        QT_TRANSLATE_NOOP("", "État"),
        lambda r: tr(lot_state_label(r[0].state.value)),
    ),
    Column(QT_TRANSLATE_NOOP("", "Envoi"), _lot_sending),
]
UNMATCHED_COLUMNS = [
    Column(
        QT_TRANSLATE_NOOP("", "Reçu le"),
        lambda p: date_fr(p.get("received_at") or p.get("paid_on")),
    ),
    Column(
        QT_TRANSLATE_NOOP("", "Facture"),
        lambda p: str(p.get("invoice_number") or p.get("fse_uuid") or "—"),
    ),
    Column(QT_TRANSLATE_NOOP("", "Date des soins"), lambda p: date_fr(p.get("care_date"))),
    Column(QT_TRANSLATE_NOOP("", "Payé AMO"), lambda p: euros(p.get("paid_amo"))),
    Column(QT_TRANSLATE_NOOP("", "Motif"), lambda p: str(p.get("motif_label") or "")),
]


class SenderBridge(QObject):
    """The sender's callbacks (on its thread) as GUI-thread signals."""

    progressed = Signal(object)
    finished = Signal(object)

    def on_progress(self, progress: Any) -> None:
        self.progressed.emit(progress)

    def on_done(self, result: Any) -> None:
        self.finished.emit(result)


class QueuePage(Page):
    """Send now (F9), cancel (Échap), fetch returns (F10); act on the selected FSE or lot."""

    title = QT_TRANSLATE_NOOP("", "File d'attente et retours")
    queue_loaded = Signal(object)

    def __init__(self, window: PageHost) -> None:
        super().__init__(window)
        self.view: services.QueueView | None = None
        self.sender: Any = None
        self.bridge = SenderBridge(self)
        self.bridge.progressed.connect(self._on_progress)
        self.bridge.finished.connect(self._on_send_finished)
        self._sending = False
        self._sender_misses = 0
        self._sender_watch = QTimer(self)
        self._sender_watch.setInterval(1000)
        self._sender_watch.timeout.connect(self._watch_sender)

        self.summary = QLabel("…")
        self.summary.setObjectName("queueSummary")
        self.summary.setWordWrap(True)
        self.layout_.addWidget(self.summary)

        send_row = QHBoxLayout()
        self.send_button = QPushButton(tr("Envoyer maintenant (F9)"))
        self.send_button.setObjectName("sendNow")
        self.send_button.setShortcut(QKeySequence("F9"))
        self.send_button.clicked.connect(self.send_now)
        send_row.addWidget(self.send_button)
        self.cancel_button = QPushButton(tr("Annuler l'envoi (Échap)"))
        self.cancel_button.setObjectName("cancelSend")
        self.cancel_button.setShortcut(QKeySequence("Escape"))
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_send)
        send_row.addWidget(self.cancel_button)
        self.returns_button = QPushButton(tr("Relever les retours (F10)"))
        self.returns_button.setObjectName("fetchReturns")
        self.returns_button.setShortcut(QKeySequence("F10"))
        self.returns_button.clicked.connect(self.fetch_returns)
        send_row.addWidget(self.returns_button)
        self.progress = QProgressBar()
        self.progress.setObjectName("sendProgress")
        self.progress.setTextVisible(True)
        self.progress.setFormat("%v / %m lot(s)")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        send_row.addWidget(self.progress, 1)
        self.layout_.addLayout(send_row)
        self.send_message = QLabel("")
        self.send_message.setObjectName("sendMessage")
        self.send_message.setWordWrap(True)
        self.layout_.addWidget(self.send_message)

        self.tabs = QTabWidget()
        # « Feuilles de soins »: search, filters, the actions on the chosen FSE, the table.
        self.fse_list = FseListWidget(self.runner, self.ctx)
        self.fse_table = self.fse_list.table
        self.lot_table = LazyTable(LOT_COLUMNS)
        self.lot_table.setObjectName("lotTable")
        for col, width in ((0, 60), (1, 60), (2, 110), (3, 90), (4, 50), (5, 240)):
            self.lot_table.setColumnWidth(col, width)
        self.unmatched_table = LazyTable(UNMATCHED_COLUMNS)
        self.unmatched_table.setObjectName("unmatchedTable")
        self.tabs.addTab(self.fse_list, tr("Feuilles de soins"))
        self.tabs.addTab(self.lot_table, tr("Lots"))
        self.tabs.addTab(self.unmatched_table, tr("Paiements non rapprochés"))
        self.layout_.addWidget(self.tabs, 1)

        actions = QHBoxLayout()
        self.duplicata_button = QPushButton(tr("Duplicata… (Ctrl+D)"))
        self.duplicata_button.setObjectName("duplicataButton")
        self.duplicata_button.setShortcut(QKeySequence("Ctrl+D"))
        self.duplicata_button.clicked.connect(self.issue_duplicata)
        self.fse_list.add_action(self.duplicata_button)
        self.print_fse_button = QPushButton(tr("Imprimer la feuille de soins / duplicata…"))
        self.print_fse_button.setObjectName("printFseButton")
        self.print_fse_button.setShortcut(QKeySequence("Ctrl+P"))
        self.print_fse_button.setToolTip(
            tr("Ctrl+P : imprimer la feuille de soins (ou le duplicata) de la FSE choisie")
        )
        self.print_fse_button.clicked.connect(self.print_selected_fse)
        self.fse_list.add_action(self.print_fse_button)
        self.cancel_fse_button = QPushButton(tr("Annuler la FSE (Suppr)"))
        self.cancel_fse_button.setObjectName("cancelFseButton")
        self.cancel_fse_button.clicked.connect(self.cancel_selected_fse)
        self.fse_list.add_action(self.cancel_fse_button)
        self.resend_button = QPushButton(tr("Renvoyer le lot refusé"))
        self.resend_button.setObjectName("resendButton")
        self.resend_button.clicked.connect(self.resend_selected_lot)
        actions.addWidget(self.resend_button)
        self.rectify_button = QPushButton(tr("Corriger et renvoyer…"))
        self.rectify_button.setObjectName("rectifyButton")
        self.rectify_button.setToolTip(
            tr("FSE rejetée ou refusée : la corriger et la signer à nouveau (FSE rectificative)")
        )
        self.rectify_button.setEnabled(False)
        self.rectify_button.clicked.connect(self.rectify_selected_fse)
        self.fse_table.selectionModel().currentChanged.connect(self._fse_chosen)
        self.fse_list.add_action(self.rectify_button)
        self.match_button = QPushButton(tr("Rapprocher… (Alt+R)"))
        self.match_button.setObjectName("matchButton")
        self.match_button.setShortcut(QKeySequence("Alt+R"))
        self.match_button.setToolTip(
            tr("Rapprocher à la main le paiement choisi d'une FSE acceptée (ARL positif)")
        )
        self.match_button.clicked.connect(self.match_selected_payment)
        actions.addWidget(self.match_button)
        self.close_remainder_button = QPushButton(tr("Clore le reste dû…"))
        self.close_remainder_button.setObjectName("closeRemainderButton")
        self.close_remainder_button.setToolTip(
            tr("FSE payée partiellement ou rejetée : perte acceptée ou réclamé à la caisse")
        )
        self.close_remainder_button.clicked.connect(self.close_selected_remainder)
        self.fse_list.add_action(self.close_remainder_button)
        actions.addStretch(1)
        self.layout_.addLayout(actions)
        # Where each part (AMO, AMC, patient) of the chosen FSE stands, in words.
        self.fse_detail = QLabel("")
        self.fse_detail.setObjectName("fseEuroStatus")
        self.fse_detail.setWordWrap(True)
        self.layout_.addWidget(self.fse_detail)
        self.fse_table.selectionModel().currentChanged.connect(self._show_euro_status)
        self.layout_.addWidget(
            hint(
                tr(
                    "Une FSE ne peut être annulée que tant qu'elle n'est pas partie. Un lot refusé "
                    "(ARL négatif) est renvoyé tel quel après correction de la cause indiquée."
                )
            )
        )
        from ui.qt import QShortcut

        delete = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.fse_table)
        delete.activated.connect(self.cancel_selected_fse)
        # Entrée on a chosen payment matches it (an event filter: the table would otherwise
        # only move its current cell).
        self.unmatched_table.installEventFilter(self)

        self._timer = QTimer(self)
        self._timer.setInterval(30_000)
        self._timer.timeout.connect(self.refresh)

    # --- loading ----------------------------------------------------------------
    def start(self) -> None:
        self.refresh()
        self.check_network()
        self._timer.start()

    def check_network(self) -> None:
        """Is the concentrator reachable? (worker thread; the status bar says it)."""
        from ui.pages.diagnostics import probe_server

        self.runner.submit(lambda: probe_server(self.ctx), self._on_network, label="réseau")

    def _on_network(self, text: str) -> None:
        ok = "injoignable" not in text
        self.main.status.set_network(tr("Réseau : ok") if ok else tr("Réseau : injoignable"), ok)
        self.main.status.network_label.setToolTip(text)

    def stop(self) -> None:
        self._timer.stop()
        if self.sender is not None:
            self.sender.stop()

    def activated(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.runner.submit(
            lambda: services.load_queue(self.ctx),
            self._on_loaded,
            self._on_load_failed,
            label="file d'attente",
        )

    def _on_load_failed(self, exc: BaseException) -> None:
        self.summary.setText("File d'attente illisible : " + message_for(exc))

    def _on_loaded(self, view: services.QueueView) -> None:
        self.view = view
        self._fill_fse(view)
        self._fill_lots(view)
        self._fill_unmatched(view)
        counts = view.summary
        waiting, sent, rejected, paid = counts.waiting, counts.sent, counts.refused, counts.paid
        text = (
            f"{waiting} FSE à envoyer · {sent} envoyée(s) sans ARL · {paid} payée(s) · "
            f"{rejected} rejet(s) ou refus"
        )
        if view.drafts:
            text += f" · {len(view.drafts)} facture(s) préparée(s) à l'accueil"
        if view.last_contact:
            text += f"\nDernier échange avec l'Assurance Maladie : {date_fr(view.last_contact)}"
        self.summary.setText(text)
        self.main.status.queue_summary({"waiting": waiting + sent, "rejected": rejected})
        self.queue_loaded.emit(view)

    def _fill_fse(self, _view: services.QueueView) -> None:
        self.fse_list.refresh()  # its own search, with the filters the user set

    def _lot_page(self, offset: int, limit: int, deliver: Deliver) -> None:
        self._read_page(services.lot_page, "liste des lots", offset, limit, deliver)

    def _unmatched_page(self, offset: int, limit: int, deliver: Deliver) -> None:
        self._read_page(services.unmatched_page, "paiements non rapprochés", offset, limit, deliver)

    def _read_page(self, read: Any, label: str, offset: int, limit: int, deliver: Deliver) -> None:
        """Rows ``offset``.. of a list, read on the database thread (never the GUI's)."""

        def failed(exc: BaseException) -> None:
            logger.warning("%s: page not read: %r", label, exc)
            deliver(None)

        self.runner.submit(lambda: read(self.ctx, offset, limit), deliver, failed, label=label)

    def _fill_lots(self, view: services.QueueView) -> None:
        self.lot_table.set_source(self._lot_page, view.lot_count, view.lots)

    def _fill_unmatched(self, view: services.QueueView) -> None:
        self.unmatched_table.set_source(self._unmatched_page, view.unmatched_count, view.unmatched)
        self.tabs.setTabText(2, f"Paiements non rapprochés ({view.unmatched_count})")

    def selected_fse(self) -> FseListRow | None:
        return self.fse_list.selected()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.unmatched_table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            self.match_selected_payment()
            return True
        return super().eventFilter(watched, event)

    def selected_payment(self) -> Any:
        return self.unmatched_table.current_object()

    def selected_lot(self) -> Any:
        row = self.lot_table.current_object()
        return row[0] if row is not None else None

    # --- sending ----------------------------------------------------------------
    def send_now(self) -> None:
        """Close the lots with the CPS (if inserted), then drain the outbox."""
        if self.sender is not None and self.sender.is_alive():
            return
        self.send_button.setEnabled(False)
        practitioner = self.session.practitioner
        if practitioner is not None:
            self.send_message.setText(tr("Signature des lots avec la carte CPS…"))
            self.runner.submit(
                lambda: services.close_lots(self.ctx, practitioner),
                self._on_lots_closed,
                self._on_close_failed,
                label="signature des lots",
            )
        else:
            self._start_sender()

    def _on_lots_closed(self, count: int) -> None:
        if count:
            self.send_message.setText(f"{count} lot(s) signé(s).")
        self._start_sender()

    def _on_close_failed(self, exc: BaseException) -> None:
        logger.warning("lots not closed: %r", exc)
        self.send_message.setText("Lots non signés : " + message_for(exc))
        self._start_sender()

    def _start_sender(self) -> None:
        try:
            self.sender = services.make_sender(
                self.ctx, self.bridge.on_progress, self.bridge.on_done
            )
        except (ClientError, OSError, ValueError) as exc:  # certificates, settings: said
            self.send_button.setEnabled(True)
            self.send_message.setText("Envoi impossible : " + message_for(exc))
            return
        except Exception as exc:  # noqa: BLE001 - unexpected: reported, F9 offered again
            self.send_button.setEnabled(True)
            self.send_message.setText("Envoi impossible : " + message_for(exc))
            self.main.report_worker_failure("envoi", exc)
            return
        self.cancel_button.setEnabled(True)
        self.main.status.set_network(tr("Réseau : envoi…"))
        self._sending = True
        self._sender_misses = 0
        self.sender.start(until_empty=True)
        self._sender_watch.start()

    def _watch_sender(self) -> None:
        """« envoi… » never outlives the sender: a thread gone without its report (twice
        seen, so a report already queued to the GUI thread comes first) ends the send."""
        if not self._sending:
            self._sender_watch.stop()
            return
        if self.sender is not None and self.sender.is_alive():
            self._sender_misses = 0
            return
        self._sender_misses += 1
        if self._sender_misses >= 2:
            self._on_send_finished(WorkerVanishedError("L'envoi des lots"))

    def cancel_send(self) -> None:
        if self.sender is not None and self.sender.is_alive():
            self.sender.cancel.set()
            self.send_message.setText(tr("Annulation demandée : l'envoi en cours se termine."))
        elif self._sending:  # the thread is gone: nothing to wait for
            self._on_send_finished(WorkerVanishedError("L'envoi des lots"))

    @Slot(object)
    def _on_progress(self, progress: Any) -> None:
        self.progress.setRange(0, max(1, int(progress.total)))
        self.progress.setValue(int(progress.done))
        self.send_message.setText(progress.message)
        if progress.step.value in ("acknowledged", "refused", "received", "finished"):
            self.refresh()

    @Slot(object)
    def _on_send_finished(self, result: Any) -> None:
        if not self._sending:
            return  # already ended (by the watch)
        self._sending = False
        self._sender_watch.stop()
        self.send_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if isinstance(result, BaseException):
            self.send_message.setText(
                "Envoi interrompu : " + message_for(result) + " Relancez-le avec F9."
            )
            self.main.status.set_network(tr("Réseau : envoi arrêté"), False)
            self.main.report_worker_failure("envoi", result)
        else:
            self.main.worker_recovered("envoi")
            from client.sender import summary

            self.send_message.setText(summary(result))
            # The state of the network now: an error cured by a later replay is past.
            ok = result.network_ok if result.network_ok is not None else result.last_error is None
            self.main.status.set_network("Réseau : ok" if ok else "Réseau : erreurs", ok)
        if self.sender is not None:
            self.sender.join()
        self.refresh()

    def fetch_returns(self) -> None:
        self.returns_button.setEnabled(False)
        self.send_message.setText(tr("Relève des retours de l'Assurance Maladie…"))
        self.runner.submit(
            lambda: services.fetch_returns(self.ctx),
            self._on_returns,
            self._on_returns_failed,
            label="retours",
        )

    def _on_returns(self, text: str) -> None:
        self.returns_button.setEnabled(True)
        self.main.worker_recovered("retours")
        self.send_message.setText(text)
        self.main.status.set_network(tr("Réseau : ok"), True)
        self.refresh()

    def _on_returns_failed(self, exc: BaseException) -> None:
        self.returns_button.setEnabled(True)  # offered again (F10)
        self.send_message.setText("Retours non relevés : " + message_for(exc))
        self.main.report_worker_failure("retours", exc)
        self.main.status.set_network(tr("Réseau : injoignable"), False)

    # --- actions on one FSE / lot ----------------------------------------------------
    def issue_duplicata(self) -> None:
        fse = self.selected_fse()
        if fse is None:
            self.send_message.setText(tr("Choisissez d'abord la FSE."))
            return
        motif, ok = QInputDialog.getText(self, tr("Duplicata"), "Motif du duplicata :")
        if not ok or not motif.strip():
            return
        self.runner.submit(
            lambda: services.duplicata_by_uuid(self.ctx, fse.fse_uuid, motif.strip()),
            self._on_duplicata,
            self._on_failed,
            label="duplicata",
        )

    def print_selected_fse(self) -> None:
        """The feuille de soins of the chosen FSE, or its duplicata, through the print dialog."""
        from ui.printing import FseDocument, ask_fse_document

        fse = self.selected_fse()
        if fse is None:
            self.send_message.setText(tr("Choisissez d'abord la FSE."))
            return
        choice = ask_fse_document(self, fse.number)
        if choice is FseDocument.DUPLICATA:
            self.issue_duplicata()
        elif choice is FseDocument.FEUILLE_DE_SOINS:
            self.runner.submit(
                lambda: services.feuille_de_soins_by_uuid(self.ctx, fse.fse_uuid),
                self._on_feuille_de_soins,
                self._on_failed,
                label="feuille de soins",
            )

    def _on_feuille_de_soins(self, path: Any) -> None:
        self.send_message.setText(f"Feuille de soins enregistrée : {path}")
        self.main.print_document(path, tr("Imprimer la feuille de soins"))

    def _on_duplicata(self, path: Any) -> None:
        self.send_message.setText(f"Duplicata enregistré : {path}")
        self.main.print_document(path, tr("Imprimer le duplicata"))
        self.refresh()

    def cancel_selected_fse(self) -> None:
        fse = self.selected_fse()
        if fse is None:
            return
        answer = QMessageBox.question(
            self,
            tr("Annuler la FSE"),
            f"Annuler la FSE n° {fse.number} ? Elle ne sera pas transmise.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.runner.submit(
            lambda: services.cancel_by_uuid(self.ctx, fse.fse_uuid),
            lambda _row: self.refresh(),
            self._on_failed,
            label="annulation",
        )

    def _fse_chosen(self, *_: Any) -> None:
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
        self.runner.submit(
            lambda: services.rectify_draft(self.ctx, fse.fse_uuid),
            lambda draft: self._ask_rectification(draft, motif),
            self._on_rectify_failed,
            label="correction",
        )

    def _ask_rectification(self, draft: Any, motif: str) -> None:
        from ui.dialogs.rectify import ask_rectification

        practitioner = self.session.practitioner
        if practitioner is None:
            self.send_message.setText(
                tr("Insérez la carte CPS du praticien : c'est elle qui signe la FSE corrigée.")
            )
            return
        request = ask_rectification(self, draft, motif)
        if request is None:
            return
        self.rectify_button.setEnabled(False)
        self.runner.submit(
            lambda: services.rectify_fse(self.ctx, request, practitioner),
            self._on_rectified,
            self._on_rectify_failed,
            label="FSE rectificative",
        )

    def _on_rectified(self, done: Any) -> None:
        new = done.rectificative
        self.send_message.setText(
            f"FSE n° {done.original.number} rectifiée par la FSE n° {new.number} "
            f"({euros(new.total_fees)}) : en file d'envoi, partira au prochain envoi (F9)."
        )
        self.refresh()

    def _on_rectify_failed(self, exc: BaseException) -> None:
        from billing.errors import BillingError
        from client.errors import ClientError

        self._fse_chosen()
        if isinstance(exc, ClientError | BillingError):  # refused, said in French here
            self.send_message.setText("Correction impossible : " + message_for(exc))
            return
        self._on_failed(exc)

    def resend_selected_lot(self) -> None:
        lot = self.selected_lot()
        if lot is None:
            self.tabs.setCurrentIndex(1)
            self.send_message.setText(tr("Choisissez le lot refusé dans l'onglet Lots."))
            return
        self.runner.submit(
            lambda: services.resend_lot(self.ctx, lot.id),
            lambda _none: self.send_now(),
            self._on_failed,
            label="renvoi",
        )

    def match_selected_payment(self) -> None:
        """Ask the FSE number, then match the chosen unmatched payment on the db thread."""
        pay = self.selected_payment()
        if pay is None:
            self.tabs.setCurrentIndex(2)
            self.unmatched_table.setFocus()
            self.send_message.setText(
                tr("Choisissez d'abord le paiement dans l'onglet Paiements non rapprochés.")
            )
            return
        amount = euros(pay.get("paid_amo"))
        number, ok = QInputDialog.getInt(
            self,
            tr("Rapprocher un paiement"),
            f"Paiement de {amount} (soins du {date_fr(pay.get('care_date'))}) : "
            "n° de la FSE à rapprocher :",
            1,
            1,
            2_000_000_000,
        )
        if not ok:
            return
        payment_id = int(pay["id"])
        self.match_button.setEnabled(False)
        self.runner.submit(
            lambda: services.match_payment(self.ctx, payment_id, number, None),
            self._on_matched,
            self._on_match_failed,
            label="rapprochement",
        )

    def _on_matched(self, done: Any) -> None:
        self.match_button.setEnabled(True)
        status = tr(RECONCILIATION_LABELS[done.status])
        self.send_message.setText(f"Paiement rapproché de la FSE n° {done.fse_number} : {status}.")
        self.refresh()

    def _on_match_failed(self, exc: BaseException) -> None:
        self.match_button.setEnabled(True)
        self._on_failed(exc)

    # --- every euro of the chosen FSE (client.euro_status, client.remainders) -----------
    def _show_euro_status(self, *_: Any) -> None:
        fse = self.selected_fse()
        if fse is None:
            self.fse_detail.setText("")
            return
        self.runner.submit(
            lambda: services.euro_status_by_uuid(self.ctx, fse.fse_uuid),
            self._on_euro_status,
            lambda exc: self.fse_detail.setText(message_for(exc)),
            label="détail de la FSE",
        )

    def _on_euro_status(self, status: Any) -> None:
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
            self.send_message.setText(tr("Choisissez d'abord la FSE."))
            return
        self.runner.submit(
            lambda: services.euro_status_by_uuid(self.ctx, fse.fse_uuid),
            self._ask_closure,
            self._on_failed,
            label="reste dû",
        )

    def _ask_closure(self, status: Any) -> None:
        from client.remainders import ClosureMotif
        from ui.dialogs.close_remainder import CloseRemainderDialog

        final = status.closure is not None and status.closure.motif is ClosureMotif.LOSS
        if status.missing <= 0 or final:
            self.send_message.setText(
                f"Rien à clore pour la FSE n° {status.number} : "
                + "; ".join(p.text for p in status.parts if p.part.value != "patient")
                + "."
            )
            return
        dialog = CloseRemainderDialog(self, status)
        if dialog.exec() != CloseRemainderDialog.DialogCode.Accepted:
            return
        motif, comment = dialog.choice()
        self.runner.submit(
            lambda: services.close_remainder_by_uuid(self.ctx, status.fse_uuid, motif, comment),
            lambda closure: self._on_closed(status.number, closure),
            self._on_failed,
            label="clôture du reste dû",
        )

    def _on_closed(self, number: int, closure: Any) -> None:
        self.send_message.setText(
            f"Reste dû de la FSE n° {number} ({euros(closure.amount)}) clos : {closure.label}."
        )
        self.refresh()
        self._show_euro_status()
