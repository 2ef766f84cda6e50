"""The desk with a complémentaire: the patient panel says the contract in words (n° AMC,
gestion, tiers payant services), the AMC part is on screen, the FSE in tiers payant AMO +
AMC leaves the patient only the participation, and « Devis » keeps a devis with its PDF."""

from __future__ import annotations

from decimal import Decimal

from tests.ui.test_desk import add_code, fse_rows, start
from ui.qt import Qt


def test_gestion_unique_patient_panel_amc_part_and_devis(qtbot, window, fake_backend):  # type: ignore[no-untyped-def]
    panel, invoice = start(qtbot, window, fake_backend, vitale="vitale-amc-unique")
    qtbot.waitUntil(lambda: "77500001" in panel.rights_box.text(), timeout=5000)
    text = panel.rights_box.text()
    assert "contrat RESP150" in text and "gestion unique" in text
    assert "consultations, actes techniques, soins dentaires" in text

    add_code(qtbot, invoice, "G")
    qtbot.waitUntil(invoice.devis_button.isEnabled, timeout=5000)
    assert invoice.amount_labels["amc"].text().startswith("9,00")

    qtbot.mouseClick(invoice.devis_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Devis DV-" in invoice.state_label.text(), timeout=10000)
    kept = window.ctx.db.submit(lambda s: s.devis.all_devis()).result()
    assert len(kept) == 1 and kept[0].amc == Decimal("9.00")
    assert (window.ctx.data_dir / "documents" / f"devis-{kept[0].id}.pdf").is_file()
    assert fse_rows(window) == []  # a devis secures nothing


def test_a_card_without_tiers_payant_says_so_on_the_panel(qtbot, window, fake_backend):  # type: ignore[no-untyped-def]
    panel, _invoice = start(qtbot, window, fake_backend, vitale="vitale-amc-sans-tp")
    qtbot.waitUntil(lambda: "60000003" in panel.rights_box.text(), timeout=5000)
    assert "Sans tiers payant complémentaire" in panel.rights_box.text()
