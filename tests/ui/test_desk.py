"""The billing desk as a receptionist and a GP use it, mouse and keyboard: the bénéficiaire
selected is the one billed, a card change never carries an invoice to the next patient, the
date of care goes back to today, one Entrée adds one act, and the money on screen is the money
recorded (payment mode, amount to collect, confirmation)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from billing.nir import nir_key
from billing.referential import age_in_years
from client import documents
from testbed.cards.factory import make_card
from tests.ui.conftest import PinAnswers
from ui.qt import QApplication, QDate, QDialogButtonBox, QLineEdit, QPoint, Qt, QTimer
from ui.widgets.invoice_panel import COL_ALD


def age(year: int, month: int, day: int) -> int:
    """The age the header shows today (the desk bills on today's date): never hard-coded,
    or the test fails on the patient's next birthday."""
    return age_in_years(dt.date(year, month, day), dt.date.today())


def header_for(name: str, year: int, month: int, day: int) -> str:
    return f"Facture pour {name}, {age(year, month, day)} ans"


def start(qtbot, window, fake_backend, vitale="vitale-famille", cps="cps-generaliste"):
    window.interaction.prompt = PinAnswers("1234")
    window.start()
    fake_backend.insert("Lecteur A", make_card(cps))
    qtbot.waitUntil(lambda: window.session.practitioner is not None, timeout=10000)
    panel = window.billing_page.patient_panel
    if vitale:
        fake_backend.insert("Lecteur B", make_card(vitale))
        qtbot.waitUntil(lambda: panel.beneficiaries.count() > 0, timeout=10000)
    return panel, window.billing_page.invoice_panel


def click_row(qtbot, listw, row: int) -> None:
    rect = listw.visualItemRect(listw.item(row))
    qtbot.mouseClick(listw.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def focus(qtbot, widget) -> None:
    """Give ``widget`` the keyboard focus, as a click would (the offscreen platform leaves a
    closed completion popup as the active window)."""
    widget.window().activateWindow()
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=3000)
    qtbot.wait(20)


def add_code(qtbot, invoice, code: str) -> None:
    invoice.code_edit.setFocus()
    qtbot.keyClicks(invoice.code_edit, code)
    qtbot.keyClick(invoice.code_edit, Qt.Key.Key_Return)


def today(window) -> dt.date:
    return window.ctx.clock().date()


def answer_modal(qtbot, name: str, act) -> list[str]:  # type: ignore[no-untyped-def]
    """Answer the next modal dialog called ``name`` with ``act(dialog)`` once it shows."""
    seen: list[str] = []

    def check() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or dialog.objectName() != name:
            QTimer.singleShot(20, check)
            return
        seen.append(dialog.objectName())
        act(dialog)

    QTimer.singleShot(20, check)
    return seen


def click_child(qtbot, dialog, name: str) -> None:
    from ui.qt import QPushButton

    button = dialog.findChild(QPushButton, name)
    assert button is not None, name
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def fse_rows(window):
    return window.ctx.db.submit(lambda store: store.fse_list()).result()


# --- 1. the bénéficiaire selected is the one billed -------------------------------------------


def test_a_click_on_a_beneficiary_makes_him_the_one_billed(qtbot, window, fake_backend):
    panel, invoice = start(qtbot, window, fake_backend)
    panel.beneficiaries.setFocus()
    click_row(qtbot, panel.beneficiaries, 0)
    qtbot.keyClick(panel.beneficiaries, Qt.Key.Key_Return)  # Pierre, then on to the acts
    assert invoice.code_edit.hasFocus()
    assert invoice.header_label.text().startswith(header_for("PIERRE DURAND", 1980, 5, 12))

    click_row(qtbot, panel.beneficiaries, 2)  # a mouse click on Lucas
    assert window.session.patient.name == "LUCAS DURAND"
    assert invoice.header_label.text().startswith(header_for("LUCAS DURAND", 2015, 3, 21))
    qtbot.keyClick(panel.beneficiaries, Qt.Key.Key_Up)  # the arrows too
    assert invoice.header_label.text().startswith(header_for("SOPHIE DURAND", 1982, 9, 3))
    assert f"soins du {today(window):%d/%m/%Y}" in invoice.header_label.text()

    add_code(qtbot, invoice, "G")
    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)
    qtbot.mouseClick(invoice.secure_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: invoice.confirmation.isVisible(), timeout=10000)
    body = fse_rows(window)[0].fse().body
    assert body.beneficiary.birth_date == "19820903"  # Sophie, as shown, not Lucas nor Pierre
    assert "SOPHIE DURAND" in invoice.confirmation.text()


def test_a_card_with_one_beneficiary_selects_him_by_itself(qtbot, window, fake_backend):
    _panel, invoice = start(qtbot, window, fake_backend, vitale="vitale-ald")
    qtbot.waitUntil(lambda: window.session.patient is not None, timeout=5000)
    assert invoice.header_label.text().startswith(f"Facture pour {window.session.patient.name}")


