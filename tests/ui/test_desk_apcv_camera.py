"""The desk's second ApCV pass (pytest-qt): a camera frame holding the phone's QR code opens
the session like a scanner (no camera here: the button says so at once, with the image
file's way), and « Corriger et renvoyer » of a rejected ApCV FSE offers a new code of the
patient (garantie de paiement) or sans Vitale by ADRi (without)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import segno

from billing.fse_states import FseState
from client.rectify import RectifyDraft
from testbed.apcv.cli import show_code
from tests.ui.test_desk_apcv import apcv_window, servers, start_practitioner
from ui.dialogs.rectify import RectifyDialog
from ui.qt import QImage, Qt

__all__ = ["apcv_window", "servers"]  # fixtures


def test_a_camera_frame_opens_the_session(qtbot, apcv_window, fake_backend, tmp_path: Path):
    window = apcv_window
    start_practitioner(qtbot, window, fake_backend)
    panel = window.billing_page.patient_panel
    entry = panel.apcv_entry
    # No camera on this workstation: said at once, with the way out (a photo, the scanner).
    qtbot.mouseClick(entry.camera_button, Qt.MouseButton.LeftButton)
    assert "Aucune caméra" in entry.hint.text() and "Image…" in entry.hint.text()

    # A frame as a camera gives it (32-bit colour, the phone's code in the middle).
    shot = tmp_path / "cadre.png"
    segno.make(show_code("vitale-ald"), error="m").save(str(shot), scale=5, border=12)
    frame = QImage(str(shot)).convertToFormat(QImage.Format.Format_RGB32)
    assert entry.read_frame(frame)
    qtbot.waitUntil(lambda: panel.beneficiaries.count() >= 1, timeout=10000)
    assert "ApCV" in panel.source_label.text()

    # A frame without a code (the camera sees the desk): said, nothing opened.
    empty = QImage(320, 240, QImage.Format.Format_RGB32)
    empty.fill(Qt.GlobalColor.white)
    assert not entry.read_frame(empty)
    assert "pas un code ApCV" in entry.hint.text()


def _draft(apcv: bool) -> RectifyDraft:
    return RectifyDraft(
        number=4,
        practitioner_id="123456789",
        fse_uuid="00000000-0000-4000-8000-000000000004",
        state=FseState.REJECTED,
        care_date=dt.date.today() - dt.timedelta(days=3),
        acts=("G",),
        tiers_payant_amo=True,
        tiers_payant_amc=False,
        patient="DURAND Emma",
        apcv=apcv,
    )


def test_rectifying_an_apcv_fse_offers_a_new_code_or_adri(qtbot):
    dialog = RectifyDialog(None, _draft(apcv=True), "motif 140")
    qtbot.addWidget(dialog)
    notice = dialog.apcv_notice.text()
    assert dialog.apcv_code is not None
    assert "nouveau code ApCV" in notice and "ADRi" in notice
    assert "sans garantie de paiement" in notice and "avec la garantie de paiement" in notice
    code = show_code("vitale-famille")
    dialog.apcv_code.setText(code)  # the scanner types it
    assert dialog.request().apcv_code == code
    dialog.apcv_code.clear()
    assert dialog.request().apcv_code == ""  # sans Vitale, by ADRi

    # Any other FSE: no ApCV choice, the patient by NIR as before.
    plain = RectifyDialog(None, _draft(apcv=False))
    qtbot.addWidget(plain)
    assert plain.apcv_code is None and plain.request().apcv_code == ""
    assert not plain.apcv_notice.text()


def test_the_new_texts_speak_english(qtbot):
    from client.usecases.scope import DraftNotice
    from ui.app import install_translators
    from ui.pages.billing import drafts_notice
    from ui.qt import QApplication
    from ui.widgets.apcv_entry import ApcvEntry

    app = QApplication.instance()
    translators = install_translators(app, "en")
    try:
        entry = ApcvEntry()
        qtbot.addWidget(entry)
        assert entry.camera_button.text() == "Camera"
        assert entry.field.placeholderText() == "ApCV code: scan the phone's QR code, or paste"
        dialog = RectifyDialog(None, _draft(apcv=True))
        qtbot.addWidget(dialog)
        assert dialog.apcv_code is not None
        assert "by ADRi" in dialog.apcv_code.placeholderText()
        # The cabinet's notice of the invoices prepared at the reception for this card.
        prepared = DraftNotice("d-1", "123456789", "SECR01", dt.datetime(2026, 1, 5, 9, 30), ())
        notice = drafts_notice([prepared, prepared])
        assert notice.startswith("2 invoice(s) prepared for you to sign")
        assert "(acts to complete) (and 1 other(s))" in notice
    finally:
        for translator in translators:
            app.removeTranslator(translator)


def test_a_rejected_apcv_fse_is_rectified_from_the_queue_with_a_new_code(
    qtbot, apcv_window, fake_backend, monkeypatch
):
    from datetime import UTC, datetime

    from billing.fse_states import FseEventKind
    from billing.lot_states import LotState
    from client.fse_service import FseService
    from tests.client.fse_cards_support import cards
    from tests.ui.test_desk_apcv import scan
    from tests.ui.test_fse_flow import add_codes
    from ui.qt import QDialog
    from ui.widgets.fse_list import FseColumn

    window = apcv_window
    start_practitioner(qtbot, window, fake_backend)
    panel = window.billing_page.patient_panel
    scan(qtbot, panel.apcv_entry, show_code("vitale-famille"))
    qtbot.waitUntil(lambda: panel.beneficiaries.count() == 4, timeout=10000)
    panel.beneficiaries.setCurrentRow(2)
    qtbot.keyClick(panel.beneficiaries, Qt.Key.Key_Return)
    invoice = window.billing_page.invoice_panel
    add_codes(qtbot, invoice, "G")
    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)
    invoice.secure()
    qtbot.waitUntil(lambda: "sécurisée ApCV" in invoice.state_label.text(), timeout=15000)

    def reject(store):  # the caisse's answer, as the returns record it
        the_cards = cards(vitale_profile=None)
        FseService(store).close_lots(the_cards.session, the_cards.cps, all_lots=True)
        row = store.fse_by_number(1)
        now = datetime.now(UTC)
        store.lot_transition(row.lot_id, LotState.SENT, FseState.SENT, FseEventKind.SENT, now)
        store.lot_transition(
            row.lot_id, LotState.ACKNOWLEDGED, FseState.ACKNOWLEDGED, FseEventKind.ARL_POSITIVE, now
        )
        store.transition_fse(row.id, FseState.REJECTED, FseEventKind.REJECTED, now, "motif 140")

    window.ctx.db.submit(reject).result()
    offered: list[str] = []

    def answer(dialog: RectifyDialog) -> int:
        offered.append(dialog.apcv_notice.text())
        assert dialog.apcv_code is not None
        qtbot.keyClicks(dialog.apcv_code, show_code("vitale-famille"))  # the scanner types
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(RectifyDialog, "exec", answer)
    queue = window.queue_page
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    queue.refresh()  # the returns came in behind the page's back
    qtbot.waitUntil(
        lambda: (
            queue.fse_table.row_count() == 1
            and queue.fse_table.text(0, FseColumn.STATE) == "rejetée"
        ),
        timeout=5000,
    )
    queue.fse_table.select_row(0)
    queue.rectify_button.click()
    qtbot.waitUntil(lambda: "rectifiée par la FSE n°" in queue.send_message.text(), timeout=15000)
    assert "garantie de paiement" in offered[0] and "ADRi" in offered[0]
    rows = window.ctx.db.submit(lambda store: store.fse_list()).result()
    assert sorted((r.number, r.mode, r.state) for r in rows) == [
        (1, "apcv", FseState.RECTIFIED),
        (2, "apcv", FseState.SECURED),
    ]
    assert rows[0].fse().apcv_signature or rows[1].fse().apcv_signature
