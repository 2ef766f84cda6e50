"""« Réglé par » and the amount collected at the desk are stored with the FSE: the receipt
reprinted later from the command line (``sesam print receipt``) and ``sesam fse show`` state
them, not only the receipt printed at the desk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.ui.test_desk import add_code, click_row, start
from ui.qt import Qt

ROOT = Path(__file__).resolve().parents[2]


def sesam(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "client.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "SESAM_DATA_DIR": str(data_dir)},
        timeout=60,
        check=False,
    )


def test_means_and_amount_collected_are_on_the_reprinted_receipt(
    qtbot, window, fake_backend, tmp_path: Path
) -> None:
    panel, invoice = start(qtbot, window, fake_backend)
    click_row(qtbot, panel.beneficiaries, 0)  # Pierre
    add_code(qtbot, invoice, "G")
    qtbot.waitUntil(lambda: invoice.amount_labels["to_collect"].text() == "30,00\u00a0€")
    invoice.payment_mode.setCurrentIndex(invoice.payment_mode.findData("tp_amo"))
    qtbot.waitUntil(lambda: invoice.amount_labels["to_collect"].text() == "11,00\u00a0€")
    invoice.payment_means.setCurrentIndex(invoice.payment_means.findData("cheque"))
    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)
    qtbot.mouseClick(invoice.secure_button, Qt.MouseButton.LeftButton)  # no receipt printed now
    qtbot.waitUntil(invoice.confirmation.isVisible, timeout=10000)
    assert not (window.ctx.data_dir / "documents" / "recu-1.pdf").exists()
    window.shutdown()  # the store closed, as when the practice reprints the next day

    data_dir = window.ctx.data_dir
    receipt = tmp_path / "recu.pdf"
    printed = sesam(data_dir, "print", "receipt", "1", "--out", str(receipt))
    assert printed.returncode == 0, printed.stderr
    text = subprocess.run(
        ["pdftotext", "-layout", str(receipt), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert "la somme de 11,00 EUR (chèque)" in flat

    shown = sesam(data_dir, "fse", "show", "1")
    assert shown.returncode == 0, shown.stderr
    assert "réglé par chèque : 11,00\u00a0€ encaissés" in shown.stdout
    as_json = sesam(data_dir, "fse", "show", "1", "--json")
    assert json.loads(as_json.stdout)["reglement"] == {"mode": "cheque", "montant": "11.00"}
    # Journaled when the desk recorded it: the audit checks the « encaissé » figure.
    verified = sesam(data_dir, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