# --- 2. card changes and the date of care -------------------------------------------------------


def test_a_card_removed_with_acts_parks_the_invoice_under_its_patient(qtbot, window, fake_backend):
    panel, invoice = start(qtbot, window, fake_backend)
    click_row(qtbot, panel.beneficiaries, 0)
    add_code(qtbot, invoice, "G")
    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)

    fake_backend.remove("Lecteur B")
    qtbot.waitUntil(invoice.parked_banner.isVisible, timeout=5000)
    assert "PIERRE DURAND" in invoice.parked_label.text()
    assert invoice.table.rowCount() == 0  # nothing left to slip onto the next patient
    assert invoice.patient is None
    qtbot.waitUntil(lambda: len(window.ctx.drafts.list()) == 1, timeout=5000)
    assert window.ctx.drafts.list()[0]["patient_name"] == "PIERRE DURAND"

    fake_backend.insert("Lecteur B", make_card("vitale-ald"))  # the next patient
    qtbot.waitUntil(lambda: window.session.patient is not None, timeout=10000)
    assert window.session.patient.name != "PIERRE DURAND"
    assert invoice.table.rowCount() == 0
    assert not invoice.secure_button.isEnabled()

    qtbot.mouseClick(invoice.abandon_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.ctx.drafts.list() == [], timeout=5000)
    assert not invoice.parked_banner.isVisible()


def test_the_parked_invoice_is_resumed_when_the_patient_comes_back(qtbot, window, fake_backend):
    panel, invoice = start(qtbot, window, fake_backend)
    click_row(qtbot, panel.beneficiaries, 2)  # Lucas
    add_code(qtbot, invoice, "G")
    fake_backend.remove("Lecteur B")
    qtbot.waitUntil(lambda: panel.drafts_combo.count() == 1, timeout=5000)
    fake_backend.insert("Lecteur B", make_card("vitale-famille"))
    qtbot.waitUntil(lambda: panel.beneficiaries.count() == 5, timeout=10000)
    qtbot.mouseClick(panel.resume_button, Qt.MouseButton.LeftButton)
    assert window.session.patient.name == "LUCAS DURAND"
    assert invoice.codes_on_invoice() == ["G"]
    assert not invoice.parked_banner.isVisible()


def test_the_date_is_typed_warned_refused_and_back_to_today(qtbot, window, fake_backend):
    panel, invoice = start(qtbot, window, fake_backend)
    click_row(qtbot, panel.beneficiaries, 0)
    day = today(window)
    old = day - dt.timedelta(days=540)  # 18 months back
    focus(qtbot, panel.date_edit)
    qtbot.keyClicks(panel.date_edit, old.strftime("%d%m%Y"))
    assert panel.care_date == old
    assert panel.date_hint.isVisible()
    assert "délai réglementaire de transmission" in panel.date_hint.text()
    assert "R.161-47" in panel.date_hint.text()
    assert f"soins du {old:%d/%m/%Y}" in invoice.header_label.text()

    add_code(qtbot, invoice, "G")
    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)  # a warning, not a refusal
    invoice.secure()
    qtbot.waitUntil(invoice.confirmation.isVisible, timeout=10000)
    assert fse_rows(window)[0].care_date == old
    assert panel.care_date == day  # the next FSE is not back-dated
    assert not panel.date_hint.isVisible()

    tomorrow = day + dt.timedelta(days=1)
    focus(qtbot, panel.date_edit)
    qtbot.keyClicks(panel.date_edit, tomorrow.strftime("%d%m%Y"))
    assert panel.care_date == tomorrow
    assert "futur" in panel.date_hint.text()
    add_code(qtbot, invoice, "VG")
    qtbot.wait(400)
    assert not invoice.secure_button.isEnabled()
    assert "futur" in invoice.state_label.text()

    panel.set_care_date(old)
    fake_backend.remove("Lecteur B")
    qtbot.waitUntil(lambda: window.session.patient is None, timeout=10000)
    fake_backend.insert("Lecteur B", make_card("vitale-ald"))
    qtbot.waitUntil(lambda: window.session.patient is not None, timeout=10000)
    assert panel.care_date == day  # a new card, a new day of care


# --- 3. one Entrée, one act ---------------------------------------------------------------------


def test_one_enter_in_the_completion_list_adds_one_act(qtbot, window, fake_backend):
    panel, invoice = start(qtbot, window, fake_backend)
    click_row(qtbot, panel.beneficiaries, 0)
    invoice.code_edit.setFocus()
    qtbot.keyClicks(invoice.code_edit, "g")
    popup = invoice.completer.popup()
    qtbot.waitUntil(popup.isVisible, timeout=3000)
    qtbot.keyClick(popup, Qt.Key.Key_Down)  # G highlighted in the list
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.wait(50)
    assert invoice.codes_on_invoice() == ["G"]
    assert invoice.code_edit.text() == ""


