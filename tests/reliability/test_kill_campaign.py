"""Kill campaign: SIGKILL at random moments during FSE creation, lot closing, sending and
NOEMIE returns import, round after round over one data directory.

After every kill and at the end: every FSE number and lot a process printed (the user was
told it is saved) is in the store; no FSE number is used twice; the simulated Assurance
Maladie counted each lot and each FSE once (its ledger); NOEMIE returns were imported once
(one payment per FSE at most, files once); ``PRAGMA integrity_check`` is ok; the audit chain
verifies. At the end the queue drains and every returned FSE has exactly one payment.

Real subprocesses killed with ``os.kill(pid, SIGKILL)``: ``sesam queue send --until-empty``
and ``sesam returns fetch --json`` (the real CLI), and ``kill_campaign_worker.py`` for FSE
creation and lot closing (in-process emulated cards, see its docstring: ``sesam fse create``
needs pcscd's shared virtual readers). The delays are real time (this is a crash test).

Short form (CI): ``KILLS_SHORT`` kills spread over the four phases. Long form (``--long``,
``SESAM_FUZZ=long`` or ``SESAM_LONG=1``): ``SESAM_KILLS`` kills (300 by default); the
figures of the run are written to ``kill-campaign.json`` in the pytest temporary directory.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from billing.fse_states import FseState
from billing.lot_states import LotState
from client.settings import Settings
from client.store import OutboxStatus, open_store
from testbed.am.server import AmServer
from testbed.pki import ensure_pki

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LONG = os.environ.get("SESAM_FUZZ") == "long" or os.environ.get("SESAM_LONG") == "1"
KILLS_SHORT = 24
KILLS = int(os.environ.get("SESAM_KILLS", "300")) if LONG else KILLS_SHORT
PHASES = ("create", "close", "send", "returns")
_ACK = re.compile(r"Lot n° (\d+) : accusé de réception positif")


@dataclass
class Campaign:
    """What the processes told the user, and what the campaign did."""

    fse: dict[int, str] = field(default_factory=dict)  # number -> uuid, as printed
    fse_printed: int = 0
    lots_closed: set[int] = field(default_factory=set)
    lots_acknowledged: set[int] = field(default_factory=set)
    noemie_reported: set[str] = field(default_factory=set)
    kills: Counter[str] = field(default_factory=Counter)
    ended_before_kill: Counter[str] = field(default_factory=Counter)
    checks: int = 0
    #: How long the last unkilled ``returns fetch`` took (s): its kills fall within it.
    returns_seconds: float = 3.0


def _settings(server_url: str) -> Settings:
    pki = ensure_pki()
    return Settings(
        server_url=server_url,
        client_cert=pki.client_cert,
        client_key=pki.client_key,
        ca_cert=pki.ca_cert,
        connect_timeout=2.0,
        read_timeout=5.0,
        # Short backoff: a lot whose answer died with its killed sender is retried soon.
        backoff_base=0.2,
        backoff_cap=1.0,
        stale_claim_minutes=60,
    )


def _env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SESAM_DATA_DIR": str(data_dir),
        "PYTHONPATH": f"{ROOT}{os.pathsep}{HERE}",
    }


def _spawn(phase: str, data_dir: Path, seed: int) -> subprocess.Popen[str]:
    if phase in ("create", "close", "final"):
        command = [
            sys.executable,
            str(HERE / "kill_campaign_worker.py"),
            phase,
            str(data_dir / "sesam.db"),
            str(seed),
        ]
    elif phase == "send":
        command = [sys.executable, "-m", "client.cli", "queue", "send", "--until-empty"]
    else:
        command = [sys.executable, "-m", "client.cli", "returns", "fetch", "--json"]
    return subprocess.Popen(
        command,
        env=_env(data_dir),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(stream: Any, marker: str) -> list[str]:
    """Lines read up to and including the first containing ``marker`` (all if none)."""
    lines: list[str] = []
    for line in iter(stream.readline, ""):
        lines.append(line)
        if marker in line:
            break
    return lines


def _one_round(phase: str, data_dir: Path, rng: random.Random, campaign: Campaign) -> None:
    started = time.monotonic()
    proc = _spawn(phase, data_dir, rng.randrange(1_000_000))
    assert proc.stdout is not None and proc.stderr is not None
    early_out: list[str] = []
    early_err: list[str] = []
    if phase in ("create", "close"):
        early_out = _wait_for(proc.stdout, "READY")
        time.sleep(rng.uniform(0.0, 0.8))
    elif phase == "send":
        # Mostly once a lot is on its way; now and then during start-up or the claim.
        if rng.random() < 0.75:
            early_err = _wait_for(proc.stderr, "Envoi du lot")
            time.sleep(rng.uniform(0.0, 0.1))
        else:
            time.sleep(rng.uniform(0.3, 2.5))
    else:
        # Start-up is most of a fetch and varies with the machine's load: aim at the last
        # part of the last fetch's duration, where the ARL and NOEMIE are being applied.
        time.sleep(rng.uniform(0.5, 0.98) * campaign.returns_seconds)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
        campaign.kills[phase] += 1
    else:
        campaign.ended_before_kill[phase] += 1
        if phase == "returns":
            campaign.returns_seconds = time.monotonic() - started
    out, err = proc.communicate(timeout=60)
    stdout = "".join(early_out) + out
    stderr = "".join(early_err) + err
    _record(phase, stdout, stderr, proc.returncode, campaign)


def _record(phase: str, stdout: str, stderr: str, code: int, campaign: Campaign) -> None:
    """Note what the process told the user before it died (or ended)."""
    for line in stdout.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "FSE":
            number, _, uuid = rest.partition(" ")
            assert int(number) not in campaign.fse, f"FSE number {number} printed twice"
            campaign.fse[int(number)] = uuid
            campaign.fse_printed += 1
        elif kind == "LOT":
            campaign.lots_closed.add(int(rest.split()[0]))
    campaign.lots_acknowledged |= {int(n) for n in _ACK.findall(stderr)}
    if phase == "returns" and code == 0:
        doc = json.loads(stdout)
        campaign.noemie_reported |= {r["fichier"] for r in doc["noemie"]}
    elif code not in (0, -signal.SIGKILL) and phase != "send":
        raise AssertionError(f"{phase} ended with {code}: {stderr[-2000:]}")


def _check(data_dir: Path, server: AmServer, campaign: Campaign) -> None:
    """Every invariant, on the data left by the last process."""
    campaign.checks += 1
    store = open_store(data_dir / "sesam.db")
    try:
        assert store.integrity_check() == "ok"
        if hasattr(store, "audit_verify"):
            report = store.audit_verify()
            assert report.ok, report.message()
        rows = store.fse_list()
        by_number = {r.number: r for r in rows}
        assert len(by_number) == len(rows), "an FSE number is used twice"
        for number, uuid in campaign.fse.items():
            assert number in by_number, f"FSE n° {number} was reported saved, then lost"
            assert by_number[number].fse_uuid == uuid
        lots = {lot.number: lot for lot in store.lots()}
        for number in campaign.lots_closed:
            assert lots[number].state is not LotState.OPEN, f"lot n° {number} reopened"
            assert store.lot_der(lots[number].id), f"lot n° {number} lost its signature"
        for number in campaign.lots_acknowledged:
            assert lots[number].state is LotState.ACKNOWLEDGED, f"ARL of lot {number} lost"
        # The server: each lot once, each FSE once and in the lot the client put it in.
        lot_of = {r.fse_uuid: r.lot_id for r in rows}
        server_lots = server.ledger.lot_states()
        assert all(server_lots.values()), "the server refused a lot"
        assert set(server_lots) <= {lot.id for lot in lots.values()}
        accepted = server.ledger.accepted_fse()
        for fse_uuid, (lot_id, _seq) in accepted.items():
            assert lot_of.get(fse_uuid) == lot_id
        summary = server.ledger.summary()
        assert summary["fse_acceptees"] == sum(1 for r in rows if r.lot_id in server_lots), (
            "the server's FSE count differs from the client's lots it received"
        )
        # Returns: each file once, at most one payment per FSE.
        paid = Counter(r["fse_uuid"] for r in store.db.query("SELECT fse_uuid FROM payments"))
        assert not [u for u, n in paid.items() if n > 1], "a payment was imported twice"
        files = [r["name"] for r in store.db.query("SELECT name FROM noemie_files")]
        assert len(files) == len(set(files)), "a NOEMIE file was imported twice"
        assert campaign.noemie_reported <= set(files), "a reported import was lost"
        returned = {u for u, (_lot, seq) in accepted.items() if seq is not None}
        assert set(paid) <= returned
    finally:
        store.close()


def _run_to_end(phase: str, data_dir: Path, campaign: Campaign) -> None:
    proc = _spawn(phase, data_dir, 0)
    out, err = proc.communicate(timeout=300)
    _record(phase, out, err, proc.returncode, campaign)
    assert proc.returncode == 0, err[-2000:]


def _close_everything(data_dir: Path, campaign: Campaign) -> None:
    """A final, unkilled closing of every open lot."""
    _run_to_end("final", data_dir, campaign)


def _figures(campaign: Campaign, server: AmServer, started: float, state: str) -> dict[str, Any]:
    summary = server.ledger.summary()
    return {
        "mode": "long" if LONG else "court",
        "etat": state,
        "kills": sum(campaign.kills.values()),
        "kills_par_phase": dict(campaign.kills),
        "termines_avant_le_kill": dict(campaign.ended_before_kill),
        "controles_ok": campaign.checks,
        "fse_annoncees": campaign.fse_printed,
        "lots_annonces_clos": len(campaign.lots_closed),
        "lots_serveur": summary["lots"],
        "receptions_serveur": summary["receptions"],
        "fichiers_noemie": summary["fichiers_noemie"],
        "perdus": 0,
        "duree_s": round(time.monotonic() - started),
    }


@pytest.mark.timeout(3 * 3600 if LONG else 600)
def test_kill_campaign(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    started = time.monotonic()
    server = AmServer(ledger_path=tmp_path / "ledger.sqlite", noemie_delay=0).start()
    try:
        (data_dir / "settings.json").write_text(
            json.dumps(_settings(server.url).to_json()), encoding="utf-8"
        )
        rng = random.Random(int(os.environ.get("SESAM_KILL_SEED", "20261122")))  # noqa: S311
        campaign = Campaign()
        report = tmp_path_factory.getbasetemp() / "kill-campaign.json"
        rounds = 0
        idle: str | None = None
        while sum(campaign.kills.values()) < KILLS:
            # In turn, but a phase whose processes often end before their kill gets more
            # rounds: the kills stay spread evenly over the four phases. A phase that just
            # ended before its kill (a send with an empty queue ends at once) waits a round:
            # the others make its work.
            turn = PHASES[rounds % 4 :] + PHASES[: rounds % 4]
            phase = min((p for p in turn if p != idle), key=lambda p: campaign.kills[p])
            rounds += 1
            ended_before = sum(campaign.ended_before_kill.values())
            _one_round(phase, data_dir, rng, campaign)
            idle = phase if sum(campaign.ended_before_kill.values()) > ended_before else None
            _check(data_dir, server, campaign)
            # Written after every checked round: a long run cut by its time budget still
            # leaves its figures.
            figures = _figures(campaign, server, started, "en cours")
            report.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
            assert rounds < 4 * KILLS, f"too few kills landed: {campaign.kills}"

        # The end: close what is open, send everything, fetch every return; nothing killed.
        _close_everything(data_dir, campaign)
        _run_to_end("send", data_dir, campaign)
        _run_to_end("returns", data_dir, campaign)
        _check(data_dir, server, campaign)

        store = open_store(data_dir / "sesam.db")
        try:
            rows = store.fse_list()
            assert rows and {r.state for r in rows} <= {
                FseState.ACKNOWLEDGED,
                FseState.PAID,
                FseState.REJECTED,
            }
            assert not store.outbox_rows(OutboxStatus.PENDING)
            assert not store.outbox_rows(OutboxStatus.FAILED)
            paid = [r["fse_uuid"] for r in store.db.query("SELECT fse_uuid FROM payments")]
            summary = server.ledger.summary()
            # A lot left empty by a kill is voided by the store: it never goes out.
            sent = [lot for lot in store.lots() if lot.state is not LotState.VOIDED]
            assert all(lot.fse_count == 0 for lot in store.lots() if lot not in sent)
            assert summary["lots"] == len(sent) == summary["lots_positifs"]
            assert summary["fse_acceptees"] == len(rows)
            # Every FSE the server returned has exactly one payment on the client.
            assert sorted(paid) == sorted(r.fse_uuid for r in rows)
            assert summary["fse_retournees"] == len(rows)
            files = store.db.execute("SELECT count(*) FROM noemie_files").fetchone()[0]
            assert files == summary["fichiers_noemie"]
        finally:
            store.close()
        for phase in PHASES:
            assert campaign.kills[phase] >= KILLS // 8, f"few kills in {phase}: {campaign.kills}"
        figures = _figures(campaign, server, started, "fini")
        figures.update(fse_creees=len(rows), paiements=len(paid))
        report.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
        print(json.dumps(figures, ensure_ascii=False))
    finally:
        server.stop()
