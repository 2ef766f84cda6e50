"""« Imprimer »: the duplicata made by ``client.documents`` goes through the Qt print dialog
(monkeypatched here). Printed to a PDF file, it is the document's own text PDF; to a printer,
its pages are rendered by pdftoppm and painted off the GUI thread."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import ui.printing
from client.store import open_store
from tests.client.am_support import FakeClock, create_fse, open_cabinet
from ui.qt import QInputDialog, QPrinter


def _one_fse(path: Path) -> int:
    store = open_store(path)
    try:
        (row,) = create_fse(store, open_cabinet(), 1, FakeClock())
        return row.number
    finally:
        store.close()


def test_duplicata_goes_through_the_print_dialog(qtbot, ctx, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    number = _one_fse(ctx.store_path)
    out = tmp_path / "imprime.pdf"
    dialogs: list[tuple[str, threading.Thread]] = []
    answers = [True, False]

    def fake_dialog(printer: QPrinter, parent, title: str) -> bool:  # type: ignore[no-untyped-def]
        dialogs.append((title, threading.current_thread()))
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return answers.pop(0)

    rendered: list[threading.Thread] = []
    real_render = ui.printing.render_pages

    def spy_render(pdf: Path, dpi: int = 100):  # type: ignore[no-untyped-def]
        rendered.append(threading.current_thread())
        return real_render(pdf, 100)

    monkeypatch.setattr(ui.printing, "exec_print_dialog", fake_dialog)
    monkeypatch.setattr(ui.printing, "render_pages", spy_render)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("perte", True)))

    from ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.open_documents = True
    window.show()
    window.start()
    try:
        queue = window.queue_page
        window.go_to(1)
        qtbot.waitUntil(lambda: queue.fse_table.row_count() == 1, timeout=5000)
        queue.fse_table.select_row(0)
        with qtbot.waitSignal(window.printer.printed, timeout=20000) as printed:
            queue.duplicata_button.click()
        path, pages = printed.args
        assert path.name == f"duplicata-{number}.pdf" and pages >= 1
        assert dialogs and dialogs[0][1] is threading.main_thread()
        assert f"duplicata-{number}.pdf" in dialogs[0][0]
        # « Imprimer dans un fichier »: the text PDF itself, not 200-dpi images.
        assert not rendered
        text = subprocess.run(
            ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "DUPLICATA" in text.upper() and str(number) in text
        assert subprocess.run(["qpdf", "--check", str(out)], check=False).returncode == 0
        assert out.stat().st_mode & 0o077 == 0  # health data
        assert "envoyé à l'imprimante" in window.status.currentMessage()

        # Cancelled in the dialog: nothing printed, the user is told.
        out.unlink()
        queue.fse_table.select_row(0)
        with qtbot.waitSignal(window.printer.printed, timeout=20000) as cancelled:
            queue.duplicata_button.click()
        assert cancelled.args[1] == 0 and not out.exists()
        assert "annulée" in window.status.currentMessage()
    finally:
        window.shutdown()


def test_a_printer_gets_pages_painted_off_gui(qtbot, ctx, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    number = _one_fse(ctx.store_path)
    out = tmp_path / "imprimante.pdf"

    def fake_dialog(printer: QPrinter, parent, title: str) -> bool:  # type: ignore[no-untyped-def]
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return True

    rendered: list[threading.Thread] = []
    real_render = ui.printing.render_pages

    def spy_render(pdf: Path, dpi: int = 100):  # type: ignore[no-untyped-def]
        rendered.append(threading.current_thread())
        return real_render(pdf, 100)

    monkeypatch.setattr(ui.printing, "exec_print_dialog", fake_dialog)
    monkeypatch.setattr(ui.printing, "render_pages", spy_render)
    # A real printer: what the dialog chose is not a PDF file (Qt's PDF engine stands in).
    monkeypatch.setattr(ui.printing, "prints_to_pdf_file", lambda printer: None)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("perte", True)))

    from ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.open_documents = True
    window.show()
    window.start()
    try:
        queue = window.queue_page
        window.go_to(1)
        qtbot.waitUntil(lambda: queue.fse_table.row_count() == 1, timeout=5000)
        queue.fse_table.select_row(0)
        with qtbot.waitSignal(window.printer.printed, timeout=20000) as printed:
            queue.duplicata_button.click()
        assert printed.args[0].name == f"duplicata-{number}.pdf" and printed.args[1] >= 1
        assert rendered and rendered[0] is not threading.main_thread()
        assert subprocess.run(["qpdf", "--check", str(out)], check=False).returncode == 0
        assert out.stat().st_size > 1000
    finally:
        window.shutdown()
