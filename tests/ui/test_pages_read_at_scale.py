"""The pages as a practitioner reads them on a ten-year store (issue #27, looked at on a
copy of the 1M every-state store): the FSE list's « état » and « paiement » filters narrow
it (PySide6 hands an enum item's data back as its text: the state filter did nothing, the
payment one ended in « erreur inattendue »); counts of hundreds of thousands grouped as the
amounts beside them are; a seven-digit FSE or lot number shown whole; the dashboard's
rejects tile names the months it counts (the queue counts every reject on record); an empty
SCOR list says so; an idle send bar does not announce a lot; a backup's copy being
verified is said, not « 100 % » for seconds.

Small stores: a test needs only the case that was wrong (large counts are the real view's
with its counts raised)."""

from __future__ import annotations

import dataclasses
import threading
from decimal import Decimal

import pytest

import client.context
from billing.fse_states import FseState
from client.fse_search import FseListTotals
from client.fse_service import FseService
from client.reconciliation import Reconciliation
from client.usecases import views
from tests.ui.test_fse_list import FAMILY, OTHERS, _fill
from ui.fmt import NARROW_NBSP, euros
from ui.qt import QMessageBox, QWidget
from ui.widgets.charts import BarChart
from ui.widgets.fse_list import FseColumn, status_text

G = NARROW_NBSP  # the French thousands separator, as in the amounts


def _choose(combo, value: str) -> None:  # type: ignore[no-untyped-def]
    index = combo.findData(value)
    assert index > 0, f"{value} not offered"
    combo.setCurrentIndex(index)


def _error_boxes(window: QWidget) -> list[str]:
    return [b.text() for b in window.findChildren(QMessageBox) if b.isVisible()]


def test_the_state_and_payment_filters_narrow_the_fse_list(qtbot, ctx, fixed_clock, window):  # type: ignore[no-untyped-def]
    _fill(ctx, fixed_clock)
    ctx.db.submit(
        lambda store: FseService(store, clock=fixed_clock).cancel(1, "erreur de patient")
    ).result()
    queue = window.queue_page
    window.go_to(window.stack.indexOf(queue))
    fse_list, table = queue.fse_list, queue.fse_table
    listed = FAMILY + OTHERS - 1  # every state but the cancelled one, the list's default
    qtbot.waitUntil(lambda: table.row_count() == listed, timeout=10000)

    _choose(fse_list.state_combo, FseState.CANCELLED.value)
    qtbot.waitUntil(lambda: table.row_count() == 1, timeout=10000)
    assert table.text(0, FseColumn.NUMBER) == "1"
    assert table.text(0, FseColumn.STATE) == "annulée"
    # A cancelled FSE is billed to no one: listed, it counts nothing in the total.
    assert fse_list.status.text() == f"1 FSE — total {euros(Decimal('0.00'))}"

    # Nothing is paid yet: the payment filter finds nothing, and says so, not an error.
    fse_list.state_combo.setCurrentIndex(0)
    _choose(fse_list.payment_combo, Reconciliation.PAID.value)
    qtbot.waitUntil(lambda: table.row_count() == 0, timeout=10000)
    qtbot.waitUntil(lambda: "Aucune FSE ne correspond" in fse_list.status.text(), timeout=5000)
    assert _error_boxes(window) == []
    fse_list.clear_button.click()
    qtbot.waitUntil(lambda: table.row_count() == listed, timeout=10000)


