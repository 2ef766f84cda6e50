"""Alerts the user acts on: lot without ARL after N days, FSE unpaid beyond the guarantee
(5 working days) and the indemnity threshold (7), FSE unsent near the deadline, unmatched
payments; working days skip French holidays; an alert can be acknowledged."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from am_support import FakeClock, client_settings, close_lots, create_fse
from test_sender import FakeTransport

from client.alerts import AlertKind, AlertLevel, acknowledge, compute_alerts
from client.sender import Sender
from client.store import Store, stamp

SETTINGS = client_settings("https://127.0.0.1:1")


def _kinds(store: Store, now: datetime) -> dict[AlertKind, list[str]]:
    out: dict[AlertKind, list[str]] = {}
    for alert in compute_alerts(store, SETTINGS, now):
        out.setdefault(alert.kind, []).append(alert.message)
    return out


def test_lot_received_without_arl_after_two_days(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    create_fse(store, cabinet, 1, clock)
    close_lots(store, cabinet, clock)
    Sender(store, FakeTransport("pending"), settings=SETTINGS, clock=clock).run()
    assert AlertKind.ARL_MISSING not in _kinds(store, clock() + timedelta(days=1))
    later = _kinds(store, clock() + timedelta(days=2, minutes=1))
    assert "sans accusé de réception" in later[AlertKind.ARL_MISSING][0]


def test_lot_that_never_got_through(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    from client.transport import ServerUnavailableError

    clock = FakeClock()
    create_fse(store, cabinet, 1, clock)
    close_lots(store, cabinet, clock)
    down = ServerUnavailableError("refused", "")
    Sender(store, FakeTransport(down), settings=SETTINGS, clock=clock).run()
    alerts = _kinds(store, clock() + timedelta(days=3))
    assert "non transmis" in alerts[AlertKind.ARL_MISSING][0]


def _acknowledged_on(store: Store, cabinet, when: datetime):  # type: ignore[no-untyped-def]
    clock = FakeClock(when)
    create_fse(store, cabinet, 1, clock)
    close_lots(store, cabinet, clock)
    Sender(store, FakeTransport(), settings=SETTINGS, clock=clock).run()
    # The guarantee runs from the concentrator's reception date stated in the ARL.
    store.db.execute("UPDATE arl SET received_at = ?", [stamp(when)])


def test_guarantee_then_indemnity_counted_in_working_days(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    # Received Friday 18 Dec 2026; Christmas (Fri 25) is a holiday.
    received = datetime(2026, 12, 18, 10, tzinfo=UTC)
    _acknowledged_on(store, cabinet, received)
    at = lambda d: datetime(2026, 12, d, 12, tzinfo=UTC)  # noqa: E731
    # 21, 22, 23, 24, 28 = 5 working days on the 28th: not beyond yet.
    assert AlertKind.GUARANTEE not in _kinds(store, at(28))
    assert AlertKind.GUARANTEE in _kinds(store, at(29))  # 6 working days
    assert AlertKind.INDEMNITY not in _kinds(store, at(30))  # 7
    alerts = compute_alerts(store, SETTINGS, at(31))  # 8 working days
    indemnity = [a for a in alerts if a.kind is AlertKind.INDEMNITY]
    assert indemnity and indemnity[0].level is AlertLevel.URGENT
    assert "indemnité de retard" in indemnity[0].message


def test_no_payment_alert_without_guarantee(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    received = datetime(2026, 12, 1, 10, tzinfo=UTC)
    _acknowledged_on(store, cabinet, received)
    store.db.execute("UPDATE fse SET mode = 'sans_vitale'")
    assert AlertKind.GUARANTEE not in _kinds(store, datetime(2026, 12, 31, tzinfo=UTC))
    assert AlertKind.INDEMNITY not in _kinds(store, datetime(2026, 12, 31, tzinfo=UTC))


def test_unsent_fse_near_the_deadline(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    care = date(2026, 12, 23)  # Wednesday; +3 working days (24, 28, 29) -> 29 Dec
    clock = FakeClock(datetime(2026, 12, 23, 8, tzinfo=UTC))  # secured on the day of care
    create_fse(store, cabinet, 1, clock, care=care)
    assert AlertKind.DEADLINE not in _kinds(store, datetime(2026, 12, 23, 9, tzinfo=UTC))
    near = compute_alerts(store, SETTINGS, datetime(2026, 12, 28, 9, tzinfo=UTC))
    deadline = [a for a in near if a.kind is AlertKind.DEADLINE]
    assert deadline and deadline[0].level is AlertLevel.WARNING
    assert "29/12/2026" in deadline[0].message
    late = compute_alerts(store, SETTINGS, datetime(2026, 12, 30, 9, tzinfo=UTC))
    assert [a.level for a in late if a.kind is AlertKind.DEADLINE] == [AlertLevel.URGENT]


def test_acknowledged_alert_is_hidden(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(datetime(2026, 12, 1, 10, tzinfo=UTC))
    create_fse(store, cabinet, 1, clock, care=date(2026, 12, 1))
    now = datetime(2026, 12, 20, tzinfo=UTC)
    (alert,) = compute_alerts(store, SETTINGS, now)
    acknowledge(store, alert.key, now)
    assert compute_alerts(store, SETTINGS, now) == []
    assert len(compute_alerts(store, SETTINGS, now, include_acknowledged=True)) == 1
