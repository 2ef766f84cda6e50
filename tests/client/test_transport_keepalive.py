"""Kept-alive connections to the concentrator: a day's lots pay one TLS handshake, and a
connection the server closed meanwhile costs nothing but a new one (no lost lot, no error
shown, no lot counted twice)."""

from __future__ import annotations

import http.client
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from am_support import FakeClock, client_settings, close_lots, create_fse

from client.store import Store
from client.transport import HttpsTransport
from testbed.am import handlers as am_handlers
from testbed.am import server as am_server_module
from testbed.am.faults import FaultKind
from testbed.am.server import AmServer


@pytest.fixture
def am(tmp_path: Path) -> Iterator[AmServer]:
    server = AmServer(ledger_path=tmp_path / "ledger.sqlite", control_port=None).start()
    yield server
    server.stop()


def _lots(store: Store, cabinet, count: int) -> list[tuple[str, bytes]]:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    lots = []
    for _ in range(count):
        create_fse(store, cabinet, 2, clock)
        (lot_id,) = close_lots(store, cabinet, clock)
        der = store.lot_der(lot_id)
        assert der is not None
        lots.append((lot_id, der))
    return lots


def test_several_lots_travel_on_one_connection(am, store, cabinet) -> None:  # type: ignore[no-untyped-def]
    transport = HttpsTransport(client_settings(am.url))
    lots = _lots(store, cabinet, 4)
    for lot_id, der in lots:
        answer = transport.send_lot(lot_id, der)
        assert answer.arl is not None and answer.arl.positive
    assert transport.arl(lots[0][0]) is not None
    assert am.connections == 1
    assert am.ledger.summary()["lots"] == 4


def test_a_connection_the_server_closed_while_idle_is_replaced(  # type: ignore[no-untyped-def]
    am, store, cabinet, monkeypatch
) -> None:
    monkeypatch.setattr(am_handlers.AmHandler, "timeout", 0.3)
    transport = HttpsTransport(client_settings(am.url))
    (first_id, first), (second_id, second) = _lots(store, cabinet, 2)
    assert transport.send_lot(first_id, first).arl is not None
    time.sleep(1.0)  # the server hangs up the idle connection
    answer = transport.send_lot(second_id, second)
    assert answer.arl is not None and answer.arl.positive and not answer.replay
    assert am.connections == 2
    assert am.ledger.summary()["receptions"] == 2


def test_a_reused_connection_cut_mid_request_is_retried_once_on_a_new_one(  # type: ignore[no-untyped-def]
    am, store, cabinet
) -> None:
    transport = HttpsTransport(client_settings(am.url))
    (first_id, first), (second_id, second) = _lots(store, cabinet, 2)
    transport.send_lot(first_id, first)
    am.faults.set(FaultKind.DROP, 1)
    answer = transport.send_lot(second_id, second)
    assert answer.arl is not None and answer.arl.lot_id == second_id
    summary = am.ledger.summary()
    assert summary["lots"] == 2 and summary["receptions"] == 2  # the cut request counted nothing
    assert am.connections == 2


def test_a_fresh_connection_cut_mid_request_is_not_retried(am, store, cabinet) -> None:  # type: ignore[no-untyped-def]
    """The sender decides (backoff, journal): the transport retries only what keep-alive
    itself may have caused."""
    from client.transport import ServerUnavailableError

    transport = HttpsTransport(client_settings(am.url))
    ((lot_id, der),) = _lots(store, cabinet, 1)
    am.faults.set(FaultKind.DROP, 1)
    with pytest.raises(ServerUnavailableError) as info:
        transport.send_lot(lot_id, der)
    assert info.value.kind == "dropped"
    assert am.ledger.summary()["lots"] == 0


def _raw_connection(am: AmServer) -> http.client.HTTPSConnection:
    settings = client_settings(am.url)
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=settings.ca_cert)
    context.load_cert_chain(settings.client_cert, settings.client_key)
    return http.client.HTTPSConnection("127.0.0.1", am.port, context=context, timeout=10)


def test_a_request_refused_before_its_body_is_read_leaves_the_connection_usable(am) -> None:  # type: ignore[no-untyped-def]
    """The server reads the body it refused: left on the socket, it would be taken for the
    next request's first line."""
    conn = _raw_connection(am)
    try:
        conn.request("POST", "/v1/lots", body=b"GET /v1/ping HTTP/1.1\r\n\r\n" * 40)  # no key
        refused = conn.getresponse()
        assert refused.status == 400 and b"Idempotency-Key" in refused.read()
        assert not refused.will_close
        conn.request("GET", "/v1/ping")
        ping = conn.getresponse()
        assert ping.status == 200 and b"heure" in ping.read()
    finally:
        conn.close()
    assert am.connections == 1


def test_a_body_too_long_to_read_closes_the_connection(am) -> None:  # type: ignore[no-untyped-def]
    conn = _raw_connection(am)
    try:
        conn.putrequest("POST", "/v1/lots")
        conn.putheader("Idempotency-Key", "LOT-TROP-LONG")
        conn.putheader("Content-Length", str(am_server_module.MAX_LOT_SIZE + 1))
        conn.endheaders()
        answer = conn.getresponse()
        assert answer.status == 413 and answer.will_close
        answer.read()
    finally:
        conn.close()
    assert am.ledger.summary()["lots"] == 0
