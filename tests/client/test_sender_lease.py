"""A dead sender's claim is taken back within seconds by the sender that survives it.

Two real ``sesam queue send --until-empty`` processes share the outbox; the simulated
Assurance Maladie holds the first lot's answer (slow fault) so that the first sender is
killed (SIGKILL) with its lot in flight. The survivor, already running, must take the lot
back and send it within seconds, several rounds in a row. A claim of another machine (no
pid to check) is taken back when its lease runs out; a live sender renewing its lease while
its lot travels is never robbed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from am_support import (
    FakeClock,
    client_settings,
    close_lots,
    create_fse,
    open_cabinet,
    write_settings,
)

from client.sender import Sender
from client.store import OutboxStatus, open_store
from client.transport import HttpsTransport
from testbed.am.faults import FaultKind, Faults
from testbed.am.server import AmServer

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 3
#: What « within seconds » means here (the lease is 20 s; a dead local pid is seen sooner).
RECOVERED_WITHIN = 10.0


def _row(data_dir: Path, lot_id: str) -> tuple[OutboxStatus, str | None]:
    store = open_store(data_dir / "sesam.db")
    try:
        row = store.outbox_get(lot_id)
        assert row is not None
        return row.status, row.claimed_by
    finally:
        store.close()


def _wait_for(predicate, timeout: float) -> float:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def test_a_killed_senders_claim_is_taken_back_within_seconds(tmp_path: Path) -> None:
    recoveries: list[float] = []
    cabinet = open_cabinet()
    for round_ in range(ROUNDS):
        # A concentrator per round: each round's store starts again at lot n° 1, which one
        # concentrator would refuse (A11).
        faults = Faults(slow_seconds=60)
        server = AmServer(ledger_path=tmp_path / f"ledger{round_}.sqlite", faults=faults)
        server.start()
        try:
            data_dir = tmp_path / f"data{round_}"
            data_dir.mkdir(mode=0o700)
            write_settings(data_dir, client_settings(server.url, read_timeout=90.0))
            store = open_store(data_dir / "sesam.db")
            clock = FakeClock(datetime.now(UTC))
            create_fse(store, cabinet, 2, clock, lot_size=2)
            [lot] = close_lots(store, cabinet, clock)
            store.close()
            env = dict(os.environ, SESAM_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT))
            command = [sys.executable, "-m", "client.cli", "queue", "send", "--until-empty"]
            faults.set(FaultKind.SLOW, count=1)  # the first sending of the lot hangs
            first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)  # fmt: skip
            _wait_for(lambda: _row(data_dir, lot)[0] is OutboxStatus.IN_FLIGHT, 60)  # noqa: B023
            survivor = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True)  # fmt: skip
            time.sleep(1.0)  # the survivor is up and idle, the lot is not due for him
            assert _row(data_dir, lot)[1] is not None
            assert f":{first.pid}:" in (_row(data_dir, lot)[1] or "")
            os.kill(first.pid, signal.SIGKILL)
            first.wait(10)
            recoveries.append(
                _wait_for(lambda: _row(data_dir, lot)[0] is OutboxStatus.DONE, 60)  # noqa: B023
            )
            assert survivor.wait(60) == 0
            assert survivor.stderr is not None
            survivor.stderr.close()
            assert server.ledger.summary()["lots_positifs"] == 1
        finally:
            server.stop()
    print(f"recovered after kill: {', '.join(f'{r:.1f} s' for r in recoveries)}")
    assert max(recoveries) < RECOVERED_WITHIN, recoveries


def test_a_foreign_claim_waits_for_its_lease_and_a_live_one_is_never_robbed(
    tmp_path: Path,
) -> None:
    faults = Faults(slow_seconds=5)
    with AmServer(ledger_path=tmp_path / "ledger.sqlite", faults=faults) as server:
        settings = client_settings(server.url, read_timeout=30.0, claim_lease_seconds=2.0)
        store = open_store(tmp_path / "sesam.db")
        cabinet = open_cabinet()
        clock = FakeClock(datetime.now(UTC))
        create_fse(store, cabinet, 4, clock, lot_size=2)
        lots = close_lots(store, cabinet, clock)

        def now() -> datetime:
            return datetime.now(UTC)

        # A claim of another workstation (its pid means nothing here), just renewed.
        claimed = store.outbox_claim("autre-poste:4242:abcd", now())
        assert claimed is not None
        first_lot = claimed.id
        [second_lot] = [lot for lot in lots if lot != first_lot]
        # A live sender elsewhere in this process takes the second lot; the server holds
        # its answer 5 s (more than twice the 2 s lease): it renews its claim meanwhile.
        faults.set(FaultKind.SLOW, count=1)

        def live_sender() -> None:
            live_store = open_store(tmp_path / "sesam.db")  # its own thread, its own connection
            try:
                Sender(live_store, HttpsTransport(settings), settings=settings, clock=now).run()
            finally:
                live_store.close()

        live_thread = threading.Thread(target=live_sender)
        live_thread.start()
        _wait_for(lambda: store.outbox_get(second_lot).status is OutboxStatus.IN_FLIGHT, 10)  # type: ignore[union-attr]
        start = time.monotonic()
        survivor = Sender(store, HttpsTransport(settings), settings=settings, clock=now)
        report = survivor.run(until_empty=True, max_seconds=40)
        took = time.monotonic() - start
        live_thread.join(30)
        try:
            # The foreign claim went back once its lease ran out, not before, not minutes.
            assert 1.5 <= took < 15, took
            assert first_lot in report.lots
            # The live sender's lot was never taken from it: one reception only.
            assert second_lot not in report.lots
            assert {r.status for r in store.outbox_rows()} == {OutboxStatus.DONE}
        finally:
            store.close()
        receptions = server.ledger.summary()["receptions"]
        assert receptions == 2, receptions
