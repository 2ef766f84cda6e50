"""Réglages: the cabinet's letterhead (name, address, phone) is typed on the settings page,
saved to ``settings.json`` like the other settings, and shown again when the page opens."""

from __future__ import annotations

from client.settings import SETTINGS_NAME, load_settings


def test_letterhead_is_saved_with_the_settings(qtbot, window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = window.settings_page
    page.cabinet_name.setText("  Cabinet médical des Tilleuls ")
    page.cabinet_address.setPlainText("12 rue des Lilas\n57000 Metz\n")
    page.cabinet_phone.setText("03 87 00 00 00")
    page.save()
    qtbot.waitUntil(lambda: page.saved_label.text() == "Réglages enregistrés.", timeout=5000)
    saved = load_settings(window.ctx.data_dir / SETTINGS_NAME)
    assert saved.cabinet_name == "Cabinet médical des Tilleuls"
    assert saved.cabinet_address == "12 rue des Lilas\n57000 Metz"
    assert saved.cabinet_phone == "03 87 00 00 00"
    assert window.ctx.settings.cabinet_name == "Cabinet médical des Tilleuls"  # used at once

    page.cabinet_name.clear()
    page._fill(saved)  # the page opened again shows what is saved
    assert page.cabinet_name.text() == "Cabinet médical des Tilleuls"
    assert page.cabinet_address.toPlainText() == "12 rue des Lilas\n57000 Metz"
    window.go_to(window.stack.indexOf(page))
    page.grab().save(str(tmp_path / "settings.png"))
