"""Every fault of the simulated Assurance Maladie, injected during a replay: the user sees
a clear French status meanwhile, and the replay completes once the fault is lifted, each lot
counted once by the server. Real HTTPS on loopback; the client's clock is injected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from am_support import FakeClock, client_settings, close_lots, create_fse, seeded

from billing.fse_states import FseState
from client.cli.queue import queue_status
from client.sender import Sender, SendProgress, SendStep
from client.transport import HttpsTransport
from testbed.am.faults import FaultKind, Faults
from testbed.am.server import AmServer

#: What the user must read while each fault lasts (lower-case fragments).
EXPECTED = {
    FaultKind.REFUSE: "coupée",
    FaultKind.DROP: "coupée",
    FaultKind.HTTP_500: "en panne ou en maintenance (erreur 500)",
    FaultKind.HTTP_503: "en panne ou en maintenance (erreur 503)",
    FaultKind.SLOW: "ne répond pas",
    FaultKind.GARBAGE: "réponse illisible",
    FaultKind.LOSE_ARL: "accusé de réception (arl) en attente",
}


@pytest.fixture
def am(tmp_path: Path) -> Iterator[AmServer]:
    # Not conftest.py's: the slow fault here outlasts the tests' read timeout by 1 s only.
    server = AmServer(ledger_path=tmp_path / "ledger.sqlite", faults=Faults(slow_seconds=1.5))
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("fault", list(EXPECTED))
def test_replay_completes_after_the_fault(am, store, cabinet, fault) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    create_fse(store, cabinet, 6, clock, lot_size=2)
    lots = close_lots(store, cabinet, clock)
    settings = client_settings(am.url, read_timeout=0.5)
    transport = HttpsTransport(settings)
    messages: list[SendProgress] = []
    am.faults.set(fault)
    report = Sender(
        store,
        transport,
        settings=settings,
        clock=clock,
        rng=seeded(3),
        on_progress=messages.append,
    ).run()
    assert not report.complete
    shown = " ".join(m.message for m in messages if m.step in (SendStep.RETRY, SendStep.RECEIVED))
    assert EXPECTED[fault] in shown.lower()
    assert "file d'attente" in shown or fault is FaultKind.LOSE_ARL
    # The queue status shows the same French sentence as the last error.
    oldest = queue_status(store)["plus_ancien_en_attente"]
    assert oldest is not None and EXPECTED[fault] in oldest["derniere_erreur"].lower()

    am.faults.clear()

    def wait(seconds: float) -> bool:
        clock.advance(seconds)
        return False

    final = Sender(store, transport, settings=settings, clock=clock, rng=seeded(4), wait=wait).run(
        until_empty=True
    )
    assert final.complete
    assert {f.state for f in store.fse_list()} == {FseState.ACKNOWLEDGED}
    summary = am.ledger.summary()
    assert summary["lots"] == len(lots) and summary["fse_acceptees"] == 6


def test_arl_sent_twice_is_processed_once(am, store, cabinet) -> None:  # type: ignore[no-untyped-def]
    from client.returns import fetch_arls

    clock = FakeClock()
    create_fse(store, cabinet, 4, clock, lot_size=2)
    close_lots(store, cabinet, clock)
    settings = client_settings(am.url)
    transport = HttpsTransport(settings)
    am.faults.set(FaultKind.ARL_TWICE)
    assert Sender(store, transport, settings=settings, clock=clock).run().complete
    fetched = fetch_arls(store, transport, clock())
    assert (fetched.applied, fetched.already_known, fetched.duplicates) == (0, 2, 2)
    for fse in store.fse_list():
        kinds = [e.kind.value for e in store.fse_events(fse.id)]
        assert kinds.count("arl_positive") == 1
