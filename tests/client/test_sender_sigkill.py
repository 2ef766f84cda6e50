"""The sender killed with SIGKILL at random moments, more than 20 times over one replay: in
the end the simulated Assurance Maladie has each lot exactly once as far as billing goes,
and the client's states agree with the server's. The sender is the real ``sesam queue send
--until-empty`` in a child process, killed with ``os.kill(pid, SIGKILL)``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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
from billing.lot import LotState
from client.store import OutboxStatus, open_store
from testbed.am.server import AmServer

ROOT = Path(__file__).resolve().parents[2]
KILLS = 24
LOTS = 100


def _done(data_dir: Path) -> int:
    store = open_store(data_dir / "sesam.db")
    try:
        return len(store.outbox_rows(OutboxStatus.DONE))
    finally:
        store.close()


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
            if kills % 4 == 3:
                # Now and then during the interpreter's start-up or the first claim.
                time.sleep(rng.uniform(0.05, 1.0))
            else:
                # Mostly in the middle of the sending: after a lot has started to go out.
                line = proc.stderr.readline()
                while line and "Envoi du lot" not in line:
                    line = proc.stderr.readline()
                if not line:  # the sender ended: everything was sent
                    finished = proc.wait(10)
                    break
                time.sleep(rng.uniform(0.0, 0.08))
            if proc.poll() is not None:
                finished = proc.returncode
                break
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
            proc.stderr.close()
            kills += 1
            progress.append(_done(data_dir))
        if finished is None:
            final = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=300, check=False
            )
            finished = final.returncode
        assert finished == 0, "the last sender did not end well"
        assert kills >= 20, f"only {kills} kills: the replay ended too early"
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
