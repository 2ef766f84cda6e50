"""The independent case set of issue 21, run through ``sesam price`` itself.

``cases/price_cases.json`` holds cases written by hand from the seed lines and the regulation
(each names its source; ``note`` says where the seeds are silent). Every case goes through the
command's ``main`` in-process (with its own data directory, and its local tariff file when the
case gives one); a sample also runs as a real ``sesam price`` process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from client.cli import main

ROOT = Path(__file__).resolve().parents[2]
CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "cases" / "price_cases.json").read_text(encoding="utf-8")
)["cases"]
#: Cases also run in a real process: the crash cases of the issue and one of each family.
SUBPROCESS_IDS = (
    "G by a GP",
    "lone surrogate in a code",
    "EBD on 9999-12-31 after one in the same age-year",
    "HBLD425 by a dentist on 2023-10-15 (local tariff): 60 %",
    "CNP + MCS by 33 = 57 €",
    "G in 972: the DROM tariff is in an absent annex",
)


def _prepare(case: dict[str, Any], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    if "local_tariffs" in case:
        (directory / "tarifs-locaux.csv").write_text(case["local_tariffs"], encoding="utf-8")
    request = directory / "demande.json"
    # ensure_ascii keeps the lone surrogates of the crash cases as JSON escapes.
    request.write_text(json.dumps(case["request"], ensure_ascii=True), encoding="utf-8")
    return request


#: The case set's expectations name the output fields in English (written from the ticket's
#: contract, kept as sourced); ``sesam price`` prints them under these French keys.
_FRENCH = {
    "total_fees": "honoraires",
    "patient_remainder": "reste_a_charge",
    "amount": "montant",
    "reimbursement_base": "base_remboursement",
    "amo_rate": "taux_amo",
    "amo_amount": "montant_amo",
}


def _fr(key: str) -> str:
    return _FRENCH.get(key, key)


def _check(case: dict[str, Any], exit_code: int, stdout: str, stderr: str) -> None:
    expect = case["expect"]
    where = f"{case['id']} [{case['source']}]"
    assert "Traceback" not in stderr, where
    if "exit" in expect:
        assert exit_code == expect["exit"], (where, stderr)
        assert stdout == "", where
        assert "Entrée invalide" in stderr and expect["stderr"] in stderr, (where, stderr)
        return
    assert exit_code == 0, (where, stderr)
    out = json.loads(stdout)
    codes = sorted({error["code"] for error in out["erreurs"]})
    if "errors" in expect:
        assert codes == expect["errors"], (where, out["erreurs"])
        assert out["valide"] is (not codes), where
    for index, line in enumerate(expect.get("lines", ())):
        got = out["lignes"][index]
        assert {key: got[_fr(key)] for key in line} == line, (where, out["lignes"])
    for key in ("total_fees", "amo", "participation_forfaitaire", "amc", "patient_remainder"):
        if key in expect:
            assert out[_fr(key)] == expect[key], (where, key, out)
    parts = sum(float(out[k]) for k in ("amo", "amc", "reste_a_charge"))
    assert round(parts, 2) == round(float(out["honoraires"]), 2), where


def test_the_case_set_is_large_and_sourced() -> None:
    assert len(CASES) >= 150
    assert len({case["id"] for case in CASES}) == len(CASES)
    for case in CASES:
        assert case["source"].strip(), case["id"]
        assert case["expect"], case["id"]


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_case(
    case: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    request = _prepare(case, tmp_path)
    monkeypatch.setenv("SESAM_DATA_DIR", str(tmp_path))
    code = main(["price", "--json", str(request)])
    captured = capsys.readouterr()
    _check(case, code, captured.out, captured.err)


@pytest.mark.parametrize("case_id", SUBPROCESS_IDS)
def test_case_in_a_real_process(case_id: str, tmp_path: Path) -> None:
    (case,) = [case for case in CASES if case["id"] == case_id]
    request = _prepare(case, tmp_path)
    env = {**os.environ, "SESAM_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "client.cli", "price", "--json", str(request)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    _check(case, done.returncode, done.stdout, done.stderr)
