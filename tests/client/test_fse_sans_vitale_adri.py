"""Sans Vitale with ADRi: ``sesam fse create`` given only NIR, birth date and rang asks the
simulated Assurance Maladie (real HTTPS, in-process) for the patient, builds the FSE on its
answer and marks it « sans garantie de paiement » (002 L4380); ``fse show`` says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from am_support import client_settings, write_settings
from cli_support import PIN, sesam
from test_fse_cli import request

from testbed.am.server import AmServer
from testbed.cards.server import CardServer


@pytest.mark.pcsc
def test_sans_vitale_identified_by_adri(
    card_server: CardServer, am: AmServer, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    write_settings(data_dir, client_settings(am.url))
    card_server.insert(0, "cps-generaliste")
    adri = {"nir": "180057511204589", "birth_date": "2019-07-08", "rang": "2"}
    path = request(tmp_path, "sv", mode="sans_vitale", adri=adri)
    made = sesam(data_dir, "fse", "create", "--json", str(path), "--pin-stdin", stdin=PIN)
    assert made.returncode == 0, made.stderr
    assert "Sans garantie de paiement" in made.stderr
    summary = json.loads(made.stdout)
    assert summary["mode"] == "sans_vitale" and summary["vitale"] is None
    assert summary["identification"] == "adri" and summary["reference_adri"]
    assert summary["garantie_paiement"] is False
    assert summary["patient"]["date_naissance"] == "20190708" and summary["patient"]["rang"] == "2"
    assert summary["organisme"]["regime"] == "01"

    shown = sesam(data_dir, "fse", "show", str(summary["numero"]))
    assert f"sans garantie de paiement (droits par ADRi, réf. {summary['reference_adri']}" in (
        shown.stdout
    )
    listing = sesam(data_dir, "returns", "list")
    assert "[sans garantie de paiement]" in listing.stdout

    # Unknown to the Assurance Maladie: nothing is created, the user is told why.
    wrong = request(
        tmp_path, "inconnu", mode="sans_vitale", adri={**adri, "birth_date": "2000-01-01"}
    )
    refused = sesam(data_dir, "fse", "create", "--json", str(wrong), "--pin-stdin", stdin=PIN)
    assert refused.returncode == 1 and "Aucun bénéficiaire" in refused.stderr
    # ``adri`` with another mode is bad input.
    bad = request(tmp_path, "mauvais", mode="degrade", degrade_reason="x", adri=adri)
    misuse = sesam(data_dir, "fse", "create", "--json", str(bad), "--pin-stdin", stdin=PIN)
    assert misuse.returncode == 2 and "sans_vitale" in misuse.stderr
    assert len(json.loads(sesam(data_dir, "fse", "list", "--json").stdout)) == 1
