"""Réglages → conventions AMC: each convention's payment delay is a column of the table (the
default of ``billing/tariffs/amc-delais.json`` where none is set); the page sets it, clears
it and refuses a delay that is not a number of days, and the database holds what it says."""

from __future__ import annotations

from datetime import UTC, datetime

from billing.amc_delays import load_amc_delays


def test_the_payment_delay_is_edited_in_the_conventions_table(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    box = window.settings_page.amc_conventions
    qtbot.waitUntil(lambda: box.table.rowCount() == 3, timeout=5000)
    default = load_amc_delays().days(datetime.now(UTC).date())
    assert box.table.horizontalHeaderItem(4).text() == "Délai de paiement (jours)"
    assert box.table.item(0, 4).text() == f"{default} (par défaut)"

    def stored():  # type: ignore[no-untyped-def]
        return window.ctx.db.submit(lambda s: s.amc_conventions.convention("44300002")).result()

    box.table.selectRow(0)  # the form takes the convention as it is
    assert box.number.text() == "44300002" and box.delay.text() == ""
    box.delay.setText("45")
    box.save()
    qtbot.waitUntil(lambda: stored().delay_days == 45, timeout=5000)
    qtbot.waitUntil(lambda: box.table.item(0, 4).text() == "45", timeout=5000)

    box.delay.setText("4 semaines")  # not a number of days: nothing written
    box.save()
    assert "nombre de jours" in box.message.text()
    assert stored().delay_days == 45

    box.delay.setText("")  # back to the default
    box.save()
    qtbot.waitUntil(lambda: stored().delay_days is None, timeout=5000)
    qtbot.waitUntil(lambda: box.table.item(0, 4).text() == f"{default} (par défaut)", timeout=5000)