def test_the_same_consultation_twice_asks_first(qtbot, window, fake_backend):
    panel, invoice = start(qtbot, window, fake_backend)
    click_row(qtbot, panel.beneficiaries, 0)
    add_code(qtbot, invoice, "G")
    seen = answer_modal(qtbot, "duplicateActDialog", lambda d: click_child(qtbot, d, "duplicateNo"))
    add_code(qtbot, invoice, "G")
    assert seen == ["duplicateActDialog"]
    assert invoice.codes_on_invoice() == ["G"]
    qtbot.waitUntil(invoice.code_edit.hasFocus, timeout=3000)  # back where the user typed

    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)
    invoice.secure()
    qtbot.waitUntil(invoice.confirmation.isVisible, timeout=10000)
    qtbot.waitUntil(lambda: "G" in invoice.billed_today_codes, timeout=5000)
    seen = answer_modal(
        qtbot, "duplicateActDialog", lambda d: click_child(qtbot, d, "duplicateYes")
    )
    add_code(qtbot, invoice, "G")  # already secured today for Pierre
    assert seen == ["duplicateActDialog"]
    assert invoice.codes_on_invoice() == ["G"]


# --- 4. money on screen = money recorded = money on paper ---------------------------------------


def test_tiers_payant_amo_is_chosen_shown_recorded_and_on_the_receipt(qtbot, window, fake_backend):
    panel, invoice = start(qtbot, window, fake_backend)
    click_row(qtbot, panel.beneficiaries, 0)
    add_code(qtbot, invoice, "G")
    qtbot.waitUntil(lambda: invoice.amount_labels["to_collect"].text() == "30,00\u00a0€")
    invoice.payment_mode.setCurrentIndex(invoice.payment_mode.findData("tp_amo"))
    assert invoice.header_label.text().endswith("— tiers payant AMO")
    assert invoice.amount_labels["to_collect"].text() == "11,00\u00a0€"  # 30 − 19 AMO
    invoice.payment_means.setCurrentIndex(invoice.payment_means.findData("especes"))
    qtbot.mouseClick(invoice.print_receipt, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)
    qtbot.mouseClick(invoice.secure_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(invoice.confirmation.isVisible, timeout=10000)
    text = invoice.confirmation.text()
    assert "FSE n° 1" in text and "PIERRE DURAND" in text
    assert "à encaisser maintenant : 11,00\u00a0€ (espèces)" in text

    row = fse_rows(window)[0]
    assert (row.tiers_payant_amo, row.tiers_payant_amc) == (True, False)
    sheet = window.ctx.db.submit(lambda s: documents.load_care_sheet(s, 1)).result()
    assert sheet.montant_recu == Decimal("11.00")  # what the receipt says the patient paid
    assert (window.ctx.data_dir / "documents" / "recu-1.pdf").exists()
    qtbot.wait(300)
    assert invoice.confirmation.isVisible()  # it stays until the next action
    add_code(qtbot, invoice, "VG")
    assert not invoice.confirmation.isVisible()


def test_c2s_forces_the_full_tiers_payant_and_says_why(qtbot, window, fake_backend):
    _panel, invoice = start(qtbot, window, fake_backend, vitale="vitale-c2s")
    qtbot.waitUntil(lambda: window.session.patient is not None, timeout=5000)
    assert invoice.payment_mode.currentData() == "tp_amo_amc"
    assert "C2S" in invoice.payment_reason.text()
    model = invoice.payment_mode.model()
    assert not model.item(invoice.payment_mode.findData("direct")).isEnabled()
    add_code(qtbot, invoice, "G")
    qtbot.waitUntil(lambda: invoice.amount_labels["to_collect"].text() == "0,00\u00a0€")


# --- 5. ALD: only the acts in relation with it ---------------------------------------------------


def test_ald_exoneration_only_for_the_acts_in_relation_with_it(qtbot, window, fake_backend):
    _panel, invoice = start(qtbot, window, fake_backend, vitale="vitale-ald")
    qtbot.waitUntil(lambda: window.session.patient is not None, timeout=5000)
    assert not invoice.table.isColumnHidden(COL_ALD)
    add_code(qtbot, invoice, "G")  # a cold: not in relation with the ALD
    qtbot.waitUntil(lambda: invoice.amount_labels["amo"].text() == "19,00\u00a0€", timeout=5000)
    assert invoice.payment_mode.currentData() == "direct"

    box = invoice.table.cellWidget(0, COL_ALD)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert box.isChecked()
    qtbot.waitUntil(lambda: invoice.amount_labels["amo"].text() == "28,00\u00a0€", timeout=5000)
    assert invoice.payment_mode.currentData() == "tp_amo"  # mandatory for ALD care
    assert "ALD" in invoice.payment_reason.text()


# --- 6. no dead ends ------------------------------------------------------------------------------


def fill_new_patient(qtbot, dialog) -> None:
    number = "1850375123456"
    dialog.last_name.setText("Martin")
    dialog.first_name.setText("Jean")
    dialog.nir.setText(number + "00")  # a wrong key is refused
    assert "clé" in dialog.problem.text()
    assert not dialog.ok_button.isEnabled()
    dialog.nir.setText(number + nir_key(number))
    dialog.birth.setDate(QDate(1985, 3, 15))  # born in March 1985, as the NIR says
    dialog.caisse.setText("751")
    dialog.centre.setText("7511")
    assert dialog.problem.text() == ""
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def test_a_patient_created_by_hand_is_billed_in_degrade_with_its_reason(
    qtbot, window, fake_backend
):
    panel, invoice = start(qtbot, window, fake_backend, vitale=None)

    def reason(dialog) -> None:
        combo_edit = dialog.findChild(QLineEdit)
        combo_edit.setText("lecteur hors service")
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    reason_seen = answer_modal(qtbot, "degradeReasonDialog", reason)
    patient_seen = answer_modal(qtbot, "newPatientDialog", lambda d: fill_new_patient(qtbot, d))
    qtbot.mouseClick(panel.degraded_button, Qt.MouseButton.LeftButton)
    assert reason_seen == ["degradeReasonDialog"] and patient_seen == ["newPatientDialog"]
    assert window.session.patient.name == "JEAN MARTIN"
    assert invoice.header_label.text().startswith(header_for("JEAN MARTIN", 1985, 3, 15))
    # the main window has the keyboard again: its shortcuts work without a click
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    assert QApplication.focusWidget() is not None
    assert QApplication.focusWidget().window() is window

    add_code(qtbot, invoice, "G")
    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)
    invoice.secure()
    qtbot.waitUntil(invoice.confirmation.isVisible, timeout=10000)
    row = fse_rows(window)[0]
    assert (row.mode, row.degrade_reason) == ("degrade", "lecteur hors service")


