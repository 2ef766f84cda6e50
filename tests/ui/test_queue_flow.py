"""The queue against the simulated Assurance Maladie (real HTTPS with client certificates on
loopback): FSE secured, lot signed with the CPS, sent with progress, ARL, payment shown."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from client.context import build_context
from testbed.am.noemie_gen import ReturnPolicy
from testbed.am.server import AmServer
from tests.ui.test_fse_flow import add_codes, start_with_cards
from ui.qt import Qt
from ui.widgets.fse_list import FseColumn


@pytest.fixture
def am_policy() -> ReturnPolicy:
    """Every FSE paid in full (a test that wants rejects parametrizes this)."""
    return ReturnPolicy(rejected_per_mille=0, partly_paid_per_mille=0)


@pytest.fixture
def am(tmp_path: Path, am_policy: ReturnPolicy):
    server = AmServer(
        ledger_path=tmp_path / "ledger.sqlite", noemie_delay=0, policy=am_policy
    ).start()
    yield server
    server.stop()


@pytest.fixture
def am_window(qtbot, tmp_path, fake_backend, am):
    from ui.main_window import MainWindow

    ctx = build_context(backend=fake_backend, data_dir=tmp_path / "data")  # real clock: PKI
    ctx.settings = dataclasses.replace(ctx.settings, server_url=am.url)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.shutdown()


def test_queue_sent_then_arl_and_payment_shown(qtbot, am_window, fake_backend, am):
    window = am_window
    start_with_cards(qtbot, window, fake_backend)
    invoice = window.billing_page.invoice_panel
    add_codes(qtbot, invoice, "G")
    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)
    invoice.secure()
    qtbot.waitUntil(lambda: "FSE n° 1" in invoice.state_label.text(), timeout=10000)

    queue = window.queue_page
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: queue.fse_table.row_count() == 1, timeout=5000)
    assert queue.fse_table.text(0, FseColumn.STATE) == "sécurisée, lot ouvert"
    assert "1 FSE à envoyer" in queue.summary.text()

    with qtbot.waitSignal(queue.bridge.finished, timeout=30000):
        qtbot.keyClick(queue, Qt.Key.Key_F9)
    qtbot.waitUntil(
        lambda: queue.fse_table.text(0, FseColumn.STATE) == "acceptée (ARL positif)", timeout=10000
    )
    assert queue.progress.value() == queue.progress.maximum() == 1
    assert "ARL positif" in queue.lot_table.text(0, 5)
    # One delivery, the one that worked: counted (it used to read « 0 essai(s) »).
    assert queue.lot_table.text(0, 6).startswith("1 essai")
    assert window.status.network_label.text() == "Réseau : ok"

    assert am.produce_returns() >= 1
    queue.fetch_returns()
    qtbot.waitUntil(
        lambda: queue.fse_table.text(0, FseColumn.STATUS).startswith("payée"), timeout=10000
    )
    assert queue.fse_table.text(0, FseColumn.PAID_AMO) != "—"


def test_dashboard_shows_billed_received_and_alerts(qtbot, am_window, fake_backend, am):
    window = am_window
    start_with_cards(qtbot, window, fake_backend)
    invoice = window.billing_page.invoice_panel
    add_codes(qtbot, invoice, "G")
    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)
    invoice.secure()
    qtbot.waitUntil(lambda: "FSE n° 1" in invoice.state_label.text(), timeout=10000)
    dashboard = window.dashboard_page
    window.go_to(2)
    qtbot.waitUntil(lambda: dashboard.view is not None, timeout=5000)
    assert dashboard.rate.value.text() == "100,0 %"
    assert dashboard.waiting.value.text() == "19,00\u00a0€"
    assert dashboard.view.billed[-1] == 19 and dashboard.view.received[-1] == 0


def test_degraded_fse_with_scor_scan_leaves_after_its_invoice(
    qtbot, am_window, fake_backend, am, tmp_path
):
    from tests.client.scor_support import sane_scan

    window = am_window
    start_with_cards(qtbot, window, fake_backend)
    panel = window.billing_page.patient_panel
    panel.ask_degrade_reason = lambda: "carte Vitale défectueuse"  # the reason dialog's answer
    panel.degraded_button.click()  # chosen explicitly, never silently
    assert window.session.patient.source == "degrade"
    invoice = window.billing_page.invoice_panel
    add_codes(qtbot, invoice, "G")
    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)
    invoice.secure()
    qtbot.waitUntil(lambda: "FSE n° 1 dégradé" in invoice.state_label.text(), timeout=10000)
    assert (window.ctx.data_dir / "documents" / "feuille-de-soins-1.pdf").exists()

    scor = window.scor_page
    window.go_to(3)
    qtbot.waitUntil(lambda: scor.waiting.row_count() == 1, timeout=5000)
    scor.load_file(sane_scan(tmp_path))
    qtbot.waitUntil(scor.confirm_button.isEnabled, timeout=30000)
    assert "page(s)" in scor.info.text()
    scor.confirm()
    qtbot.waitUntil(lambda: "Pièce jointe à la FSE n° 1" in scor.info.text(), timeout=10000)
    qtbot.waitUntil(lambda: scor.waiting.row_count() == 0, timeout=5000)

    queue = window.queue_page
    window.go_to(1)
    with qtbot.waitSignal(queue.bridge.finished, timeout=30000):
        queue.send_now()
    window.go_to(3)
    qtbot.waitUntil(lambda: "transmise (ARL PJ positif)" in scor.records.text(0), timeout=10000)


def test_adri_refreshes_the_rights_of_the_chosen_patient(qtbot, am_window, fake_backend, am):
    window = am_window
    start_with_cards(qtbot, window, fake_backend)
    panel = window.billing_page.patient_panel
    panel.adri_button.click()
    qtbot.waitUntil(
        lambda: "Droits ADRi" in panel.source_label.text() or "ADRi :" in panel.search_hint.text(),
        timeout=10000,
    )
    assert "Droits ADRi" in panel.source_label.text(), panel.search_hint.text()
    assert "ne garantit pas le paiement" in panel.source_label.text()
    assert panel.beneficiaries.count() == 1


@pytest.mark.parametrize("am_policy", [ReturnPolicy(rejected_per_mille=1000)])
def test_a_rejected_fse_shows_its_motif(qtbot, am_window, fake_backend, am):
    window = am_window
    start_with_cards(qtbot, window, fake_backend)
    invoice = window.billing_page.invoice_panel
    add_codes(qtbot, invoice, "G")
    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)
    invoice.secure()
    qtbot.waitUntil(lambda: "FSE n° 1" in invoice.state_label.text(), timeout=10000)
    queue = window.queue_page
    window.go_to(1)
    with qtbot.waitSignal(queue.bridge.finished, timeout=30000):
        queue.send_now()
    assert am.produce_returns() >= 1
    queue.fetch_returns()
    qtbot.waitUntil(lambda: queue.fse_table.text(0, FseColumn.STATUS) == "rejetée", timeout=10000)
    motif = queue.fse_table.text(0, FseColumn.MOTIF)
    assert motif[:1] == "R" and len(motif) > 4  # code and label, e.g. "R02 Cotation ..."
    qtbot.waitUntil(lambda: "1 rejet" in window.status.queue_label.text(), timeout=5000)


def test_network_ok_after_a_replay_that_ends_well(qtbot, am_window, fake_backend, am):
    """The concentrator answers 503 once, the sender replays the lot and it goes: the status
    bar says the network is fine now (it used to stay red on « Réseau : erreurs »)."""
    from testbed.am.faults import FaultKind

    window = am_window
    start_with_cards(qtbot, window, fake_backend)
    invoice = window.billing_page.invoice_panel
    add_codes(qtbot, invoice, "G")
    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)
    invoice.secure()
    qtbot.waitUntil(lambda: "FSE n° 1" in invoice.state_label.text(), timeout=10000)

    queue = window.queue_page
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: queue.fse_table.row_count() == 1, timeout=5000)
    am.faults.set(FaultKind.HTTP_503, 1)
    with qtbot.waitSignal(queue.bridge.finished, timeout=60000):
        qtbot.keyClick(queue, Qt.Key.Key_F9)
    qtbot.waitUntil(
        lambda: queue.fse_table.text(0, FseColumn.STATE) == "acceptée (ARL positif)", timeout=10000
    )
    assert not am.faults.is_active(FaultKind.HTTP_503)  # the fault did strike
    assert window.status.network_label.text() == "Réseau : ok"
    assert queue.lot_table.text(0, 6).startswith("2 essais")
