"""At the desk, the complémentaire is asked off the database thread (issue #23): while the
simulated AMC (real HTTPS) is asked, the screen says « Demande d'accord à la
complémentaire… » and the desk's database thread answers other work at once; the FSE then
carries the agreement."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from client.labels import AMC_ASKING
from testbed.amc.payments import AmcPolicy
from testbed.amc.server import AmcServer
from tests.ui.test_desk import add_code, click_row, start
from ui.qt import Qt


def test_the_desk_says_it_asks_the_amc_and_its_database_stays_free(
    qtbot, window, fake_backend, tmp_path: Path
) -> None:
    said: list[tuple[str, str, int]] = []

    def asking(text: str) -> None:  # on the securing's thread, as the AMC is about to be asked
        others = window.ctx.db.submit(lambda store: len(store.fse_list())).result(timeout=5)
        said.append((text, threading.current_thread().name, others))

    policy = AmcPolicy(rejected_per_mille=0, partly_paid_per_mille=0, late_per_mille=0)
    with AmcServer(ledger_path=tmp_path / "amc.sqlite", control_port=None, policy=policy) as amc:
        window.ctx.settings = replace(window.ctx.settings, amc_url=amc.url)
        panel, invoice = start(qtbot, window, fake_backend, vitale="vitale-amc-separee")
        invoice.securing_progress.connect(asking, Qt.ConnectionType.DirectConnection)
        click_row(qtbot, panel.beneficiaries, 0)
        add_code(qtbot, invoice, "G")
        invoice.payment_mode.setCurrentIndex(invoice.payment_mode.findData("tp_amo_amc"))
        qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)
        qtbot.mouseClick(invoice.secure_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(invoice.confirmation.isVisible, timeout=20000)
        assert amc.ledger.summary()["engagements"] == 1
    ((text, thread, others),) = said
    assert text == AMC_ASKING and not thread.startswith("db") and others == 0
    assert "Tiers payant complémentaire accordé" in invoice.confirmation.text()
    row = window.ctx.db.submit(lambda store: store.fse_by_number(1)).result()
    assert row.tiers_payant_amc and row.amc > 0
