"""``sesam print`` and ``sesam scor`` on a real data directory: files written, exit codes,
French messages on stderr."""

from __future__ import annotations

import io
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from scor_support import close_lot_of, make_pki, pdftotext, qpdf_check, store_fse

from billing.fse import TiersPayant
from billing.pj_lot import verify_pj_lot
from client.cli import main
from client.config import DATA_DIR_ENV
from client.scor.config import ScorConfig, ScorConfigError, load_scor_config, save_scor_config
from client.store import open_store
from testbed.cards.server import CardServer
from testbed.pki import ca_certificate


@pytest.fixture()
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv(DATA_DIR_ENV, str(path))
    return path


def one_fse(data: Path, *, closed: bool = False, **kwargs: object) -> int:
    store = open_store(data / "sesam.db")
    try:
        number = store_fse(store, **kwargs)
        if closed:
            close_lot_of(store, number, make_pki().signer, datetime(2026, 11, 9, 17, tzinfo=UTC))
        return number
    finally:
        store.close()


def test_print_fs_receipt_and_bordereau(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    number = one_fse(data)
    out = tmp_path / "fs.pdf"
    assert main(["print", "fs", str(number), "--out", str(out)]) == 0
    pdf = out.read_bytes()
    qpdf_check(pdf, tmp_path)
    assert "LEFÈVRE Zoé" in pdftotext(pdf, tmp_path)
    assert (out.stat().st_mode & 0o077) == 0  # health data: user only
    assert main(["print", "receipt", str(number), "--out", str(tmp_path / "q.pdf")]) == 0
    assert "QUITTANCE" in pdftotext((tmp_path / "q.pdf").read_bytes(), tmp_path)
    bordereau = tmp_path / "b.pdf"
    assert main(["print", "bordereau", "--date", "2026-11-09", "--out", str(bordereau)]) == 0
    assert "Journée du 09/11/2026" in pdftotext(bordereau.read_bytes(), tmp_path)


def test_print_duplicata_with_motif(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    number = one_fse(data, closed=True, tiers_payant=TiersPayant(amo=False, amc=False))
    out = tmp_path / "dup.pdf"
    code = main(
        ["print", "duplicata", str(number), "--motif", "Deux échecs d'envoi", "--out", str(out)]
    )
    assert code == 0
    text = " ".join(pdftotext(out.read_bytes(), tmp_path).split())
    assert "Motif de délivrance Deux échecs d'envoi" in text and "remis à l'assuré" in text
    # "Could not sign" without tiers payant: refused, in French, exit 1.
    code = main(
        [
            "print",
            "duplicata",
            str(number),
            "--motif",
            "x",
            "--assure-n-a-pas-pu-signer",
            "--out",
            str(out),
        ]
    )
    assert code == 1
    assert "ne concerne que le duplicata adressé à la caisse" in capsys.readouterr().err


def test_print_unknown_fse_fails_in_french(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one_fse(data)
    assert main(["print", "fs", "999", "--out", str(tmp_path / "x.pdf")]) == 1
    assert "FSE n° 999 introuvable" in capsys.readouterr().err


def test_scor_scan_import_accept_status_purge(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    number = one_fse(data)
    assert main(["scor", "scan", str(number), "--device", "test:0"]) == 0
    out = capsys.readouterr().out
    assert "Relisez-la, puis validez : sesam scor accept 1" in out
    # A better scan (imported file) replaces the one not yet validated.
    fs = tmp_path / "fs.pdf"
    assert main(["print", "fs", str(number), "--out", str(fs)]) == 0
    assert main(["scor", "import", str(number), str(fs), "--accept"]) == 0
    capsys.readouterr()
    assert main(["scor", "status", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(p["id"], p["numero_fse"], p["statut"]) for p in listed] == [(2, number, "accepted")]
    assert Path(listed[0]["fichier"]).exists() and listed[0]["dpi"] >= 200
    assert main(["scor", "status"]) == 0
    assert "vérifiée, en attente du lot de facturation" in capsys.readouterr().out
    assert main(["scor", "purge", "--dry-run"]) == 0
    assert "0 pièce(s) à purger." in capsys.readouterr().out


def test_scor_rejects_unreadable_input(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    number = one_fse(data)
    notes = tmp_path / "notes.txt"
    notes.write_text("pas une image")
    assert main(["scor", "import", str(number), str(notes)]) == 1
    assert "n'est ni une image ni un PDF lisible" in capsys.readouterr().err
    assert main(["scor", "import", str(number), str(tmp_path / "absent.png")]) == 2
    assert "Fichier introuvable" in capsys.readouterr().err
    assert main(["scor", "accept", "42"]) == 1
    assert "introuvable" in capsys.readouterr().err


@pytest.mark.pcsc
def test_scor_lots_are_signed_by_the_cps_through_pcscd(
    data: Path,
    card_server: CardServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    number = one_fse(data, closed=True)
    assert main(["scor", "import", str(number), str(_page(data)), "--accept"]) == 0
    card_server.insert(1, "cps-generaliste")
    monkeypatch.setattr(sys, "stdin", io.StringIO("1234\n"))
    assert main(["scor", "lots", "--pin-stdin"]) == 0
    assert "1 lot(s) de PJ constitué(s)" in capsys.readouterr().out
    store = open_store(data / "sesam.db")
    try:
        (pj_lot,) = store.lots(kind="pj")
        der = store.lot_der(pj_lot.id)
    finally:
        store.close()
    assert der is not None
    verified = verify_pj_lot(der, ca_certificate().public_bytes(Encoding.DER))
    assert "RENAUD" in verified.signer_subject  # the CPS of the reader signed it
    assert [p.fse_number for p in verified.pieces] == [number]


def _page(data: Path) -> Path:
    from PIL import Image, ImageDraw

    page = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(page)
    for row in range(60):
        draw.line((100, 100 + row * 35, 1500, 100 + row * 35), fill=0, width=3)
    path = data.parent / "feuille.png"
    page.save(path, dpi=(200, 200))
    return path


def test_scor_settings_file(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data.mkdir(parents=True, exist_ok=True)
    assert load_scor_config() == ScorConfig()  # no file: the convention's durations
    path = save_scor_config(ScorConfig(retry_working_days=3, retention_days=120))
    assert (path.stat().st_mode & 0o077) == 0
    loaded = load_scor_config()
    assert loaded.settings.retry_working_days == 3 and loaded.settings.retention_days == 120
    path.write_text('{"retention_days": 0}')
    with pytest.raises(ScorConfigError, match="retention_days doit être un entier positif"):
        load_scor_config()
    assert main(["scor", "status"]) == 1  # the CLI says it in French
    assert "Réglages SCOR illisibles" in capsys.readouterr().err
