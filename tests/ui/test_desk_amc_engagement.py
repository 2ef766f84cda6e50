"""At the desk, an FSE in tiers payant AMO + AMC asks the complémentaire first (the simulated
AMC over real HTTPS): granted, the confirmation gives the engagement number and the AMC pays
its part; unreachable, the confirmation says so and the patient pays the AMC part."""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path

from testbed.amc.payments import AmcPolicy
from testbed.amc.server import AmcServer
from tests.ui.test_desk import add_code, click_row, start
from ui.qt import Qt


def _secure_tp_amc(qtbot, window, fake_backend) -> str:
    panel, invoice = start(qtbot, window, fake_backend, vitale="vitale-amc-separee")
    click_row(qtbot, panel.beneficiaries, 0)
    add_code(qtbot, invoice, "G")
    invoice.payment_mode.setCurrentIndex(invoice.payment_mode.findData("tp_amo_amc"))
    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)
    qtbot.mouseClick(invoice.secure_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(invoice.confirmation.isVisible, timeout=20000)
    return str(invoice.confirmation.text())


def _fse(window):
    return window.ctx.db.submit(lambda store: store.fse_by_number(1)).result()


def test_the_engagement_granted_is_on_the_confirmation(
    qtbot, window, fake_backend, tmp_path: Path
) -> None:
    policy = AmcPolicy(rejected_per_mille=0, partly_paid_per_mille=0, late_per_mille=0)
    with AmcServer(ledger_path=tmp_path / "amc.sqlite", control_port=None, policy=policy) as amc:
        window.ctx.settings = replace(window.ctx.settings, amc_url=amc.url)
        text = _secure_tp_amc(qtbot, window, fake_backend)
        assert amc.ledger.summary()["engagements"] == 1
    assert "Tiers payant complémentaire accordé (engagement n° ENG44300002" in text
    row = _fse(window)
    assert row.tiers_payant_amc and row.amc > 0  # the AMC pays its part


def test_an_unreachable_amc_is_said_and_the_patient_pays_its_part(
    qtbot, window, fake_backend
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    window.ctx.settings = replace(
        window.ctx.settings, amc_url=f"https://127.0.0.1:{port}", connect_timeout=1.0
    )
    text = _secure_tp_amc(qtbot, window, fake_backend)
    assert "Complémentaire injoignable" in text
    assert "Le patient règle la part complémentaire" in text
    row = _fse(window)
    assert row.tiers_payant_amo and not row.tiers_payant_amc
