"""``sesam apcv`` and ``sesam fse create --apcv`` end to end: real pcscd with the emulated
CPS, the simulated ApCV service and Assurance Maladie over real HTTPS, a real store. The
téléconsultation's patient reads his code remotely: the text is pasted on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import segno
from am_support import CARE_DATE, client_settings, write_settings
from apcv_support import apcv, code
from cli_support import PIN, sesam

from testbed.am.server import AmServer
from testbed.apcv.server import ApcvServer
from testbed.cards.server import CardServer

__all__ = ["apcv"]  # fixtures (``am``: conftest.py)


def fse_request(tmp_path: Path, **extra: object) -> Path:
    doc = {"date_of_care": CARE_DATE.isoformat(), "acts": [{"code": "G"}], **extra}
    path = tmp_path / "demande.json"
    path.write_text(json.dumps(doc), "utf-8")
    return path


@pytest.mark.pcsc
def test_a_pasted_apcv_code_secures_the_fse(
    card_server: CardServer, am: AmServer, apcv: ApcvServer, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    write_settings(data_dir, client_settings(am.url, apcv_url=apcv.url))
    card_server.insert(0, "cps-generaliste")

    # The session from a photo of the phone: bénéficiaires and rights, garantie de paiement.
    photo = tmp_path / "photo.png"
    segno.make(code("vitale-famille"), error="m").save(str(photo), scale=4)
    shown = sesam(data_dir, "apcv", "open", "--image", str(photo), "--json", "--date",
                  CARE_DATE.isoformat())  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    session = json.loads(shown.stdout)
    assert [b["prenom"] for b in session["beneficiaires"]] == ["PIERRE", "LUCAS", "EMMA", "LÉA"]
    assert session["garantie_paiement"] is True and session["beneficiaires"][2]["droits_amo"]

    # Téléconsultation: the code pasted, the child named; secured « ApCV ».
    pasted = code("vitale-famille")
    path = fse_request(
        tmp_path, beneficiary=2, tiers_payant={"amo": True, "amc": False}, teleconsultation=True
    )
    made = sesam(data_dir, "fse", "create", "--json", str(path), "--apcv", pasted,
                 "--pin-stdin", stdin=PIN)  # fmt: skip
    assert made.returncode == 0, made.stderr
    summary = json.loads(made.stdout)
    assert summary["mode"] == "apcv" and summary["garantie_paiement"] is True
    assert summary["session_apcv"].startswith("APCVS-") and summary["vitale"] is None
    assert (
        summary["identification"] == "apcv" and summary["patient"]["date_naissance"] == "20190708"
    )
    assert "sécurisée ApCV" in made.stderr

    # The same code again: refused with the way out, nothing stored.
    again = sesam(data_dir, "fse", "create", "--json", str(path), "--apcv", pasted,
                  "--pin-stdin", stdin=PIN)  # fmt: skip
    assert again.returncode == 1
    assert "déjà servi" in again.stderr and "sans garantie" not in again.stdout
    assert "ADRi" in again.stderr and "garantie de paiement" in again.stderr
    listed = json.loads(sesam(data_dir, "fse", "list", "--json").stdout)
    assert [(f["numero"], f["mode"]) for f in listed] == [(1, "apcv")]