def test_counts_of_a_large_store_are_grouped_by_thousands(
    qtbot, ctx, window, monkeypatch: pytest.MonkeyPatch
):  # type: ignore[no-untyped-def]
    assert status_text(FseListTotals(1_000_000, Decimal("30000000.00"))) == (
        f"1{G}000{G}000 FSE — total 30{G}000{G}000,00\u00a0€"
    )
    real = views.load_queue

    def large(*args, **kwargs):  # type: ignore[no-untyped-def]
        view = real(*args, **kwargs)
        summary = dataclasses.replace(
            view.summary, waiting=1200, sent=600, paid=735_718, refused=234_282
        )
        return dataclasses.replace(view, summary=summary)

    monkeypatch.setattr(views, "load_queue", large)
    queue = window.queue_page
    window.go_to(window.stack.indexOf(queue))
    qtbot.waitUntil(lambda: queue.view is not None, timeout=10000)
    assert queue.summary.text().startswith(
        f"1{G}200 FSE à envoyer · 600 envoyée(s) sans ARL · 735{G}718 payée(s) · "
        f"234{G}282 rejet(s) ou refus"
    )
    assert window.status.queue_label.text() == f"File : 1{G}800 en attente, 234{G}282 rejet(s)"

    chart = BarChart("Rejets", ["FSE"], money=False)
    chart.set_data(["11/2026"], [[Decimal(4106)]])
    assert chart.value_labels() == [[f"4{G}106"]]


def test_the_dashboard_says_which_months_its_rejects_count(
    qtbot, ctx, window, monkeypatch: pytest.MonkeyPatch
):  # type: ignore[no-untyped-def]
    real = views.load_dashboard

    def large(*args, **kwargs):  # type: ignore[no-untyped-def]
        return dataclasses.replace(real(*args, **kwargs), rejects=13_660, unpaid_count=290_415)

    monkeypatch.setattr(views, "load_dashboard", large)
    page = window.dashboard_page
    window.go_to(window.stack.indexOf(page))
    qtbot.waitUntil(lambda: page.view is not None, timeout=10000)
    first, last = page.view.months[0], page.view.months[-1]
    assert page.rejects.value.text() == f"13{G}660"
    # The queue and the status bar count every reject on record: this tile, the charts'.
    assert page.rejects.title.text() == f"Rejets et refus, soins de {first} à {last}"
    assert page.unpaid.value.text().endswith(f" non payés sur 290{G}415 FSE")


def test_seven_digit_fse_and_lot_numbers_show_whole(window) -> None:  # type: ignore[no-untyped-def]
    queue = window.queue_page
    for table, column in ((queue.fse_table, FseColumn.NUMBER), (queue.lot_table, 0)):
        metrics = table.fontMetrics()
        # The cell's text room: its width less the margins Qt's styles keep (~3 px a side).
        room = table.columnWidth(column) - 8
        assert metrics.horizontalAdvance("1000000") <= room, table.objectName()


def test_an_empty_scor_list_says_so_and_the_idle_send_bar_announces_no_lot(qtbot, window):  # type: ignore[no-untyped-def]
    queue = window.queue_page
    assert "lot" not in queue.progress.text()
    assert queue.progress.text() == "Aucun envoi en cours"
    page = window.scor_page
    window.go_to(window.stack.indexOf(page))
    qtbot.waitUntil(lambda: page.view is not None, timeout=10000)
    assert page.waiting.row_count() == 0
    assert page.waiting_empty.isVisible()
    assert page.waiting_empty.text() == (
        "Aucune FSE en dégradé n'attend sa feuille signée : rien à numériser."
    )


def test_a_copied_backup_being_verified_is_said_not_left_at_100_percent(
    qtbot, window, monkeypatch: pytest.MonkeyPatch
):  # type: ignore[no-untyped-def]
    """At 1M the copy's integrity check takes ~9 s after the last page is copied: the status
    bar said « 100 % » all along, as if the backup hung."""
    release = threading.Event()

    def copied(store, *, clock, progress):  # type: ignore[no-untyped-def]
        progress(1024, 1024)  # every page copied; the copy's check goes on
        assert release.wait(30)

    monkeypatch.setattr(client.context, "backup_if_due", copied)
    window._backup_if_due()
    try:
        qtbot.waitUntil(
            lambda: (
                window.status.currentMessage()
                == "Sauvegarde de la base : vérification de la copie…"
            ),
            timeout=10000,
        )
    finally:
        release.set()
    qtbot.waitUntil(lambda: not window._backup_progress_timer.isActive(), timeout=10000)
