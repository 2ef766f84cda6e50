"""``sesam amc conventions``: the seeded table listed, a convention added and changed, a bad
n° AMC refused before anything is written, a convention removed (real store, subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from test_cli_vocabulary import french_keys_only

ROOT = Path(__file__).resolve().parents[2]


def sesam(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SESAM_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "client.cli", "amc", "conventions", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


def listed(data_dir: Path) -> dict[str, dict[str, object]]:
    done = sesam(data_dir, "list", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    french_keys_only(rows)
    return {row["amc"]: row for row in rows}


def test_conventions_are_listed_set_and_removed(tmp_path: Path) -> None:
    assert set(listed(tmp_path)) == {"44300002", "60000003", "77500001"}

    added = sesam(
        tmp_path, "set", "12345678", "--nom", "Mutuelle X", "--convention", "C1",
        "--tiers-payant", "oui",
    )  # fmt: skip
    assert added.returncode == 0 and "ajoutée" in added.stdout
    changed = sesam(
        tmp_path, "set", "12345678", "--nom", "Mutuelle X", "--convention", "C2",
        "--tiers-payant", "non",
    )  # fmt: skip
    assert changed.returncode == 0 and "modifiée" in changed.stdout
    row = listed(tmp_path)["12345678"]
    assert (row["convention"], row["tiers_payant"]) == ("C2", False)

    bad = sesam(tmp_path, "set", "1234", "--nom", "X", "--convention", "C", "--tiers-payant", "oui")
    assert bad.returncode == 2 and "8 chiffres" in bad.stderr
    assert "1234" not in listed(tmp_path)

    assert sesam(tmp_path, "remove", "12345678").returncode == 0
    gone = sesam(tmp_path, "remove", "12345678")
    assert gone.returncode == 1 and "rien à supprimer" in gone.stdout
    text = sesam(tmp_path, "list")
    assert "77500001  Mutuelle simulée de la fonction publique" in text.stdout
