"""The sender killed with SIGKILL at random moments, 24 times over one replay: in the end
the simulated Assurance Maladie has each lot exactly once as far as billing goes, and the
client's states agree with the server's. The sender is the real ``sesam queue send
--until-empty`` in a child process, killed with ``os.kill(pid, SIGKILL)``.

The moments are the sender's own events read on its progress output (started, a lot going
out, a lot acknowledged), never a wall-clock delay: each life of the sender sends at most
a couple of lots whatever the machine's speed, so the campaign reaches its 24 kills on a
fast machine as on a loaded one.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from am_support import (
    FakeClock,
    client_settings,
    close_lots,
    create_fse,
    open_cabinet,
    seeded,
    write_settings,
)

from billing.fse_states import FseEventKind, FseState
from billing.lot_states import LotState
from client.store import OutboxStatus, open_store
from testbed.am.server import AmServer

ROOT = Path(__file__).resolve().parents[2]
KILLS = 24
LOTS = 100
#: Longest wait for the sender's next event: only a hung sender takes that long.
EVENT_TIMEOUT = 120.0
#: The sender's progress lines (client/cli/queue.py) a kill can follow.
STARTED, SENDING, ACKNOWLEDGED = "lot(s) à envoyer", "Envoi du lot", "accusé de réception positif"


def _done(data_dir: Path) -> int:
    store = open_store(data_dir / "sesam.db")
    try:
        return len(store.outbox_rows(OutboxStatus.DONE))
    finally:
        store.close()


def _lines(stream: IO[str]) -> queue.Queue[str | None]:
    """The stream's lines as they come (None at its end), read on a thread so that the
    test never blocks on a sender that went silent."""
    out: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        with stream:
            for line in stream:
                out.put(line)
        out.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return out


def _wait_for(lines: queue.Queue[str | None], marker: str, count: int) -> bool:
    """Wait for the ``count``-th line holding ``marker``; False when the stream ended first."""
    seen = 0
    while seen < count:
        try:
            line = lines.get(timeout=EVENT_TIMEOUT)
        except queue.Empty:
            raise AssertionError(
                f"no '{marker}' from the sender in {EVENT_TIMEOUT:.0f} s"
            ) from None
        if line is None:
            return False
        seen += marker in line
    return True


def test_sender_killed_at_random_moments(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    server = AmServer(ledger_path=tmp_path / "ledger.sqlite").start()
    try:
        # Short backoff: a lot whose answer was lost with its killed sender is retried soon.
        write_settings(
            data_dir,
            client_settings(server.url, backoff_base=0.2, backoff_cap=1.0, stale_claim_minutes=60),
        )
        store = open_store(data_dir / "sesam.db")
        clock = FakeClock()
        cabinet = open_cabinet()
        create_fse(store, cabinet, 200, clock, lot_size=2)
        lots = close_lots(store, cabinet, clock)
        store.close()
        assert len(lots) == LOTS

        env = dict(os.environ, SESAM_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT))
        command = [sys.executable, "-m", "client.cli", "queue", "send", "--until-empty"]
        rng = seeded(20261122)
        kills = 0
        finished = None
        progress: list[int] = []
        while kills < KILLS:
            proc = subprocess.Popen(
                command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
            )
            assert proc.stderr is not None
            lines = _lines(proc.stderr)
            marker: str | None
            if kills % 4 == 3:
                # Now and then during the start-up: the interpreter loading, the recovery
                # of the claims the last one left, or the first claim.
                marker = rng.choice([None, STARTED, SENDING])
                count = 1
            else:
                # Mostly in the middle of the sending: a lot on its way, or just after an
                # acknowledgement (while the next one travels).
                marker, count = rng.choice([SENDING, ACKNOWLEDGED]), rng.randint(1, 2)
            if marker is not None and not _wait_for(lines, marker, count):
                finished = proc.wait(EVENT_TIMEOUT)  # the sender ended: everything was sent
                break
            if proc.poll() is not None:
                finished = proc.returncode
                break
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
            kills += 1
            progress.append(_done(data_dir))
        if finished is None:
            final = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=300, check=False
            )
            finished = final.returncode
        assert finished == 0, "the last sender did not end well"
        assert kills == KILLS, f"only {kills} kills: the replay ended too early"
        # The kills fell in the middle of the replay, not only before or after it.
        assert sum(1 for done in progress if 0 < done < LOTS) >= 10, progress

        ledger = server.ledger
        summary = ledger.summary()
        assert summary["lots"] == LOTS and summary["lots_positifs"] == LOTS
        assert summary["fse_acceptees"] == 200
        assert summary["receptions"] >= LOTS  # some lots were received again: not counted twice

        store = open_store(data_dir / "sesam.db")
        try:
            assert store.integrity_check() == "ok"
            server_lots = ledger.lot_states()
            assert set(server_lots) == set(lots)
            for lot_id in lots:
                assert store.lot_by_id(lot_id).state is LotState.ACKNOWLEDGED
                row = store.outbox_get(lot_id)
                assert row is not None and row.status is OutboxStatus.DONE
            for fse in store.fse_list():
                assert fse.state is FseState.ACKNOWLEDGED
                kinds = [e.kind for e in store.fse_events(fse.id)]
                assert kinds.count(FseEventKind.SENT) == 1
                assert kinds.count(FseEventKind.ARL_POSITIVE) == 1
            arl_rows = store.db.execute("SELECT count(*) FROM arl").fetchone()[0]
            assert arl_rows == LOTS
        finally:
            store.close()
    finally:
        server.stop()
