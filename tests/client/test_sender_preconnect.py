"""The sender opens its connection to the concentrator while it reads its first lot from the
store: the TLS handshake no longer waits for the store, a replay still pays one handshake,
a request cut on that fresh connection is not sent twice, and an unreachable concentrator
is waited for once, not twice."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from am_support import FakeClock, client_settings, close_lots, create_fse, seeded

from client.sender import Sender
from client.store import OutboxStatus, Store
from client.transport import HttpsTransport, LotAnswer, ServerUnavailableError
from testbed.am.faults import FaultKind
from testbed.am.server import AmServer


@pytest.fixture
def am(tmp_path: Path) -> Iterator[AmServer]:
    # Not conftest.py's: no control port (the tests set the faults in-process).
    server = AmServer(ledger_path=tmp_path / "ledger.sqlite", control_port=None).start()
    yield server
    server.stop()


class Watched(HttpsTransport):
    """The real transport, noting each connection opened and each lot sent, in order."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.events: list[tuple[str, str]] = []

    def _connect(self, deadline: float) -> Any:
        self.events.append(("connect", threading.current_thread().name))
        return super()._connect(deadline)

    def send_lot(self, lot_id: str, der: bytes) -> LotAnswer:
        self.events.append(("send", lot_id))
        return super().send_lot(lot_id, der)


def _sender(store: Store, transport: HttpsTransport, url: str, clock: FakeClock) -> Sender:
    return Sender(store, transport, settings=client_settings(url), clock=clock, rng=seeded(3))


def test_the_connection_is_opened_before_the_first_lot_leaves_and_serves_every_lot(  # type: ignore[no-untyped-def]
    am, store, cabinet
) -> None:
    clock = FakeClock()
    create_fse(store, cabinet, 6, clock, lot_size=2)
    lots = close_lots(store, cabinet, clock)
    transport = Watched(client_settings(am.url))
    try:
        report = _sender(store, transport, am.url, clock).run(until_empty=True)
    finally:
        transport.close()
    assert report.acknowledged == len(lots) == 3 and report.complete
    kinds = [kind for kind, _ in transport.events]
    # One handshake, on the network thread, before the first lot was handed to it.
    assert kinds == ["connect", "send", "send", "send"]
    assert transport.events[0][1].startswith("sesam-envoi")
    assert am.connections == 1
    assert am.ledger.summary()["lots"] == 3


def test_nothing_to_send_opens_no_connection(am, store) -> None:  # type: ignore[no-untyped-def]
    transport = Watched(client_settings(am.url))
    try:
        report = _sender(store, transport, am.url, FakeClock()).run(until_empty=True)
    finally:
        transport.close()
    assert report.complete and transport.events == []
    assert am.connections == 0


def test_a_request_cut_on_the_connection_opened_ahead_is_not_sent_again(  # type: ignore[no-untyped-def]
    am, store, cabinet
) -> None:
    """The transport resends once only a request cut on a connection already used (the
    server may have closed it while idle); one opened ahead is a fresh one: the sender
    decides (backoff, journal)."""
    clock = FakeClock()
    create_fse(store, cabinet, 2, clock)
    (lot_id,) = close_lots(store, cabinet, clock)
    der = store.lot_der(lot_id)
    assert der is not None
    transport = HttpsTransport(client_settings(am.url))
    try:
        transport.warm_up()
        am.faults.set(FaultKind.DROP, 1)
        with pytest.raises(ServerUnavailableError) as info:
            transport.send_lot(lot_id, der)
    finally:
        transport.close()
    assert info.value.kind == "dropped"
    assert am.ledger.summary()["lots"] == 0
    assert am.connections == 1


def test_an_unreachable_concentrator_is_tried_once_for_the_first_lot(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    clock = FakeClock()
    create_fse(store, cabinet, 2, clock)
    (lot_id,) = close_lots(store, cabinet, clock)
    settings = client_settings(f"https://127.0.0.1:{port}")
    transport = Watched(settings)
    sender = Sender(store, transport, settings=settings, clock=clock, rng=seeded(3))
    try:
        report = sender.run()
    finally:
        transport.close()
    # The connection opened ahead failed: that is the lot's answer, no second attempt.
    assert [kind for kind, _ in transport.events] == ["connect"]
    assert report.retries == 1 and report.acknowledged == 0 and report.network_ok is False
    assert report.last_error and "refusée" in report.last_error
    row = store.outbox_get(lot_id)
    assert row is not None and row.status is OutboxStatus.PENDING
    assert row.last_error == report.last_error
