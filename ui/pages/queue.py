"""File d'attente et retours: what waits, what is being sent (progress, cancel), what came back
(ARL, payments, rejects with motif); re-send a lot, match an unmatched payment. The sending
row is ``queue_sending``, the actions on the chosen FSE ``queue_fse_actions``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from client.context import AppContext
from client.fse_search import FseFilter, FseListRow
from client.labels import RECONCILIATION_LABELS, lot_state_label, mode_label
from client.returns import HandMatch
from client.sender import SenderThread
from client.store.rows import LotRow, OutboxRow
from client.usecases import lots, payments, views
from ui.errors import message_for
from ui.fmt import count_fr, date_fr, euros
from ui.models import Column, Deliver, LazyTable, Prepared
from ui.pages.base import Page, hint
from ui.pages.queue_fse_actions import FseActions
from ui.pages.queue_sending import SendControls
from ui.qt import (
    QEvent,
    QHBoxLayout,
    QInputDialog,
    QKeyEvent,
    QKeySequence,
    QLabel,
    QObject,
    QPushButton,
    Qt,
    QTabWidget,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.translation import QT_TRANSLATE_NOOP, tr
from ui.widgets.fse_list import FseListWidget

if TYPE_CHECKING:
    from ui.pages.base import PageHost

logger = logging.getLogger(__name__)
_Row = TypeVar("_Row")  # a row of one of the page's lazy tables


def _lot_sending(row: tuple[LotRow, OutboxRow | None]) -> str:
    outbox = row[1]
    if outbox is None:
        return ""
    sending = f"{outbox.attempts} essai" + ("s" if outbox.attempts > 1 else "")
    if outbox.last_error:
        sending += f" — {outbox.last_error}"
    return sending


#: Rows of each list read with the page: twice what a screen shows; the rest by pages as
#: the lists scroll. Issue #27: formatting 3 × 200 rows on the workers while the page
#: painted took the GIL from the GUI thread (its stalls at 1 M FSE).
FIRST_PAGE = 50


class _Loaded(NamedTuple):
    """The page's content and its lists' first pages, formatted where they were read."""

    view: views.QueueView
    lots: Prepared[tuple[LotRow, OutboxRow | None]]
    unmatched: Prepared[views.UnmatchedPayment]
    #: The FSE list read in the same go (None: its filter had nothing to search).
    fse: tuple[views.FseListView, Prepared[FseListRow]] | None


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
UNMATCHED_COLUMNS: list[Column[views.UnmatchedPayment]] = [
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


class QueuePage(Page):
    """Send now (F9), cancel (Échap), fetch returns (F10); act on the selected FSE or lot."""

    title = QT_TRANSLATE_NOOP("", "File d'attente et retours")
    queue_loaded = Signal(object)

    def __init__(self, window: PageHost) -> None:
        super().__init__(window)
        self.view: views.QueueView | None = None

        self.summary = QLabel("…")
        self.summary.setObjectName("queueSummary")
        self.summary.setWordWrap(True)
        self.layout_.addWidget(self.summary)

        self.sending = SendControls(self, self.refresh)
        # The page's names for the sending row (the main window and the tests use them).
        self.bridge = self.sending.bridge
        self._sender_watch = self.sending.sender_watch
        self.send_button = self.sending.send_button
        self.cancel_button = self.sending.cancel_button
        self.returns_button = self.sending.returns_button
        self.progress = self.sending.progress
        self.send_message = self.sending.message
        self.layout_.addLayout(self.sending.row)
        self.layout_.addWidget(self.send_message)

        self.tabs = QTabWidget()
        # « Feuilles de soins »: search, filters, the actions on the chosen FSE, the table.
        self.fse_list = FseListWidget(self.runner, self.ctx)
        self.fse_table = self.fse_list.table
        self.lot_table = LazyTable(LOT_COLUMNS)
        self.lot_table.setObjectName("lotTable")
        for col, width in ((0, 60), (1, 60), (2, 110), (3, 90), (4, 50), (5, 240)):
            self.lot_table.setColumnWidth(col, width)
        self.lot_table.fit_digits(0)
        self.unmatched_table = LazyTable(UNMATCHED_COLUMNS)
        self.unmatched_table.setObjectName("unmatchedTable")
        # An empty list says so (as the SCOR page's do), not a blank table.
        self.unmatched_empty = hint(
            tr("Aucun paiement non rapproché : chaque retour NOEMIE a trouvé sa FSE.")
        )
        self.unmatched_empty.setObjectName("unmatchedEmpty")
        self.unmatched_empty.setVisible(False)
        self.unmatched_tab = QWidget()
        unmatched_layout = QVBoxLayout(self.unmatched_tab)
        unmatched_layout.setContentsMargins(0, 0, 0, 0)
        unmatched_layout.addWidget(self.unmatched_empty)
        unmatched_layout.addWidget(self.unmatched_table, 1)
        self.tabs.addTab(self.fse_list, tr("Feuilles de soins"))
        self.tabs.addTab(self.lot_table, tr("Lots"))
        self.tabs.addTab(self.unmatched_tab, tr("Paiements non rapprochés"))
        self.layout_.addWidget(self.tabs, 1)

        self.fse_actions = FseActions(self, self.fse_list, self.send_message.setText, self.refresh)
        self.duplicata_button = self.fse_actions.duplicata_button
        self.print_fse_button = self.fse_actions.print_fse_button
        self.cancel_fse_button = self.fse_actions.cancel_fse_button
        self.rectify_button = self.fse_actions.rectify_button
        self.close_remainder_button = self.fse_actions.close_remainder_button
        self.fse_detail = self.fse_actions.fse_detail
        actions = QHBoxLayout()
        self.resend_button = QPushButton(tr("Renvoyer le lot refusé"))
        self.resend_button.setObjectName("resendButton")
        self.resend_button.clicked.connect(self.resend_selected_lot)
        actions.addWidget(self.resend_button)
        self.match_button = QPushButton(tr("Rapprocher… (Alt+R)"))
        self.match_button.setObjectName("matchButton")
        self.match_button.setShortcut(QKeySequence("Alt+R"))
        self.match_button.setToolTip(
            tr("Rapprocher à la main le paiement choisi d'une FSE acceptée (ARL positif)")
        )
        self.match_button.clicked.connect(self.match_selected_payment)
        actions.addWidget(self.match_button)
        actions.addStretch(1)
        self.layout_.addLayout(actions)
        self.layout_.addWidget(self.fse_detail)
        self.layout_.addWidget(
            hint(
                tr(
                    "Une FSE ne peut être annulée que tant qu'elle n'est pas partie. Un lot refusé "
                    "(ARL négatif) est renvoyé tel quel après correction de la cause indiquée."
                )
            )
        )
        # Entrée on a chosen payment matches it (an event filter: the table would otherwise
        # only move its current cell).
        self.unmatched_table.installEventFilter(self)

        self._timer = QTimer(self)
        self._timer.setInterval(30_000)
        self._timer.timeout.connect(self.refresh)

    # --- the sending row (SendControls) ------------------------------------------------
    @property
    def send_thread(self) -> SenderThread | None:
        return self.sending.send_thread

    def send_now(self) -> None:
        self.sending.send_now()

    def cancel_send(self) -> None:
        self.sending.cancel_send()

    def fetch_returns(self) -> None:
        self.sending.fetch_returns()

    def selected_fse(self) -> FseListRow | None:
        return self.fse_list.selected()

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
        self.sending.stop()

    def activated(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        flt = self.fse_list.searched()  # the filter as the user left it, read on the GUI
        self.runner.submit(
            lambda: self._load(flt),
            self._on_loaded,
            self._on_load_failed,
            label="file d'attente",
        )

    def _load(self, flt: FseFilter | None) -> _Loaded:
        """Read the page and its FSE list in one go on the database thread (issue #27: the
        list's search queued behind the page's read) and format their first pages here, on
        the worker: the GUI thread only shows them."""
        view = views.load_queue(self.ctx, FIRST_PAGE, fse_filter=flt)
        return _Loaded(
            view,
            self.lot_table.rows.prepare(view.lots),
            self.unmatched_table.rows.prepare(view.unmatched),
            None if view.fse_list is None else self.fse_list.prepare(view.fse_list),
        )

    def _on_load_failed(self, exc: BaseException) -> None:
        self.summary.setText("File d'attente illisible : " + message_for(exc))

    def _on_loaded(self, loaded: _Loaded) -> None:
        view = self.view = loaded.view
        if loaded.fse is not None:
            self.fse_list.show_loaded(loaded.fse)
        else:
            self.fse_list.refresh()  # says why there is nothing to search
        self._fill_lots(view, loaded.lots)
        self._fill_unmatched(view, loaded.unmatched)
        counts = view.summary
        waiting, sent, rejected, paid = counts.waiting, counts.sent, counts.refused, counts.paid
        text = (
            f"{count_fr(waiting)} FSE à envoyer · {count_fr(sent)} envoyée(s) sans ARL · "
            f"{count_fr(paid)} payée(s) · {count_fr(rejected)} rejet(s) ou refus"
        )
        if view.drafts:
            text += f" · {count_fr(len(view.drafts))} facture(s) préparée(s) à l'accueil"
        if view.late_amc:
            text += (
                f" · {count_fr(len(view.late_amc))} part(s) complémentaire(s) en retard de "
                "paiement (voir les alertes)"
            )
        if view.last_contact:
            text += f"\nDernier échange avec l'Assurance Maladie : {date_fr(view.last_contact)}"
        self.summary.setText(text)
        self.main.status.queue_summary({"waiting": waiting + sent, "rejected": rejected})
        self.queue_loaded.emit(view)

    def _lot_page(
        self, offset: int, limit: int, deliver: Deliver[tuple[LotRow, OutboxRow | None]]
    ) -> None:
        prepare = self.lot_table.rows.prepare
        self._read_page(views.lot_page, prepare, "liste des lots", offset, limit, deliver)

    def _unmatched_page(
        self, offset: int, limit: int, deliver: Deliver[views.UnmatchedPayment]
    ) -> None:
        prepare = self.unmatched_table.rows.prepare
        label = "paiements non rapprochés"
        self._read_page(views.unmatched_page, prepare, label, offset, limit, deliver)

    def _read_page(
        self,
        read: Callable[[AppContext, int, int], Sequence[_Row]],
        prepare: Callable[[Sequence[_Row]], Prepared[_Row]],
        label: str,
        offset: int,
        limit: int,
        deliver: Deliver[_Row],
    ) -> None:
        """Rows ``offset``.. of a list, read on the database thread and formatted on the
        worker (never the GUI's)."""

        def failed(exc: BaseException) -> None:
            logger.warning("%s: page not read: %r", label, exc)
            deliver(None)

        self.runner.submit(
            lambda: prepare(read(self.ctx, offset, limit)), deliver, failed, label=label
        )

    def _fill_lots(
        self, view: views.QueueView, first: Prepared[tuple[LotRow, OutboxRow | None]]
    ) -> None:
        self.lot_table.set_source(self._lot_page, view.lot_count, first)

    def _fill_unmatched(
        self, view: views.QueueView, first: Prepared[views.UnmatchedPayment]
    ) -> None:
        self.unmatched_table.set_source(self._unmatched_page, view.unmatched_count, first)
        self.unmatched_empty.setVisible(view.unmatched_count == 0)
        self.tabs.setTabText(
            2, tr("Paiements non rapprochés ({count})").format(count=count_fr(view.unmatched_count))
        )

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

    def selected_payment(self) -> views.UnmatchedPayment | None:
        payment: views.UnmatchedPayment | None = self.unmatched_table.current_object()
        return payment

    def selected_lot(self) -> LotRow | None:
        row: tuple[LotRow, OutboxRow | None] | None = self.lot_table.current_object()
        return row[0] if row is not None else None

    def resend_selected_lot(self) -> None:
        lot = self.selected_lot()
        if lot is None:
            self.tabs.setCurrentIndex(1)
            self.send_message.setText(tr("Choisissez le lot refusé dans l'onglet Lots."))
            return
        self.runner.submit(
            lambda: lots.resend_lot(self.ctx, lot.id),
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
            lambda: payments.match_payment(self.ctx, payment_id, number, None),
            self._on_matched,
            self._on_match_failed,
            label="rapprochement",
        )

    def _on_matched(self, done: HandMatch) -> None:
        self.match_button.setEnabled(True)
        status = tr(RECONCILIATION_LABELS[done.status])
        self.send_message.setText(f"Paiement rapproché de la FSE n° {done.fse_number} : {status}.")
        self.refresh()

    def _on_match_failed(self, exc: BaseException) -> None:
        self.match_button.setEnabled(True)
        self._on_failed(exc)
