"""The sender's network thread gives each answer to the recording thread once the next lot's
request has left (``client.send_wire``): the concentrator never waits for a recording, the
answers are recorded in sending order, each lot sent once, and a failure of the next lot
does not hold back the answer before it."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from am_support import Cabinet, FakeClock, client_settings, close_lots, create_fse, seeded

from billing.fse_states import FseState
from client.sender import Sender, SendReport
from client.store import OutboxRow, OutboxStatus, Store
from client.transport import HttpsTransport, LotAnswer, TransportError
from testbed.am.faults import FaultKind, Faults
from testbed.am.server import AmServer

#: The concentrator's checks, slowed down: the next lot is claimed and handed over long
#: before an answer comes, whatever the machine's load.
SLOW = 0.4


@pytest.fixture
def am(tmp_path: Path) -> Iterator[AmServer]:
    # Not conftest.py's: no control port, its own faults (slow answers).
    server = AmServer(
        ledger_path=tmp_path / "ledger.sqlite", control_port=None, faults=Faults(SLOW)
    ).start()
    yield server
    server.stop()


class Noted(HttpsTransport):
    """The real transport, noting each lot's request started and written, in order."""

    def __init__(self, events: list[tuple[str, str]], *args: Any) -> None:
        super().__init__(*args)
        self.events = events
        self._lot = threading.local()
        self.before_send: Callable[[str], None] = lambda _lot_id: None

    def send_lot(self, lot_id: str, der: bytes) -> LotAnswer:
        self.events.append(("send", lot_id))
        self._lot.id = lot_id
        self.before_send(lot_id)
        return super().send_lot(lot_id, der)

    @contextlib.contextmanager
    def once_written(self, callback: Callable[[], None]) -> Iterator[None]:
        def noted() -> None:
            self.events.append(("written", getattr(self._lot, "id", "?")))
            callback()

        with super().once_written(noted):
            yield


class NotedSender(Sender):
    def _record(
        self, row: OutboxRow, answer: LotAnswer | TransportError, report: SendReport
    ) -> None:
        self.events.append(("record", row.id))
        super()._record(row, answer, report)

    events: list[tuple[str, str]]


def _run(store: Store, am: AmServer, clock: FakeClock) -> tuple[SendReport, list[tuple[str, str]]]:
    events: list[tuple[str, str]] = []
    settings = client_settings(am.url)
    transport = Noted(events, settings)
    sender = NotedSender(store, transport, settings=settings, clock=clock, rng=seeded(5))
    sender.events = events
    try:
        return sender.run(until_empty=True, max_seconds=60), events
    finally:
        transport.close()


def test_each_answer_is_recorded_after_the_next_lot_has_left(
    am: AmServer, store: Store, cabinet: Cabinet
) -> None:
    clock = FakeClock()
    create_fse(store, cabinet, 6, clock, lot_size=2)
    lots = close_lots(store, cabinet, clock)
    am.faults.set(FaultKind.SLOW)
    report, events = _run(store, am, clock)
    assert report.acknowledged == 3 and report.complete
    one, two, three = (lot for kind, lot in events if kind == "send")  # in sending order
    assert {one, two, three} == set(lots)
    # The next request is on its way before the answer of the one before is recorded; the
    # last answer, with nothing behind it, is recorded at once.
    assert events == [
        ("send", one),
        ("written", one),
        ("send", two),
        ("written", two),
        ("record", one),
        ("send", three),
        ("written", three),
        ("record", two),
        ("record", three),
    ]
    assert am.ledger.summary()["lots"] == 3  # each lot received once
    assert store.fse_count(FseState.ACKNOWLEDGED) == 6


def test_a_next_lot_cut_does_not_hold_back_the_answer_before_it(
    am: AmServer, store: Store, cabinet: Cabinet
) -> None:
    clock = FakeClock()
    create_fse(store, cabinet, 4, clock, lot_size=2)
    lots = close_lots(store, cabinet, clock)
    am.faults.set(FaultKind.SLOW, 1)  # the first lot's answer comes late
    events: list[tuple[str, str]] = []
    settings = client_settings(am.url)
    transport = Noted(events, settings)

    def cut_the_second(lot_id: str) -> None:  # its connection cut mid-request: no answer
        if len(lots) == 2:
            lots.remove(lot_id)  # the first sent
        else:
            am.faults.set(FaultKind.DROP, 2)  # and the transport's one retry

    transport.before_send = cut_the_second
    sender = NotedSender(store, transport, settings=settings, clock=clock, rng=seeded(5))
    sender.events = events
    try:
        report = sender.run()  # one pass: the cut lot waits for its backoff
    finally:
        transport.close()
    assert report.acknowledged == 1 and report.retries == 1
    one, two = (lot for kind, lot in events if kind == "send")  # in sending order
    # The first answer is recorded first, whether the cut request was written or not.
    records = [lot for kind, lot in events if kind == "record"]
    assert records == [one, two]
    first = store.outbox_get(one)
    assert first is not None and first.status is OutboxStatus.DONE
    second = store.outbox_get(two)
    assert second is not None and second.status is OutboxStatus.PENDING
    assert second.last_error  # « connexion coupée », for the user
