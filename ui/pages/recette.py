"""« Recette » tab of the dashboard: the FSE of chosen dates of care (today by default), one
practitioner or all, how each patient paid, the money collected by payment means, what is
still « à encaisser » and the tiers payant expected; « Imprimer… » prints the same recette
(``client.recette``) through the print dialog. Store work runs on the database thread."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from client import recette
from ui.fmt import euros
from ui.pages.base import hint
from ui.qt import (
    QAbstractItemView,
    QComboBox,
    QDate,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from ui.translation import tr

if TYPE_CHECKING:
    from client.store import Store
    from ui.pages.base import Page

logger = logging.getLogger(__name__)

#: FSE listed on screen at most (the totals count them all; the printed recette lists all).
MAX_LINES = 2000

LINE_COLUMNS = (
    "N°",
    "Date des soins",
    "Patient",
    "Praticien",
    "Total",
    "Part AMO",
    "Part AMC",
    "Part patient",
    "Réglé par le patient",
    "À encaisser",
)
MEANS_COLUMNS = ("Encaissé par", "FSE", "Montant")
PRACTITIONER_COLUMNS = (
    "Praticien",
    "FSE",
    "Honoraires",
    "Encaissé",
    "À encaisser",
    "Tiers payant attendu",
)
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _table(name: str, headers: tuple[str, ...], stretch: int) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels([tr(h) for h in headers])
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget, rows: list[tuple[str | Decimal | int, ...]]) -> None:
    """Rows of texts; amounts (Decimal) and counts written the French way, right-aligned."""
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            text = euros(value) if isinstance(value, Decimal) else str(value)
            item = QTableWidgetItem(text)
            if isinstance(value, Decimal | int):
                item.setTextAlignment(_RIGHT)
            table.setItem(r, c, item)


class RecetteView(QWidget):
    """Filters (du, au, praticien), the FSE, the totals by payment means and per
    practitioner, « Imprimer… »."""

    def __init__(self, page: Page) -> None:
        super().__init__()
        self.page = page
        self.result: recette.Recette | None = None
        self.names: dict[str, str] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        filters = QHBoxLayout()
        today = recette.workstation_today()
        self.start = self._date_edit("recetteStart", today)
        self.end = self._date_edit("recetteEnd", today)
        self.practitioner = QComboBox()
        self.practitioner.setObjectName("recettePractitioner")
        self.practitioner.addItem(tr("Tous les praticiens"), None)
        self.today_button = QPushButton(tr("Aujourd'hui"))
        self.today_button.clicked.connect(self.show_today)
        self.show_button = QPushButton(tr("Afficher"))
        self.show_button.setObjectName("recetteShow")
        self.show_button.clicked.connect(self.refresh)
        self.print_button = QPushButton(tr("Imprimer…"))
        self.print_button.setObjectName("recettePrint")
        self.print_button.clicked.connect(self.print_recette)
        for caption, widget in (
            (tr("Du"), self.start),
            (tr("au"), self.end),
            (tr("Praticien"), self.practitioner),
        ):
            label = QLabel(caption)
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget)
        filters.addWidget(self.today_button)
        filters.addWidget(self.show_button)
        filters.addStretch(1)
        filters.addWidget(self.print_button)
        layout.addLayout(filters)
        self.summary = QLabel(tr("Chargement…"))
        self.summary.setObjectName("recetteSummary")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-weight: 600; color: #1f3b57;")
        # Two lines always shown: a wrapped label in a box layout may get one line's height.
        self.summary.setMinimumHeight(self.summary.fontMetrics().lineSpacing() * 2 + 6)
        layout.addWidget(self.summary)
        self.note = hint("")
        self.note.setObjectName("recetteNote")
        layout.addWidget(self.note)
        self.lines = _table("recetteTable", LINE_COLUMNS, 2)
        layout.addWidget(self.lines, 3)
        totals = QHBoxLayout()
        self.means = _table("recetteMeans", MEANS_COLUMNS, 0)
        self.means.setMaximumHeight(190)
        self.per_practitioner = _table("recettePractitioners", PRACTITIONER_COLUMNS, 0)
        self.per_practitioner.setMaximumHeight(190)
        totals.addWidget(self.means, 2)
        totals.addWidget(self.per_practitioner, 3)
        layout.addLayout(totals, 1)

    def _date_edit(self, name: str, day: date) -> QDateEdit:
        edit = QDateEdit()
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd/MM/yyyy")
        edit.setDate(_qdate(day))
        return edit

    def request(self) -> recette.RecetteRequest:
        """What the filters ask for."""
        start: date = self.start.date().toPython()  # type: ignore[assignment]
        end: date = self.end.date().toPython()  # type: ignore[assignment]
        return recette.RecetteRequest(start, end, self.practitioner.currentData(), MAX_LINES)

    def show_today(self) -> None:
        today = _qdate(recette.workstation_today())
        self.start.setDate(today)
        self.end.setDate(today)
        self.refresh()

    def refresh(self) -> None:
        """Read the recette of the filters (database thread)."""
        request = self.request()
        if request.end < request.start:
            self.summary.setText(str(recette.RecettePeriodError(request.start, request.end)))
            return

        def work(store: Store) -> tuple[recette.Recette, list[tuple[str, str]]]:
            return recette.compute(store, request), recette.practitioners(store)

        self.page.on_db(work, self._on_loaded, label="recette")

    def _on_loaded(self, loaded: tuple[recette.Recette, list[tuple[str, str]]]) -> None:
        result, practitioners = loaded
        self.result = result
        self._set_practitioners(practitioners)
        t = result.totals
        if not result.lines:
            self.summary.setText(result.empty_message)
        else:
            self.summary.setText(
                tr(
                    "Recette {period} : {count} FSE, honoraires {fees}\n"
                    "Encaissé au cabinet {collected} · à encaisser {due} · tiers payant "
                    "attendu {expected} (AMO {amo} des caisses, AMC {amc} des complémentaires)"
                ).format(
                    period=result.period_label,
                    count=t.fse_count,
                    fees=euros(t.fees),
                    collected=euros(t.collected),
                    due=euros(t.still_due),
                    expected=euros(t.expected_from_caisses),
                    amo=euros(t.expected_amo),
                    amc=euros(t.expected_amc),
                )
            )
        note = result.exclusion_note
        if not result.complete:
            note += " " + tr(
                "Seules les {n} premières FSE sont listées ; les totaux les comptent toutes."
            ).format(n=len(result.lines))
        self.note.setText(note)
        _fill(
            self.lines,
            [
                (
                    line.number,
                    f"{line.care_date:%d/%m/%Y}",
                    line.patient,
                    self.names.get(line.practitioner_id, line.practitioner_id),
                    line.total,
                    line.amo,
                    line.amc,
                    line.patient_part,
                    line.paid_by,
                    line.still_due,
                )
                for line in result.lines
            ],
        )
        means_rows: list[tuple[str | Decimal | int, ...]] = [
            (m.label, m.count, m.amount) for m in t.by_means
        ]
        means_rows.append((tr("Total encaissé"), sum(m.count for m in t.by_means), t.collected))
        means_rows.append((tr("À encaisser"), "", t.still_due))
        _fill(self.means, means_rows)
        _fill(
            self.per_practitioner,
            [
                (
                    f"{p.name} ({p.practitioner_id})",
                    p.totals.fse_count,
                    p.totals.fees,
                    p.totals.collected,
                    p.totals.still_due,
                    p.totals.expected_from_caisses,
                )
                for p in result.practitioners
            ],
        )

    def _set_practitioners(self, practitioners: list[tuple[str, str]]) -> None:
        """The filter's choices, kept on the one chosen."""
        self.names = dict(practitioners)
        wanted = [None, *(pid for pid, _ in practitioners)]
        have = [self.practitioner.itemData(i) for i in range(self.practitioner.count())]
        if have == wanted:
            return
        chosen = self.practitioner.currentData()
        self.practitioner.blockSignals(True)
        self.practitioner.clear()
        self.practitioner.addItem(tr("Tous les praticiens"), None)
        for pid, name in practitioners:
            self.practitioner.addItem(f"{name} ({pid})", pid)
        index = self.practitioner.findData(chosen)
        self.practitioner.setCurrentIndex(max(index, 0))
        self.practitioner.blockSignals(False)

    def print_recette(self) -> None:
        """Write the recette of the filters as a PDF (database thread), then print it."""
        request = self.request()
        if request.end < request.start:
            self.summary.setText(str(recette.RecettePeriodError(request.start, request.end)))
            return
        ctx = self.page.ctx
        folder = Path(ctx.data_dir) / "documents"
        cabinet = ctx.settings.cabinet_name

        def work(store: Store) -> Path:
            return recette.save_pdf(store, request, folder, recette.workstation_today(), cabinet)

        self.page.on_db(work, self._on_saved, label="impression de la recette")

    def _on_saved(self, path: Path) -> None:
        self.note.setText(tr("Recette enregistrée : {path}").format(path=path))
        self.page.main.print_document(path, tr("Imprimer la recette"))
