"""Dégradé: ``sesam fse create`` writes the feuille de soins to be signed at the same time
(real pcscd, vpcd readers, emulated cards); the PDF is valid and names the FSE and its act."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from cli_support import PIN, sesam
from test_fse_cli import request

from testbed.cards.server import CardServer


def _text(pdf: Path) -> str:
    checked = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.pcsc
def test_degrade_prints_the_feuille_de_soins_with_the_fse(
    card_server: CardServer, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    card_server.insert(0, "cps-generaliste")
    card_server.insert(1, "vitale-famille")
    extra = {"beneficiary": 0, "mode": "degrade", "degrade_reason": "lecteur Vitale en panne"}
    out = tmp_path / "F.pdf"
    made = sesam(
        data_dir,
        "fse",
        "create",
        "--json",
        str(request(tmp_path, "d1", **extra)),
        "--pin-stdin",
        "--print-out",
        str(out),
        stdin=PIN,
    )
    assert made.returncode == 0, made.stderr
    summary = json.loads(made.stdout)
    assert summary["mode"] == "degrade" and summary["feuille_de_soins"] == str(out)
    assert f"Feuille de soins à imprimer et faire signer : {out}" in made.stderr
    assert os.stat(out).st_mode & 0o777 == 0o600
    text = _text(out)
    assert str(summary["numero"]) in text and "G" in text
    assert "30,00" in text or "30.00" in text

    # Without --print-out: into the data directory's documents/.
    second = sesam(
        data_dir,
        "fse",
        "create",
        "--json",
        str(request(tmp_path, "d2", **extra)),
        "--pin-stdin",
        stdin=PIN,
    )
    assert second.returncode == 0, second.stderr
    doc = json.loads(second.stdout)
    default = data_dir / "documents" / f"feuille-de-soins-{doc['numero']}.pdf"
    assert doc["feuille_de_soins"] == str(default)
    assert str(doc["numero"]) in _text(default)

    # A Vitale FSE prints nothing.
    vitale = sesam(
        data_dir,
        "fse",
        "create",
        "--json",
        str(request(tmp_path, "v", beneficiary=1)),
        "--pin-stdin",
        stdin=PIN,
    )
    assert vitale.returncode == 0, vitale.stderr
    assert "feuille_de_soins" not in json.loads(vitale.stdout)
