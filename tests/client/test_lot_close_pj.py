"""``sesam lot close`` also builds the PJ lots of the accepted scans with the same CPS
session (one PIN); ``sesam fse show`` tells the PJ status and, past the 5-working-day
rule, to send the paper duplicata (real pcscd, vpcd readers, emulated cards)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_support import PIN, sesam
from test_fse_cli import create, request

from client.returns import note_attempt
from client.store import open_store
from testbed.cards.server import CardServer


def _page(folder: Path) -> Path:
    from PIL import Image, ImageDraw

    page = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(page)
    for row in range(60):
        draw.line((100, 100 + row * 35, 1500, 100 + row * 35), fill=0, width=3)
    path = folder / "feuille.png"
    page.save(path, dpi=(200, 200))
    return path


@pytest.mark.pcsc
def test_lot_close_builds_the_pj_lot_and_fse_show_follows_it(
    card_server: CardServer, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    card_server.insert(0, "cps-generaliste")
    card_server.insert(1, "vitale-famille")
    made = create(
        data_dir,
        request(tmp_path, "d", beneficiary=0, mode="degrade", degrade_reason="carte illisible"),
    )
    number = str(made["numero"])
    shown = sesam(data_dir, "fse", "show", number)
    assert "sans garantie de paiement" in shown.stdout
    assert f"feuille de soins signée à numériser (sesam scor scan {number}" in shown.stdout

    imported = sesam(data_dir, "scor", "import", number, str(_page(tmp_path)), "--accept")
    assert imported.returncode == 0, imported.stderr

    closed = sesam(data_dir, "lot", "close", "--all", "--pin-stdin", "--json", stdin=PIN)
    assert closed.returncode == 0, closed.stderr
    lots = json.loads(closed.stdout)
    assert [(lot["type"], lot["nombre_fse"]) for lot in lots] == [("fse", 1), ("pj", 1)]
    pj_lot = lots[1]
    # Nothing left for a separate ``sesam scor lots``.
    again = sesam(data_dir, "scor", "lots", "--pin-stdin", stdin=PIN)
    assert again.returncode == 1, again.stderr  # asked for lots, none built: said, not a success
    assert "Aucun lot de PJ constitué" in again.stderr and "sesam lot close" in again.stderr

    shown = json.loads(sesam(data_dir, "fse", "show", number, "--json").stdout)
    assert shown["pj"]["statut"] == "in_lot" and shown["pj"]["papier_a_envoyer"] is False

    # First attempt 10 days ago without ARL PJ: past 5 working days, paper duplicata due.
    store = open_store(data_dir / "sesam.db")
    try:
        note_attempt(store, pj_lot["id"], datetime.now(UTC) - timedelta(days=10))
    finally:
        store.close()
    text = sesam(data_dir, "fse", "show", number).stdout
    assert "ENVOYER LE DUPLICATA PAPIER À LA CAISSE" in text
    assert f"sesam print duplicata {number}" in text
