"""Every gap of the numbering has its reason, and the journal of a post replays its kept
FSE once (issue #26), on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cabinet_support import RENAUD, cards, fse_input

from client.cli import main
from client.fse_service import FseService
from client.offline_journal import OfflineJournal
from client.store import Store, open_store


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("SESAM_DATA_DIR", str(tmp_path))
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_database")()
        monkeypatch.setenv("SESAM_DATABASE_URL", url)
    else:
        url = ""
        monkeypatch.delenv("SESAM_DATABASE_URL", raising=False)
    opened = open_store(tmp_path / "sesam.db", database_url=url)
    request.addfinalizer(opened.close)
    return opened


def _care() -> str:
    return (date.today() - timedelta(days=1)).isoformat()


class CardPulled(Exception):
    """The carte Vitale left the reader as it was about to certify."""


def _fail() -> None:
    raise CardPulled


def test_a_failed_securing_leaves_a_gap_with_its_reason(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    c = cards("cps-generaliste")
    FseService(store).create(fse_input(0, _care()), c.cps, c.vitale)
    with pytest.raises(CardPulled):
        FseService(store, before_certify=_fail).create(fse_input(1, _care()), c.cps, c.vitale)
    FseService(store).create(fse_input(2, _care()), c.cps, c.vitale)

    (gap,) = store.cabinet.gaps(RENAUD)
    assert (gap.number, gap.reason) == (2, "abandonné (CardPulled)")
    assert main(["numbers", "gaps"]) == 0
    assert "Praticien 751234568, FSE n° 2" in capsys.readouterr().out
    assert main(["numbers", "gaps", "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert [(g["numero"], g["raison"]) for g in said] == [(2, "abandonné (CardPulled)")]


def test_a_kept_fse_is_stored_once_whatever_the_replays(store: Store, tmp_path: Path) -> None:
    c = cards("cps-generaliste")
    row = FseService(store).create(fse_input(0, _care()), c.cps, c.vitale)
    kept_fse = store.fse_by_id(row.id).fse()
    journal = OfflineJournal(tmp_path / "fse-en-attente.jsonl")
    now = datetime.now(UTC)
    # A replay cut short after storing it: the FSE is in the journal and in the store.
    journal.keep(kept_fse, ("DURAND", "Léa"), now)
    with journal.path.open("a", encoding="utf-8") as torn:
        torn.write('{"version": 1, "fse": {"bo')  # a post killed while writing a line
    done = journal.replay(store, FseService(store).rules, now)
    assert (done.stored, done.already, done.waiting) == (0, 1, 0)
    assert store.fse_count() == 1
    assert not journal.path.exists()
    assert store.audit_verify().ok
