"""Devis and AMC parts end to end: ``sesam devis`` through real pcscd and the vpcd readers
with the AMC profiles, a real store in a temporary data directory, the PDF read back by
``pdftotext``."""

from __future__ import annotations

import json
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_support import PIN, sesam
from test_cli_vocabulary import french_keys_only

from testbed.cards.server import CardServer

CARE = date.today() - timedelta(days=1)


def devis_for(data_dir: Path, tmp_path: Path, overrun: str | None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "date_of_care": CARE.isoformat(),
        "acts": [{"code": "G"}],
        "tiers_payant": {"amo": True, "amc": True},
    }
    if overrun is not None:
        doc["overrun"] = {"kind": "DE", "amount": overrun}
    path = tmp_path / "devis.json"
    path.write_text(json.dumps(doc), "utf-8")
    done = sesam(data_dir, "devis", "create", "--json", str(path), "--pin-stdin", stdin=PIN)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def parts(doc: dict[str, Any]) -> tuple[str, str, str, str]:
    return (doc["honoraires"], doc["amo"], doc["amc"], doc["reste_a_charge"])


@pytest.mark.pcsc
def test_devis_of_each_amc_profile_priced_printed_and_billed(
    card_server: CardServer, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    card_server.insert(0, "cps-generaliste")

    # Gestion séparée, RESP200: 200 % of the base covers the 20 € dépassement.
    card_server.insert(1, "vitale-amc-separee")
    separee = devis_for(data_dir, tmp_path, "20.00")
    assert parts(separee) == ("50.00", "19.00", "29.00", "2.00")
    assert (separee["amc_numero"], separee["amc_garantie"]) == ("44300002", "RESP200")
    assert separee["etat"] == "ouvert" and separee["lignes"][0]["depassement"] == "20.00"
    french_keys_only(separee)

    # Gestion unique, RESP150: 45 € promised in all, the patient keeps 5 € and the PF.
    card_server.swap(1, "vitale-amc-unique")
    unique = devis_for(data_dir, tmp_path, "20.00")
    assert parts(unique) == ("50.00", "19.00", "24.00", "7.00")

    # Without tiers payant the AMC part is still estimated; expired: none at all.
    card_server.swap(1, "vitale-amc-sans-tp")
    assert parts(devis_for(data_dir, tmp_path, None)) == ("30.00", "19.00", "9.00", "2.00")
    card_server.swap(1, "vitale-amc-expiree")
    expired = devis_for(data_dir, tmp_path, None)
    assert parts(expired) == ("30.00", "19.00", "0.00", "11.00") and expired["amc_numero"] == ""

    listed = sesam(data_dir, "devis", "list", "--patient", separee["patient"], "--json")
    assert [d["numero"] for d in json.loads(listed.stdout)] == [separee["numero"]]

    pdf = tmp_path / "devis.pdf"
    printed = sesam(data_dir, "devis", "print", separee["numero"], "--out", str(pdf))
    assert printed.returncode == 0, printed.stderr
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "DEVIS" in text and separee["numero"] in text
    assert "Mutuelle simulée Santé Plus" in text and "29,00" in text
    assert "Reste à la charge du patient : 2,00" in text

    # Billing with another patient's card is refused and changes nothing.
    wrong = sesam(data_dir, "devis", "bill", separee["numero"], "--pin-stdin", stdin=PIN)
    assert wrong.returncode == 1 and "LEFEBVRE" in wrong.stderr
    shown = json.loads(sesam(data_dir, "devis", "show", separee["numero"], "--json").stdout)
    assert shown["etat"] == "ouvert" and shown["fse"] is None

    card_server.swap(1, "vitale-amc-separee")
    billed = sesam(
        data_dir,
        "devis",
        "bill",
        separee["numero"],
        "--pin-stdin",
        "--date",
        CARE.isoformat(),
        "--tiers-payant",
        "amo",
        stdin=PIN,
    )
    assert billed.returncode == 0, billed.stderr
    fse = json.loads(billed.stdout)
    french_keys_only(fse)
    assert fse["montants"]["amc"] == "29.00" and fse["montants"]["reste_a_charge"] == "2.00"
    assert fse["tiers_payant"] == {"amo": True, "amc": False}
    shown = json.loads(sesam(data_dir, "devis", "show", separee["numero"], "--json").stdout)
    assert shown["etat"] == "facture" and shown["fse"] == fse["id_fse"]
    again = sesam(data_dir, "devis", "bill", separee["numero"], "--pin-stdin", stdin=PIN)
    assert again.returncode == 1 and "ne peut plus être facturé" in again.stderr


@pytest.mark.pcsc
def test_the_fse_of_a_card_without_tiers_payant_leaves_the_amc_part_to_the_patient(
    card_server: CardServer, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    card_server.insert(0, "cps-generaliste")
    card_server.insert(1, "vitale-amc-sans-tp")
    path = tmp_path / "fse.json"
    path.write_text(
        json.dumps(
            {
                "date_of_care": CARE.isoformat(),
                "acts": [{"code": "G"}],
                "tiers_payant": {"amo": True, "amc": True},
            }
        ),
        "utf-8",
    )
    done = sesam(data_dir, "fse", "create", "--json", str(path), "--pin-stdin", stdin=PIN)
    assert done.returncode == 0, done.stderr
    fse = json.loads(done.stdout)
    assert fse["montants"]["amc"] == "9.00"
    assert fse["tiers_payant"] == {"amo": True, "amc": False}
    receipt = tmp_path / "recu.pdf"
    printed = sesam(data_dir, "print", "receipt", str(fse["numero"]), "--out", str(receipt))
    assert printed.returncode == 0, printed.stderr
    text = subprocess.run(
        ["pdftotext", "-layout", str(receipt), "-"], capture_output=True, text=True, check=True
    ).stdout
    # The patient advanced the AMC part: the receipt says 11 € to pay, not 2 €.
    assert "11,00" in text and "part complémentaire" not in text


@pytest.mark.pcsc
def test_cards_read_gives_the_amc_contract_in_full(card_server: CardServer, tmp_path: Path) -> None:
    card_server.insert(0, "vitale-amc-unique")
    done = sesam(tmp_path, "cards", "read", "--json")
    assert done.returncode == 0, done.stderr
    content = json.loads(done.stdout)
    french_keys_only(content)
    amc = content["vitale"]["beneficiaires"][0]["droits"]["amc"]
    assert (amc["organisme"], amc["type_contrat"], amc["gestion"]) == ("77500001", "RESP150", "U")
    assert amc["soins_tiers_payant"] == ["CON", "DEN", "PRD", "TEC"]
