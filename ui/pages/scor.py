"""SCOR: the patient-signed feuille de soins of a dégradé FSE, scanned or dropped as a file,
previewed, confirmed, then followed until its ARL PJ (or the paper duplicata after 5 days)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from client.context import AppContext
from client.scor.pj import PjRecord
from client.store.rows import FseRow
from client.usecases import scor as scor_cases
from ui.errors import message_for
from ui.fmt import date_fr, euros
from ui.models import Column, Deliver, LazyTable
from ui.pages.base import Page, hint
from ui.qt import (
    QDragEnterEvent,
    QDropEvent,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QImage,
    QKeySequence,
    QLabel,
    QPixmap,
    QPushButton,
    QShortcut,
    Qt,
    QVBoxLayout,
)
from ui.translation import QT_TRANSLATE_NOOP, tr
from ui.worker_failures import is_breakdown

if TYPE_CHECKING:
    from ui.pages.base import PageHost

logger = logging.getLogger(__name__)
_Row = TypeVar("_Row")  # a row of one of the page's lazy tables


class PreviewFrame(QFrame):
    """Shows the scanned page; accepts a dropped file."""

    def __init__(self, page: ScorPage) -> None:
        super().__init__()
        self.page = page
        self.setAcceptDrops(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumSize(300, 300)
        layout = QVBoxLayout(self)
        self.image = QLabel(
            tr(
                "Déposez ici le fichier numérisé (PDF, TIFF, PNG, JPEG),\n"
                "ou numérisez la feuille de soins signée."
            )
        )
        self.image.setObjectName("scorPreview")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setWordWrap(True)
        layout.addWidget(self.image, 1)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls:
            self.page.load_file(Path(urls[0].toLocalFile()))
            event.acceptProposedAction()

    def show_scan(self, scanned: scor_cases.ScannedPj) -> None:
        image = QImage.fromData(scanned.preview) if scanned.preview else QImage()
        if image.isNull():
            self.image.setPixmap(QPixmap())
            self.image.setText(
                f"Document prêt : {scanned.pj.pages} page(s) (aperçu indisponible pour un PDF)."
            )
            return
        pixmap = QPixmap.fromImage(image).scaled(
            self.image.size(),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self.image.setPixmap(pixmap)

    def clear(self) -> None:
        self.image.setPixmap(QPixmap())
        self.image.setText(tr("Déposez ici le fichier numérisé, ou numérisez."))


def _waiting_text(row: FseRow) -> str:
    return f"FSE n° {row.number} du {date_fr(row.care_date)} — {euros(row.total_fees)}"


def _record_text(record: PjRecord | str) -> str:
    if isinstance(record, str):  # the line that says the list is empty
        return record
    text = f"FSE n° {record.fse_number} : {record.status.label}"
    if record.paper_due:
        text += " — ENVOYEZ LE DUPLICATA PAPIER À LA CAISSE"
    elif record.paper_deadline:
        text += f" — à transmettre avant le {date_fr(record.paper_deadline)}"
    return text


class ScorPage(Page):
    """Choose the FSE, scan (Ctrl+N) or import (Ctrl+O), look, confirm (Ctrl+Entrée)."""

    title = QT_TRANSLATE_NOOP("", "SCOR — pièces justificatives")

    def __init__(self, window: PageHost) -> None:
        super().__init__(window)
        self.view: scor_cases.ScorView | None = None
        self.scanned: scor_cases.ScannedPj | None = None
        columns = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel(tr("FSE en dégradé qui attendent leur feuille signée :")))
        # An empty list says so (as the list of pieces does), not a blank frame.
        self.waiting_empty = hint(
            tr("Aucune FSE en dégradé n'attend sa feuille signée : rien à numériser.")
        )
        self.waiting_empty.setObjectName("scorWaitingEmpty")
        self.waiting_empty.setVisible(False)
        left.addWidget(self.waiting_empty)
        self.waiting = LazyTable([Column("", _waiting_text)], headers=False)
        self.waiting.setObjectName("scorWaiting")
        left.addWidget(self.waiting, 1)
        left.addWidget(QLabel(tr("Pièces et leur suivi :")))
        self.records = LazyTable([Column("", _record_text)], headers=False)
        self.records.setObjectName("scorRecords")
        left.addWidget(self.records, 1)
        columns.addLayout(left, 2)

        right = QVBoxLayout()
        buttons = QHBoxLayout()
        self.scan_button = QPushButton(tr("Numériser (Ctrl+N)"))
        self.scan_button.setObjectName("scanButton")
        self.scan_button.setShortcut(QKeySequence("Ctrl+N"))
        self.scan_button.clicked.connect(self.scan)
        buttons.addWidget(self.scan_button)
        self.import_button = QPushButton(tr("Importer un fichier… (Ctrl+O)"))
        self.import_button.setObjectName("importButton")
        self.import_button.setShortcut(QKeySequence("Ctrl+O"))
        self.import_button.clicked.connect(self._on_import)
        buttons.addWidget(self.import_button)
        right.addLayout(buttons)
        self.preview = PreviewFrame(self)
        right.addWidget(self.preview, 1)
        self.info = QLabel("")
        self.info.setObjectName("scorInfo")
        self.info.setWordWrap(True)
        right.addWidget(self.info)
        self.confirm_button = QPushButton(tr("Joindre à la FSE (Ctrl+Entrée)"))
        self.confirm_button.setObjectName("confirmPj")
        self.confirm_button.setEnabled(False)
        self.confirm_button.clicked.connect(self.confirm)
        right.addWidget(self.confirm_button)
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(seq), self).activated.connect(self.confirm)
        right.addWidget(
            hint(
                tr(
                    "La pièce part dans un lot PJ après le lot de sa FSE, à l'envoi "
                    "suivant (page File d'attente, F9). Sans ARL PJ positif après "
                    "5 jours ouvrés, envoyez le duplicata papier à la caisse."
                )
            )
        )
        columns.addLayout(right, 3)
        self.layout_.addLayout(columns, 1)

    def activated(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        keep = self.selected_fse()
        self.runner.submit(
            lambda: scor_cases.load_scor(self.ctx, keep),
            self._on_loaded,
            self._on_failed,
            label="SCOR",
        )

    def _on_loaded(self, view: scor_cases.ScorView) -> None:
        self.view = view
        previous = self.selected_fse()
        self.waiting.set_source(self._waiting_page, view.waiting_count, view.waiting)
        self.waiting_empty.setVisible(view.waiting_count == 0)
        if view.waiting:  # the FSE chosen before the refresh stays chosen (read down to it)
            ids = [row.id for row in view.waiting]
            kept = previous is not None and previous.id in ids
            self.waiting.select_row(ids.index(previous.id) if previous is not None and kept else 0)
        if view.record_count:
            self.records.set_source(self._records_page, view.record_count, view.records)
        else:
            self.records.set_rows([tr("Aucune pièce pour l'instant.")])
        self._update()

    def _waiting_page(self, offset: int, limit: int, deliver: Deliver[FseRow]) -> None:
        self._read_page(scor_cases.scor_waiting_page, offset, limit, deliver)

    def _records_page(self, offset: int, limit: int, deliver: Deliver[PjRecord | str]) -> None:
        self._read_page(scor_cases.scor_records_page, offset, limit, deliver)

    def _read_page(
        self,
        read: Callable[[AppContext, int, int], Sequence[_Row]],
        offset: int,
        limit: int,
        deliver: Deliver[_Row],
    ) -> None:
        """Rows ``offset``.. of a list, read on the database thread (never the GUI's)."""

        def failed(exc: BaseException) -> None:
            logger.warning("SCOR page not read: %r", exc)
            deliver(None)

        self.runner.submit(lambda: read(self.ctx, offset, limit), deliver, failed, label="SCOR")

    def selected_fse(self) -> FseRow | None:
        fse: FseRow | None = self.waiting.current_object()
        return fse

    def scan(self) -> None:
        self.info.setText(tr("Numérisation…"))
        self.scan_button.setEnabled(False)
        self.runner.submit(
            lambda: scor_cases.scan(self.ctx),
            self._on_scanned,
            self._on_scan_failed,
            label="numérisation",
        )

    def _on_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            tr("Feuille de soins numérisée"),
            "",
            "Documents (*.pdf *.tif *.tiff *.png *.jpg *.jpeg)",
        )
        if path:
            self.load_file(Path(path))

    def load_file(self, path: Path) -> None:
        self.info.setText(f"Lecture de {path.name}…")
        self.runner.submit(
            lambda: scor_cases.normalise_file(self.ctx, path),
            self._on_scanned,
            self._on_scan_failed,
            label="import PJ",
        )

    def _on_scanned(self, scanned: scor_cases.ScannedPj) -> None:
        self.scan_button.setEnabled(True)
        self.scanned = scanned
        self.preview.show_scan(scanned)
        pj = scanned.pj
        self.info.setText(
            f"{pj.pages} page(s), {pj.dpi} ppp, {len(pj.pdf) // 1024} Ko. "
            "Vérifiez que la feuille est lisible et signée, puis joignez-la."
        )
        self._update()

    def _on_scan_failed(self, exc: BaseException) -> None:
        self.scan_button.setEnabled(True)  # offered again
        if is_breakdown(exc):
            self.info.setText("Numérisation interrompue : " + message_for(exc) + " Recommencez-la.")
            self.main.report_worker_failure("numerisation", exc)
            return
        self.info.setText("Pièce refusée : " + message_for(exc))

    def _update(self) -> None:
        self.confirm_button.setEnabled(self.scanned is not None and self.selected_fse() is not None)

    def confirm(self) -> None:
        fse = self.selected_fse()
        scanned = self.scanned
        if fse is None or scanned is None:
            return
        self.confirm_button.setEnabled(False)
        self.runner.submit(
            lambda: scor_cases.attach_pj(self.ctx, fse.number, fse.practitioner_id, scanned),
            self._on_attached,
            self._on_attach_failed,
            label="pièce jointe",
        )

    def _on_attach_failed(self, exc: BaseException) -> None:
        self._update()  # the scan is kept: « Joindre » offered again
        if is_breakdown(exc):
            self.info.setText(
                "Pièce non enregistrée : " + message_for(exc) + " Réessayez de la joindre."
            )
            self.main.report_worker_failure("numerisation", exc)
            return
        self._on_failed(exc)

    def _on_attached(self, record: PjRecord) -> None:
        self.main.worker_recovered("numerisation")
        self.scanned = None
        self.preview.clear()
        self.info.setText(f"Pièce jointe à la FSE n° {record.fse_number} : {record.status.label}.")
        self.refresh()
