"""« Imprimer »: a PDF made by ``client.documents`` (receipt, feuille de soins, duplicata)
goes through the Qt print dialog (in French: ``ui.app`` loads Qt's ``qtbase_fr``).

The dialog comes first (GUI thread). « Imprimer dans un fichier (PDF) » copies the
document's own PDF, text and all (searchable, archived as made), to the chosen file. A real
printer gets images: PySide6-Essentials has QtPrintSupport but not QtPdf, so the pages are
rasterised by ``pdftoppm`` (poppler-utils) and painted onto the ``QPrinter``, both on a
worker thread (Qt allows QPainter on a QPrinter outside the GUI thread). When ``pdftoppm``
is missing, the PDF is opened with the desktop's viewer instead, which prints it.
"""

from __future__ import annotations

import enum
import logging
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ui.qt import (
    QDesktopServices,
    QImage,
    QMessageBox,
    QObject,
    QPainter,
    QPrintDialog,
    QPrinter,
    QRect,
    Qt,
    QUrl,
    QWidget,
    Signal,
)
from ui.tasks import TaskRunner
from ui.translation import tr

logger = logging.getLogger(__name__)

#: Resolution of the rendered pages: enough for a cerfa and a signature, small in memory.
RENDER_DPI = 200


class RenderError(RuntimeError):
    """pdftoppm could not render the document."""


def render_pages(pdf: Path, dpi: int = RENDER_DPI) -> list[QImage]:
    """The pages of ``pdf`` as images (worker thread: runs ``pdftoppm``)."""
    program = shutil.which("pdftoppm")
    if program is None:
        raise RenderError("pdftoppm (poppler-utils) est absent")
    with tempfile.TemporaryDirectory(prefix="sesam-print-") as folder:
        done = subprocess.run(  # noqa: S603 - fixed program, our own file
            [program, "-r", str(dpi), "-gray", "-png", str(pdf), str(Path(folder) / "p")],
            capture_output=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RenderError(done.stderr.decode("utf-8", "replace").strip())
        pages = [QImage(str(p)) for p in sorted(Path(folder).glob("p-*.png"))]
    if not pages or any(page.isNull() for page in pages):
        raise RenderError(f"{pdf.name} : aucune page lisible")
    return pages


def paint_pages(printer: QPrinter, pages: list[QImage]) -> int:
    """Paint the pages onto the printer, each fitted to the printable area (worker thread)."""
    painter = QPainter()
    if not painter.begin(printer):
        raise RenderError("l'imprimante n'a pas pu être ouverte")
    try:
        for index, page in enumerate(pages):
            if index:
                printer.newPage()
            area = painter.viewport()
            size = page.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.setViewport(QRect(area.x(), area.y(), size.width(), size.height()))
            painter.setWindow(page.rect())
            painter.drawImage(0, 0, page)
            painter.setViewport(area)
    finally:
        painter.end()
    return len(pages)


def page_count(data: bytes) -> int:
    """Pages of a PDF made by fpdf2 (its page objects are written out in clear)."""
    return max(1, len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data)))


def copy_pdf(source: Path, target: Path) -> int:
    """« Imprimer dans un fichier »: the document's own text PDF, copied (worker thread)."""
    data = source.read_bytes()
    tmp = target.with_name(f".{target.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # health data
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    tmp.replace(target)
    return page_count(data)


def prints_to_pdf_file(printer: QPrinter) -> Path | None:
    """The file chosen in the dialog when printing to a PDF file, else None."""
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and printer.outputFileName():
        return Path(printer.outputFileName())
    return None


def exec_print_dialog(printer: QPrinter, parent: QWidget | None, title: str) -> bool:
    """Run the Qt print dialog (GUI thread); True when the user asked to print."""
    from ui.dialogs.focus import back_to_window

    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(title)
    try:
        return bool(dialog.exec() == QPrintDialog.DialogCode.Accepted)
    finally:
        back_to_window(parent)  # the window's shortcuts work again without a click


class FseDocument(enum.Enum):
    """What the user prints for a chosen FSE."""

    FEUILLE_DE_SOINS = "feuille de soins"
    DUPLICATA = "duplicata"


def ask_fse_document(parent: QWidget | None, number: int) -> FseDocument | None:
    """Ask which document of FSE n° ``number`` to print (GUI thread); None: cancelled."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(tr("Imprimer"))
    box.setText(tr("Quel document de la FSE n° {number} imprimer ?").format(number=number))
    box.setInformativeText(
        tr(
            "La feuille de soins reprend la facture telle que sécurisée. Le duplicata remplace "
            "une FSE non transmise (deux échecs de télétransmission) et mentionne son motif."
        )
    )
    sheet = box.addButton(tr("Feuille de soins"), QMessageBox.ButtonRole.AcceptRole)
    duplicata = box.addButton(tr("Duplicata…"), QMessageBox.ButtonRole.ActionRole)
    box.addButton(tr("Annuler"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(sheet)
    box.exec()
    clicked = box.clickedButton()
    if clicked is sheet:
        return FseDocument.FEUILLE_DE_SOINS
    if clicked is duplicata:
        return FseDocument.DUPLICATA
    return None


class DocumentPrinter(QObject):
    """Prints PDF documents: dialog (GUI) → copy to a PDF file, or render and paint (worker)."""

    #: (path, pages printed) once sent to the printer; (path, 0) when the user cancelled.
    printed = Signal(object, int)
    #: (path, French sentence) when printing failed.
    failed = Signal(object, str)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._parent = parent
        self._printer: QPrinter | None = None

    def print_pdf(self, path: Path, title: str = "Imprimer") -> None:
        """Print ``path`` through the print dialog; the work after it runs on a worker."""
        if shutil.which("pdftoppm") is None:
            logger.warning("pdftoppm missing: the PDF is opened in the viewer instead")
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(path.name)
        if not exec_print_dialog(printer, self._parent, f"{title} — {path.name}"):
            self.printed.emit(path, 0)
            return
        target = prints_to_pdf_file(printer)
        if target is not None:
            self._runner.submit(
                lambda: copy_pdf(path, target),
                lambda count: self._done(path, count),
                lambda exc: self._fail(path, exc),
                label="impression dans un fichier",
            )
            return
        self._printer = printer  # kept alive until painted

        def render_and_paint() -> int:
            return paint_pages(printer, render_pages(path))

        self._runner.submit(
            render_and_paint,
            lambda count: self._done(path, count),
            lambda exc: self._fail(path, exc),
            label="impression",
        )

    def _done(self, path: Path, count: int) -> None:
        self._printer = None
        self.printed.emit(path, int(count))

    def _fail(self, path: Path, exc: BaseException) -> None:
        self._printer = None
        logger.warning("printing %s failed: %r", path.name, exc)
        self.failed.emit(path, f"Impression de {path.name} impossible : {exc}")
