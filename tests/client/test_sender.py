"""The outbox sender with a scripted transport and an injected clock: acknowledgement,
backoff with jitter and cap, permanent failures, order, crash recovery, cancellation, and
billing never waiting for it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from am_support import FakeClock, client_settings, close_lots, create_fse, seeded

from billing.arl import Arl, ArlStatus, motif
from billing.fse_states import FseState
from billing.lot_states import LotState
from client.sender import Sender, SendProgress, SendStep, backoff_delay
from client.store import OutboxStatus, Store, open_store, stamp
from client.transport import LotAnswer, ServerRejectedError, ServerUnavailableError

SETTINGS = client_settings("https://127.0.0.1:1", backoff_base=10.0, backoff_cap=80.0)


def _arl(lot_id: str, positive: bool = True) -> Arl:
    return Arl(
        arl_id=f"ARL-{lot_id[:8]}",
        lot_id=lot_id,
        status=ArlStatus.POSITIVE if positive else ArlStatus.NEGATIVE,
        received_at=datetime(2026, 11, 16, tzinfo=UTC),
        fse_count=1,
        motifs=() if positive else (motif("A05"),),
    )


class FakeTransport:
    """Answers from a script: an exception, "ok", "negative", "pending" or a callable."""

    def __init__(self, *script: object) -> None:
        self.script = list(script)
        self.sent: list[str] = []

    def send_lot(self, lot_id: str, der: bytes) -> LotAnswer:
        self.sent.append(lot_id)
        step = self.script.pop(0) if self.script else "ok"
        if callable(step) and not isinstance(step, BaseException):
            step = step()
        if isinstance(step, BaseException):
            raise step
        if step == "pending":
            return LotAnswer(arl=None)
        return LotAnswer(arl=_arl(lot_id, positive=step != "negative"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "sesam.db"


@pytest.fixture
def store_path(db_path: Path) -> Path:
    return db_path  # conftest.py's ``store`` opens it; tests open it again


def _lots(store: Store, cabinet, clock: FakeClock, fse: int = 3, lot_size: int = 1) -> list[str]:  # type: ignore[no-untyped-def]
    create_fse(store, cabinet, fse, clock, lot_size=lot_size)
    return close_lots(store, cabinet, clock)


def _sender(store: Store, transport: FakeTransport, clock: FakeClock, **kw) -> Sender:  # type: ignore[no-untyped-def]
    return Sender(
        store,
        transport,
        settings=SETTINGS,
        clock=clock,
        rng=seeded(7),
        **kw,  # type: ignore[arg-type]
    )


def test_every_lot_is_sent_and_acknowledged(store, cabinet, clock) -> None:  # type: ignore[no-untyped-def]
    lots = _lots(store, cabinet, clock, fse=3)
    transport = FakeTransport()
    report = _sender(store, transport, clock).run()
    assert report.complete and report.acknowledged == 3
    assert sorted(transport.sent) == sorted(lots)
    assert {r.status for r in store.outbox_rows()} == {OutboxStatus.DONE}
    assert {f.state for f in store.fse_list()} == {FseState.ACKNOWLEDGED}
    events = [e.kind.value for e in store.fse_events(store.fse_list()[0].id)]
    assert events[-2:] == ["sent", "arl_positive"]


def test_retryable_failure_backs_off_then_succeeds(store, cabinet, clock) -> None:  # type: ignore[no-untyped-def]
    (lot_id,) = _lots(store, cabinet, clock, fse=1)
    down = ServerUnavailableError("refused", "connexion refusée")
    transport = FakeTransport(down)
    report = _sender(store, transport, clock).run()
    assert report.retries == 1 and not report.complete
    row = store.outbox_get(lot_id)
    assert row is not None and row.status is OutboxStatus.PENDING and row.attempts == 1
    assert row.last_error is not None and "injoignable" in row.last_error
    assert row.next_attempt_at is not None
    wait = (row.next_attempt_at - clock.now).total_seconds()
    assert 5.0 <= wait <= 10.0  # base 10 s, jitter to between half and all of it
    # Not due yet: nothing is sent.
    _sender(store, transport, clock).run()
    assert transport.sent == [lot_id]
    clock.advance(wait)
    assert _sender(store, transport, clock).run().complete
    assert store.lot_by_id(lot_id).state is LotState.ACKNOWLEDGED


def test_each_answer_is_recorded_for_its_own_lot_while_the_next_travels(  # type: ignore[no-untyped-def]
    store, cabinet, clock
) -> None:
    """The next lot leaves while the answer of the one before is being recorded: a failure,
    a refusal and an acceptance in a row each land on their own lot."""
    lots = _lots(store, cabinet, clock, fse=3)
    down = ServerUnavailableError("refused", "connexion refusée")
    transport = FakeTransport(down, "negative", "ok")
    report = _sender(store, transport, clock).run()
    assert sorted(transport.sent) == sorted(lots)
    first, second, third = transport.sent  # the script's answers, in sending order
    assert (report.retries, report.refused, report.acknowledged) == (1, 1, 1)
    retried = store.outbox_get(first)
    assert retried is not None and retried.status is OutboxStatus.PENDING
    assert store.lot_by_id(first).state is LotState.CLOSED
    assert store.lot_by_id(second).state is LotState.REFUSED
    assert store.lot_by_id(third).state is LotState.ACKNOWLEDGED


def test_backoff_doubles_is_jittered_and_capped() -> None:
    rng = seeded(1)
    delays = [backoff_delay(n, 10.0, 80.0, rng) for n in range(6)]
    for n, delay in enumerate(delays):
        ceiling = min(80.0, 10.0 * 2**n)
        assert ceiling / 2 <= delay <= ceiling
    assert max(delays) <= 80.0
    assert len({round(d, 3) for d in delays}) == 6  # jittered, not a fixed grid
    assert backoff_delay(0, 10.0, 80.0, rng, retry_after=30.0) >= 30.0


def test_permanent_failure_is_parked_for_the_user(store, cabinet, clock) -> None:  # type: ignore[no-untyped-def]
    (lot_id,) = _lots(store, cabinet, clock, fse=1)
    transport = FakeTransport(ServerRejectedError("http", "HTTP 409 clé réutilisée", 409))
    report = _sender(store, transport, clock).run(until_empty=True)
    assert report.failed == 1 and not report.complete
    row = store.outbox_get(lot_id)
    assert row is not None and row.status is OutboxStatus.FAILED
    assert row.last_error is not None and "refusé" in row.last_error
    assert store.lot_by_id(lot_id).state is LotState.CLOSED  # never marked sent
    store.outbox_retry(lot_id, clock())
    assert _sender(store, transport, clock).run().complete


def test_negative_arl_refuses_the_lot_with_its_motifs(store, cabinet, clock) -> None:  # type: ignore[no-untyped-def]
    (lot_id,) = _lots(store, cabinet, clock, fse=1)
    messages: list[SendProgress] = []
    report = _sender(store, FakeTransport("negative"), clock, on_progress=messages.append).run()
    assert report.refused == 1 and report.complete
    assert store.lot_by_id(lot_id).state is LotState.REFUSED
    fse = store.fse_list()[0]
    assert fse.state is FseState.REFUSED
    assert "A05" in (store.fse_events(fse.id)[-1].detail or "")
    refused = [m for m in messages if m.step is SendStep.REFUSED]
    assert refused and "ARL négatif" in refused[0].message


def test_received_without_arl_stays_queued_until_the_arl_comes(store, cabinet, clock) -> None:  # type: ignore[no-untyped-def]
    (lot_id,) = _lots(store, cabinet, clock, fse=1)
    transport = FakeTransport("pending")
    _sender(store, transport, clock).run()
    assert store.lot_by_id(lot_id).state is LotState.SENT
    row = store.outbox_get(lot_id)
    assert row is not None and row.status is OutboxStatus.PENDING
    assert row.last_error is not None and "ARL" in row.last_error
    clock.advance(3600)
    assert _sender(store, transport, clock).run().complete
    assert store.lot_by_id(lot_id).state is LotState.ACKNOWLEDGED


def test_a_lot_with_after_id_waits_for_the_other(store, cabinet, clock) -> None:  # type: ignore[no-untyped-def]
    first, second = _lots(store, cabinet, clock, fse=2)
    store.db.execute("UPDATE outbox SET after_id = ? WHERE id = ?", [second, first])
    transport = FakeTransport()
    _sender(store, transport, clock).run()
    assert transport.sent == [second, first]


def test_a_lot_behind_a_failed_one_is_reported_blocked(store, cabinet, clock) -> None:  # type: ignore[no-untyped-def]
    first, second = _lots(store, cabinet, clock, fse=2)
    store.db.execute("UPDATE outbox SET after_id = ? WHERE id = ?", [first, second])
    transport = FakeTransport(ServerRejectedError("http", "HTTP 400", 400))
    report = _sender(store, transport, clock).run(until_empty=True)
    assert transport.sent == [first]
    assert report.failed == 1 and report.blocked == 1 and not report.complete


def test_claims_of_a_dead_sender_go_back_to_the_queue(store, cabinet, clock) -> None:  # type: ignore[no-untyped-def]
    import socket

    a, b, c = _lots(store, cabinet, clock, fse=3)
    host = socket.gethostname()
    now = stamp(clock())
    old = stamp(clock() - timedelta(hours=1))
    for lot_id, holder, at in (
        (a, f"{host}:999999:dead", now),  # this host, process gone
        (b, "otherhost:1:x", old),  # another host, stale
        (c, f"{host}:1:alive", now),  # pid 1 exists: a live sender, recent claim
    ):
        store.db.execute(
            "UPDATE outbox SET status = 1, claimed_by = ?, claimed_at = ? WHERE id = ?",
            [holder, at, lot_id],
        )
    transport = FakeTransport()
    report = _sender(store, transport, clock).run()
    assert report.recovered == 2
    assert sorted(transport.sent) == sorted([a, b])
    row = store.outbox_get(c)
    assert row is not None and row.status is OutboxStatus.IN_FLIGHT


def test_until_empty_waits_out_the_backoff_without_sleeping(store, cabinet, clock) -> None:  # type: ignore[no-untyped-def]
    _lots(store, cabinet, clock, fse=2)
    down = ServerUnavailableError("http", "HTTP 503", 503)
    transport = FakeTransport(down, down, down)
    waited: list[float] = []

    def fake_wait(seconds: float) -> bool:
        waited.append(seconds)
        clock.advance(seconds)
        return False

    messages: list[SendProgress] = []
    report = _sender(store, transport, clock, wait=fake_wait, on_progress=messages.append).run(
        until_empty=True
    )
    assert report.complete and report.acknowledged == 2 and report.retries == 3
    assert waited  # the sender waited on the injected clock
    retry = [m.message for m in messages if m.step is SendStep.RETRY]
    assert retry and "maintenance" in retry[0] and "file d'attente" in retry[0]


def test_cancel_stops_the_run(store, cabinet, clock) -> None:  # type: ignore[no-untyped-def]
    _lots(store, cabinet, clock, fse=3)
    cancel = threading.Event()
    transport = FakeTransport(lambda: cancel.set() or "ok")
    report = _sender(store, transport, clock, cancel=cancel).run(until_empty=True)
    assert report.cancelled and len(transport.sent) == 1 and report.remaining == 2


def test_a_cancel_gives_back_the_lot_ready_to_leave(store, cabinet, clock) -> None:  # type: ignore[no-untyped-def]
    """The lot claimed to leave next is not sent after a cancel: it is back in the queue at
    once (not held until its claim's lease runs out), and the next run sends each lot once."""
    lots = _lots(store, cabinet, clock, fse=3)
    cancel = threading.Event()
    transport = FakeTransport(lambda: cancel.set() or "ok")
    report = _sender(store, transport, clock, cancel=cancel).run(until_empty=True)
    assert report.cancelled and len(transport.sent) == 1
    waiting = [r for r in store.outbox_rows() if r.id != transport.sent[0]]
    assert {r.status for r in waiting} == {OutboxStatus.PENDING}
    report = _sender(store, transport, clock).run(until_empty=True)
    assert report.complete and sorted(transport.sent) == sorted(lots)
    assert {f.state for f in store.fse_list()} == {FseState.ACKNOWLEDGED}


def test_the_next_lot_is_claimed_while_the_one_before_travels(  # type: ignore[no-untyped-def]
    db_path, store, cabinet, clock
) -> None:
    """The concentrator is kept busy: while a lot waits for its answer, the next one is
    already claimed with its attempt recorded (in flight in the store before it leaves), so
    it goes the moment the answer is in; nothing is sent twice."""
    lots = _lots(store, cabinet, clock, fse=3)
    seen: list[int] = []

    def count_in_flight() -> str:
        own = open_store(db_path)
        try:
            for _ in range(500):  # the sender's thread claims the next lot meanwhile
                seen[:] = [len(own.outbox_rows(OutboxStatus.IN_FLIGHT))]
                if seen[0] == 2:
                    break
                threading.Event().wait(0.01)
        finally:
            own.close()
        return "ok"

    transport = FakeTransport(count_in_flight)
    report = _sender(store, transport, clock).run()
    assert seen == [2]
    assert report.complete and report.acknowledged == 3 and sorted(transport.sent) == sorted(lots)


def test_billing_goes_on_while_the_sender_waits_on_the_network(  # type: ignore[no-untyped-def]
    db_path, store, cabinet, clock
) -> None:
    _lots(store, cabinet, clock, fse=1)
    inside = threading.Event()
    release = threading.Event()

    def blocked() -> str:
        inside.set()
        release.wait(10)
        return "ok"

    transport = FakeTransport(blocked)

    def run() -> None:
        own = open_store(db_path)
        try:
            _sender(own, transport, FakeClock()).run()
        finally:
            own.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert inside.wait(10)
        started = datetime.now(UTC)
        rows = create_fse(store, cabinet, 3, clock)  # billing while a lot is in flight
        assert len(rows) == 3
        assert (datetime.now(UTC) - started).total_seconds() < 5
    finally:
        release.set()
        thread.join(10)
    assert store.fse_list(state=FseState.ACKNOWLEDGED)


def test_sender_thread_runs_off_the_callers_thread(db_path, store, cabinet, clock) -> None:  # type: ignore[no-untyped-def]
    from client.sender import SenderThread

    _lots(store, cabinet, clock, fse=2)
    seen_threads: list[str] = []
    done = threading.Event()

    def progress(p: SendProgress) -> None:
        seen_threads.append(threading.current_thread().name)

    thread = SenderThread(
        lambda: open_store(db_path),
        FakeTransport,
        settings=SETTINGS,
        clock=FakeClock(),
        on_progress=progress,
        on_done=lambda result: done.set(),
    )
    thread.start()
    assert done.wait(20)
    thread.stop()
    assert not thread.is_alive()
    assert set(seen_threads) == {"sender"}
    assert thread.result is not None and not isinstance(thread.result, BaseException)
    assert thread.result.acknowledged == 2
