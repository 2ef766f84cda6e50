"""Each fault of the simulated Assurance Maladie reaches the client as a typed, retryable
error (or a missing ARL), and the exchange works again once the fault is lifted."""

from __future__ import annotations

import json
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "client"))

from am_support import FakeClock, client_settings, close_lots, create_fse, open_cabinet

from client.messages import describe
from client.store import Store, open_store
from client.transport import (
    HttpsTransport,
    MalformedAnswerError,
    ServerUnavailableError,
)
from testbed.am.faults import FaultKind, Faults
from testbed.am.server import AmServer


@pytest.fixture
def am(tmp_path: Path) -> Iterator[AmServer]:
    server = AmServer(
        ledger_path=tmp_path / "ledger.sqlite", faults=Faults(slow_seconds=2.0)
    ).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cabinet():  # type: ignore[no-untyped-def]
    return open_cabinet()


@pytest.fixture
def lot(tmp_path: Path, cabinet) -> Iterator[tuple[str, bytes]]:  # type: ignore[no-untyped-def]
    store: Store = open_store(tmp_path / "client.db")
    clock = FakeClock()
    create_fse(store, cabinet, 2, clock)
    (lot_id,) = close_lots(store, cabinet, clock)
    der = store.lot_der(lot_id)
    assert der is not None
    yield lot_id, der
    store.close()


@pytest.mark.parametrize(
    ("fault", "error", "kind"),
    [
        (FaultKind.REFUSE, ServerUnavailableError, "dropped"),
        (FaultKind.DROP, ServerUnavailableError, "dropped"),
        (FaultKind.HTTP_500, ServerUnavailableError, "http"),
        (FaultKind.HTTP_503, ServerUnavailableError, "http"),
        (FaultKind.SLOW, ServerUnavailableError, "timeout"),
        (FaultKind.GARBAGE, MalformedAnswerError, "ARL"),
    ],
)
def test_fault_gives_a_retryable_error_then_the_lot_goes_through(  # type: ignore[no-untyped-def]
    am, lot, fault, error, kind
) -> None:
    transport = HttpsTransport(client_settings(am.url, read_timeout=0.7))
    lot_id, der = lot
    am.faults.set(fault)
    with pytest.raises(error) as info:
        transport.send_lot(lot_id, der)
    assert info.value.retryable
    assert info.value.kind == kind
    message = describe(info.value)
    assert message and "serveur" in message.lower()
    am.faults.clear()
    answer = transport.send_lot(lot_id, der)
    assert answer.arl is not None and answer.arl.positive
    # Whatever the fault did (garbage and slow answers came after processing), the lot is
    # counted once.
    assert am.ledger.summary()["lots"] == 1
    assert am.ledger.summary()["fse_acceptees"] == 2


def test_lost_arl_comes_back_when_the_lot_is_sent_again(am, lot) -> None:  # type: ignore[no-untyped-def]
    transport = HttpsTransport(client_settings(am.url))
    lot_id, der = lot
    am.faults.set(FaultKind.LOSE_ARL)
    assert transport.send_lot(lot_id, der).arl is None
    assert transport.arl(lot_id) is None  # received, no ARL
    assert transport.send_lot(lot_id, der).arl is None  # still lost while the fault lasts
    am.faults.clear()
    answer = transport.send_lot(lot_id, der)
    assert answer.arl is not None and answer.arl.positive and answer.replay
    assert am.ledger.summary()["lots"] == 1 and am.ledger.summary()["receptions"] == 3


def test_arl_sent_twice_appears_twice_in_the_feed(am, lot) -> None:  # type: ignore[no-untyped-def]
    transport = HttpsTransport(client_settings(am.url))
    lot_id, der = lot
    am.faults.set(FaultKind.ARL_TWICE)
    transport.send_lot(lot_id, der)
    items, last = transport.arl_feed(0)
    assert [arl.lot_id for _seq, arl in items] == [lot_id, lot_id]
    assert last == items[-1][0]
    assert transport.arl_feed(last) == ([], last)


def test_counted_fault_lifts_itself_and_control_endpoint_switches_faults(am, lot) -> None:  # type: ignore[no-untyped-def]
    transport = HttpsTransport(client_settings(am.url))
    lot_id, der = lot
    request = urllib.request.Request(  # noqa: S310 - loopback control URL
        f"{am.control_url}/faults",
        data=json.dumps({"set": {"503": 2}}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - loopback
        assert json.loads(answer.read())["faults"] == {"503": 2}
    for _ in range(2):
        with pytest.raises(ServerUnavailableError):
            transport.send_lot(lot_id, der)
    assert transport.send_lot(lot_id, der).arl is not None
