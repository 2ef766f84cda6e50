"""SIGKILL while creating FSE and closing lots: the store stays consistent.

A subprocess (``fse_crash_worker.py``) creates FSE in a loop with in-process emulated cards
(the real ``cardio`` readers over ``EmulatedConnection``: no pcscd, so a kill cannot leave
a virtual reader in a strange state, and rounds are fast) and closes lots now and then. It
is killed with SIGKILL at random points, several times; then every FSE it reported is in
the store, no number is used twice, lots and outbox agree, and ``integrity_check`` is ok.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

from billing.fse_states import FseState
from billing.lot import verify_lot
from billing.lot_states import LotState
from client.store import OutboxStatus, open_store
from testbed import pki

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ROUNDS = 6


def start_worker(db: Path, seed: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{HERE}"}
    worker = subprocess.Popen(
        [sys.executable, str(HERE / "fse_crash_worker.py"), str(db), str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert worker.stdout is not None
    first = worker.stdout.readline()
    assert first.strip() == "READY", worker.stderr.read() if worker.stderr else ""
    return worker


def read_until(worker: subprocess.Popen[str], fse_count: int) -> list[str]:
    """The worker's lines up to its ``fse_count``-th ``FSE`` line (fewer if it ended):
    kills follow the worker's own progress, so a round does the same work on a fast
    machine and on a loaded one."""
    assert worker.stdout is not None
    lines: list[str] = []
    while sum(line.startswith("FSE ") for line in lines) < fse_count:
        line = worker.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
    return lines


def kill(worker: subprocess.Popen[str], already: list[str] | None = None) -> list[str]:
    worker.send_signal(signal.SIGKILL)
    out, err = worker.communicate(timeout=30)
    assert worker.returncode == -signal.SIGKILL, err
    return (already or []) + out.splitlines()


def run_round(db: Path, seed: int, rng: random.Random) -> list[str]:
    worker = start_worker(db, seed)
    # Killed just after its n-th FSE committed: while it secures the next one or closes
    # lots (the worker's random schedule), at a point that the pipe's latency varies.
    return kill(worker, read_until(worker, rng.randint(2, 6)))


def test_sigkill_at_random_points_leaves_the_store_consistent(tmp_path: Path) -> None:
    db = tmp_path / "data" / "sesam.db"
    rng = random.Random(20261122)  # noqa: S311 - reproducible kill points
    reported_fse: list[int] = []
    reported_lots: list[int] = []
    for round_number in range(ROUNDS):
        for line in run_round(db, round_number, rng):
            kind, _, number = line.partition(" ")
            if kind == "FSE":
                reported_fse.append(int(number))
            elif kind == "LOT":
                reported_lots.append(int(number))
    assert len(reported_fse) > 10, "the worker should have had time to create FSE"
    assert len(reported_fse) == len(set(reported_fse)), "a number was reported twice"

    store = open_store(db)
    try:
        assert store.integrity_check() == "ok"
        rows = store.fse_list()
        numbers = [r.number for r in rows]
        assert len(numbers) == len(set(numbers))
        assert set(reported_fse) <= set(numbers)
        assert {lot.number for lot in store.lots()} >= set(reported_lots)
        ca = pki.ensure_pki().ca_cert.read_bytes()
        for lot in store.lots():
            members = store.fse_list(lot_id=lot.id)
            assert lot.fse_count == len(members)
            outbox = store.outbox_get(lot.id)
            if lot.state is LotState.OPEN:
                assert outbox is not None and outbox.status is OutboxStatus.HELD
                assert {m.state for m in members} <= {FseState.SECURED}
            elif lot.state is LotState.CLOSED:
                assert outbox is not None and outbox.status is OutboxStatus.PENDING
                assert {m.state for m in members} == {FseState.IN_LOT}
                verified = verify_lot(store.lot_der(lot.id) or b"", ca)
                assert [f.number for f in verified.fses] == sorted(m.number for m in members)
            else:
                assert lot.state is LotState.VOIDED and not members and outbox is None
        assert all(r.lot_id is not None for r in rows if r.state is FseState.SECURED)
        pid = rows[0].practitioner_id
        last_fse, _last_lot = store.counters(pid)
        assert last_fse >= max(r.number for r in rows if r.practitioner_id == pid)
    finally:
        store.close()


def test_two_processes_writing_at_once_never_share_a_number(tmp_path: Path) -> None:
    db = tmp_path / "data" / "sesam.db"
    kill(start_worker(db, 0))  # create and migrate the database first
    workers = [start_worker(db, seed) for seed in (1, 2)]
    # Both write all along: each is killed once it has committed a few FSE.
    seen = [read_until(worker, 3) for worker in workers]
    lines = [
        line for worker, early in zip(workers, seen, strict=True) for line in kill(worker, early)
    ]
    reported = [int(line.split()[1]) for line in lines if line.startswith("FSE ")]
    assert len(reported) > 5
    assert len(reported) == len(set(reported))
    store = open_store(db)
    try:
        assert store.integrity_check() == "ok"
        numbers = [r.number for r in store.fse_list()]
        assert len(numbers) == len(set(numbers)) and set(reported) <= set(numbers)
    finally:
        store.close()
