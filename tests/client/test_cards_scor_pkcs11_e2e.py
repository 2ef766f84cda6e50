"""``sesam cards read`` and ``sesam scor lots`` on the PKCS#11 backend, end to end: the CPS
is a SoftHSM2 token in no PC/SC reader (the middleware finds it), the carte Vitale stays in a
vpcd reader under pcscd; the PJ lot the token signs is judged by the billing side's verifier."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from test_fse_pkcs11_e2e import SITUATION, data_dir_with, sesam, token_env
from test_lot_close_pj import _page

from billing.pj_lot import verify_pj_lot
from client.store import open_store
from testbed.cards.server import CardServer
from testbed.pki import ca_certificate
from tests.cardio import softhsm

pytestmark = pytest.mark.pcsc
__all__ = ["token_env"]  # the fixture, used by name


def _token_data_dir(tmp_path: Path) -> Path:
    return data_dir_with(
        tmp_path, "data", backend="pkcs11", pkcs11_module=softhsm.SOFTHSM_MODULE,
        pkcs11_slot=softhsm.TOKEN_LABEL, situations=[SITUATION],
    )  # fmt: skip


def test_cards_read_shows_the_token_practitioner_and_the_vitale(
    card_server: CardServer, tmp_path: Path, token_env: dict[str, str]
) -> None:
    data = _token_data_dir(tmp_path)
    card_server.insert(0, "vitale-famille")  # no CPS in any reader: the token is the CPS
    read = sesam(token_env, data, "cards", "read", "--json")
    assert read.returncode == 0, read.stderr
    content = json.loads(read.stdout)
    cps, vitale = content["cps"], content["vitale"]
    # Identity from the token's certificate, situations from the settings screen.
    assert cps["identite"]["nom"] == "RENAUD" and cps["identite"]["type_carte"] == "CPS"
    assert [s["numero_facturation"] for s in cps["situations"]] == ["75123456"]
    assert vitale["lecteur"] == "Virtual PCD 00 00" and vitale["lecture_complete"] is True
    assert [p["prenom"] for p in vitale["beneficiaires"]] == [
        "PIERRE",
        "SOPHIE",
        "LUCAS",
        "EMMA",
        "LÉA",
    ]

    summary = sesam(token_env, data, "cards", "read")
    assert summary.returncode == 0, summary.stderr
    assert "RENAUD" in summary.stdout and "1 situation(s) d'exercice" in summary.stdout
    assert "PIERRE DURAND" in summary.stdout

    # The token alone, the Vitale out: the practitioner still shows.
    card_server.remove(0)
    alone = sesam(token_env, data, "cards", "read", "--json")
    assert alone.returncode == 0, alone.stderr
    assert json.loads(alone.stdout)["vitale"] is None
    assert json.loads(alone.stdout)["cps"]["identite"]["nom"] == "RENAUD"


def test_scor_lots_are_signed_by_the_pkcs11_token(
    card_server: CardServer, tmp_path: Path, token_env: dict[str, str]
) -> None:
    data = _token_data_dir(tmp_path)
    care = (datetime.now(UTC) - timedelta(days=1)).date()
    request = tmp_path / "degrade.json"
    request.write_text(json.dumps({
        "date_of_care": care.isoformat(), "acts": [{"code": "G"}], "beneficiary": 0,
        "mode": "degrade", "degrade_reason": "carte illisible",
    }))  # fmt: skip
    card_server.insert(0, "vitale-famille")
    made = sesam(token_env, data, "fse", "create", "--json", str(request), "--pin-stdin",
                 stdin="1234\n")  # fmt: skip
    assert made.returncode == 0, made.stderr
    number = json.loads(made.stdout)["numero"]
    closed = sesam(token_env, data, "lot", "close", "--all", "--pin-stdin", stdin="1234\n")
    assert closed.returncode == 0, closed.stderr
    imported = sesam(token_env, data, "scor", "import", str(number), str(_page(tmp_path)),
                     "--accept")  # fmt: skip
    assert imported.returncode == 0, imported.stderr

    # A wrong PIN on the token: the card's French words, and no PJ lot.
    wrong = sesam(token_env, data, "scor", "lots", "--pin-stdin", stdin="0000\n")
    assert wrong.returncode == 1
    assert "Code porteur incorrect. Il reste 2 essais" in wrong.stderr

    lots = sesam(token_env, data, "scor", "lots", "--pin-stdin", stdin="1234\n")
    assert lots.returncode == 0, lots.stderr
    assert "1 lot(s) de PJ constitué(s)" in lots.stdout
    store = open_store(data / "sesam.db")
    try:
        (pj_lot,) = store.lots(kind="pj")
        der = store.lot_der(pj_lot.id)
    finally:
        store.close()
    assert der is not None
    verified = verify_pj_lot(der, ca_certificate().public_bytes(Encoding.DER))
    assert "RENAUD" in verified.signer_subject  # the token's key signed it
    assert [p.fse_number for p in verified.pieces] == [number]
