"""« Imprimer la feuille de soins / duplicata… » on the queue page: the chosen FSE's feuille
de soins, with the cabinet's letterhead and the assuré's name, goes through the print dialog
(answered here) and, printed to a file, is the text PDF; the dialog is in French."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import ui.printing
from client.store import open_store
from tests.client.am_support import FakeClock, create_fse, open_cabinet
from ui.qt import QPrintDialog, QPrinter, QPushButton

CABINET = {
    "cabinet_name": "Cabinet médical des Tilleuls",
    "cabinet_address": "12 rue des Lilas\n57000 Metz",
    "cabinet_phone": "03 87 00 00 00",
}


def _family(path: Path) -> int:
    """Three FSE of the vitale-famille card; returns the number of the child's (LUCAS)."""
    store = open_store(path)
    try:
        return create_fse(store, open_cabinet(), 3, FakeClock())[2].number
    finally:
        store.close()


def test_the_feuille_de_soins_of_a_chosen_fse_is_printed(qtbot, ctx, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    child = _family(ctx.store_path)
    ctx.settings = replace(ctx.settings, **CABINET)
    out = tmp_path / "fs.pdf"
    asked: list[int] = []
    choices = [ui.printing.FseDocument.FEUILLE_DE_SOINS, None]

    def choose(parent, number: int):  # type: ignore[no-untyped-def]
        asked.append(number)
        return choices.pop(0)

    def fake_dialog(printer: QPrinter, parent, title: str) -> bool:  # type: ignore[no-untyped-def]
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return True

    monkeypatch.setattr(ui.printing, "ask_fse_document", choose)
    monkeypatch.setattr(ui.printing, "exec_print_dialog", fake_dialog)

    from ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.open_documents = True
    window.show()
    window.start()
    try:
        queue = window.queue_page
        window.go_to(1)
        table = queue.fse_table
        qtbot.waitUntil(lambda: table.row_count() == 3, timeout=5000)
        row = next(i for i in range(3) if table.model().row_object(i).number == child)
        table.select_row(row)
        assert queue.print_fse_button.text().startswith("Imprimer la feuille de soins / duplicata")
        with qtbot.waitSignal(window.printer.printed, timeout=20000) as printed:
            queue.print_fse_button.click()
        assert asked == [child]
        assert printed.args[0].name == f"feuille-de-soins-{child}.pdf"
        text = " ".join(
            subprocess.run(
                ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
            ).stdout.split()
        )
        assert text.startswith("Cabinet médical des Tilleuls 12 rue des Lilas 57000 Metz")
        assert "FEUILLE DE SOINS" in text and "DURAND LUCAS" in text
        assert "Nom et prénom DURAND PIERRE" in text  # the assuré, not « (ASSURÉ) »
        assert "Médecine générale" in text
        assert "envoyé à l'imprimante" in window.status.currentMessage()
        assert "Feuille de soins enregistrée" in queue.send_message.text()
        queue.grab().save(str(tmp_path / "queue.png"))

        # Cancelled in the choice: nothing is written nor printed.
        out.unlink()
        with qtbot.assertNotEmitted(window.printer.printed, wait=500):
            queue.print_fse_button.click()
        assert not out.exists()
    finally:
        window.shutdown()


def test_qt_dialogs_are_in_french_whatever_the_system_locale(qtbot) -> None:  # type: ignore[no-untyped-def]
    from ui.app import install_translators
    from ui.qt import QApplication

    app = QApplication.instance()
    translators = install_translators(app, "C")  # a system in the C locale (LANG=C)
    try:
        dialog = QPrintDialog(QPrinter())
        qtbot.addWidget(dialog)  # built, never shown: a modal dialog would block the test
        texts = {b.text().replace("&", "") for b in dialog.findChildren(QPushButton)}
        assert "Imprimer" in texts and "Annuler" in texts
        assert "Print" not in texts and "Cancel" not in texts
    finally:
        for translator in translators:
            app.removeTranslator(translator)
