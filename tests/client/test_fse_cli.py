"""``sesam fse`` and ``sesam lot`` end to end: real pcscd, vpcd readers, emulated cards,
a real store in a temporary data directory, and ``openssl cms -verify`` as the judge."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date
from pathlib import Path

import pytest
from cli_support import PIN, sesam

from client.cli import main
from client.fse_service import FseService
from client.store import open_store
from testbed import pki
from testbed.cards.server import CardServer


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir(mode=0o700)
    return path


def request(tmp_path: Path, name: str, **extra: object) -> Path:
    doc = {"date_of_care": date.today().isoformat(), "acts": [{"code": "G"}], **extra}
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(doc), "utf-8")
    return path


def create(data_dir: Path, path: Path) -> dict:  # type: ignore[type-arg]
    result = sesam(data_dir, "fse", "create", "--json", str(path), "--pin-stdin", stdin=PIN)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def openssl_verify(lot: Path, ca: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-in",
            str(lot),
            "-CAfile",
            str(ca),
            "-purpose",
            "any",
            "-out",
            os.devnull,
        ],
        capture_output=True,
        check=False,
    )


@pytest.mark.pcsc
def test_family_and_two_organisms_lots_signed_exported_and_verified_by_openssl(
    card_server: CardServer, tmp_path: Path, data_dir: Path
) -> None:
    card_server.insert(0, "cps-generaliste")
    card_server.insert(1, "vitale-famille")
    made = [
        create(
            data_dir,
            request(
                tmp_path, f"famille{i}", beneficiary=i, tiers_payant={"amo": True, "amc": False}
            ),
        )
        for i in (0, 1, 2, 4)
    ]
    # Dégradé, chosen by the user with its reason, on the same family card.
    degrade = create(
        data_dir,
        request(
            tmp_path,
            "degrade",
            beneficiary=3,
            mode="degrade",
            degrade_reason="lecteur Vitale en panne",
        ),
    )
    card_server.swap(1, "vitale-msa")
    made.append(create(data_dir, request(tmp_path, "msa", beneficiary=0)))

    assert [f["numero"] for f in made] == [1, 2, 3, 4, 6]
    assert degrade["numero"] == 5
    assert {f["etat"] for f in made} == {"secured"}
    assert [f["patient"]["date_naissance"] for f in made[:4]] == [
        "19800512",
        "19820903",
        "20150321",
        "20190708",
    ]
    assert all(f["vitale"] and len(f["vitale"]["certification"]) == 16 for f in made)
    assert degrade["mode"] == "degrade" and degrade["vitale"] is None
    assert degrade["motif_degrade"] == "lecteur Vitale en panne"
    assert made[0]["organisme"]["regime"] == "01" and made[-1]["organisme"]["regime"] == "02"

    closed = sesam(data_dir, "lot", "close", "--all", "--pin-stdin", "--json", stdin=PIN)
    assert closed.returncode == 0, closed.stderr
    lots = {(lot["organisme"], lot["mode"]): lot for lot in json.loads(closed.stdout)}
    assert set(lots) == {
        ("01-751-7511", "vitale"),
        ("01-751-7511", "degrade"),
        ("02-201-2010", "vitale"),
    }
    assert lots[("01-751-7511", "vitale")]["nombre_fse"] == 4
    assert {lot["statut_envoi"] for lot in lots.values()} == {"pending"}

    ca = pki.ensure_pki().ca_cert
    for lot in lots.values():
        out = tmp_path / f"lot{lot['numero']}.p7m"
        exported = sesam(data_dir, "lot", "export", str(lot["numero"]), "--out", str(out))
        assert exported.returncode == 0, exported.stderr
        accepted = openssl_verify(out, ca)
        assert accepted.returncode == 0, accepted.stderr
        assert b"Verification successful" in accepted.stderr
        verified = sesam(data_dir, "lot", "verify", str(out), "--ca", str(ca), "--json")
        assert verified.returncode == 0, verified.stderr
        report = json.loads(verified.stdout)
        assert report["id"] == lot["id"] and len(report["fse"]) == lot["nombre_fse"]

        der = bytearray(out.read_bytes())
        der[der.index(b'"total_fees":"') + len('"total_fees":"')] ^= 0x01
        tampered = tmp_path / f"lot{lot['numero']}-modifie.p7m"
        tampered.write_bytes(bytes(der))
        assert openssl_verify(tampered, ca).returncode != 0
        refused = sesam(data_dir, "lot", "verify", str(tampered), "--ca", str(ca))
        assert refused.returncode == 1 and "invalide" in refused.stderr

    listing = json.loads(sesam(data_dir, "fse", "list", "--json").stdout)
    assert {f["etat"] for f in listing} == {"in_lot"}
    shown = json.loads(sesam(data_dir, "fse", "show", "1", "--json").stdout)
    assert [e["evenement"] for e in shown["historique"]] == ["created", "secured", "lot_closed"]


@pytest.mark.pcsc
def test_without_a_vitale_card_nothing_is_silently_downgraded(
    card_server: CardServer, tmp_path: Path, data_dir: Path
) -> None:
    card_server.insert(0, "cps-generaliste")
    refused = sesam(
        data_dir, "fse", "create", "--json", str(request(tmp_path, "x")), "--pin-stdin", stdin=PIN
    )
    assert refused.returncode == 1
    assert "dégradé" in refused.stderr
    assert json.loads(sesam(data_dir, "fse", "list", "--json").stdout) == []

    identity = {
        "nir": "180057511204589",
        "birth_date": "1980-05-12",
        "rang": "1",
        "qualite": "00",
        "organism": {"regime": "01", "caisse": "751", "centre": "7511"},
    }
    made = create(data_dir, request(tmp_path, "sv", mode="sans_vitale", identity=identity))
    assert made["mode"] == "sans_vitale" and made["vitale"] is None


@pytest.mark.pcsc
def test_a_wrong_pin_creates_nothing_and_says_how_many_tries_are_left(
    card_server: CardServer, tmp_path: Path, data_dir: Path
) -> None:
    card_server.insert(0, "cps-generaliste")
    card_server.insert(1, "vitale-famille")
    result = sesam(
        data_dir,
        "fse",
        "create",
        "--json",
        str(request(tmp_path, "x", beneficiary=0)),
        "--pin-stdin",
        stdin="0000\n",
    )
    assert result.returncode == 1
    assert "Il reste 2 essais" in result.stderr
    assert "0000" not in result.stderr
    assert json.loads(sesam(data_dir, "fse", "list", "--json").stdout) == []


@pytest.mark.pcsc
def test_fse_create_bills_the_cabinet_local_tariff_as_sesam_price_does(
    card_server: CardServer, tmp_path: Path, data_dir: Path
) -> None:
    (data_dir / "tarifs-locaux.csv").write_text(
        "code;libelle;montant;debut;fin;specialites;zone;note\nVG;Visite;33,00;2025-01-01;;;;\n",
        encoding="utf-8",
    )
    card_server.insert(0, "cps-generaliste")
    card_server.insert(1, "vitale-famille")
    path = request(tmp_path, "vg", beneficiary=0, acts=[{"code": "VG"}])
    made = create(data_dir, path)
    shown = json.loads(sesam(data_dir, "fse", "show", str(made["numero"]), "--json").stdout)
    assert [a["fee"] for a in shown["document"]["body"]["acts"]] == ["33.00"]


# --- commands that need no card (store filled with in-process emulated cards) ---------------


@pytest.fixture
def filled(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from fse_cards_support import cards, fse_input

    monkeypatch.setenv("SESAM_DATA_DIR", str(data_dir))
    c = cards()
    store = open_store()
    service = FseService(store)
    for i in range(3):
        service.create(fse_input(i), c.cps, c.vitale)
    service.close_lots(c.session, c.cps, all_lots=True)
    service.create(fse_input(3, mode="degrade", degrade_reason="panne"), c.cps, c.vitale)
    store.close()
    return data_dir


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_and_show_without_cards(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "fse", "list", "--json")
    assert code == 0
    listing = json.loads(out)
    # Newest first: same day of care, the latest FSE first.
    assert [(f["numero"], f["etat"], f["mode"]) for f in listing] == [
        (4, "secured", "degrade"),
        (3, "in_lot", "vitale"),
        (2, "in_lot", "vitale"),
        (1, "in_lot", "vitale"),
    ]
    assert [f["patient"] for f in listing] == [
        "DURAND Emma",
        "DURAND Lucas",
        "DURAND Sophie",
        "DURAND Pierre",
    ]
    assert "180057511204589" not in out and "1800575112045" not in out  # no NIR in listings
    code, out, _ = run(capsys, "fse", "list", "--state", "secured")
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 2 and "degrade" in lines[0]
    assert lines[1].startswith("1 FSE — total ")
    code, out, _ = run(capsys, "fse", "show", "4", "--json")
    shown = json.loads(out)
    assert shown["document"]["body"]["securing"]["degrade_reason"] == "panne"
    assert [e["evenement"] for e in shown["historique"]] == ["created", "secured"]
    code, out, _ = run(capsys, "fse", "show", "2")
    assert code == 0 and "lot_closed" in out


def test_cancel_then_lists_and_refusals(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "fse", "cancel", "4", "--reason", "doublon")
    assert code == 0 and "annulée" in out
    code, _, err = run(capsys, "fse", "cancel", "4")
    assert code == 1 and "impossible" in err
    code, _, err = run(capsys, "fse", "show", "99")
    assert code == 1 and "introuvable" in err
    code, out, _ = run(capsys, "lot", "list", "--json")
    lots = json.loads(out)
    assert [(lot["etat"], lot["statut_envoi"], lot["nombre_fse"]) for lot in lots] == [
        ("closed", "pending", 3),
        ("open", "held", 0),
    ]


def test_export_and_verify_without_cards(
    filled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "lot1.p7m"
    code, _, _ = run(capsys, "lot", "export", "1", "--out", str(out_file))
    assert code == 0
    ca = pki.ensure_pki().ca_cert
    code, out, _ = run(capsys, "lot", "verify", str(out_file), "--ca", str(ca))
    assert code == 0 and "valide" in out
    assert openssl_verify(out_file, ca).returncode == 0
    code, _, err = run(
        capsys, "lot", "verify", str(out_file), "--ca", str(pki.ensure_pki().other_ca_cert)
    )
    assert code == 1 and "autorité" in err
    code, _, err = run(capsys, "lot", "export", "2", "--out", str(tmp_path / "open.p7m"))
    assert code == 1 and "encore ouvert" in err


def test_malformed_input_is_a_usage_error(
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SESAM_DATA_DIR", str(data_dir))
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {"date_of_care": date.today().isoformat(), "acts": [{"code": "G"}], "mode": "papier"}
        )
    )
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("1234\n"))
    code, _, err = run(capsys, "fse", "create", "--json", str(bad), "--pin-stdin")
    assert code == 2 and "mode" in err
    bad.write_text("{not json")
    code, _, err = run(capsys, "fse", "create", "--json", str(bad), "--pin-stdin")
    assert code == 2
