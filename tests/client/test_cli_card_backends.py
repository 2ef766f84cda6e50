"""``sesam cards read`` and ``sesam cps`` on what real cards give: a Vitale 2 whose only
readable part is its public zone, and the CPS reached through PKCS#11 (OpenSC over the
emulated card, SoftHSM2 standing for a token), chosen in ``carte-cps.json``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from testbed import pki
from testbed.cards.profiles import VitaleProfile, load_profile
from testbed.cards.server import CardServer

pytestmark = pytest.mark.pcsc

ROOT = Path(__file__).resolve().parents[2]
OPENSC_PKCS11 = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
SITUATION = {
    "number": "1", "mode": "0", "statut": "1", "secteur": "1", "billing_number": "75123456",
    "billing_key": "8", "specialty": "01", "structure_name": "Cabinet médical du Marais",
}  # fmt: skip


def sesam(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SESAM_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "client.cli", *args],
        input=stdin, capture_output=True, text=True, cwd=ROOT, env=env, timeout=90, check=False,
    )  # fmt: skip


def configure(data_dir: Path, **settings: object) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "carte-cps.json").write_text(json.dumps(settings), encoding="utf-8")


def test_a_vitale_with_only_its_public_zone_shows_the_names(
    card_server: CardServer, tmp_path: Path
) -> None:
    card_server.insert(0, "vitale-publique")
    result = sesam(tmp_path / "data", "cards", "read")
    assert result.returncode == 0, result.stderr
    assert "5 bénéficiaire(s) lus dans la zone publique" in result.stdout
    assert "service ADRi" in result.stdout
    assert "pas « sécurisée Vitale » (pas de garantie de paiement)" in result.stdout
    assert "PIERRE DURAND" in result.stdout and "LÉA DURAND" in result.stdout
    assert "illisible" not in result.stdout + result.stderr
    as_json = json.loads(sesam(tmp_path / "data", "cards", "read", "--json").stdout)
    vitale = as_json["vitale"]
    assert vitale["lecture_complete"] is False
    profile = load_profile("vitale-publique")
    assert isinstance(profile, VitaleProfile)
    assert [b["nir_avec_cle"] for b in vitale["beneficiaires"]] == [
        b.nir for b in profile.beneficiaires
    ]


def test_cps_through_opensc_pkcs11_with_situations_from_the_settings(
    card_server: CardServer, tmp_path: Path
) -> None:
    card_server.insert(1, "cps-generaliste", fresh=True)
    data = tmp_path / "data"
    configure(data, backend="pkcs11", pkcs11_module=OPENSC_PKCS11, situations=[SITUATION])
    read = sesam(data, "cards", "read")
    assert read.returncode == 0, read.stderr
    assert "Carte CPS (Virtual PCD 00 01) : CLAIRE RENAUD, 1 situation(s)" in read.stdout
    pem = sesam(data, "cps", "certificate", "--pem")
    assert pem.returncode == 0, pem.stderr
    certificate = x509.load_pem_x509_certificate(pem.stdout.encode())
    assert certificate == pki.card_certificate("cps-generaliste")


def test_cps_without_configured_situations_is_told_what_to_do(
    card_server: CardServer, tmp_path: Path
) -> None:
    card_server.insert(1, "cps-generaliste", fresh=True)
    data = tmp_path / "data"
    configure(data, backend="pkcs11", pkcs11_module=OPENSC_PKCS11)
    read = sesam(data, "cards", "read")
    assert read.returncode != 0
    assert "Renseignez vos situations d'exercice" in read.stderr


def test_cps_sign_on_both_backends_verifies(card_server: CardServer, tmp_path: Path) -> None:
    card_server.insert(1, "cps-generaliste", fresh=True)
    document = tmp_path / "lot.xml"
    document.write_bytes(b"<lot>42</lot>")
    key = pki.card_certificate("cps-generaliste").public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    for settings in ({"backend": "apdu"}, {"backend": "pkcs11", "pkcs11_module": OPENSC_PKCS11,
                                           "key_label": "CPS_PRIV_AUT"}):  # fmt: skip
        data = tmp_path / settings["backend"]
        configure(data, **settings)
        out = tmp_path / f"{settings['backend']}.sig"
        signed = sesam(data, "cps", "sign", str(document), "--pin-stdin", "--out", str(out),
                       stdin="1234\n")  # fmt: skip
        assert signed.returncode == 0, signed.stderr
        signer = key
        if settings["backend"] == "pkcs11":  # OpenSC signs with the authentication key only
            signer = pki.card_auth_certificate("cps-generaliste").public_key()  # type: ignore[assignment]
        signer.verify(out.read_bytes(), b"<lot>42</lot>", padding.PKCS1v15(), hashes.SHA256())


def test_fse_on_a_public_only_vitale_points_to_sans_vitale(
    card_server: CardServer, tmp_path: Path
) -> None:
    card_server.insert(0, "vitale-publique")
    card_server.insert(1, "cps-generaliste", fresh=True)
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    path = tmp_path / "fse.json"
    path.write_text(json.dumps({"date_of_care": "2026-11-20", "acts": [{"code": "G"}]}))
    made = sesam(data, "fse", "create", "--json", str(path), "--pin-stdin", stdin="1234\n")
    assert made.returncode != 0
    assert "ne donne que l'identité de ses 5 bénéficiaire(s)" in made.stderr
    assert "mode « sans Vitale »" in made.stderr and "service ADRi" in made.stderr
    assert "illisible" not in made.stderr