def test_favourites_are_edited_and_a_combination_adds_every_act(qtbot, window, fake_backend):
    panel, invoice = start(qtbot, window, fake_backend)
    click_row(qtbot, panel.beneficiaries, 4)

    def edit(dialog) -> None:
        dialog.findChild(QLineEdit).setText("G+MEG, VG + MD + IK, COD")
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    seen = answer_modal(qtbot, "favouritesDialog", edit)
    qtbot.mouseClick(invoice.edit_favourites_button, Qt.MouseButton.LeftButton)
    assert seen == ["favouritesDialog"]
    assert [b.text() for b in invoice.favourite_buttons] == ["G + MEG", "VG + MD + IK", "COD"]
    qtbot.mouseClick(invoice.favourite_buttons[0], Qt.MouseButton.LeftButton)
    assert invoice.codes_on_invoice() == ["G", "MEG"]
    # kept for the next session
    from ui import services

    assert services.favourite_codes(window.ctx) == ("G+MEG", "VG+MD+IK", "COD")


def test_buttons_stay_put_whatever_the_state_text(qtbot, window, fake_backend):
    _panel, invoice = start(qtbot, window, fake_backend)
    before = invoice.secure_button.mapTo(window, invoice.secure_button.rect().topLeft())
    invoice.state_label.setText("Une très longue explication " * 12)
    qtbot.wait(50)
    after = invoice.secure_button.mapTo(window, invoice.secure_button.rect().topLeft())
    assert before == after


def test_a_damaged_vitale_offers_the_degrade_with_its_reason(
    qtbot, window, fake_backend, monkeypatch
):
    monkeypatch.setattr("ui.main_window.show_error", lambda *args, **kw: None)
    panel, _invoice = start(qtbot, window, fake_backend, vitale=None)
    fake_backend.insert("Lecteur B", make_card("vitale-abimee"))
    # its names still read: offered for the dégradé, never « illisible » (test_desk_public_vitale)
    qtbot.waitUntil(lambda: panel.beneficiaries.count() == 1, timeout=10000)
    assert "retirée" not in panel.source_label.text()
    assert "illisible" not in panel.source_label.text()
    assert "mode dégradé" in panel.source_label.text()

    def cancel(dialog) -> None:
        assert dialog.textValue() == "carte Vitale défectueuse"  # the reason is preset
        dialog.reject()

    seen = answer_modal(qtbot, "degradeReasonDialog", cancel)
    qtbot.mouseClick(panel.degraded_button, Qt.MouseButton.LeftButton)
    assert seen == ["degradeReasonDialog"]
