"""From the cards to a secured FSE, in-process emulated cards (no pcscd): CPS and PIN, Vitale
family, act, FSE secured and waiting in the outbox; a CPE prepares but never signs."""

from __future__ import annotations

from testbed.cards.factory import make_card
from tests.ui.conftest import PinAnswers
from ui.qt import Qt


def start_with_cards(
    qtbot, window, fake_backend, cps="cps-generaliste", vitale="vitale-famille", pin="1234"
):
    window.interaction.prompt = PinAnswers(pin)
    window.start()
    fake_backend.insert("Lecteur A", make_card(cps))
    if vitale:
        fake_backend.insert("Lecteur B", make_card(vitale))
    qtbot.waitUntil(
        lambda: (window.session.practitioner or window.session.staff) is not None, timeout=10000
    )
    if vitale:
        panel = window.billing_page.patient_panel
        qtbot.waitUntil(lambda: panel.beneficiaries.count() > 0, timeout=10000)
        panel.beneficiaries.setFocus()
        qtbot.keyClick(panel.beneficiaries, Qt.Key.Key_Return)


def add_codes(qtbot, invoice, *codes):
    for code in codes:
        qtbot.keyClicks(invoice.code_edit, code)
        qtbot.keyClick(invoice.code_edit, Qt.Key.Key_Return)


def test_one_patient_billed_in_a_few_keystrokes(qtbot, window, fake_backend):
    start_with_cards(qtbot, window, fake_backend)
    invoice = window.billing_page.invoice_panel
    add_codes(qtbot, invoice, "G")
    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)
    qtbot.keyClick(invoice.code_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "FSE n° 1" in invoice.state_label.text(), timeout=10000)
    assert "sécurisée Vitale" in invoice.state_label.text()
    assert invoice.table.rowCount() == 0  # ready for the next patient

    rows = window.ctx.db.submit(lambda store: store.fse_list()).result()
    assert [(r.number, r.mode, str(r.total_fees)) for r in rows] == [(1, "vitale", "30.00")]
    assert rows[0].vitale_certification  # certified by the card


def test_a_cpe_prepares_the_invoice_and_never_signs(qtbot, window, fake_backend):
    start_with_cards(qtbot, window, fake_backend, cps="cpe-secretaire")
    assert window.session.practitioner is None
    assert "CPE" in window.billing_page.practitioner_bar.staff_label.text()
    invoice = window.billing_page.invoice_panel
    add_codes(qtbot, invoice, "G")
    qtbot.waitUntil(
        lambda: invoice.state_label.text().startswith("Prête : le praticien"), timeout=5000
    )
    assert not invoice.secure_button.isEnabled()
    invoice.save_button.click()
    qtbot.waitUntil(lambda: invoice.draft_id is not None, timeout=5000)
    drafts = window.ctx.drafts.list()
    assert [d["acts"][0]["code"] for d in drafts] == ["G"]


def test_reception_prepares_and_the_practitioner_secures_it(qtbot, window, fake_backend):
    start_with_cards(qtbot, window, fake_backend, cps="cpe-secretaire")
    invoice = window.billing_page.invoice_panel
    add_codes(qtbot, invoice, "G")
    qtbot.waitUntil(invoice.save_button.isEnabled, timeout=5000)
    qtbot.keyClick(invoice, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: invoice.draft_id is not None, timeout=5000)

    # the receptionist takes her card out, the practitioner puts his in
    fake_backend.remove("Lecteur A")
    window.interaction.prompt = PinAnswers("1234")
    fake_backend.insert("Lecteur A", make_card("cps-generaliste"))
    qtbot.waitUntil(lambda: window.session.practitioner is not None, timeout=10000)
    panel = window.billing_page.patient_panel
    qtbot.waitUntil(lambda: panel.drafts_combo.count() == 1, timeout=5000)
    panel.resume_button.click()
    assert window.session.patient.source == "vitale"  # his Vitale card is still in
    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)
    invoice.secure()
    qtbot.waitUntil(lambda: "FSE n° 1" in invoice.state_label.text(), timeout=10000)
    qtbot.waitUntil(lambda: panel.drafts_combo.count() == 0, timeout=5000)
    assert window.ctx.drafts.list() == []
