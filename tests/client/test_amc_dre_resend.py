"""DRE lots go wherever lots go (issue #23): ``sesam queue send`` sends them with the FSE
lots, and a DRE lot that failed is sent again (``sesam amc dre send --lot N``), counted
once by the simulated AMC (real HTTPS, real store, cards emulated in-process); a refused
one gives its DRE back to be signed in a new lot at the next closing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from am_support import FakeClock, client_settings, open_cabinet
from amc_support import amc_server, amc_settings, create_tp_fse

from billing.dre import DreAck
from billing.referential import Referential
from client.amc.dre import build_dre_lots, send_dre_lots
from client.amc.engagement import OnlineEngagement
from client.amc.transport import AmcError, AmcTransport
from client.fse_service import FseService
from client.store import Store
from client.store.amc_lots import DreStatus

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    made = tmp_path / "data"
    made.mkdir(mode=0o700)
    return made


@pytest.fixture
def store_path(data_dir: Path) -> Path:
    return data_dir / "sesam.db"


def sesam(data_dir: Path, amc_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    settings = client_settings("https://127.0.0.1:9", connect_timeout=1.0)
    doc = settings.to_json() | {"amc_url": amc_url}
    (data_dir / "settings.json").write_text(json.dumps(doc), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "client.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "SESAM_DATA_DIR": str(data_dir)},
        timeout=120,
        check=False,
    )


def _one_dre_lot(store: Store, amc_url: str) -> str:
    """One FSE in gestion séparée, its lot and its DRE lot signed by the CPS."""
    cabinet = open_cabinet(vitale="vitale-amc-separee")
    gate = OnlineEngagement(store, AmcTransport(amc_settings(amc_url)), Referential.load_default())
    create_tp_fse(store, cabinet, gate)
    clock = FakeClock()
    FseService(store, clock=clock).close_lots(cabinet.signer, cabinet.cps, all_lots=True)
    ids = {s.billing_number + s.billing_key for s in cabinet.cps.situations}
    (lot_id,) = build_dre_lots(store, cabinet.signer, ids, clock)
    return lot_id


def test_queue_send_sends_the_dre_lots_too(store: Store, data_dir: Path, tmp_path: Path) -> None:
    with amc_server(tmp_path / "amc.sqlite") as amc:
        _one_dre_lot(store, amc.url)
        sent = sesam(data_dir, amc.url, "queue", "send", "--json")
        assert amc.ledger.summary()["dre_items"] == 1
    report = json.loads(sent.stdout)
    assert report["dre"]["acceptes"] == 1  # the caisse is away: the FSE lot waits
    assert "complémentaire" in sent.stderr
    (lot,) = store.amc_lots.dre_lots()
    assert lot.status is DreStatus.ACKNOWLEDGED


class _LostAnswer:
    """The AMC received the lot, but its answer is refused here (a proxy, a bad gateway)."""

    def __init__(self, real: AmcTransport) -> None:
        self.real = real

    def send_dre(self, lot_id: str, der: bytes) -> DreAck:
        self.real.send_dre(lot_id, der)
        raise AmcError("La complémentaire santé refuse la demande (HTTP 502).", retryable=False)


def test_a_failed_dre_lot_is_sent_again_and_counted_once(
    store: Store, data_dir: Path, tmp_path: Path
) -> None:
    with amc_server(tmp_path / "amc.sqlite") as amc:
        _one_dre_lot(store, amc.url)
        settings = amc_settings(amc.url)
        transport = AmcTransport(settings)
        try:
            report = send_dre_lots(store, _LostAnswer(transport), settings, FakeClock())  # type: ignore[arg-type]
        finally:
            transport.close()
        assert report.failed == 1
        (lot,) = store.amc_lots.dre_lots()
        assert lot.status is DreStatus.FAILED

        again = sesam(data_dir, amc.url, "amc", "dre", "send", "--lot", str(lot.number), "--json")
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["acceptes"] == 1
        summary = amc.ledger.summary()
    assert summary["dre_lots"] == 1 and summary["dre_items"] == 1  # counted once
    assert summary["receptions"] == 2
    (lot,) = store.amc_lots.dre_lots()
    assert lot.status is DreStatus.ACKNOWLEDGED


def test_a_lot_neither_failed_nor_refused_is_not_sent_again(
    store: Store, data_dir: Path, tmp_path: Path
) -> None:
    with amc_server(tmp_path / "amc.sqlite") as amc:
        _one_dre_lot(store, amc.url)
        (lot,) = store.amc_lots.dre_lots()
        done = sesam(data_dir, amc.url, "amc", "dre", "send", "--lot", str(lot.number))
        assert "rien à renvoyer" in done.stderr and done.returncode == 1
        missing = sesam(data_dir, amc.url, "amc", "dre", "send", "--lot", "99")
        assert "Aucun lot de DRE n° 99" in missing.stderr and missing.returncode == 1
        assert amc.ledger.summary()["dre_lots"] == 0


def test_a_refused_dre_lot_gives_its_dre_to_a_new_lot(
    store: Store, data_dir: Path, tmp_path: Path
) -> None:
    with amc_server(tmp_path / "amc.sqlite") as amc:
        _one_dre_lot(store, amc.url)
        # Another platform that never granted the engagement refuses the lot (D03).
        with amc_server(tmp_path / "other.sqlite") as other:
            refused = sesam(data_dir, other.url, "amc", "dre", "send", "--json")
        assert json.loads(refused.stdout)["refuses"] == 1
        (lot,) = store.amc_lots.dre_lots()
        assert lot.status is DreStatus.REFUSED

        again = sesam(data_dir, amc.url, "amc", "dre", "send", "--lot", str(lot.number))
        assert again.returncode == 0, again.stderr
        assert "repartent dans un nouveau lot" in again.stderr
        assert store.amc_lots.dre_lots()[0].status is DreStatus.RELEASED

        cabinet = open_cabinet(vitale="vitale-amc-separee")
        ids = {s.billing_number + s.billing_key for s in cabinet.cps.situations}
        (new_lot,) = build_dre_lots(store, cabinet.signer, ids, FakeClock())
        sent = sesam(data_dir, amc.url, "amc", "dre", "send", "--json")
        assert json.loads(sent.stdout)["acceptes"] == 1
        assert amc.ledger.summary()["dre_items"] == 1  # the DRE counted once
    by_id = {lot.id: lot for lot in store.amc_lots.dre_lots()}
    assert by_id[new_lot].status is DreStatus.ACKNOWLEDGED and by_id[new_lot].dre_count == 1
    assert by_id[lot.id].status is DreStatus.RELEASED
