"""A carte Vitale that gives only its public zone, or whose NIR file is damaged: the desk
shows the names (and NIR) the card gave, the receptionist picks the bénéficiaire, is told the
FSE will not be « sécurisée Vitale », and bills in dégradé with that identity pre-filled."""

from __future__ import annotations

from testbed.cards.factory import make_card
from tests.ui.test_desk import answer_modal, click_row, fse_rows, header_for, start
from ui.fmt import nir_display
from ui.qt import Qt


def test_public_only_vitale_bills_the_chosen_beneficiary_in_degrade(
    qtbot, window, fake_backend, monkeypatch
) -> None:
    shown: list[BaseException] = []
    monkeypatch.setattr("ui.main_window.show_error", lambda p, e, t="": shown.append(e))
    panel, invoice = start(qtbot, window, fake_backend, vitale=None)
    fake_backend.insert("Lecteur B", make_card("vitale-publique"))
    qtbot.waitUntil(lambda: panel.beneficiaries.count() == 5, timeout=10000)
    label = panel.source_label.text()
    assert "illisible" not in label and "retirée" not in label
    assert "mode dégradé" in label
    assert "ne sera pas « sécurisée Vitale » (pas de garantie de paiement)" in label
    names = [panel.beneficiaries.item(i).text() for i in range(5)]
    assert names[1].startswith("SOPHIE LEROY") and "03/09/1982" in names[1]

    click_row(qtbot, panel.beneficiaries, 1)  # Sophie, with the mouse
    assert nir_display("282096912301858") in panel.rights_box.text()
    assert invoice.header_label.text().startswith(header_for("SOPHIE LEROY", 1982, 9, 3))

    prefilled: dict[str, str] = {}

    def complete(dialog) -> None:  # type: ignore[no-untyped-def]
        prefilled.update(
            nom=dialog.last_name.text(),
            prenom=dialog.first_name.text(),
            nir=dialog.nir.text(),
            birth=dialog.birth.date().toString("yyyyMMdd"),
        )
        dialog.caisse.setText("691")  # what the public zone does not carry
        dialog.centre.setText("6911")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    seen = answer_modal(qtbot, "newPatientDialog", complete)
    qtbot.keyClick(panel.beneficiaries, Qt.Key.Key_Return)
    assert seen == ["newPatientDialog"]
    assert prefilled == {
        "nom": "LEROY",
        "prenom": "SOPHIE",
        "nir": "282096912301858",
        "birth": "19820903",
    }
    assert invoice.header_label.text().startswith(header_for("SOPHIE LEROY", 1982, 9, 3))

    invoice.code_edit.setFocus()
    qtbot.keyClicks(invoice.code_edit, "G")
    qtbot.keyClick(invoice.code_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)
    qtbot.mouseClick(invoice.secure_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(invoice.confirmation.isVisible, timeout=10000)
    row = fse_rows(window)[0]
    assert (row.mode, row.degrade_reason) == ("degrade", "carte Vitale défectueuse")
    assert row.fse().body.beneficiary.birth_date == "19820903"
    assert "SOPHIE LEROY" in invoice.confirmation.text()


def test_damaged_vitale_shows_the_names_it_gave(qtbot, window, fake_backend, monkeypatch) -> None:
    monkeypatch.setattr("ui.main_window.show_error", lambda *args, **kw: None)
    panel, invoice = start(qtbot, window, fake_backend, vitale=None)
    fake_backend.insert("Lecteur B", make_card("vitale-abimee"))  # its NIR file is truncated
    qtbot.waitUntil(lambda: panel.beneficiaries.count() == 1, timeout=10000)
    assert panel.beneficiaries.item(0).text().startswith("NATHALIE GARNIER")
    assert "illisible" not in panel.source_label.text()
    assert "mode dégradé" in panel.source_label.text()
    # a single bénéficiaire is chosen by itself: the invoice is hers, in dégradé
    assert invoice.header_label.text().startswith("Facture pour NATHALIE GARNIER")
    assert window.session.patient.degrade_reason == "carte Vitale défectueuse"
