"""The dashboard's « Recette » tab: today's FSE with how each patient paid, the totals by
payment means and « à encaisser », the date and practitioner filters, « Imprimer… » through
the print dialog (monkeypatched) with a text PDF. Dates derived from the workstation's day."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

import ui.printing
from client import recette
from client.fse_service import FseService, parse_fse_input
from client.store import open_store
from tests.client.am_support import FakeClock, open_cabinet
from ui.fmt import euros
from ui.qt import QDate, QPrinter

TODAY = recette.workstation_today()


@pytest.fixture(autouse=True)
def _today_when_the_test_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The day the test runs, not the day the module was collected: a run can cross
    midnight, and the code under test asks for today when it runs."""
    monkeypatch.setattr(sys.modules[__name__], "TODAY", recette.workstation_today())


def _fill(path: Path) -> dict[str, Decimal]:
    """Today: paid in espèces, paid by carte (tiers payant AMO), nothing recorded; one three
    days ago. Returns the amounts the screen must show."""
    cabinet = open_cabinet()
    store = open_store(path)
    try:

        def create(days_ago: int, amo: bool):  # type: ignore[no-untyped-def]
            request = parse_fse_input(
                {
                    "date_of_care": (TODAY - timedelta(days=days_ago)).isoformat(),
                    "practitioner": {},
                    "patient": {},
                    "acts": [{"code": "G"}],
                    "beneficiary": 0,
                    "tiers_payant": {"amo": amo, "amc": False},
                }
            )
            service = FseService(store, clock=FakeClock())
            return service.create(request, cabinet.cps, cabinet.vitale)

        cash, card, unrecorded, older = (
            create(0, False),
            create(0, True),
            create(0, False),
            create(3, False),
        )
        now = FakeClock()()
        store.record_settlement(cash.id, "especes", cash.total_fees, now)
        store.record_settlement(card.id, "carte", card.total_fees - card.amo, now)
        store.record_settlement(older.id, "cheque", older.total_fees, now)
        return {
            "cash": cash.total_fees,
            "card": card.total_fees - card.amo,
            "due": unrecorded.total_fees,
            "fees": cash.total_fees + card.total_fees + unrecorded.total_fees,
            "amo": card.amo,
            "older": older.total_fees,
        }
    finally:
        store.close()


def _cells(table) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [
        [table.item(r, c).text() if table.item(r, c) else "" for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def test_recette_tab_filters_and_prints(qtbot, window, ctx, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    amounts = _fill(ctx.store_path)
    out = tmp_path / "imprime.pdf"
    titles: list[str] = []

    def fake_dialog(printer: QPrinter, parent, title: str) -> bool:  # type: ignore[no-untyped-def]
        titles.append(title)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return True

    monkeypatch.setattr(ui.printing, "exec_print_dialog", fake_dialog)
    window.open_documents = True
    window.start()
    page = window.dashboard_page
    window.go_to(2)
    view = page.recette
    page.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.lines.rowCount() == 3, timeout=10000)

    summary = view.summary.text()
    assert "3 FSE" in summary and euros(amounts["fees"]) in summary
    assert f"à encaisser {euros(amounts['due'])}" in summary
    assert f"AMO {euros(amounts['amo'])}" in summary
    rows = _cells(view.lines)
    paid_by = {r[8] for r in rows}
    assert paid_by == {"espèces", "carte bancaire", "non renseigné"}
    # The patient's name on every line, as the FSE list writes it: « DURAND Léa ».
    assert all(r[2].split()[0].isupper() and not r[2].isupper() for r in rows), rows
    means = {r[0]: r[2] for r in _cells(view.means)}
    assert means["espèces"] == euros(amounts["cash"])
    assert means["carte bancaire"] == euros(amounts["card"])
    assert means["À encaisser"] == euros(amounts["due"])
    assert "chèque" not in means  # the chèque of three days ago is not today's
    assert "annulées" in view.note.text()
    view.grab().save(str(tmp_path / "recette.png"))
    window.grab().save(str(tmp_path / "recette_window.png"))

    # A range of dates: the FSE of three days ago and its chèque come in.
    view.start.setDate(QDate(TODAY.year, TODAY.month, TODAY.day).addDays(-3))
    view.show_button.click()
    qtbot.waitUntil(lambda: view.lines.rowCount() == 4, timeout=10000)
    assert {r[0]: r[2] for r in _cells(view.means)}["chèque"] == euros(amounts["older"])

    # The practitioner filter lists the practitioner who billed; chosen, the same FSE.
    assert view.practitioner.count() == 2
    view.practitioner.setCurrentIndex(1)
    pid = view.practitioner.currentData()
    assert pid and pid in view.practitioner.currentText()
    view.show_button.click()
    qtbot.waitUntil(lambda: view.result is not None and view.result.practitioner_id == pid)
    assert view.lines.rowCount() == 4

    # A day without FSE says so.
    future = QDate(TODAY.year, TODAY.month, TODAY.day).addDays(20)
    view.start.setDate(future)
    view.end.setDate(future)
    view.show_button.click()
    qtbot.waitUntil(lambda: view.summary.text().startswith("Aucune FSE"), timeout=10000)
    assert view.lines.rowCount() == 0

    # « Imprimer… »: the recette of the filters as a text PDF, through the print dialog.
    view.today_button.click()
    qtbot.waitUntil(lambda: view.lines.rowCount() == 3, timeout=10000)
    with qtbot.waitSignal(window.printer.printed, timeout=30000) as printed:
        view.print_button.click()
    path, pages = printed.args
    assert pages >= 1 and titles and "recette" in titles[0].lower()
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert f"Recette du {TODAY:%d/%m/%Y}" in text and "espèces" in text
    assert "Cabinet Dr CLAIRE RENAUD" in text
    assert out.exists() and "envoyé à l'imprimante" in window.status.currentMessage()
