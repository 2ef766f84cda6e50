"""Issue #20: the « Feuilles de soins » tab answers questions — typing a patient's name shows
only that patient's FSE (accents and case ignored), a date filter narrows the list, the
status line counts and totals what is shown, and the actions still act on the chosen row."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from cardio.cps import CpsSession
from cardio.vitale import VitaleReader
from client.fse_service import CpsSource, FseService, VitaleSource, parse_fse_input
from testbed.cards.emulated_connection import EmulatedConnection
from testbed.cards.factory import make_card
from ui.fmt import euros
from ui.qt import QDate, QMessageBox, Qt
from ui.widgets.fse_list import FseColumn

FAMILY = 10  # FSE of the DURAND family's five bénéficiaires, one a day
OTHERS = 3  # and of the SANTONI card


def _fill(ctx, fixed_clock) -> None:
    """FSE secured with the emulated cards, dated back from the test's today."""
    session = CpsSession(EmulatedConnection(make_card("cps-generaliste")))
    session.verify_pin("1234")
    cps = CpsSource(session.read_identity(), session.read_situations())
    today = fixed_clock().date()

    def work(store) -> None:
        service = FseService(store, clock=fixed_clock)
        for profile, count in (("vitale-famille", FAMILY), ("vitale-msa", OTHERS)):
            reader = VitaleReader(EmulatedConnection(make_card(profile)))
            vitale = VitaleSource(reader.read(), reader)
            beneficiaries = len(vitale.card.beneficiaries)
            for i in range(count):
                request = parse_fse_input(
                    {
                        "date_of_care": (today - timedelta(days=i)).isoformat(),
                        "acts": [{"code": "G"}],
                        "beneficiary": i % beneficiaries,
                    }
                )
                service.create(request, cps, vitale)

    ctx.db.submit(work).result()


def _texts(table, column: FseColumn) -> list[str]:
    return [table.text(row, column) for row in range(table.row_count())]


def _total(table) -> Decimal:
    rows = [table.rows.row_object(row) for row in range(table.row_count())]
    return sum((r.total for r in rows), Decimal("0.00"))


def test_typing_a_name_shows_that_patients_fse_and_filters_narrow_the_list(
    qtbot, ctx, fixed_clock, window, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(ctx, fixed_clock)
    queue = window.queue_page
    window.go_to(window.stack.indexOf(queue))
    fse_list, table = queue.fse_list, queue.fse_table
    qtbot.waitUntil(lambda: table.row_count() == FAMILY + OTHERS, timeout=10000)
    assert fse_list.status.text() == f"{FAMILY + OTHERS} FSE — total {euros(_total(table))}"
    assert not fse_list.practitioner_combo.isVisible()  # one practitioner: no such filter
    assert table.isColumnHidden(FseColumn.PRACTITIONER)
    header = table.model().headerData
    assert [
        header(c, Qt.Orientation.Horizontal) for c in (FseColumn.PATIENT, FseColumn.PATIENT_PART)
    ] == [
        "Patient",
        "Part patient",
    ]

    # Typed as a user types, accents and case as they come: searched once the typing pauses.
    qtbot.keyClicks(fse_list.search_edit, "lea")
    qtbot.waitUntil(lambda: table.row_count() == FAMILY // 5, timeout=10000)
    assert set(_texts(table, FseColumn.PATIENT)) == {"DURAND Léa"}
    assert fse_list.status.text() == f"{FAMILY // 5} FSE — total {euros(_total(table))}"
    assert table.text(0, FseColumn.TOTAL).endswith("\u00a0€")  # « 30,00 € », right-aligned
    assert "," in table.text(0, FseColumn.TOTAL)

    # The actions act on the chosen row: the one of Léa chosen, its cancellation asked.
    table.select_row(0)
    chosen = queue.selected_fse()
    assert chosen is not None and chosen.patient == "DURAND Léa"
    asked: list[str] = []

    def answer(parent, title, text, *args):  # the dialog answered: « Non »
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", answer)
    queue.cancel_fse_button.click()
    assert asked == [f"Annuler la FSE n° {chosen.number} ? Elle ne sera pas transmise."]
    # The page's periodic refresh searches again: the chosen FSE stays chosen.
    with qtbot.waitSignal(fse_list.loaded, timeout=10000):
        queue.refresh()
    assert queue.selected_fse() is not None and queue.selected_fse().fse_uuid == chosen.fse_uuid

    # A filter changed: the care of the last three days only (SANTONI's and the family's).
    fse_list.search_edit.clear()
    today = fixed_clock().date()
    since = today - timedelta(days=2)
    fse_list.from_edit.setDate(QDate(since.year, since.month, since.day))
    qtbot.waitUntil(lambda: table.row_count() == 6, timeout=10000)
    assert fse_list.status.text() == f"6 FSE — total {euros(_total(table))}"
    shown = {table.rows.row_object(r).care_date for r in range(table.row_count())}
    assert shown == {today - timedelta(days=d) for d in range(3)}

    # Nothing found is said, not an empty table left unexplained.
    qtbot.keyClicks(fse_list.search_edit, "zzz")
    qtbot.waitUntil(lambda: table.row_count() == 0, timeout=10000)
    qtbot.waitUntil(lambda: "Aucune FSE ne correspond" in fse_list.status.text(), timeout=5000)
    fse_list.clear_button.click()
    qtbot.waitUntil(lambda: table.row_count() == FAMILY + OTHERS, timeout=10000)
