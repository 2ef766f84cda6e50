"""``sesam fse rectify`` end to end on the vpcd readers: the CPS of the testbed signs the
rectificative of a rejected FSE; ``fse show`` names the link both ways; what cannot be
rectified is refused before the PIN is asked."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_support import PIN, sesam

from billing.fse_states import FseEventKind, FseState
from billing.lot_states import LotState
from client.store import open_store
from client.store.opening import DB_NAME
from testbed.cards.server import CardServer

#: Yesterday: covered by the cards' rights and the tariffs whatever the day.
CARE = (datetime.now(UTC) - timedelta(days=1)).date()


def _reject(data_dir: Path, number: int) -> None:
    """The caisse's answer, as the returns record it: lot sent, ARL positive, NOEMIE reject."""
    store = open_store(data_dir / DB_NAME)
    try:
        row = store.fse_by_number(number)
        assert row.lot_id is not None
        now = datetime.now(UTC)
        store.lot_transition(row.lot_id, LotState.SENT, FseState.SENT, FseEventKind.SENT, now)
        store.lot_transition(
            row.lot_id, LotState.ACKNOWLEDGED, FseState.ACKNOWLEDGED, FseEventKind.ARL_POSITIVE, now
        )
        store.transition_fse(
            row.id, FseState.REJECTED, FseEventKind.REJECTED, now, "motif 140 NIR inconnu"
        )
    finally:
        store.close()


@pytest.mark.pcsc
def test_rectify_signs_a_new_fse_linked_both_ways(card_server: CardServer, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    card_server.insert(0, "cps-generaliste")
    card_server.insert(1, "vitale-famille")
    request = tmp_path / "fse.json"
    request.write_text(
        json.dumps({"date_of_care": CARE.isoformat(), "acts": [{"code": "G"}], "beneficiary": 1})
    )
    made = sesam(data_dir, "fse", "create", "--json", str(request), "--pin-stdin", stdin=PIN)
    assert made.returncode == 0, made.stderr
    closed = sesam(data_dir, "lot", "close", "--all", "--pin-stdin", stdin=PIN)
    assert closed.returncode == 0, closed.stderr

    # Not rejected yet: refused, without asking the PIN (nothing on stdin).
    early = sesam(data_dir, "fse", "rectify", "1", "--pin-stdin")
    assert early.returncode == 1
    assert "seule une FSE rejetée" in early.stderr

    _reject(data_dir, 1)
    day = CARE - timedelta(days=1)
    corrections = tmp_path / "corrections.json"
    corrections.write_text(json.dumps({"date_of_care": day.isoformat()}))
    done = sesam(
        data_dir, "fse", "rectify", "1", "--json", str(corrections), "--pin-stdin", stdin=PIN
    )
    assert done.returncode == 0, done.stderr
    new = json.loads(done.stdout)
    assert (new["numero"], new["etat"], new["date_soins"]) == (2, "secured", day.isoformat())
    assert new["rectifie"]["numero"] == 1
    assert new["patient"]["date_naissance"] == "19820903"  # the original's bénéficiaire
    assert "rectifiée par la FSE n° 2" in done.stderr

    original = sesam(data_dir, "fse", "show", "1")
    assert "remplacée par la FSE rectificative n° 2" in original.stdout
    assert "rectified" in original.stdout and "rejected" in original.stdout  # history kept
    shown = json.loads(sesam(data_dir, "fse", "show", "1", "--json").stdout)
    assert shown["resume"]["rectifiee_par"]["numero"] == 2
    assert "FSE rectificative de la FSE n° 1" in sesam(data_dir, "fse", "show", "2").stdout

    again = sesam(data_dir, "fse", "rectify", "1", "--pin-stdin")
    assert again.returncode == 1 and "déjà été rectifiée par la FSE n° 2" in again.stderr
    # Signed by the CPS in a lot of its own, beside the original's.
    closed = sesam(data_dir, "lot", "close", "--all", "--pin-stdin", stdin=PIN)
    assert closed.returncode == 0, closed.stderr
    first, second = (
        json.loads(sesam(data_dir, "fse", "show", n, "--json").stdout)["resume"] for n in "12"
    )
    assert (first["etat"], second["etat"]) == ("rectified", "in_lot")
    assert first["lot"]["id"] != second["lot"]["id"]
    assert sesam(data_dir, "audit", "verify").returncode == 0
