"""Issue #27: alerts that grow with the store are summed. Past twenty refused lots the user
reads one alert « 22 lots refusés… » that says how to list them, not 22 lines; the list is
there (``sesam alerts --detail lot_refuse``, the dashboard's double click); hiding the sum
hides it until another lot is refused."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from am_support import FakeClock, client_settings, close_lots, create_fse
from test_sender import FakeTransport

from client import alert_summaries
from client.alerts import AlertKind, AlertLevel, acknowledge, compute_alerts
from client.sender import Sender
from client.store import Store

SETTINGS = client_settings("https://127.0.0.1:1")


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "sesam.db"


def _refuse(store: Store, cabinet, clock: FakeClock, lots: int) -> None:  # type: ignore[no-untyped-def]
    """``lots`` lots of one FSE each, sent and refused by the concentrator (ARL négatif)."""
    create_fse(store, cabinet, lots, clock, lot_size=1)
    close_lots(store, cabinet, clock)
    transport = FakeTransport(*["negative"] * lots)
    Sender(store, transport, settings=SETTINGS, clock=clock).run()


def _refused(store: Store, clock: FakeClock, **kw: object) -> list:  # type: ignore[type-arg]
    found = compute_alerts(store, SETTINGS, clock() + timedelta(hours=1), **kw)  # type: ignore[arg-type]
    return [a for a in found if a.kind is AlertKind.LOT_REFUSED]


def test_many_refused_lots_are_one_alert_that_says_how_to_list_them(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    _refuse(store, cabinet, clock, alert_summaries.ONE_BY_ONE + 2)
    (summed,) = _refused(store, clock)
    assert summed.message.startswith("22 lots refusés par le concentrateur (ARL négatif)")
    assert "sesam alerts --detail lot_refuse" in summed.action
    assert "double-clic" in summed.action
    assert summed.level is AlertLevel.URGENT
    # Listed one by one on demand: each lot by its number; the sum names the oldest.
    listed = _refused(store, clock, detail=frozenset({AlertKind.LOT_REFUSED}))
    oldest = min(a.since for a in listed)
    assert summed.since == oldest
    assert f"le plus ancien le {oldest[8:]}/{oldest[5:7]}/{oldest[:4]}." in summed.message
    assert len(listed) == 22
    numbers = {store.lot_by_id(a.key.split(":", 1)[1]).number for a in listed}
    assert len(numbers) == 22 and all(f"Lot n° {n} refusé" in str(listed) for n in numbers)


def test_up_to_twenty_refused_lots_are_listed_one_by_one(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    _refuse(store, cabinet, clock, 3)
    listed = _refused(store, clock)
    assert len(listed) == 3 and all(a.message.startswith("Lot n° ") for a in listed)


def test_hiding_the_sum_lasts_until_another_lot_is_refused(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    _refuse(store, cabinet, clock, alert_summaries.ONE_BY_ONE + 1)
    (summed,) = _refused(store, clock)
    acknowledge(store, summed.key, clock())
    assert _refused(store, clock) == []
    _refuse(store, cabinet, clock, 1)
    (again,) = _refused(store, clock)
    assert again.message.startswith("22 lots refusés")


def test_the_command_lists_them_with_detail(store, cabinet, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from client.cli import main

    clock = FakeClock()
    _refuse(store, cabinet, clock, alert_summaries.ONE_BY_ONE + 2)
    monkeypatch.setenv("SESAM_DATA_DIR", str(store.path.parent))

    def run(*args: str) -> list[dict[str, str]]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            main(["alerts", "--json", *args])
        return [a for a in json.loads(out.getvalue()) if a["type"] == "lot_refuse"]

    (summed,) = run()
    assert summed["message"].startswith("22 lots refusés")
    detailed = run("--detail", "lot_refuse")
    assert len(detailed) == 22 and all(a["message"].startswith("Lot n° ") for a in detailed)
