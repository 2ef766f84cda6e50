"""The desk with the patient's application carte Vitale: the code typed by a wedge scanner
(or read from an image) opens a session with the simulated ApCV service (real HTTPS); the
bénéficiaires and their rights are shown like a card's; the child picked is billed as
usual and the FSE is secured « ApCV » in the real store. A used code is refused in French
with the way out, and nothing is written."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import segno

from client.context import build_context
from testbed.am.server import AmServer
from testbed.apcv.cli import show_code
from testbed.apcv.server import ApcvServer
from testbed.cards.factory import make_card
from tests.ui.conftest import PinAnswers
from tests.ui.test_fse_flow import add_codes
from ui.qt import Qt


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[AmServer, ApcvServer]]:
    am = AmServer(ledger_path=tmp_path / "ledger.sqlite").start()
    apcv = ApcvServer().start()
    yield am, apcv
    apcv.stop()
    am.stop()


@pytest.fixture
def apcv_window(qtbot, tmp_path, fake_backend, servers):
    from ui.main_window import MainWindow

    am, apcv = servers
    ctx = build_context(backend=fake_backend, data_dir=tmp_path / "data")  # real clock: PKI
    ctx.settings = dataclasses.replace(ctx.settings, server_url=am.url, apcv_url=apcv.url)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.shutdown()


def start_practitioner(qtbot, window, fake_backend) -> None:
    window.interaction.prompt = PinAnswers("1234")
    window.start()
    fake_backend.insert("Lecteur A", make_card("cps-generaliste"))
    qtbot.waitUntil(lambda: window.session.practitioner is not None, timeout=10000)


def scan(qtbot, entry, text: str) -> None:
    """What a keyboard-wedge scanner does: types the text, then Entrée."""
    entry.field.setFocus()
    qtbot.keyClicks(entry.field, text)
    qtbot.keyClick(entry.field, Qt.Key.Key_Return)


def test_a_scanned_apcv_bills_a_child_secured_apcv(qtbot, apcv_window, fake_backend):
    window = apcv_window
    start_practitioner(qtbot, window, fake_backend)
    panel = window.billing_page.patient_panel
    code = show_code("vitale-famille", trusted_third_party="MARTIN Julie")
    scan(qtbot, panel.apcv_entry, code)
    assert panel.apcv_entry.field.text() == ""  # single use: it leaves the field
    qtbot.waitUntil(lambda: panel.beneficiaries.count() == 4, timeout=10000)
    assert "ApCV" in panel.source_label.text()
    assert "tiers de confiance : MARTIN Julie" in panel.source_label.text()
    names = [panel.beneficiaries.item(i).text() for i in range(4)]
    assert "EMMA DURAND" in names[2] and "enfant" in names[2]
    # The child picked, her rights shown as a card's.
    panel.beneficiaries.setCurrentRow(2)
    assert "Droits AMO ouverts" in panel.rights_box.text()
    qtbot.keyClick(panel.beneficiaries, Qt.Key.Key_Return)

    invoice = window.billing_page.invoice_panel
    add_codes(qtbot, invoice, "G")
    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)
    invoice.secure()
    qtbot.waitUntil(lambda: "FSE n° 1" in invoice.state_label.text(), timeout=15000)
    assert "sécurisée ApCV" in invoice.state_label.text()
    rows = window.ctx.db.submit(lambda store: store.fse_list()).result()
    assert [(r.number, r.mode) for r in rows] == [(1, "apcv")]
    assert rows[0].fse().apcv_signature

    # The same code again: refused, in French, with the way out; nothing more is written.
    scan(qtbot, panel.apcv_entry, code)
    qtbot.waitUntil(lambda: "déjà servi" in panel.apcv_entry.hint.text(), timeout=10000)
    assert "sans Vitale" in panel.apcv_entry.hint.text()
    assert "garantie de paiement" in panel.apcv_entry.hint.text()
    assert window.ctx.db.submit(lambda store: store.fse_count()).result() == 1


def test_an_image_of_the_code_opens_the_session(qtbot, apcv_window, fake_backend, tmp_path):
    window = apcv_window
    start_practitioner(qtbot, window, fake_backend)
    panel = window.billing_page.patient_panel
    image = tmp_path / "telephone.png"
    segno.make(show_code("vitale-ald"), error="m").save(str(image), scale=4)
    panel.apcv_entry.read_image(image)
    qtbot.waitUntil(lambda: panel.beneficiaries.count() >= 1, timeout=10000)
    assert "ApCV" in panel.source_label.text()

    # A photo without a code, and an expired code: said at once.
    blank = tmp_path / "blanc.png"
    segno.make("https://example.invalid/boite", error="m").save(str(blank), scale=4)
    panel.apcv_entry.read_image(blank)
    qtbot.waitUntil(lambda: "pas un code ApCV" in panel.apcv_entry.hint.text(), timeout=5000)
    expired = show_code("vitale-ald", now=datetime.now(UTC) - timedelta(minutes=10))
    scan(qtbot, panel.apcv_entry, expired)
    qtbot.waitUntil(lambda: "a expiré" in panel.apcv_entry.hint.text(), timeout=5000)


def test_a_teleconsultation_with_a_pasted_code(qtbot, apcv_window, fake_backend):
    window = apcv_window
    start_practitioner(qtbot, window, fake_backend)
    panel = window.billing_page.patient_panel
    entry = panel.apcv_entry
    entry.field.setText(show_code("vitale-ald"))  # pasted from the patient's message
    qtbot.keyClick(entry.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.beneficiaries.count() >= 1, timeout=10000)
    panel.beneficiaries.setCurrentRow(0)
    invoice = window.billing_page.invoice_panel
    invoice.teleconsultation.setChecked(True)
    add_codes(qtbot, invoice, "G")
    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)
    invoice.secure()
    qtbot.waitUntil(lambda: "sécurisée ApCV" in invoice.state_label.text(), timeout=15000)
    rows = window.ctx.db.submit(lambda store: store.fse_list()).result()
    assert [r.mode for r in rows] == ["apcv"]
