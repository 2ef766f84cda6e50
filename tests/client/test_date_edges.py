"""The product on the calendar's edges: the day a tariff comes into force, the day the CPS
certificate expires, the night the clocks go back, and the days around New Year (alerts,
working days, numbering). Every date comes from the referential, the test PKI or today's
year: none becomes wrong when the calendar moves.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from am_support import FakeClock, client_settings, create_fse
from test_sender import FakeTransport

from billing.lot_states import LotState
from billing.referential import Referential
from client.alerts import AlertKind, compute_alerts
from client.fse_service import FseService, FseServiceError
from client.sender import Sender
from client.store import Store, stamp
from client.transport import ServerUnavailableError
from testbed.pki import card_certificate

ROOT = Path(__file__).resolve().parents[2]
PARIS = ZoneInfo("Europe/Paris")
SETTINGS = client_settings("https://127.0.0.1:1")


@pytest.fixture
def paris() -> Iterator[None]:
    """The process runs in the practitioner's time zone, as the app on a French machine."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Paris"
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = saved
        time.tzset()


def _sesam_price(care: date, data_dir: Path) -> dict[str, object]:
    document = {
        "date_of_care": care.isoformat(),
        "practitioner": {
            "specialty": "01",
            "sector": "1",
            "optam": False,
            "is_treating_doctor": True,
        },
        "patient": {
            "birth_date": "1980-05-01",
            "ald": False,
            "c2s": False,
            "maternity": False,
            "at_mp": False,
            "care_pathway": "in",
        },
        "acts": [{"code": "G"}],
    }
    done = subprocess.run(
        [sys.executable, "-m", "client.cli", "price", "--json", "-"],
        input=json.dumps(document),
        capture_output=True,
        text=True,
        env={**os.environ, "SESAM_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_sesam_prices_at_the_tariff_in_force_on_the_day_it_changes(tmp_path: Path) -> None:
    # The latest date the G consultation's packaged tariff changed, read from the data.
    ref = Referential.load_default()
    rows = [r for r in ref.rows if r.code == "G" and r.valid_from is not None]
    change = max(r.valid_from for r in rows if r.valid_from is not None)
    new = ref.lookup("G", change, specialty="01", zone="metropole")
    assert new.amount is not None and new.valid_from == change
    before = _sesam_price(change - timedelta(days=1), tmp_path)
    on_the_day = _sesam_price(change, tmp_path)
    assert on_the_day["valide"] is True
    assert Decimal(str(on_the_day["honoraires"])) == new.amount
    # The day before is priced at the old tariff, or refused in words when the sources
    # give none: never at the new one.
    if before["valide"]:
        assert Decimal(str(before["honoraires"])) != new.amount
    else:
        errors = before["erreurs"]
        assert isinstance(errors, list) and "tarif de G" in errors[0]["message"]


def test_a_lot_closed_on_the_day_the_cps_certificate_expires(store: Store, cabinet) -> None:  # type: ignore[no-untyped-def]
    expiry = card_certificate("cps-generaliste").not_valid_after_utc
    create_fse(store, cabinet, 1, FakeClock())
    # A minute before the end of validity the lot is signed and closed...
    service = FseService(store, clock=FakeClock(expiry - timedelta(minutes=1)))
    (closed,) = service.close_lots(cabinet.signer, cabinet.cps, all_lots=True)
    assert store.lot_by_id(closed.lot.id).signed
    # ...a minute after, the next one is refused in words and stays open, its FSE kept.
    (row,) = create_fse(store, cabinet, 1, FakeClock())
    late = FseService(store, clock=FakeClock(expiry + timedelta(minutes=1)))
    with pytest.raises(FseServiceError, match="reste ouvert"):
        late.close_lots(cabinet.signer, cabinet.cps, all_lots=True)
    lot = store.lot_by_id(row.lot_id or "")
    assert lot.state is LotState.OPEN and not lot.signed and lot.fse_count == 1


def _autumn_change(year: int) -> datetime:
    """The instant (UTC) the clocks go back in France: the last Sunday of October, 01:00 UTC."""
    day = date(year, 10, 31)
    day -= timedelta(days=(day.weekday() + 1) % 7)
    return datetime(day.year, day.month, day.day, 1, tzinfo=UTC)


def test_the_night_the_clocks_go_back(store: Store, cabinet, paris: None) -> None:  # type: ignore[no-untyped-def]
    change = _autumn_change(date.today().year + 1)
    # Every 20 minutes from 01:50 (summer time) to 03:10 (winter time): 02:30 happens twice.
    instants = [change - timedelta(minutes=70) + timedelta(minutes=20 * i) for i in range(8)]
    walls = [i.astimezone(PARIS).strftime("%H:%M") for i in instants]
    assert walls.count("02:30") == 2
    rows = []
    for instant in instants:
        # The app's clock is the machine's local time (client.context).
        clock = FakeClock(instant.astimezone())
        (row,) = create_fse(store, cabinet, 1, clock, care=instant.astimezone(PARIS).date())
        rows.append(row)
    numbers = [r.number for r in rows]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    created = [store.fse_by_number(n).created_at for n in numbers]
    assert created == sorted(created) and len(set(created)) == len(created)
    # A lot sent at 02:59 summer time and refused for now is retried after its backoff in
    # real seconds: not an hour later, nor at once because the wall clock went back.
    clock = FakeClock((change - timedelta(minutes=1)).astimezone())
    (closed,) = FseService(store, clock=clock).close_lots(cabinet.signer, cabinet.cps, True)
    down = ServerUnavailableError("refused", "")
    Sender(store, FakeTransport(down), settings=SETTINGS, clock=clock).run()
    outbox = store.outbox_get(closed.lot.id)
    assert outbox is not None and outbox.next_attempt_at is not None
    wait = (outbox.next_attempt_at - clock()).total_seconds()
    assert 0 < wait <= SETTINGS.backoff_cap
    clock.now += timedelta(seconds=SETTINGS.backoff_cap + 1)  # now 02:00-something, winter
    transport = FakeTransport()
    Sender(store, transport, settings=SETTINGS, clock=clock).run()
    assert transport.sent == [closed.lot.id]


def _working_days_after(start: date, count: int) -> list[date]:
    """The ``count`` working days after ``start`` around New Year, counted by hand here:
    weekdays, 1 January excepted (the only holiday from Christmas to Easter)."""
    days: list[date] = []
    day = start
    while len(days) < count:
        day += timedelta(days=1)
        if day.weekday() < 5 and (day.month, day.day) != (1, 1):
            days.append(day)
    return days


def test_the_days_after_new_year(store: Store, cabinet, paris: None) -> None:  # type: ignore[no-untyped-def]
    year = date.today().year + 1
    eve = datetime(year - 1, 12, 30, 10, tzinfo=PARIS)
    clock = FakeClock(eve)
    (old,) = create_fse(store, cabinet, 1, clock, care=eve.date())
    clock.now = datetime(year - 1, 12, 31, 17, tzinfo=PARIS)
    service = FseService(store, clock=clock)
    (first_lot,) = service.close_lots(cabinet.signer, cabinet.cps, all_lots=True)
    Sender(store, FakeTransport(), settings=SETTINGS, clock=clock).run()
    store.db.execute("UPDATE arl SET received_at = ?", [stamp(clock().astimezone(UTC))])

    # 2 January: numbering goes on from last year's numbers, none reused.
    clock.now = datetime(year, 1, 2, 9, tzinfo=PARIS)
    (new,) = create_fse(store, cabinet, 1, clock, care=clock.now.date())
    assert new.number == old.number + 1
    (second_lot,) = service.close_lots(cabinet.signer, cabinet.cps, all_lots=True)
    assert second_lot.lot.number == first_lot.lot.number + 1

    # The payment guarantee runs from the ARL of 31 December over working days; 1 January
    # is not one of them.
    fifth, sixth = _working_days_after(date(year - 1, 12, 31), 6)[4:]
    kinds = lambda day: {  # noqa: E731
        a.kind for a in compute_alerts(store, SETTINGS, datetime.combine(day, eve.timetz()))
    }
    assert AlertKind.GUARANTEE not in kinds(fifth)
    assert AlertKind.GUARANTEE in kinds(sixth)


def test_an_unsent_fse_of_new_years_eve_has_its_deadline_after_the_holiday(
    store: Store,
    cabinet,  # type: ignore[no-untyped-def]
    paris: None,
) -> None:
    year = date.today().year + 1
    clock = FakeClock(datetime(year - 1, 12, 31, 10, tzinfo=PARIS))
    (fse,) = create_fse(store, cabinet, 1, clock, care=clock.now.date())
    first, second, deadline = _working_days_after(date(year - 1, 12, 31), 3)
    assert deadline.year == year

    def deadline_alerts(day: date) -> list[str]:
        now = datetime.combine(day, clock.now.timetz())
        return [
            a.message for a in compute_alerts(store, SETTINGS, now) if a.kind is AlertKind.DEADLINE
        ]

    assert deadline_alerts(first) == []  # two working days left
    (warning,) = deadline_alerts(second)  # the last working day before the deadline
    assert f"FSE n° {fse.number}" in warning and f"avant le {deadline:%d/%m/%Y}" in warning


def test_alerts_count_from_the_day_in_france_not_the_utc_day(
    store: Store,
    cabinet,  # type: ignore[no-untyped-def]
    paris: None,
) -> None:
    """At 00:30 in Paris on the last working day before the deadline, UTC still says the day
    before: the warning must already be there, as the receptionist's calendar says."""
    year = date.today().year + 1
    clock = FakeClock(datetime(year - 1, 12, 31, 10, tzinfo=PARIS))
    create_fse(store, cabinet, 1, clock, care=clock.now.date())
    _first, second, _deadline = _working_days_after(date(year - 1, 12, 31), 3)
    just_after_midnight = datetime.combine(second, datetime.min.time(), PARIS) + timedelta(
        minutes=30
    )
    utc_now = just_after_midnight.astimezone(UTC)
    assert utc_now.date() < second  # the case this test is about
    kinds = {a.kind for a in compute_alerts(store, SETTINGS, utc_now)}
    assert AlertKind.DEADLINE in kinds
