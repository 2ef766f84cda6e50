"""``sesam price --json FILE|-`` end to end, in a real process, as external checks run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

EXAMPLE: dict[str, Any] = {
    "date_of_care": "2025-03-10",
    "practitioner": {"specialty": "01", "sector": "1", "optam": False, "is_treating_doctor": True},
    "patient": {
        "birth_date": "1980-05-01",
        "ald": False,
        "c2s": False,
        "maternity": False,
        "at_mp": False,
        "care_pathway": "in",
    },
    "acts": [{"code": "G"}, {"code": "HS", "coefficient": "0.5"}, {"code": "IKM", "quantity": 12}],
    "overrun": {"kind": "DE", "amount": "10.00"},
    "history": [{"date": "2025-01-05", "code": "TE2"}],
}


def sesam(
    args: list[str], data_dir: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SESAM_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "client.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_the_contract_example_from_stdin(tmp_path: Path) -> None:
    done = sesam(["price", "--json", "-"], tmp_path, json.dumps(EXAMPLE))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["valid"] is True
    assert out["errors"] == []
    assert out["lines"][0] == {
        "code": "G",
        "amount": "40.00",
        "reimbursement_base": "30.00",
        "amo_rate": "70",
        "amo_amount": "21.00",
    }
    assert out["total_fees"] == "63.50"
    assert out["participation_forfaitaire"] == "2.00"
    assert out["amc"] == "0.00"
    assert out["patient_remainder"] == "28.05"


def test_a_file_argument_and_an_invalid_invoice_still_exit_0(tmp_path: Path) -> None:
    doc = {**EXAMPLE, "overrun": None, "acts": [{"code": "G"}, {"code": "MEG"}]}
    request = tmp_path / "demande.json"
    request.write_text(json.dumps(doc), encoding="utf-8")
    done = sesam(["price", "--json", str(request)], tmp_path)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["valid"] is False
    assert [e["code"] for e in out["errors"]] == ["AGE_CONDITION"]
    assert out["errors"][0]["act"] == "MEG"
    assert "moins de 6 ans" in out["errors"][0]["message"]


@pytest.mark.parametrize(
    ("stdin", "field"),
    [
        ("{not json", "(document)"),
        (json.dumps({**EXAMPLE, "date_of_care": "2025-02-30"}), "date_of_care"),
        (json.dumps({k: v for k, v in EXAMPLE.items() if k != "patient"}), "patient"),
        (json.dumps({**EXAMPLE, "acts": [{"code": "G", "quantity": "2"}]}), "acts[0].quantity"),
    ],
)
def test_malformed_input_exits_2_naming_the_field(tmp_path: Path, stdin: str, field: str) -> None:
    done = sesam(["price", "--json", "-"], tmp_path, stdin)
    assert done.returncode == 2
    assert done.stdout == ""
    assert f"« {field} »" in done.stderr


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    done = sesam(["price", "--json", str(tmp_path / "absent.json")], tmp_path)
    assert done.returncode == 2
    assert "fichier illisible" in done.stderr


def test_the_local_tariff_file_of_the_data_directory_is_used(tmp_path: Path) -> None:
    doc = {**EXAMPLE, "overrun": None, "acts": [{"code": "VG"}]}
    before = json.loads(sesam(["price", "--json", "-"], tmp_path, json.dumps(doc)).stdout)
    assert [e["code"] for e in before["errors"]] == ["MISSING_TARIFF"]
    (tmp_path / "tarifs-locaux.csv").write_text(
        "code;libelle;montant;debut;fin;specialites;zone;note\nVG;Visite;33,00;2025-01-01;;;;\n",
        encoding="utf-8",
    )
    after = json.loads(sesam(["price", "--json", "-"], tmp_path, json.dumps(doc)).stdout)
    assert after["valid"] is True
    assert after["lines"][0]["amount"] == "33.00"


def test_a_broken_local_tariff_file_fails_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "tarifs-locaux.csv").write_text("code;montant\nVG;trente\n", encoding="utf-8")
    done = sesam(["price", "--json", "-"], tmp_path, json.dumps(EXAMPLE))
    assert done.returncode == 1
    assert "ligne 2" in done.stderr
