"""``sesam returns import`` and ``list``, and ``sesam alerts``, from the command line: a
file dropped in by the user, a damaged file refused with exit code 2, unmatched payments
shown, alerts in JSON and acknowledged."""

from __future__ import annotations

import json
from pathlib import Path

from test_replay_e2e import sesam
from test_returns import _foreign_file


def test_import_list_and_alerts(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    good = tmp_path / "RSP00000007.576"
    good.write_bytes(
        _foreign_file("5b4c9a3e-1111-4222-8333-444455556666", "6b4c9a3e-1111-4222-8333-4444")
    )
    done = sesam(data_dir, "returns", "import", str(good))
    assert done.returncode == 0, done.stderr
    assert "1 non rapprochée" in done.stdout
    again = sesam(data_dir, "returns", "import", str(good))
    assert "déjà importé" in again.stdout

    damaged = tmp_path / "RSP.576"
    damaged.write_bytes(good.read_bytes()[:300])
    refused = sesam(data_dir, "returns", "import", str(damaged))
    assert refused.returncode == 2 and "NOEMIE" in refused.stderr

    listing = sesam(data_dir, "returns", "list", "--non-rapproches")
    assert "Retours non rapprochés : 1" in listing.stdout and "26,50\u00a0€ AMO" in listing.stdout

    alerts = json.loads(sesam(data_dir, "alerts", "--json").stdout)
    assert [a["type"] for a in alerts] == ["paiement_non_rapproche"]
    key = alerts[0]["cle"]
    assert sesam(data_dir, "alerts", "--ack", key).returncode == 0
    assert json.loads(sesam(data_dir, "alerts", "--json").stdout) == []
    assert "Aucune alerte." in sesam(data_dir, "alerts").stdout
