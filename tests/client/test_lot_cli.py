"""``sesam lot close`` when nothing is due: it says why, on stderr, and does not claim success
(real pcscd, vpcd readers, emulated cards, a real store in a temporary data directory)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from cli_support import PIN, sesam

from testbed.cards.server import CardServer
from tests.client.test_fse_cli import create


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir(mode=0o700)
    return path


@pytest.mark.pcsc
def test_close_without_all_says_the_open_lot_is_not_due_and_fails(
    card_server: CardServer, tmp_path: Path, data_dir: Path
) -> None:
    card_server.insert(0, "cps-generaliste")
    card_server.insert(1, "vitale-famille")
    # No FSE at all: asked to close, nothing closed, said why, not a success.
    empty = sesam(data_dir, "lot", "close", "--all", "--pin-stdin", "--json", stdin=PIN)
    assert empty.returncode == 1 and json.loads(empty.stdout) == []
    assert "Aucun lot à fermer" in empty.stderr
    request = tmp_path / "today.json"
    doc = {"date_of_care": date.today().isoformat(), "acts": [{"code": "G"}], "beneficiary": 0}
    request.write_text(json.dumps(doc), "utf-8")
    create(data_dir, request)  # one FSE, just made: its lot is open and not due

    nothing = sesam(data_dir, "lot", "close", "--pin-stdin", "--json", stdin=PIN)
    assert nothing.returncode != 0
    assert json.loads(nothing.stdout) == []  # still valid JSON
    assert "Aucun lot fermé" in nothing.stderr
    assert "n'est pas encore dû" in nothing.stderr
    assert "sesam lot close --all" in nothing.stderr

    closed = sesam(data_dir, "lot", "close", "--all", "--pin-stdin", "--json", stdin=PIN)
    assert closed.returncode == 0, closed.stderr
    assert [lot["nombre_fse"] for lot in json.loads(closed.stdout)] == [1]
