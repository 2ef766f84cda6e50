"""Backups (SQLite online backup API) and restoration: private dated files, the last N
kept, the daily schedule, checks before restoring, the current database kept aside, and
numbering that never goes back (FSE 1..5, backup, 6..8, restore, next FSE is n° 9)."""

from __future__ import annotations

import json
import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from reliability_support import Clock, cards, create_fses, fse_input

from client.backup import (
    NotASesamDatabaseError,
    backup,
    backup_dir,
    backup_if_due,
    backups,
    restore,
)
from client.cli import main
from client.fse_service import FseService
from client.store import Store, open_store


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def fse_numbers(path: Path) -> list[int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT number FROM fse ORDER BY number")]
    finally:
        conn.close()


@pytest.mark.sqlite_only  # SQLite backups of the file (the server: pg_dump)
def test_a_backup_is_a_private_sound_copy_named_by_its_date(store: Store) -> None:
    create_fses(store, 2)
    clock = Clock()
    path = backup(store, now=clock.now)
    assert path.parent == backup_dir(store.path.parent)
    assert path.name == f"sesam-{clock.now.strftime('%Y%m%d-%H%M%S')}.db"
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert fse_numbers(path) == [1, 2]
    assert not list(path.parent.glob("*.tmp")) and not Path(str(path) + "-wal").exists()


@pytest.mark.sqlite_only  # SQLite backups of the file (the server: pg_dump)
def test_only_the_last_backups_are_kept(store: Store) -> None:
    clock = Clock()
    made = []
    for _ in range(5):
        made.append(backup(store, now=clock.advance(hours=1), keep=3))
    assert backups(made[0].parent) == made[2:]


@pytest.mark.sqlite_only  # SQLite backups of the file (the server: pg_dump)
def test_the_scheduled_backup_runs_once_a_day(store: Store) -> None:
    clock = Clock()
    first = backup_if_due(store, every=timedelta(hours=24), clock=clock)
    assert first is not None
    clock.advance(hours=23)
    assert backup_if_due(store, every=timedelta(hours=24), clock=clock) is None
    clock.advance(hours=1, seconds=1)
    second = backup_if_due(store, every=timedelta(hours=24), clock=clock)
    assert second is not None and second != first
    assert backups(first.parent) == [first, second]


@pytest.mark.sqlite_only  # SQLite backups of the file (the server: pg_dump)
def test_restore_never_hands_out_a_number_again_and_the_journal_still_verifies(
    store: Store, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = Clock()
    c = cards()
    service = FseService(store, clock=clock)
    for i in range(5):
        service.create(fse_input(i), c.cps, c.vitale)
    saved = tmp_path / "avant.db"
    assert main(["backup", "--out", str(saved)]) == 0
    # The check and the copy said on stderr (about a minute at 1 M FSE): stdout the file.
    told = capsys.readouterr()
    assert str(saved) in told.out and str(saved) not in told.err
    assert told.err.startswith("Contrôle de la base avant la copie…\nCopie : ")
    assert told.err.endswith("Copie : 100 %\n")  # a page or two here: 100 % at once
    for i in range(3):
        service.create(fse_input(i), c.cps, c.vitale)
    [closed] = service.close_lots(c.session, c.cps, all_lots=True)
    assert closed.lot.number == 1 and closed.lot.fse_count == 8
    store.close()

    capsys.readouterr()
    assert main(["restore", str(saved)]) == 0
    told = capsys.readouterr()
    assert "avant-restauration-" in told.out
    assert told.err.startswith("Contrôle de la sauvegarde, puis copie de côté de la base")
    assert told.err.endswith("Restauration : 100 %\n")

    reopened = open_store(data_dir / "sesam.db")
    try:
        assert [r.number for r in reopened.fse_list()] == [1, 2, 3, 4, 5]
        row = FseService(reopened, clock=clock).create(fse_input(0), c.cps, c.vitale)
        assert row.number == 9
        # Lot n° 1 was signed (and maybe sent) after the backup: the restored copy's open
        # lot n° 1 is not reused, its FSE went to a new lot with a new number.
        lot = reopened.lot_by_id(row.lot_id or "")
        assert lot.number >= 2 and lot.fse_count == 6
        assert reopened.lot_by_number(1).state.value == "voided"
        report = reopened.audit_verify()
        assert report.ok, report.message()
        assert reopened.audit_entries()[-1].kind == "lot_member"
        assert "restored" in [e.kind for e in reopened.audit_entries()]
    finally:
        reopened.close()
    previous = next(backup_dir(data_dir).glob("avant-restauration-*.db"))
    assert fse_numbers(previous) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert mode(previous) == 0o600
    assert main(["audit", "verify"]) == 0


@pytest.mark.sqlite_only  # SQLite backups of the file (the server: pg_dump)
def test_restore_names_the_replaced_journal_by_its_last_entry_without_verifying_it(
    store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The restoration's entry names the journal it replaced (its last entry), read in
    one step: verifying the whole journal first took a quarter of an hour at 1 M FSE
    before an urgent restoration, for a verdict nobody was shown (the base itself is
    kept aside whole)."""
    from client.store import audit_check

    create_fses(store, 3)
    saved = backup(store)
    create_fses(store, 2)
    replaced = store.journal.journal_head()
    assert replaced[0] == len(store.audit_entries())
    store.close()

    def whole_verification(*_args: object) -> None:
        raise AssertionError("the replaced journal was verified whole")

    monkeypatch.setattr(audit_check, "verify_journal", whole_verification)
    restore(saved)
    monkeypatch.undo()
    reopened = open_store(data_dir / "sesam.db")
    try:
        [entry] = [e for e in reopened.audit_entries() if e.kind == "restored"]
        payload = json.loads(entry.payload)
        assert (payload["previous_count"], payload["previous_head"]) == replaced
        assert payload["previous_damaged"] is False
        assert reopened.audit_verify().ok
    finally:
        reopened.close()
    assert fse_numbers(backup_dir(data_dir) / payload["previous_copy"]) == [1, 2, 3, 4, 5]


def test_a_long_copy_is_said_once_per_tenth(capsys: pytest.CaptureFixture[str]) -> None:
    from client.backup import CHECKING
    from client.cli.backup import copy_progress

    progress = copy_progress("Copie")
    progress(0, CHECKING)
    for done in (0, 3, 9, 10, 19, 55, 56, 99, 100):
        progress(done, 100)
    assert capsys.readouterr().err.splitlines() == [
        "Contrôle de la base avant la copie…",
        "Copie : 0 %",
        "Copie : 10 %",
        "Copie : 50 %",
        "Copie : 90 %",
        "Copie : 100 %",
    ]


@pytest.mark.sqlite_only  # SQLite backups of the file (the server: pg_dump)
def test_restore_keeps_the_numbering_even_if_numbering_json_was_lost(
    store: Store, data_dir: Path
) -> None:
    create_fses(store, 3)
    saved = backup(store)
    create_fses(store, 2)
    store.close()
    (data_dir / "numbering.json").unlink()
    restore(saved)
    reopened = open_store(data_dir / "sesam.db")
    try:
        assert create_fses(reopened, 1)[0].number == 6
    finally:
        reopened.close()


@pytest.mark.parametrize("kind", ["random", "other-sqlite", "damaged", "missing"])
@pytest.mark.sqlite_only  # SQLite backups of the file (the server: pg_dump)
def test_restore_refuses_what_is_not_a_sound_sesam_backup(
    store: Store, data_dir: Path, tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    create_fses(store, 2)
    bad = tmp_path / "bad.db"
    if kind == "random":
        bad.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 40)
    elif kind == "other-sqlite":
        conn = sqlite3.connect(bad)
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
        conn.close()
    elif kind == "damaged":
        good = backup(store, tmp_path / "good.db")
        data = bytearray(good.read_bytes())
        page = 4096
        for offset in range(2 * page + 8, 2 * page + 400):  # inside a b-tree page
            data[offset] ^= 0x5A
        bad.write_bytes(bytes(data))
    with pytest.raises(NotASesamDatabaseError):
        restore(bad)
    capsys.readouterr()
    assert main(["restore", str(bad)]) == 1
    assert "rien n'a été modifié" in capsys.readouterr().err
    assert [r.number for r in store.fse_list()] == [1, 2]
    assert not list(backup_dir(data_dir).glob("avant-restauration-*"))
