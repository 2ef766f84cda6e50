"""The « Feuilles de soins » tab of the queue page: the FSE list that answers questions
(issue #20). A search field (patient name or NIR, applied as the user types, debounced), the
filters (du / au, état, paiement, praticien when there are several), a row of actions on
the chosen FSE, the table and its status line « 37 FSE — total 1 234,50 € ».

The query is :mod:`client.fse_search`, run on the database thread through the page's task
runner (never on the GUI thread); the table reads its rows by pages as it scrolls."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from enum import IntEnum

from billing.fse_states import FseState
from client.context import AppContext
from client.fse_search import (
    FseFilter,
    FseListRow,
    FseListTotals,
    PractitionerChoice,
    search,
)
from client.labels import RECONCILIATION_LABELS, fse_state_label
from client.reconciliation import Reconciliation
from client.store import Store
from client.usecases import views
from ui.fmt import count_fr, date_fr, euros
from ui.models import BATCH, Column, Deliver, LazyTable, Prepared, Source
from ui.qt import (
    QBrush,
    QComboBox,
    QDate,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.tasks import TaskRunner
from ui.translation import QT_TRANSLATE_NOOP, tr

logger = logging.getLogger(__name__)

#: Typing pauses this long (ms) before the list is searched again.
DEBOUNCE_MS = 300
#: The « no date » of the du / au fields (shown blank).
_NO_DATE = QDate(2000, 1, 1)
#: The states the filter offers: those the store holds. An FSE is stored secured
#: (``client.store.fse.insert_fse``), never as a draft: « brouillon » only ever listed nothing.
FILTER_STATES = tuple(state for state in FseState if state is not FseState.DRAFT)


class FseColumn(IntEnum):
    """The table's columns (tests and actions read cells by these)."""

    NUMBER = 0
    PRACTITIONER = 1
    PATIENT = 2
    CARE_DATE = 3
    TOTAL = 4
    AMO = 5
    AMC = 6
    PATIENT_PART = 7
    STATE = 8
    PAID_AMO = 9
    PAID_ON = 10
    STATUS = 11
    MOTIF = 12


def _status(r: FseListRow) -> str:
    return tr(RECONCILIATION_LABELS[r.status]) if r.status is not None else "—"


def _motif(r: FseListRow) -> str:
    return " ".join(x for x in (r.motif, r.detail) if x)


def _paid(r: FseListRow) -> str:
    settled = r.status in (Reconciliation.PAID, Reconciliation.PARTLY_PAID)
    return euros(r.paid_amo) if settled and r.paid_amo is not None else "—"


def _foreground(r: FseListRow) -> QBrush | None:
    if r.status in (Reconciliation.REJECTED, Reconciliation.REFUSED):
        return QBrush(Qt.GlobalColor.darkRed)
    return None


COLUMNS = [
    Column(QT_TRANSLATE_NOOP("", "N°"), lambda r: str(r.number)),
    Column(QT_TRANSLATE_NOOP("", "Praticien"), lambda r: r.practitioner),
    Column(QT_TRANSLATE_NOOP("", "Patient"), lambda r: r.patient or "—"),
    Column(QT_TRANSLATE_NOOP("", "Date des soins"), lambda r: date_fr(r.care_date)),
    Column(QT_TRANSLATE_NOOP("", "Total"), lambda r: euros(r.total), True),
    Column(QT_TRANSLATE_NOOP("", "AMO"), lambda r: euros(r.amo), True),
    Column(QT_TRANSLATE_NOOP("", "AMC"), lambda r: euros(r.amc), True),
    Column(QT_TRANSLATE_NOOP("", "Part patient"), lambda r: euros(r.patient_part), True),
    Column(QT_TRANSLATE_NOOP("", "État"), lambda r: tr(fse_state_label(r.state.value))),
    Column(QT_TRANSLATE_NOOP("", "AMO payé"), _paid, True),
    Column(QT_TRANSLATE_NOOP("", "Payé le"), lambda r: date_fr(r.paid_on)),
    Column(QT_TRANSLATE_NOOP("", "Rapprochement"), _status),
    Column(QT_TRANSLATE_NOOP("", "Motif / détail"), _motif),
]
_WIDTHS = (45, 120, 140, 100, 72, 72, 72, 80, 140, 75, 80, 130)


#: What one search read (the use case's: the queue page reads it with its own content).
FseListView = views.FseListView


def read_view(store: Store, flt: FseFilter, first_page: int = BATCH) -> FseListView:
    """The first page, the count and total, the practitioners (database thread)."""
    return views.read_fse_list(store, flt, first_page)


def status_text(found: FseListTotals) -> str:
    """« 37 FSE — total 1 234,50 € » (« 1 000 000 FSE » grouped as the total is)."""
    return f"{count_fr(found.count)} FSE — total {euros(found.total)}"


