"""End to end, as from a fresh clone: 200 FSE are created while the concentrator is down;
``sesam queue send`` says so in French and keeps them; the simulated Assurance Maladie
comes up (``python -m testbed am serve``); ``sesam queue send --until-empty`` ends with
every lot acknowledged; ``sesam returns fetch`` brings NOEMIE returns that reconcile every
FSE (paid, partly paid and rejected all appear).

The FSE are created through the FSE engineer's ``FseService`` with the testbed's emulated
cards reached in-process (not through pcscd): 200 creations through the vpcd readers would
be slow and would need the reader lock; pricing, Vitale certification (mother key) and the
CPS signature of the lots are the real ones.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from am_support import (
    FakeClock,
    client_settings,
    close_lots,
    create_fse,
    open_cabinet,
    write_settings,
)

from client.store import OutboxStatus, open_store

ROOT = Path(__file__).resolve().parents[2]


def _env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["SESAM_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def sesam(data_dir: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "client.cli", *args],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_am(port: int, ledger: Path, *extra: str) -> subprocess.Popen[str]:
    """``python -m testbed am serve`` in the foreground of a child process, ready when it
    prints its ``ready`` line."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "testbed",
            "am",
            "serve",
            "--port",
            str(port),
            "--control-port",
            "0",
            "--ledger",
            str(ledger),
            *extra,
        ],
        env=_env(ledger.parent),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("ready https://127.0.0.1:"), line
    return proc


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir(mode=0o700)
    return path


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def am_process(tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        proc.terminate()
        proc.wait(10)


def test_200_fse_offline_then_replayed_and_reconciled(data_dir, port, tmp_path, am_process) -> None:  # type: ignore[no-untyped-def]
    write_settings(data_dir, client_settings(f"https://127.0.0.1:{port}"))
    store = open_store(data_dir / "sesam.db")
    clock = FakeClock()
    cabinet = open_cabinet()
    rows = create_fse(store, cabinet, 200, clock, lot_size=20)  # billing with no network
    lots = close_lots(store, cabinet, clock)
    assert len(rows) == 200 and len(lots) == 10
    store.close()

    # Server down: the send fails in French, nothing is lost.
    down = sesam(data_dir, "queue", "send")
    assert down.returncode == 1
    assert "injoignable" in down.stderr and "file d'attente" in down.stderr
    status = json.loads(sesam(data_dir, "queue", "status", "--json").stdout)
    pending = {g["statut"]: g for g in status["lots"]}["pending"]
    assert pending["lots"] == 10 and pending["fse"] == 200
    assert status["plus_ancien_en_attente"]["derniere_erreur"]
    assert status["dernier_contact"] is None

    # The concentrator comes up.
    ledger = tmp_path / "am" / "ledger.sqlite"
    ledger.parent.mkdir()
    am_process.append(start_am(port, ledger))
    # The first failure put the lots on a backoff of a few seconds: --until-empty waits it out.
    sent = sesam(data_dir, "queue", "send", "--until-empty", "--timeout", "120")
    assert sent.returncode == 0, sent.stderr
    assert "10 lot(s) acceptés" in sent.stderr
    status = json.loads(sesam(data_dir, "queue", "status", "--json").stdout)
    assert [(g["statut"], g["lots"]) for g in status["lots"]] == [("done", 10)]
    assert {g["etat"]: g["nombre"] for g in status["fse"]}["acknowledged"] == 200
    assert status["dernier_contact"] is not None

    fetched = sesam(data_dir, "returns", "fetch", "--json")
    assert fetched.returncode == 0, fetched.stderr
    # The send brought the 10 ARL back already: the feed repeats them, none is a double.
    arl = json.loads(fetched.stdout)["arl"]
    assert (arl["traites"], arl["deja_recus"], arl["en_double"]) == (0, 10, 0)
    listing = json.loads(sesam(data_dir, "returns", "list", "--json").stdout)
    states = [f["rapprochement"] for f in listing["fse"]]
    assert len(states) == 200
    assert set(states) == {"payee", "payee_partiellement", "rejetee"}
    assert all(f["motif"] for f in listing["fse"] if f["rapprochement"] == "rejetee")
    assert listing["non_rapproches"] == []

    # The server counted every lot and every FSE once.
    import sqlite3

    with sqlite3.connect(ledger) as db:
        assert db.execute("SELECT count(*), sum(positive) FROM lots").fetchone() == (10, 10)
        assert db.execute("SELECT count(*) FROM fse").fetchone() == (200,)
    store = open_store(data_dir / "sesam.db")
    assert {r.status for r in store.outbox_rows()} == {OutboxStatus.DONE}
    store.close()
    assert sesam(data_dir, "alerts", "--json").returncode == 0
