"""« Paiements non rapprochés »: the user picks an orphan payment with the keyboard, gives
the FSE number, the matching runs on the database thread and the FSE shows as paid."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import client.returns
from billing.arl import Arl, ArlStatus
from billing.noemie import (
    InvoiceOutcome,
    NoemieFile,
    NoemieInvoice,
    NoemiePayment,
    build_noemie,
)
from client.returns import apply_arl, import_noemie
from client.store import open_store
from tests.client.am_support import FakeClock, close_lots, create_fse, open_cabinet
from ui.qt import QInputDialog, Qt
from ui.widgets.fse_list import FseColumn


def _foreign_file(fse_id: str, lot_id: str) -> bytes:
    stray = NoemieInvoice(
        fse_id, lot_id, date.today(), InvoiceOutcome.PAID, Decimal("26.50"), Decimal("0.00")
    )
    payment = NoemiePayment("VIRMANUEL1", date.today(), (stray,))
    return build_noemie(NoemieFile("AMSIMUL01", "123456789", 7, date.today(), payments=(payment,)))


def _arl(lot_id: str) -> Arl:
    return Arl(
        arl_id=f"ARL-{lot_id[:8]}",
        lot_id=lot_id,
        status=ArlStatus.POSITIVE,
        received_at=datetime(2026, 11, 16, tzinfo=UTC),
        fse_count=1,
        motifs=(),
    )


def _prepare(path) -> int:  # type: ignore[no-untyped-def]
    """One acknowledged FSE and one payment that matched nothing; the FSE number."""
    cabinet = open_cabinet()
    clock = FakeClock()
    store = open_store(path)
    try:
        (row,) = create_fse(store, cabinet, 1, clock)
        (lot_id,) = close_lots(store, cabinet, clock)
        apply_arl(store, _arl(lot_id), clock())
        data = _foreign_file("5b4c9a3e-1111-4222-8333-444455556699", "6b4c9a3e-1111-4222")
        assert import_noemie(store, data, clock(), name="RSP99").unmatched == 1
        return row.number
    finally:
        store.close()


def test_unmatched_payment_matched_by_hand_from_the_queue(qtbot, ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    number = _prepare(ctx.store_path)
    asked: list[str] = []
    monkeypatch.setattr(
        QInputDialog, "getInt", staticmethod(lambda *a, **k: (asked.append(a[2]) or number, True))
    )
    threads: list[threading.Thread] = []
    real = client.returns.match_payment_by_hand

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(client.returns, "match_payment_by_hand", spy)

    from ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.start()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    try:
        queue = window.queue_page
        qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: queue.unmatched_table.row_count() == 1, timeout=5000)
        assert queue.isVisible()
        assert queue.tabs.tabText(2) == "Paiements non rapprochés (1)"
        # Keyboard only: the tab, arrows choose the payment, Entrée (or Alt+R) matches.
        queue.tabs.setCurrentIndex(2)
        queue.unmatched_table.setFocus()
        qtbot.keyClick(queue.unmatched_table, Qt.Key.Key_Down)
        qtbot.keyClick(queue.unmatched_table, Qt.Key.Key_Home)
        assert queue.selected_payment() is not None
        qtbot.keyClick(queue.unmatched_table, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "rapproché de la FSE" in queue.send_message.text(), timeout=5000)
        assert asked and "26,50" in asked[0]
        assert threads and threads[0] is not threading.main_thread()
        qtbot.waitUntil(lambda: queue.unmatched_table.row_count() == 0, timeout=5000)
        # The FSE list searches on its own after the page's load: a moment later.
        qtbot.waitUntil(
            lambda: queue.fse_table.text(0, FseColumn.STATUS).startswith("payée"), timeout=5000
        )
        # The same FSE cannot take a second payment: French sentence, nothing changes.
    finally:
        window.shutdown()