class FseListWidget(QWidget):
    """Search, filters, actions, the FSE table and its status line."""

    #: Emitted with each view shown (the list was searched again).
    loaded = Signal(object)

    def __init__(self, runner: TaskRunner, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner, self.ctx = runner, ctx
        self.view: FseListView | None = None
        self._asked: FseFilter | None = None  # the search on its way (later answers win)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)

        filters = QHBoxLayout()
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("fseSearch")
        self.search_edit.setPlaceholderText(tr("Patient : nom, prénom ou NIR…"))
        self.search_edit.setToolTip(
            tr("Le début du nom ou du prénom (accents et majuscules indifférents), ou du NIR")
        )
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(self._on_text)
        self.search_edit.setMinimumWidth(240)
        filters.addWidget(self.search_edit, 1)
        self.from_edit = self._date_edit("fseFrom", tr("Soins à partir du (vide : sans limite)"))
        self.to_edit = self._date_edit("fseTo", tr("Soins jusqu'au (vide : sans limite)"))
        filters.addWidget(QLabel(tr("du")))
        filters.addWidget(self.from_edit)
        filters.addWidget(QLabel(tr("au")))
        filters.addWidget(self.to_edit)
        self.state_combo = QComboBox()
        self.state_combo.setObjectName("fseState")
        self.state_combo.addItem(tr("Tous les états"), None)
        for state in FILTER_STATES:
            self.state_combo.addItem(tr(fse_state_label(state.value)), state)
        self.state_combo.currentIndexChanged.connect(self.refresh)
        filters.addWidget(self.state_combo)
        self.payment_combo = QComboBox()
        self.payment_combo.setObjectName("fsePayment")
        self.payment_combo.addItem(tr("Tous les paiements"), None)
        for status in Reconciliation:
            self.payment_combo.addItem(tr(RECONCILIATION_LABELS[status]), status)
        self.payment_combo.currentIndexChanged.connect(self.refresh)
        filters.addWidget(self.payment_combo)
        self.practitioner_combo = QComboBox()
        self.practitioner_combo.setObjectName("fsePractitioner")
        self.practitioner_combo.addItem(tr("Tous les praticiens"), None)
        self.practitioner_combo.setVisible(False)  # shown when there are several
        self.practitioner_combo.currentIndexChanged.connect(self.refresh)
        filters.addWidget(self.practitioner_combo)
        for combo in (self.state_combo, self.payment_combo, self.practitioner_combo):
            # As wide as a short label: the long ones show whole in the open list.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(16)
        self.clear_button = QPushButton(tr("Effacer"))
        self.clear_button.setObjectName("fseClearFilters")
        self.clear_button.setToolTip(tr("Effacer la recherche et les filtres"))
        self.clear_button.clicked.connect(self.clear_filters)
        filters.addWidget(self.clear_button)
        layout.addLayout(filters)

        # The actions on the chosen FSE (duplicata, annuler, …): pages add theirs here.
        self.action_row = QHBoxLayout()
        self.action_row.addStretch(1)
        layout.addLayout(self.action_row)

        self.table = LazyTable(COLUMNS, foreground=_foreground)
        self.table.setObjectName("fseTable")
        for column, width in enumerate(_WIDTHS):
            self.table.setColumnWidth(column, width)
        self.table.fit_digits(FseColumn.NUMBER)
        self.table.setColumnHidden(FseColumn.PRACTITIONER, True)
        self.table.setWordWrap(False)  # one line a row; the tooltip has the whole text
        layout.addWidget(self.table, 1)

        self.status = QLabel("…")
        self.status.setObjectName("fseListStatus")
        layout.addWidget(self.status)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.refresh)

    def _date_edit(self, name: str, tip: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setObjectName(name)
        edit.setToolTip(tip)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd/MM/yyyy")
        edit.setMinimumDate(_NO_DATE)
        edit.setSpecialValueText(" ")  # the minimum, shown blank: no bound
        edit.setDate(_NO_DATE)
        edit.dateChanged.connect(self.refresh)
        return edit

    # --- actions --------------------------------------------------------------------
    def add_action(self, button: QPushButton) -> None:
        """Put a button acting on :meth:`selected` in the row above the table."""
        self.action_row.insertWidget(self.action_row.count() - 1, button)

    def selected(self) -> FseListRow | None:
        """The chosen FSE (its ``fse_uuid`` and ``number`` for the actions), or None."""
        row = self.table.current_object()
        return row if isinstance(row, FseListRow) else None

    # --- the filter -----------------------------------------------------------------
    def current_filter(self) -> FseFilter:
        """The search and the filters as the user set them."""
        # PySide6 hands a StrEnum item's data back as its plain value ("paid"): made an
        # enum again, or the state filter did nothing and the payment one failed.
        state, payment = self.state_combo.currentData(), self.payment_combo.currentData()
        return FseFilter(
            text=self.search_edit.text().strip(),
            care_from=self._day(self.from_edit),
            care_to=self._day(self.to_edit),
            states=(FseState(state),) if state else (),
            payment=Reconciliation(payment) if payment else None,
            practitioner_id=self.practitioner_combo.currentData(),
        )

    @staticmethod
    def _day(edit: QDateEdit) -> date | None:
        value = edit.date()
        if value == _NO_DATE:
            return None
        return date(value.year(), value.month(), value.day())

    def clear_filters(self) -> None:
        for widget in (self.search_edit, self.from_edit, self.to_edit):
            widget.blockSignals(True)
        self.search_edit.clear()
        self.from_edit.setDate(_NO_DATE)
        self.to_edit.setDate(_NO_DATE)
        for widget in (self.search_edit, self.from_edit, self.to_edit):
            widget.blockSignals(False)
        for combo in (self.state_combo, self.payment_combo, self.practitioner_combo):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.refresh()

    def _on_text(self, _text: str) -> None:
        self._debounce.start()  # restarted at each key: searched once the typing pauses

    # --- loading --------------------------------------------------------------------
    def refresh(self) -> None:
        """Search again with the current filter (database thread); the answer fills the
        table and the status line."""
        self._debounce.stop()
        flt = self.current_filter()
        if flt.care_from and flt.care_to and flt.care_from > flt.care_to:
            self.status.setText(tr("La date « du » est après la date « au » : rien à chercher."))
            self.table.set_rows([])
            return
        self._asked = flt
        self.runner.submit(
            lambda: self._read(flt),
            self._on_view,
            self._on_failed,
            label="liste des FSE",
        )

    def searched(self) -> FseFilter | None:
        """The filter a page reads the list with, along with its own content (one read on
        the database thread; issue #27), or None when there is nothing to search — then
        :meth:`refresh` says why. Later answers to an earlier search are dropped."""
        flt = self.current_filter()
        if flt.care_from and flt.care_to and flt.care_from > flt.care_to:
            return None
        self._debounce.stop()
        self._asked = flt
        return flt

    def prepare(self, view: FseListView) -> tuple[FseListView, Prepared[FseListRow]]:
        """``view``'s first page formatted (on the worker that read it, not the GUI)."""
        return view, self.table.rows.prepare(view.first)

    def show_loaded(self, loaded: tuple[FseListView, Prepared[FseListRow]]) -> None:
        """A search read by the page (:meth:`searched`, :meth:`prepare`) shown."""
        self._on_view(loaded)

    def _read(self, flt: FseFilter) -> tuple[FseListView, Prepared[FseListRow]]:
        """The search (database thread), its first page formatted here, on the worker: the
        GUI thread only shows it (issue #27)."""
        view = self.ctx.db.submit(lambda store: read_view(store, flt)).result()
        return view, self.table.rows.prepare(view.first)

    def _on_failed(self, exc: BaseException) -> None:
        from ui.errors import message_for

        logger.warning("FSE list not read: %r", exc)
        self.status.setText(tr("Liste des FSE illisible : ") + message_for(exc))

    def _on_view(self, loaded: tuple[FseListView, Prepared[FseListRow]]) -> None:
        view, first = loaded
        if view.filter != self._asked:
            return  # an older search answering after a newer one was asked
        self.view = view
        self._fill_practitioners(view.practitioners)
        chosen = self.selected()
        self.table.set_source(self._page(view.filter), view.found.count, first)
        if chosen is not None:  # still listed: still chosen (the actions act on it)
            uuids = [r.fse_uuid for r in view.first]
            if chosen.fse_uuid in uuids:
                self.table.select_row(uuids.index(chosen.fse_uuid))
        if view.found.count:
            self.status.setText(status_text(view.found))
        elif view.filter == FseFilter():
            self.status.setText(tr("Aucune FSE pour l'instant."))
        else:
            self.status.setText(tr("Aucune FSE ne correspond à cette recherche."))
        self.loaded.emit(view)

    def _page(self, flt: FseFilter) -> Source[FseListRow]:
        def read(offset: int, limit: int, deliver: Deliver[FseListRow]) -> None:
            """Rows ``offset``.. of this search, read on the database thread as it scrolls."""

            def failed(exc: BaseException) -> None:
                logger.warning("FSE list: page not read: %r", exc)
                deliver(None)

            def work() -> Sequence[FseListRow]:
                rows = self.ctx.db.submit(
                    lambda store: search(store, flt, limit=limit, offset=offset)
                ).result()
                return self.table.rows.prepare(rows)  # formatted here, not on the GUI thread

            self.runner.submit(work, deliver, failed, label="liste des FSE")

        return read

    def _fill_practitioners(self, choices: list[PractitionerChoice]) -> None:
        combo = self.practitioner_combo
        known = [combo.itemData(i) for i in range(1, combo.count())]
        several = len(choices) > 1
        combo.setVisible(several)
        self.table.setColumnHidden(FseColumn.PRACTITIONER, not several)
        if known == [p.id for p in choices]:
            return
        chosen = combo.currentData()
        combo.blockSignals(True)
        while combo.count() > 1:
            combo.removeItem(1)
        for p in choices:
            combo.addItem(p.name, p.id)
        index = combo.findData(chosen) if chosen is not None else 0
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)
