"""``sesam`` with the AMC, end to end through the real readers (pcscd, vpcd, emulated CPS
and carte Vitale of the testbed's AMC profiles), a real store in a temporary data directory
and the simulated AMC over real HTTPS: the FSE carries the engagement, ``sesam lot close``
signs the DRE lot with the FSE lot, ``sesam amc dre send`` and ``sesam amc returns`` bring
the acknowledgement and the payment; a refusal and an unreachable AMC are said in French."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from am_support import client_settings
from amc_support import amc_server, free_port
from cli_support import PIN, sesam

from testbed.cards.server import CardServer


def _setup(tmp_path: Path, amc_url: str) -> tuple[Path, Path]:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700, exist_ok=True)
    settings = client_settings("https://127.0.0.1:9", connect_timeout=1.0)
    doc = settings.to_json() | {"amc_url": amc_url}
    (data_dir / "settings.json").write_text(json.dumps(doc), encoding="utf-8")
    care = (date.today() - timedelta(days=1)).isoformat()
    request = tmp_path / "fse.json"
    request.write_text(
        json.dumps(
            {
                "date_of_care": care,
                "acts": [{"code": "G"}],
                "tiers_payant": {"amo": True, "amc": True},
            }
        ),
        "utf-8",
    )
    return data_dir, request


def _create(data_dir: Path, request: Path) -> dict:
    done = sesam(data_dir, "fse", "create", "--json", str(request), "--pin-stdin", stdin=PIN)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_gestion_separee_through_the_readers(card_server: CardServer, tmp_path: Path) -> None:
    card_server.insert(0, "cps-generaliste")
    card_server.insert(1, "vitale-amc-separee")
    with amc_server(tmp_path / "amc.sqlite") as amc:
        data_dir, request = _setup(tmp_path, amc.url)
        fse = _create(data_dir, request)
        assert fse["engagement_amc"]["statut"] == "accorde"
        assert fse["engagement_amc"]["gestion"] == "separee"
        assert fse["tiers_payant"] == {"amo": True, "amc": True}

        closed = sesam(data_dir, "lot", "close", "--all", "--pin-stdin", "--json", stdin=PIN)
        assert closed.returncode == 0, closed.stderr
        listed = sesam(data_dir, "amc", "dre", "list", "--json")
        (lot,) = json.loads(listed.stdout)
        assert lot["statut"] == "pending" and lot["dre"] == 1
        assert lot["montant_amc"] == fse["montants"]["amc"]

        sent = sesam(data_dir, "amc", "dre", "send", "--json")
        assert sent.returncode == 0, sent.stderr
        assert json.loads(sent.stdout)["acceptes"] == 1
        returns = sesam(data_dir, "amc", "returns", "--json")
        assert returns.returncode == 0, returns.stderr
        (payment,) = json.loads(returns.stdout)
        assert payment["resultat"] == "paye"
        assert payment["montant_paye"] == fse["montants"]["amc"]
        assert amc.ledger.summary()["dre_items"] == 1

        refused = sesam(
            data_dir,
            "amc",
            "engage",
            "--amc",
            "60000003",
            "--adherent",
            "BL-00921",
            "--date",
            date.today().isoformat(),
            "--montant",
            "9.00",
            "--json",
        )
        assert refused.returncode == 1
        answer = json.loads(refused.stdout)
        assert answer["statut"] == "refuse"
        assert "ne prévoit pas le tiers payant" in answer["message"]


def test_an_unreachable_amc_through_the_readers(card_server: CardServer, tmp_path: Path) -> None:
    card_server.insert(0, "cps-generaliste")
    card_server.insert(1, "vitale-amc-separee")
    data_dir, request = _setup(tmp_path, f"https://127.0.0.1:{free_port()}")
    fse = _create(data_dir, request)
    assert fse["engagement_amc"]["statut"] == "injoignable"
    assert "injoignable" in fse["engagement_amc"]["message"]
    assert fse["tiers_payant"] == {"amo": True, "amc": False}  # the patient pays the AMC part
    listed = sesam(data_dir, "amc", "dre", "list", "--json")
    assert json.loads(listed.stdout) == []
