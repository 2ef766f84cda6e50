"""Cards at the point of care, through the real pcscd and the emulated cards: CPS and its
PIN, the practitioner session that ends with the card, the Vitale family card."""

from __future__ import annotations

import pytest

from tests.ui.conftest import PinAnswers

pytestmark = pytest.mark.pcsc

CPS_READER = 0
VITALE_READER = 1


def test_cps_pin_opens_the_practitioner_session_and_removal_ends_it(
    qtbot, pcsc_window, card_server
):
    pins = PinAnswers("1234")
    pcsc_window.interaction.prompt = pins
    card_server.insert(CPS_READER, "cps-generaliste", fresh=True)
    bar = pcsc_window.billing_page.practitioner_bar
    qtbot.waitUntil(lambda: "RENAUD" in bar.name_label.text(), timeout=10000)
    assert pins.asked == [("Virtual PCD 00 00", 3, False)]
    assert "Cabinet médical du Marais" in bar.situations.currentText()
    assert "RENAUD" in pcsc_window.status.practitioner_label.text()
    card_server.remove(CPS_READER)
    qtbot.waitUntil(lambda: pcsc_window.session.practitioner is None, timeout=10000)
    assert pcsc_window.status.practitioner_label.text() == "Aucun praticien"


def test_wrong_pin_shows_tries_left_then_the_right_one_opens(qtbot, pcsc_window, card_server):
    pins = PinAnswers("0000", "1234")
    pcsc_window.interaction.prompt = pins
    card_server.insert(CPS_READER, "cps-generaliste", fresh=True)
    qtbot.waitUntil(lambda: pcsc_window.session.practitioner is not None, timeout=10000)
    assert pins.asked == [("Virtual PCD 00 00", 3, False), ("Virtual PCD 00 00", 2, True)]


def test_cancelled_pin_opens_nothing_and_shows_no_error(qtbot, pcsc_window, card_server):
    pins = PinAnswers(None)
    pcsc_window.interaction.prompt = pins
    failures = []
    pcsc_window.card_flow.card_failed.connect(lambda r, e: failures.append(e))
    card_server.insert(CPS_READER, "cps-generaliste", fresh=True)
    qtbot.waitUntil(lambda: len(failures) == 1, timeout=10000)
    assert pcsc_window.session.practitioner is None
    assert type(failures[0]).__name__ == "CardOperationCancelled"


def test_blocked_card_is_explained_without_asking_the_pin(qtbot, pcsc_window, card_server):
    pins = PinAnswers("1234")
    pcsc_window.interaction.prompt = pins
    offered: list[tuple[str, int | None, bool]] = []

    def decline(parent, reader, puk_tries_left, wrong):  # the offer to unblock, declined
        offered.append((reader, puk_tries_left, wrong))

    pcsc_window.interaction.unblock_prompt = decline
    failures = []
    pcsc_window.card_flow.card_failed.connect(lambda _r, exc: failures.append(exc))
    card_server.insert(CPS_READER, "cps-bloquee", fresh=True)
    qtbot.waitUntil(lambda: len(failures) == 1, timeout=10000)
    assert pins.asked == []
    assert [o[1:] for o in offered] == [(None, False)]  # offered once, the PIN never asked
    assert pcsc_window.session.practitioner is None


def test_vitale_family_lists_every_beneficiary_with_rights(qtbot, pcsc_window, card_server):
    card_server.insert(VITALE_READER, "vitale-famille", fresh=True)
    panel = pcsc_window.billing_page.patient_panel
    qtbot.waitUntil(lambda: panel.beneficiaries.count() == 5, timeout=10000)
    names = [panel.beneficiaries.item(i).text() for i in range(5)]
    assert names[0].startswith("PIERRE DURAND")
    assert "(conjoint)" in names[1] and "SOPHIE DURAND" in names[1]
    assert "Droits AMO ouverts" in panel.rights_box.text()
    assert "Vitale : carte Vitale" not in pcsc_window.status.readers_label.text()
    assert "Virtual PCD 00 01 : carte Vitale" in pcsc_window.status.readers_label.text()
    panel.beneficiaries.setCurrentRow(2)
    panel.choose_row(2)
    assert pcsc_window.session.patient.name == "LUCAS DURAND"
    card_server.remove(VITALE_READER)
    qtbot.waitUntil(lambda: panel.beneficiaries.count() == 0, timeout=10000)
    assert pcsc_window.session.patient is None


def test_fse_secured_through_the_real_readers(qtbot, pcsc_window, card_server):
    """CPS and PIN, family card, a rule error corrected, FSE certified by the card in pcscd."""
    from ui.qt import Qt

    pcsc_window.interaction.prompt = PinAnswers("1234")
    card_server.insert(CPS_READER, "cps-generaliste", fresh=True)
    card_server.insert(VITALE_READER, "vitale-famille", fresh=True)
    qtbot.waitUntil(lambda: pcsc_window.session.practitioner is not None, timeout=10000)
    panel = pcsc_window.billing_page.patient_panel
    qtbot.waitUntil(lambda: panel.beneficiaries.count() == 5, timeout=10000)
    panel.beneficiaries.setCurrentRow(2)  # Lucas, 11 years old
    panel.beneficiaries.setFocus()
    qtbot.keyClick(panel.beneficiaries, Qt.Key.Key_Return)
    invoice = pcsc_window.billing_page.invoice_panel
    for code in ("G", "MEG"):  # MEG: under 6 only
        qtbot.keyClicks(invoice.code_edit, code)
        qtbot.keyClick(invoice.code_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "moins de 6 ans" in invoice.errors_label.text(), timeout=5000)
    assert not invoice.secure_button.isEnabled()
    invoice.table.selectRow(1)
    invoice.remove_selected()
    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)
    invoice.secure()
    qtbot.waitUntil(
        lambda: "FSE n° 1 sécurisée Vitale" in invoice.state_label.text(), timeout=15000
    )
    rows = pcsc_window.ctx.db.submit(lambda store: store.fse_list()).result()
    assert rows[0].vitale_serial == "5601020304050607" and rows[0].vitale_certification
