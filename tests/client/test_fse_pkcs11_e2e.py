"""``sesam fse create`` and ``sesam lot close`` on the PKCS#11 backend, end to end: the CPS
is a SoftHSM2 token (no PC/SC reader: the middleware finds it) holding the testbed key and
certificate of ``cps-generaliste``; the carte Vitale stays in a vpcd reader under pcscd;
``openssl cms -verify``, ``sesam lot verify`` and the simulated Assurance Maladie judge."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from am_support import client_settings, write_settings
from cryptography import x509
from test_replay_e2e import free_port, start_am

from testbed import pki
from testbed.cards.server import CardServer
from tests.cardio import softhsm

pytestmark = pytest.mark.pcsc

ROOT = Path(__file__).resolve().parents[2]
PROFILE = "cps-generaliste"
#: What the settings screen holds for a token that gives no situation.
SITUATION = {
    "number": "1", "mode": "0", "statut": "1", "secteur": "1", "structure": "75000012300014",
    "billing_number": "75123456", "billing_key": "8", "convention_code": "1",
    "specialty": "01", "price_zone": "30", "ik_zone": "01",
    "structure_name": "Cabinet médical du Marais",
}  # fmt: skip


@pytest.fixture
def token_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a ``sesam`` run that sees a fresh SoftHSM2 token with the CPS."""
    conf = softhsm.make_token_in_child(tmp_path / "softhsm", PROFILE, dict(os.environ))
    return {**os.environ, "SOFTHSM2_CONF": str(conf), "PYTHONPATH": str(ROOT)}


@pytest.fixture
def am_process() -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        proc.terminate()
        proc.wait(10)


def sesam(
    env: dict[str, str], data_dir: Path, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "client.cli", *args],
        input=stdin, capture_output=True, text=True, cwd=ROOT,
        env={**env, "SESAM_DATA_DIR": str(data_dir)}, timeout=120, check=False,
    )  # fmt: skip


def data_dir_with(tmp_path: Path, name: str, **card_settings: object) -> Path:
    data = tmp_path / name
    data.mkdir(mode=0o700)
    (data / "carte-cps.json").write_text(json.dumps(card_settings), encoding="utf-8")
    return data


def fse_request(tmp_path: Path) -> Path:
    # Yesterday: a date of care the card's rights and the tariffs cover whatever the day.
    care = (datetime.now(UTC) - timedelta(days=1)).date()
    path = tmp_path / "fse.json"
    doc = {"date_of_care": care.isoformat(), "acts": [{"code": "G"}], "beneficiary": 0}
    path.write_text(json.dumps(doc))
    return path


def test_fse_and_lot_signed_by_a_pkcs11_token_are_accepted(
    card_server: CardServer,
    tmp_path: Path,
    token_env: dict[str, str],
    am_process: list[subprocess.Popen[str]],
) -> None:
    data = data_dir_with(
        tmp_path, "data", backend="pkcs11", pkcs11_module=softhsm.SOFTHSM_MODULE,
        pkcs11_slot=softhsm.TOKEN_LABEL, situations=[SITUATION],
    )  # fmt: skip
    card_server.insert(0, "vitale-famille")  # no CPS in any reader: the token is the CPS
    request = fse_request(tmp_path)

    # A wrong PIN on the token: the same French words as on the card, and nothing stored.
    wrong = sesam(token_env, data, "fse", "create", "--json", str(request), "--pin-stdin",
                  stdin="0000\n")  # fmt: skip
    assert wrong.returncode == 1
    card_server.insert(1, PROFILE, fresh=True)
    on_card_dir = data_dir_with(tmp_path, "apdu", backend="apdu")
    on_card = sesam(token_env, on_card_dir, "fse", "create", "--json", str(request),
                    "--pin-stdin", stdin="0000\n")  # fmt: skip
    card_server.remove(1)
    assert on_card.returncode == 1
    assert "Code porteur incorrect. Il reste 2 essais" in wrong.stderr
    assert wrong.stderr == on_card.stderr
    assert json.loads(sesam(token_env, data, "fse", "list", "--json").stdout) == []

    # ``sesam cps`` reaches the same token: its certificate is the testbed card's.
    pem = sesam(token_env, data, "cps", "certificate", "--pem")
    assert pem.returncode == 0, pem.stderr
    assert x509.load_pem_x509_certificate(pem.stdout.encode()) == pki.card_certificate(PROFILE)

    made = sesam(token_env, data, "fse", "create", "--json", str(request), "--pin-stdin",
                 stdin="1234\n")  # fmt: skip
    assert made.returncode == 0, made.stderr
    fse = json.loads(made.stdout)
    assert fse["etat"] == "secured" and fse["mode"] == "vitale"
    assert fse["praticien"] == "751234568" and fse["garantie_paiement"] is True
    assert fse["vitale"] and len(fse["vitale"]["certification"]) == 16

    closed = sesam(token_env, data, "lot", "close", "--all", "--pin-stdin", "--json",
                   stdin="1234\n")  # fmt: skip
    assert closed.returncode == 0, closed.stderr
    (lot,) = json.loads(closed.stdout)
    assert lot["nombre_fse"] == 1 and lot["statut_envoi"] == "pending"

    ca = pki.ensure_pki().ca_cert
    out = tmp_path / "lot.p7m"
    exported = sesam(token_env, data, "lot", "export", str(lot["numero"]), "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    accepted = subprocess.run(
        ["openssl", "cms", "-verify", "-inform", "DER", "-in", str(out), "-CAfile", str(ca),
         "-purpose", "any", "-out", os.devnull],
        capture_output=True, check=False,
    )  # fmt: skip
    assert accepted.returncode == 0 and b"Verification successful" in accepted.stderr
    verified = sesam(token_env, data, "lot", "verify", str(out), "--ca", str(ca), "--json")
    assert verified.returncode == 0, verified.stderr
    report = json.loads(verified.stdout)
    assert report["id"] == lot["id"] and report["fse"] == [fse["numero"]]
    assert "RENAUD" in report["signataire"]

    # The simulated Assurance Maladie takes the lot the token signed.
    port = free_port()
    write_settings(data, client_settings(f"https://127.0.0.1:{port}"))
    ledger = tmp_path / "am" / "ledger.sqlite"
    ledger.parent.mkdir()
    am_process.append(start_am(port, ledger))
    sent = sesam(token_env, data, "queue", "send", "--until-empty", "--timeout", "60")
    assert sent.returncode == 0, sent.stderr
    assert "1 lot(s) acceptés" in sent.stderr
    with sqlite3.connect(ledger) as db:
        assert db.execute("SELECT count(*), sum(positive) FROM lots").fetchone() == (1, 1)
        assert db.execute("SELECT count(*) FROM fse").fetchone() == (1,)
