"""Counts in the client's human texts read as the amounts beside them: thousands grouped by
a narrow no-break space (« 290 415 FSE non payées »), while the alerts' keys and the
``--json`` outputs keep plain numbers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from billing.money_text import count_fr
from client.alerts import Alert, AlertKind, AlertLevel, summed_up
from client.cli.queue import _print_status
from client.sender import SendReport, summary

G = "\u202f"  # narrow no-break space, the French thousands separator


def test_count_fr_groups_thousands_as_amounts_are() -> None:
    assert count_fr(7) == "7"
    assert count_fr(999) == "999"
    assert count_fr(23_800) == f"23{G}800"
    assert count_fr(1_000_000) == f"1{G}000{G}000"


def test_summed_alert_counts_many_refused_lots_grouped() -> None:
    first = date.today() - timedelta(days=400)
    refused = [
        Alert(
            f"{AlertKind.LOT_REFUSED.value}:{i}",
            AlertKind.LOT_REFUSED,
            AlertLevel.URGENT,
            f"Lot n° {i} refusé.",
            "Corrigez.",
            (first + timedelta(days=i % 300)).isoformat(),
        )
        for i in range(1_200)
    ]
    (alert,) = summed_up(refused)
    assert alert.message.startswith(f"1{G}200 lots refusés par le concentrateur")
    assert first.strftime("%d/%m/%Y") in alert.message
    # The key names the count as a plain number: hiding it holds until the count changes.
    assert alert.key == f"{AlertKind.LOT_REFUSED.value}:ensemble:1200"
    assert alert.to_json()["cle"] == alert.key


def test_send_summary_groups_its_counts() -> None:
    text = summary(SendReport(acknowledged=12_345, refused=1_002, remaining=3))
    assert text == f"12{G}345 lot(s) acceptés, 1{G}002 refusé(s) (ARL négatif), 3 encore en " + (
        "file d'attente."
    )


def test_queue_status_lines_group_the_counts_its_json_keeps(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = {
        "lots": [
            {
                "libelle": "Régime général",
                "lots": 1_800,
                "fse": 30_000,
                "montant": "606000.00",
                "amo": "424200.00",
                "amc": "0.00",
            },
        ],
        "fse": [{"libelle": "payées", "nombre": 735_718, "montant": "22071540.00"}],
        "plus_ancien_en_attente": None,
        "dernier_contact": None,
    }
    _print_status(status)
    out = capsys.readouterr().out
    assert f" 1{G}800 lot(s)" in out and f" 30{G}000 FSE" in out
    assert f"735{G}718  22{G}071{G}540,00\u00a0€" in out
    assert status["fse"][0]["nombre"] == 735_718  # what --json prints: a number
