"""Réglages → conventions AMC: the seeded conventions are listed; one is added, changed
(tiers payant off) and removed from the page, and the database holds what the page says."""

from __future__ import annotations


def test_conventions_are_edited_from_the_settings_page(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    box = window.settings_page.amc_conventions
    qtbot.waitUntil(lambda: box.table.rowCount() == 3, timeout=5000)
    assert box.table.item(0, 0).text() == "44300002"

    def stored(number: str):  # type: ignore[no-untyped-def]
        return window.ctx.db.submit(lambda s: s.amc_conventions.convention(number)).result()

    box.number.setText("12345678")
    box.name.setText("Mutuelle du test")
    box.convention.setText("TP-TEST")
    box.tiers_payant.setChecked(True)
    box.save()
    qtbot.waitUntil(lambda: box.table.rowCount() == 4, timeout=5000)
    assert box.message.text() == "Convention enregistrée."
    assert stored("12345678").tiers_payant

    box.tiers_payant.setChecked(False)
    box.save()
    qtbot.waitUntil(lambda: not stored("12345678").tiers_payant, timeout=5000)

    box.remove()
    qtbot.waitUntil(lambda: box.table.rowCount() == 3, timeout=5000)
    assert stored("12345678") is None

    box.number.setText("123")  # not a n° AMC: refused before anything is written
    box.save()
    assert "8 chiffres" in box.message.text()
