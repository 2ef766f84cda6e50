"""Billing at the point of care: acts priced live, a rule error shown next to its act before
anything is signed, corrected, and the breakdown the patient is told."""

from __future__ import annotations

from cardio import layout
from ui.qt import Qt
from ui.widgets.invoice_panel import COL_ERROR


def insert_emulated(fake_backend, reader: str, profile: str):
    from testbed.cards.factory import make_card

    card = make_card(profile)
    fake_backend.insert(reader, card)
    return card


def choose_first_beneficiary(qtbot, window, fake_backend, emulated, profile="vitale-famille"):
    window.start()
    insert_emulated(fake_backend, "Lecteur B", profile)
    panel = window.billing_page.patient_panel
    qtbot.waitUntil(lambda: panel.beneficiaries.count() > 0, timeout=10000)
    panel.beneficiaries.setFocus()
    qtbot.keyClick(panel.beneficiaries, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.session.patient is not None)
    return panel


def test_rule_error_is_shown_next_to_its_act_then_corrected(qtbot, window, fake_backend, emulated):
    choose_first_beneficiary(qtbot, window, fake_backend, emulated)
    invoice = window.billing_page.invoice_panel
    assert invoice.code_edit.hasFocus()  # the patient chosen, typing goes to the acts
    qtbot.keyClicks(invoice.code_edit, "G")
    qtbot.keyClick(invoice.code_edit, Qt.Key.Key_Return)
    qtbot.keyClicks(invoice.code_edit, "ZZZ9")
    qtbot.keyClick(invoice.code_edit, Qt.Key.Key_Return)
    assert invoice.table.rowCount() == 2
    qtbot.waitUntil(lambda: "inconnu" in invoice.table.item(1, COL_ERROR).text(), timeout=5000)
    assert invoice.table.item(0, COL_ERROR).text() == "ok"
    assert "Acte 2" in invoice.errors_label.text()
    assert not invoice.secure_button.isEnabled()

    invoice.table.selectRow(1)
    invoice.table.setFocus()
    qtbot.keyClick(invoice.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: invoice.errors_label.text() == "", timeout=5000)
    labels = invoice.amount_labels
    assert labels["total_fees"].text() == "30,00\u00a0€"
    assert labels["participation_forfaitaire"].text() == "2,00\u00a0€"
    assert labels["amo"].text() == "19,00\u00a0€"
    assert invoice.state_label.text().startswith("Prête")


def test_overrun_is_billed_to_the_patient_not_the_amo(qtbot, window, fake_backend, emulated):
    choose_first_beneficiary(qtbot, window, fake_backend, emulated)
    invoice = window.billing_page.invoice_panel
    invoice.favourite_buttons[0].click()  # G
    qtbot.waitUntil(
        lambda: invoice.amount_labels["total_fees"].text() == "30,00\u00a0€", timeout=5000
    )
    invoice.set_overrun("DE", __import__("decimal").Decimal("10"))
    qtbot.waitUntil(
        lambda: invoice.amount_labels["total_fees"].text() == "40,00\u00a0€", timeout=5000
    )
    assert invoice.amount_labels["amo"].text() == "19,00\u00a0€"


def test_ald_rights_are_shown_plainly(qtbot, window, fake_backend, emulated):
    panel = choose_first_beneficiary(qtbot, window, fake_backend, emulated, "vitale-ald")
    assert "ALD" in panel.rights_box.text()


def test_cps_unknown_atr_is_not_a_vitale(qtbot, window, fake_backend):
    window.start()
    fake_backend.atrs["Lecteur A"] = bytes.fromhex("3B 00")
    qtbot.waitUntil(lambda: "carte non reconnue" in window.status.readers_label.text())
    assert bytes.fromhex("3B 00") != layout.VITALE_ATR
