"""Every euro on screen (issue #20): the chosen FSE's parts in words under the queue, « Clore
le reste dû… » (dialog answered: réclamé à la caisse, with a comment), the dashboard's
« non payés » figure and the alerts, which go once the remainder is closed."""

from __future__ import annotations

import os
from decimal import Decimal

from billing.arl import Arl, ArlStatus
from billing.noemie import (
    PAYMENT_MOTIFS,
    REJECT_MOTIFS,
    InvoiceOutcome,
    NoemieFile,
    NoemieInvoice,
    NoemiePayment,
    NoemieRejects,
    build_noemie,
)
from client.returns import apply_arl, import_noemie
from client.store import FseRow, open_store
from tests.client.am_support import FakeClock, close_lots, create_fse, open_cabinet
from ui.dialogs.close_remainder import CloseRemainderDialog
from ui.fmt import euros
from ui.qt import Qt

CUT = Decimal("1.90")
SHOTS = os.environ.get("SESAM_SCREENSHOTS")  # a directory: the screens saved there to look at


def _prepare(path) -> tuple[FseRow, FseRow]:  # type: ignore[no-untyped-def]
    """FSE 1 paid 1,90 € short (motif S01), FSE 2 rejected (R02), from one NOEMIE file."""
    clock = FakeClock()
    store = open_store(path)
    try:
        partial, rejected = create_fse(store, open_cabinet(), 2, clock)
        (lot_id,) = close_lots(store, open_cabinet(), clock)
        apply_arl(store, Arl(f"ARL-{lot_id[:8]}", lot_id, ArlStatus.POSITIVE, clock(), 2), clock())
        today = clock().date()
        short = NoemieInvoice(
            partial.fse_uuid,
            lot_id,
            partial.care_date,
            InvoiceOutcome.PAID,
            partial.amo - CUT,
            partial.amc,
            motif_code="S01",
            motif_label=PAYMENT_MOTIFS["S01"],
        )
        reject = NoemieInvoice(
            rejected.fse_uuid,
            lot_id,
            rejected.care_date,
            InvoiceOutcome.REJECTED,
            motif_code="R02",
            motif_label=REJECT_MOTIFS["R02"],
        )
        noemie = NoemieFile(
            "AMSIMUL01",
            "123456789",
            3,
            today,
            payments=(NoemiePayment("VIR3", today, (short,)),),
            rejects=(NoemieRejects(today, (reject,)),),
        )
        import_noemie(store, build_noemie(noemie), clock(), name="RSP3")
        return store.fse_by_uuid(partial.fse_uuid), store.fse_by_uuid(rejected.fse_uuid)
    finally:
        store.close()


def _shot(widget, name: str) -> None:  # type: ignore[no-untyped-def]
    if SHOTS:
        widget.grab().save(os.path.join(SHOTS, name))


def test_parts_in_words_closing_and_the_dashboard(qtbot, window, ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    partial, rejected = _prepare(ctx.store_path)
    answered: list[str] = []

    def answer(dialog: CloseRemainderDialog) -> int:
        """The user reads the parts, keeps « réclamé à la caisse », types a comment."""
        answered.append(dialog.findChild(object, "closeRemainderParts").text())  # type: ignore[union-attr]
        _shot(dialog, "close_remainder_dialog.png")
        dialog.claim.setChecked(True)
        dialog.comment.setText("courrier à la caisse")
        return CloseRemainderDialog.DialogCode.Accepted

    monkeypatch.setattr(CloseRemainderDialog, "exec", answer)
    window.start()
    queue = window.queue_page
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: queue.fse_table.row_count() == 2, timeout=10000)
    row = next(r for r in range(2) if queue.fse_table.text(r, 0) == str(partial.number))
    queue.fse_table.select_row(row)
    qtbot.waitUntil(lambda: "payée partiellement" in queue.fse_detail.text(), timeout=15000)
    detail = queue.fse_detail.text()
    assert "1,90\u00a0€ non payés" in detail and PAYMENT_MOTIFS["S01"] in detail
    _shot(queue, "queue_fse_detail.png")

    # The dashboard: both FSE unpaid, both alerts.
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    page = window.dashboard_page
    unpaid = CUT + rejected.amo + rejected.amc
    qtbot.waitUntil(
        lambda: page.unpaid.value.text() == f"{euros(unpaid)} non payés sur 2 FSE", timeout=15000
    )
    alerts = [page.alerts.item(i).text() for i in range(page.alerts.count())]
    assert any("payée partiellement" in a and "1,90\u00a0€ non payés" in a for a in alerts)
    assert any("rejetée par la caisse" in a and REJECT_MOTIFS["R02"] in a for a in alerts)
    _shot(page, "dashboard_unpaid.png")

    # « Clore le reste dû… » on the partly paid FSE: claimed, with the date.
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    queue.fse_table.select_row(row)
    queue.close_remainder_button.click()
    qtbot.waitUntil(lambda: "réclamé à la caisse le" in queue.send_message.text(), timeout=15000)
    assert answered and answered[0].startswith(f"FSE n° {partial.number} du ")
    assert "1,90" in queue.send_message.text()
    queue.fse_table.select_row(row)
    qtbot.waitUntil(lambda: "réclamé à la caisse le" in queue.fse_detail.text(), timeout=15000)

    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    rest = rejected.amo + rejected.amc
    qtbot.waitUntil(
        lambda: page.unpaid.value.text() == f"{euros(rest)} non payés sur 1 FSE", timeout=15000
    )
    alerts = [page.alerts.item(i).text() for i in range(page.alerts.count())]
    assert not any("payée partiellement" in a for a in alerts)
    assert any("rejetée par la caisse" in a for a in alerts)


def test_nothing_to_close_opens_no_dialog(qtbot, window, ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A paid-in-full or waiting FSE: the page says why, no dialog to answer."""
    clock = FakeClock()
    store = open_store(ctx.store_path)
    try:
        (waiting,) = create_fse(store, open_cabinet(), 1, clock)
    finally:
        store.close()
    opened: list[object] = []
    monkeypatch.setattr(CloseRemainderDialog, "exec", lambda d: opened.append(d) or 0)
    window.start()
    queue = window.queue_page
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: queue.fse_table.row_count() == 1, timeout=10000)
    queue.fse_table.select_row(0)
    queue.close_remainder_button.click()
    qtbot.waitUntil(lambda: "Rien à clore" in queue.send_message.text(), timeout=15000)
    assert f"FSE n° {waiting.number}" in queue.send_message.text()
    assert "pas encore transmise" in queue.send_message.text() and not opened
