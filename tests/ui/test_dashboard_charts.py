"""The dashboard's charts say what they count: every bar carries its value, the y axis is
labelled (euros, or a count) with round ticks, the legend names what each series counts and
a note explains why a month can receive more than it billed."""

from __future__ import annotations

from decimal import Decimal

from ui.fmt import euros
from ui.qt import QColor
from ui.widgets.charts import BarChart, nice_step


def test_bars_carry_their_values_and_an_axis(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    chart = BarChart(
        "Facturé et reçu", ["Facturé : FSE par mois des soins", "Reçu : paiements"], axis="euros"
    )
    qtbot.addWidget(chart)
    chart.resize(720, 320)
    values = [
        [Decimal("1234.50"), Decimal("0.00")],
        [Decimal("60.00"), Decimal("2380.20")],
        [Decimal("0.00"), Decimal("0.00")],
    ]
    chart.set_data(["10/2026", "11/2026", "12/2026"], values)
    image = chart.grab().toImage()
    image.save(str(tmp_path / "chart.png"))
    drawn = chart.drawn
    for group in values:
        for value in group:
            assert euros(value) in drawn  # each bar's value, zeros included
    assert "euros" in drawn  # the axis caption
    assert "Facturé : FSE par mois des soins" in drawn and "Reçu : paiements" in drawn
    assert {"0", "1\u202f000", "2\u202f000", "3\u202f000"} <= set(drawn)  # round ticks
    assert chart.value_labels()[1] == [euros(Decimal("60.00")), euros(Decimal("2380.20"))]
    assert "11/2026 : Facturé 60,00" in chart.toolTip()
    colors = {QColor(image.pixel(x, y)).name() for x in range(0, 720, 3) for y in range(0, 320, 3)}
    assert "#2f6ea5" in colors and "#58a55c" in colors  # both series painted


def test_counts_have_whole_ticks_and_an_empty_chart_says_so(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = BarChart("Rejets", ["FSE rejetées"], money=False, axis="nombre de FSE")
    qtbot.addWidget(chart)
    chart.resize(400, 260)
    chart.set_data(["10/2026", "11/2026"], [[Decimal(3)], [Decimal(0)]])
    chart.grab()
    assert "3" in chart.drawn and "nombre de FSE" in chart.drawn
    assert "0,5" not in " ".join(chart.drawn)
    chart.set_data(["10/2026"], [[Decimal(0)]])
    chart.grab()
    assert "Aucune donnée sur la période" in chart.drawn
    assert nice_step(Decimal("2380.20")) == Decimal(1000)
    assert nice_step(Decimal(90)) == Decimal(25)


def test_dashboard_legend_and_note(qtbot, window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window.start()
    window.go_to(2)
    page = window.dashboard_page
    qtbot.waitUntil(lambda: page.view is not None, timeout=10000)
    chart = page.money_chart
    assert chart.series == [
        "Facturé : FSE par mois des soins",
        "Reçu : paiements des caisses par mois de paiement",
    ]
    assert chart.axis == "euros" and page.rejects_chart.axis == "nombre de FSE"
    assert "plus qu'il n'a facturé" in page.money_note.text()
    assert len(chart.labels) == 6  # the six last months, even without FSE
    page.grab().save(str(tmp_path / "dashboard.png"))


def test_hundreds_of_alerts_are_all_listed_in_their_colour(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """Hundreds of alerts (a summed kind listed by a double click: 195 refused lots at 1M
    FSE): the list shows every one, urgent ones in red."""
    from dataclasses import replace
    from datetime import date, timedelta

    from client.alerts import Alert, AlertKind, AlertLevel

    window.start()
    window.go_to(2)
    page = window.dashboard_page
    qtbot.waitUntil(lambda: page.view is not None, timeout=10000)
    alerts = [
        Alert(
            f"lot_refuse:{n}",
            AlertKind.LOT_REFUSED,
            AlertLevel.URGENT,
            f"Lot n° {n} refusé par le concentrateur (ARL négatif) : 12 motif non précisé.",
            "Corrigez les FSE concernées et refacturez-les.",
            (date.today() - timedelta(days=30)).isoformat(),
        )
        for n in range(1, 301)
    ]
    page._on_loaded(replace(page.view, alerts=alerts))
    listed = [page.alerts.item(i) for i in range(page.alerts.count())]
    assert len(listed) == 300
    assert listed[-1].text().startswith("Lot n° 300 refusé")
    assert {item.foreground().color().name() for item in listed} == {"#b3261e"}
