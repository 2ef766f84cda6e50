"""« Corriger et renvoyer… » on the queue page: offered for a rejected FSE only; the dialog
shows it as billed; the corrected FSE is signed with the practitioner's CPS on the
database thread and takes the original's place in the list."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import client.rectify
from billing.arl import Arl, ArlStatus
from billing.fse_states import FseEventKind, FseState
from billing.lot_states import LotState
from billing.noemie import InvoiceOutcome, NoemieFile, NoemieInvoice, NoemieRejects, build_noemie
from client.returns import apply_arl, import_noemie
from client.store import open_store
from testbed.cards.factory import make_card
from tests.client.am_support import FakeClock, close_lots, create_fse, open_cabinet
from tests.ui.conftest import PinAnswers
from ui.dialogs.rectify import RectifyDialog
from ui.qt import QDate, QDialog, QLabel, Qt
from ui.widgets.fse_list import FseColumn


def _rejected_fse(path: Path) -> int:
    """One FSE sent, acknowledged, then rejected in a NOEMIE return; its number."""
    clock = FakeClock()
    store = open_store(path)
    try:
        (row,) = create_fse(store, open_cabinet(), 1, clock)
        (lot_id,) = close_lots(store, open_cabinet(), clock)
        now = datetime.now(UTC)
        store.lot_transition(lot_id, LotState.SENT, FseState.SENT, FseEventKind.SENT, now)
        arl = Arl(f"ARL-{lot_id[:8]}", lot_id, ArlStatus.POSITIVE, now, 1, ())
        apply_arl(store, arl, now)
        reject = NoemieInvoice(
            row.fse_uuid,
            lot_id,
            row.care_date,
            InvoiceOutcome.REJECTED,
            motif_code="R02",
            motif_label="Cotation de l'acte non conforme",
        )
        returns = NoemieFile(
            "AMSIMUL01", "123456789", 1, now.date(), rejects=(NoemieRejects(now.date(), (reject,)),)
        )
        assert import_noemie(store, build_noemie(returns), now, name="RSP01").rejected == 1
        return row.number
    finally:
        store.close()


def test_rejected_fse_corrected_and_signed_from_the_queue(
    qtbot, window, fake_backend, monkeypatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    number = _rejected_fse(window.ctx.store_path)
    original_day = (
        window.ctx.db.submit(lambda store: store.fse_by_number(number)).result().care_date
    )
    seen: list[tuple[str, str, str]] = []

    def answer(dialog: RectifyDialog) -> int:
        # What the user reads first: the FSE as billed. Then the date is corrected.
        intro = dialog.findChild(QLabel, "rectifyIntro").text()
        seen.append(
            (dialog.acts_edit.text(), dialog.date_edit.date().toString("dd/MM/yyyy"), intro)
        )
        dialog.grab().save(str(tmp_path / "rectify.png"))
        day = dialog.draft.care_date - timedelta(days=1)
        dialog.date_edit.setDate(QDate(day.year, day.month, day.day))
        dialog.acts_edit.setText("")
        assert not dialog.sign_button.isEnabled()  # an FSE bills at least one act
        dialog.acts_edit.setText("G")
        assert dialog.sign_button.isEnabled()
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(RectifyDialog, "exec", answer)
    threads: list[threading.Thread] = []
    real = client.rectify.rectify

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(client.rectify, "rectify", spy)

    window.interaction.prompt = PinAnswers("1234")
    window.start()
    fake_backend.insert("Lecteur A", make_card("cps-generaliste"))
    qtbot.waitUntil(lambda: window.session.practitioner is not None, timeout=10000)
    queue = window.queue_page
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: queue.fse_table.row_count() == 1, timeout=5000)
    assert not queue.rectify_button.isEnabled()  # nothing chosen yet
    queue.fse_table.select_row(0)
    assert queue.fse_table.text(0, FseColumn.STATE) == "rejetée"
    assert queue.rectify_button.isEnabled()
    window.grab().save(str(tmp_path / "queue.png"))

    queue.rectify_button.click()
    qtbot.waitUntil(lambda: "rectifiée par la FSE n°" in queue.send_message.text(), timeout=10000)
    acts, day, intro = seen[0]
    assert acts == "G" and day == f"{original_day:%d/%m/%Y}"
    assert "rejetée par la caisse" in intro and "R02 Cotation de l'acte non conforme" in intro
    assert threads and threads[0] is not threading.main_thread()
    rows = window.ctx.db.submit(lambda store: store.fse_list()).result()
    original, new = rows
    assert (original.number, original.state) == (number, FseState.RECTIFIED)
    assert new.state is FseState.SECURED and new.fse().body.rectifies is not None
    assert new.care_date == original.care_date - timedelta(days=1)
    # The original stays in the list with its history, « rectifiée », beside its rectificative;
    # the list's total counts the care once.
    qtbot.waitUntil(lambda: queue.fse_table.row_count() == 2, timeout=5000)
    states = {
        queue.fse_table.text(r, FseColumn.NUMBER): queue.fse_table.text(r, FseColumn.STATE)
        for r in range(2)
    }
    assert states[str(number)].startswith("rectifiée")
    assert states[str(new.number)] == "sécurisée, lot ouvert"
    window.grab().save(str(tmp_path / "queue-after.png"))
    for r in range(2):
        queue.fse_table.select_row(r)
        assert not queue.rectify_button.isEnabled()  # nothing left to correct
