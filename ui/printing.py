"""« Imprimer »: a PDF made by ``client.documents`` (receipt, feuille de soins, duplicata)
goes through the Qt print dialog.

PySide6-Essentials has QtPrintSupport but not QtPdf, so the pages are rasterised by
``pdftoppm`` (poppler-utils) on a worker thread; the GUI thread only runs the dialog; the
pages are painted onto the ``QPrinter`` on a worker thread too (Qt allows QPainter on a
QPrinter outside the GUI thread). When ``pdftoppm`` is missing, the PDF is opened with the
desktop's viewer instead, which prints it.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from ui.qt import (
    QDesktopServices,
    QImage,
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


def exec_print_dialog(printer: QPrinter, parent: QWidget | None, title: str) -> bool:
    """Run the Qt print dialog (GUI thread); True when the user asked to print."""
    from ui.dialogs.focus import back_to_window

    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(title)
    try:
        return bool(dialog.exec() == QPrintDialog.DialogCode.Accepted)
    finally:
        back_to_window(parent)  # the window's shortcuts work again without a click


class DocumentPrinter(QObject):
    """Prints PDF documents: render (worker) → dialog (GUI) → paint (worker)."""

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
        """Print ``path`` through the print dialog; never waits on the GUI thread."""
        if shutil.which("pdftoppm") is None:
            logger.warning("pdftoppm missing: the PDF is opened in the viewer instead")
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
            return
        self._runner.submit(
            lambda: render_pages(path),
            lambda pages: self._ask(path, title, pages),
            lambda exc: self._fail(path, exc),
            label="préparation de l'impression",
        )

    def _ask(self, path: Path, title: str, pages: list[QImage]) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(path.name)
        if not exec_print_dialog(printer, self._parent, f"{title} — {path.name}"):
            self.printed.emit(path, 0)
            return
        self._printer = printer  # kept alive until painted
        self._runner.submit(
            lambda: paint_pages(printer, pages),
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
