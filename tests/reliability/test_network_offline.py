"""The workstation offline for a day, and a clock moved backwards.

Every fault the simulated concentrator injects is covered by
``tests/client/test_sender_faults.py``; here: nothing listens on the concentrator's address
for a simulated day while the practitioner keeps billing, the injected clock jumping forward
hours at a time (the machine asleep) with the sender retrying in between. The backoff never
schedules beyond its cap, attempts stay few, the user reads what is happening at every step;
then the server comes back and the queue drains, each lot counted once. An NTP correction
moving the clock back hours must not hold the queue until the clock catches up.

Real HTTPS on loopback; the client's clock and the sender's waits are injected (no sleep).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from reliability_support import Clock, cards, fse_input

from billing.fse_states import FseState
from client.cli.queue import queue_status
from client.fse_service import FseService
from client.sender import Sender, SendProgress, SendStep
from client.settings import Settings
from client.store import OutboxStatus, Store, open_store
from client.transport import HttpsTransport, LotAnswer
from testbed.am.server import AmServer
from testbed.pki import ensure_pki

ROOT = Path(__file__).resolve().parents[2]
BASE, CAP = 5.0, 900.0  # the product's defaults (docs/transmission.md)
AWAKE = 20 * 60  # the machine is awake 20 minutes in each simulated hour


def _free_port() -> int:
    """A loopback port nothing listens on (connections to it are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _settings(port: int) -> Settings:
    paths = ensure_pki()
    return Settings(
        server_url=f"https://127.0.0.1:{port}",
        client_cert=paths.client_cert,
        client_key=paths.client_key,
        ca_cert=paths.ca_cert,
        connect_timeout=2.0,
        read_timeout=5.0,
        backoff_base=BASE,
        backoff_cap=CAP,
    )


class RecordingTransport(HttpsTransport):
    """The real transport, noting when (client clock) each lot was tried."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        super().__init__(settings)
        self.clock = clock
        self.tries: dict[str, list[datetime]] = {}

    def send_lot(self, lot_id: str, der: bytes) -> LotAnswer:
        self.tries.setdefault(lot_id, []).append(self.clock())
        return super().send_lot(lot_id, der)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "data" / "sesam.db")
    yield s
    s.close()


def _bill(store: Store, clock: Clock, count: int) -> list[str]:
    """The practitioner goes on billing offline: FSE secured, their lot closed and signed."""
    c = cards()
    service = FseService(store, clock=clock)
    for i in range(count):
        service.create(fse_input(i % 5), c.cps, c.vitale)
    return [closed.lot.id for closed in service.close_lots(c.session, c.cps, all_lots=True)]


def _sender(
    store: Store, transport: HttpsTransport, settings: Settings, clock: Clock, seed: int
) -> tuple[Sender, list[SendProgress]]:
    shown: list[SendProgress] = []

    def wait(seconds: float) -> bool:
        clock.advance(seconds=seconds)
        return False

    sender = Sender(
        store,
        transport,
        settings=settings,
        clock=clock,
        rng=random.Random(seed),  # noqa: S311 - jitter
        on_progress=shown.append,
        wait=wait,
    )
    return sender, shown


def _check_schedule(store: Store, now: datetime) -> None:
    """No row is scheduled further than the cap: a jittered delay never exceeds it."""
    for row in store.outbox_rows(OutboxStatus.PENDING):
        assert row.next_attempt_at is not None
        ahead = (row.next_attempt_at - now).total_seconds()
        assert ahead <= CAP + 1, f"next attempt {ahead:.0f} s ahead, over the cap"


def _check_gaps(tries: dict[str, list[datetime]]) -> None:
    """Between two tries of a lot: at least half the backoff ceiling (the jitter's floor),
    so the attempts do not explode, whatever the clock did in between."""
    for lot_id, times in tries.items():
        for n, (before, after) in enumerate(itertools.pairwise(times)):
            ceiling = min(CAP, BASE * 2**n)
            gap = (after - before).total_seconds()
            assert gap >= ceiling / 2 - 1, f"lot {lot_id[:8]}: try {n + 2} after {gap:.0f} s"


def test_a_day_offline_then_the_queue_drains(tmp_path: Path, store: Store) -> None:
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    port = _free_port()
    settings = _settings(port)
    transport = RecordingTransport(settings, clock)
    lots: list[str] = []
    for hour in range(24):
        if hour % 6 == 0:
            lots += _bill(store, clock, 3)
        sender, shown = _sender(store, transport, settings, clock, hour + 1)
        report = sender.run(until_empty=True, max_seconds=AWAKE)
        assert report.acknowledged == 0 and report.remaining == len(lots)
        assert report.failed == 0, "a refused connection must never be a permanent failure"
        _check_schedule(store, clock())
        # What the user reads: the server cannot be reached, the FSE wait in the queue,
        # the next try is near.
        retries = [p.message for p in shown if p.step is SendStep.RETRY]
        assert retries and "injoignable (connexion refusée)" in retries[-1]
        assert "les FSE restent en file d'attente" in retries[-1]
        status = queue_status(store)
        oldest = status["plus_ancien_en_attente"]
        assert oldest is not None and "injoignable" in oldest["derniere_erreur"]
        assert oldest["statut"] and oldest["essais"] >= 1
        next_try = datetime.fromisoformat(oldest["prochain_essai"])
        assert next_try <= clock() + timedelta(seconds=CAP + 1)
        assert status["dernier_contact"] is None
        # The machine sleeps: the clock jumps to the next hour, nothing runs meanwhile.
        clock.advance(seconds=3600 - AWAKE)
    _check_gaps(transport.tries)
    attempts = {r.id: r.attempts for r in store.outbox_rows()}
    # 20 awake minutes an hour: a few quick tries, then at most one per half cap.
    assert max(attempts.values()) <= 24 * (AWAKE // (CAP / 2) + 1) + 8, attempts
    assert all(n >= 24 for lot, n in attempts.items() if lot == lots[0]), attempts
    assert {f.state for f in store.fse_list()} == {FseState.IN_LOT}

    # The command line says the same (real ``sesam queue status --json``).
    data_dir = tmp_path / "data"
    (data_dir / "settings.json").write_text(json.dumps(settings.to_json()), encoding="utf-8")
    shown_json = subprocess.run(
        [sys.executable, "-m", "client.cli", "queue", "status", "--json"],
        env={**os.environ, "SESAM_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    doc = json.loads(shown_json.stdout)
    pending = [g for g in doc["lots"] if g["statut"] == "pending"]
    assert pending and pending[0]["lots"] == len(lots)
    assert "injoignable" in doc["plus_ancien_en_attente"]["derniere_erreur"]

    # The server is back on the same address: the queue drains, each lot counted once.
    server = AmServer(ledger_path=tmp_path / "ledger.sqlite", port=port, control_port=None)
    server.start()
    try:
        sender, shown = _sender(store, transport, settings, clock, 99)
        back = clock()
        report = sender.run(until_empty=True)
        assert report.complete and report.acknowledged == len(lots)
        assert (clock() - back).total_seconds() <= CAP + 10, "the queue waited past the cap"
        assert {f.state for f in store.fse_list()} == {FseState.ACKNOWLEDGED}
        assert server.ledger.summary()["lots"] == len(lots)
        assert server.ledger.summary()["fse_acceptees"] == len(store.fse_list())
        status = queue_status(store)
        assert status["plus_ancien_en_attente"] is None
        assert status["dernier_contact"] is not None
        assert any(p.step is SendStep.ACKNOWLEDGED for p in shown)
        assert "accepté" in shown[-1].message
    finally:
        server.stop()


@pytest.mark.parametrize("back", [timedelta(hours=6), timedelta(days=365)])
def test_clock_moved_backwards_does_not_hold_the_queue(
    tmp_path: Path, store: Store, back: timedelta
) -> None:
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    port = _free_port()
    settings = _settings(port)
    transport = RecordingTransport(settings, clock)
    lots = _bill(store, clock, 4)
    # Offline for a while: the lot is scheduled minutes ahead, at the cap.
    sender, _shown = _sender(store, transport, settings, clock, 1)
    sender.run(until_empty=True, max_seconds=3 * 3600)
    _check_schedule(store, clock())
    # NTP puts the clock right: it was ahead by ``back``.
    clock.now -= back
    server = AmServer(ledger_path=tmp_path / "ledger.sqlite", port=port, control_port=None)
    server.start()
    try:
        sender, shown = _sender(store, transport, settings, clock, 2)
        start = clock()
        report = sender.run(until_empty=True, max_seconds=2 * CAP)
        assert report.complete, [p.message for p in shown][-3:]
        assert (clock() - start).total_seconds() <= CAP
        assert server.ledger.summary()["lots"] == len(lots)
        assert {f.state for f in store.fse_list()} == {FseState.ACKNOWLEDGED}
    finally:
        server.stop()


def test_clock_moved_backwards_during_a_long_run(tmp_path: Path, store: Store) -> None:
    """The clock goes back while a sender is waiting out its backoff (the desktop's sender
    thread runs for hours): it still tries again within the cap."""
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    port = _free_port()
    settings = _settings(port)
    transport = RecordingTransport(settings, clock)
    _bill(store, clock, 2)
    server: list[AmServer] = []
    jumped = False

    def wait(seconds: float) -> bool:
        nonlocal jumped
        clock.advance(seconds=seconds)
        if not jumped and sum(len(t) for t in transport.tries.values()) >= 6:
            jumped = True
            clock.now -= timedelta(days=2)  # the NTP correction, mid-wait
            server.append(
                AmServer(
                    ledger_path=tmp_path / "ledger.sqlite", port=port, control_port=None
                ).start()
            )
        return False

    sender = Sender(
        store,
        transport,
        settings=settings,
        clock=clock,
        rng=random.Random(5),  # noqa: S311
        wait=wait,
    )
    try:
        report = sender.run(until_empty=True, max_seconds=3 * 3600)
        assert jumped and report.complete
        (times,) = transport.tries.values()
        assert (times[-1] - times[-2]).total_seconds() < 0  # tried again after the jump
        assert abs((times[-1] - times[-2]).total_seconds() + 2 * 86400) <= CAP + 120
    finally:
        for s in server:
            s.stop()
