"""``sesam cards`` and ``sesam cps`` end to end through pcscd and the emulated cards."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from test_cli_vocabulary import french_keys_only

from client.cli import main
from testbed.cards.profiles import VitaleProfile, load_profile
from testbed.cards.server import CardServer

pytestmark = pytest.mark.pcsc

ROOT = Path(__file__).resolve().parents[2]


def sesam(*args: str, stdin: str = "") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "client.cli", *args],
        input=stdin.encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def iso(aaaammjj: str) -> str:
    return f"{aaaammjj[:4]}-{aaaammjj[4:6]}-{aaaammjj[6:]}"


def nir_key_ok(nir15: str) -> bool:
    number = nir15[:13].replace("2A", "19").replace("2B", "18")
    return int(nir15[13:]) == 97 - int(number) % 97


def test_cards_read_json_gives_the_whole_content(
    card_server: CardServer, capsys: pytest.CaptureFixture[str]
) -> None:
    card_server.insert(0, "vitale-famille")
    card_server.insert(1, "cps-generaliste")
    assert main(["cards", "read", "--json"]) == 0
    content = json.loads(capsys.readouterr().out)
    vitale, cps = content["vitale"], content["cps"]
    assert vitale["lecteur"] == "Virtual PCD 00 00" and cps["lecteur"] == "Virtual PCD 00 01"
    people = vitale["beneficiaires"]
    assert [p["prenom"] for p in people] == ["PIERRE", "SOPHIE", "LUCAS", "EMMA", "LÉA"]
    assert all(nir_key_ok(p["nir_avec_cle"]) for p in people)  # NIRs in full, with keys
    assert people[0]["droits"]["amc"]["tiers_payant"] is True
    profile = load_profile("vitale-famille")
    assert isinstance(profile, VitaleProfile)
    assert [p["nir_avec_cle"] for p in people] == [b.nir for b in profile.beneficiaires]
    amo = profile.beneficiaires[0].amo[0]
    assert people[0]["droits"]["periodes_amo"][0] == {"debut": iso(amo.start), "fin": iso(amo.end)}
    assert vitale["assure"]["caisse"] == "751" and vitale["numero_serie"] == "5601020304050607"
    assert cps["identite"]["nom"] == "RENAUD" and cps["identite"]["type_carte"] == "CPS"
    assert cps["situations"][0]["numero_facturation"] == "75123456"
    french_keys_only(content)  # one vocabulary for every command (docs/formats/cli.md)


def test_cards_list_shows_each_reader_in_french(
    card_server: CardServer, capsys: pytest.CaptureFixture[str]
) -> None:
    card_server.insert(1, "vitale-famille")
    assert main(["cards", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["Lecteur", "Carte", "Type", "ATR"]
    assert "absente" in lines[1]
    assert "présente" in lines[2] and "carte Vitale" in lines[2] and "3B 75 13 00" in lines[2]
    assert main(["cards", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["carte"], r["type"]) for r in listed] == [
        ("absente", ""),
        ("présente", "carte Vitale"),
    ]
    french_keys_only(listed)


def test_cps_sign_verifies_with_openssl(card_server: CardServer, tmp_path: Path) -> None:
    card_server.insert(0, "cps-generaliste", fresh=True)
    document = tmp_path / "lot.xml"
    document.write_bytes(b"<lot numero='42'/>\n")
    signature, cert, pub = tmp_path / "lot.sig", tmp_path / "cps.pem", tmp_path / "pub.pem"
    signed = sesam(
        "cps", "sign", "--pin-stdin", str(document), "--out", str(signature), stdin="1234\n"
    )
    assert signed.returncode == 0, signed.stderr.decode()
    assert len(signature.read_bytes()) == 256
    got = sesam("cps", "certificate", "--pem", "--out", str(cert))
    assert got.returncode == 0, got.stderr.decode()
    subprocess.run(
        ["openssl", "x509", "-in", str(cert), "-pubkey", "-noout", "-out", str(pub)], check=True
    )
    verified = subprocess.run(
        [
            "openssl",
            "dgst",
            "-sha256",
            "-verify",
            str(pub),
            "-signature",
            str(signature),
            str(document),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0 and "Verified OK" in verified.stdout
    document.write_bytes(b"<lot numero='43'/>\n")  # a changed document no longer verifies
    tampered = subprocess.run(
        [
            "openssl",
            "dgst",
            "-sha256",
            "-verify",
            str(pub),
            "-signature",
            str(signature),
            str(document),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert tampered.returncode != 0


def test_cps_sign_wrong_pin_tells_the_tries_left(card_server: CardServer, tmp_path: Path) -> None:
    card = card_server.insert(0, "cps-generaliste", fresh=True)
    document = tmp_path / "doc"
    document.write_bytes(b"x")
    result = sesam(
        "cps", "sign", "--pin-stdin", str(document), "--out", str(tmp_path / "s"), stdin="9999\n"
    )
    assert result.returncode == 1
    assert "Il reste 2 essais" in result.stderr.decode()
    assert not (tmp_path / "s").exists()
    assert card.pin_tries_left == 2  # type: ignore[attr-defined]


def test_cps_sign_malformed_pin_never_reaches_the_card(
    card_server: CardServer, tmp_path: Path
) -> None:
    card = card_server.insert(0, "cps-generaliste", fresh=True)
    document = tmp_path / "doc"
    document.write_bytes(b"x")
    result = sesam("cps", "sign", "--pin-stdin", str(document), stdin="12a4\n")
    assert result.returncode == 2
    assert "4 chiffres" in result.stderr.decode()
    assert card.pin_tries_left == 3  # type: ignore[attr-defined]


def test_cards_read_without_cards_says_so_in_french(card_server: CardServer) -> None:
    result = sesam("cards", "read", "--json")
    assert result.returncode == 1
    assert "Aucune carte" in result.stderr.decode()
    assert result.stdout == b""


def test_cards_read_summary_is_in_french_with_french_dates(
    card_server: CardServer, capsys: pytest.CaptureFixture[str]
) -> None:
    card_server.insert(0, "vitale-famille")
    assert main(["cards", "read"]) == 0
    out = capsys.readouterr().out
    ends = f"14/03/{date.today().year + 7}"  # the profile says "+7y0314"
    assert f"valable du 15/03/2023 au {ends}, 5 bénéficiaire(s)" in out
    assert "PIERRE DURAND, né(e) le 12/05/1980" in out


def test_cps_certificate_der_is_the_card_certificate(
    card_server: CardServer, tmp_path: Path
) -> None:
    from cryptography import x509

    from testbed import pki

    card_server.insert(1, "cps-generaliste")
    assert main(["cps", "certificate", "--out", str(tmp_path / "c.der")]) == 0
    certificate = x509.load_der_x509_certificate((tmp_path / "c.der").read_bytes())
    assert certificate == pki.card_certificate("cps-generaliste")
