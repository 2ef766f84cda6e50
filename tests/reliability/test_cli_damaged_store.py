"""Every ``sesam`` command on a damaged store says so in French, with the newest backup and
``sesam restore``, and never a traceback (issue #22).

Three damages of a real store: its header overwritten (SQLite cannot open it at all); one
page of an index that listing the FSE never reads (only ``quick_check`` sees it: the check
before every backup and at the application's start finds it); an index out of step with its
table (only the ``integrity_check`` of the backup's copy sees it). Once found, every command
says it, at the cost of an ``os.stat``; ``sesam restore`` gets out (the damaged file moved
aside whole) and the commands are quiet again.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from reliability_support import Clock, create_fses

from client.backup import backup, backup_dir, backups
from client.cli import main
from client.store import open_store
from client.store.damage import mark_path, marked

COMMANDS = [
    ["fse", "list"],
    ["fse", "show", "1"],
    ["lot", "list"],
    ["alerts"],
    ["queue", "status"],
    ["audit", "verify"],
    ["dashboard"],
    ["recette"],
    ["backup"],
]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def damage_header(db: Path) -> None:
    with db.open("r+b") as f:
        f.write(b"\x00" * 100)


def damage_index_page(db: Path) -> None:
    """The root page of an index of the payments: an invalid b-tree page type."""
    conn = sqlite3.connect(db)
    try:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        page = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'payments_dashboard'"
        ).fetchone()[0]
    finally:
        conn.close()
    with db.open("r+b") as f:
        f.seek((page - 1) * page_size)
        f.write(b"\x01")  # not one of the four b-tree page types


def damage_index_entries(db: Path) -> None:
    """An index out of step with its table (« wrong # of entries »): pages sound, so
    ``quick_check`` passes; only the ``integrity_check`` of the backup's copy sees it."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute(
            "UPDATE sqlite_master SET sql = 'CREATE INDEX fse_lot ON fse (lot_id) WHERE 0' "
            "WHERE name = 'fse_lot'"
        )
        conn.commit()
    finally:
        conn.close()


@pytest.mark.parametrize("damage", ["header", "index-page", "index-entries"])
@pytest.mark.sqlite_only  # damages the SQLite file's pages
def test_every_command_says_the_store_is_damaged_and_restore_quiets_them(
    data_dir: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(data_dir / "sesam.db")
    create_fses(store, 12)
    good = backup(store, now=Clock().now)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    db = data_dir / "sesam.db"
    if damage == "header":
        damage_header(db)
    else:
        (damage_index_page if damage == "index-page" else damage_index_entries)(db)
        # Unseen by a listing: the check before a backup finds it, and refuses the copy.
        assert run(["fse", "list"], capsys)[0] == 0
        code, _, err = run(["backup"], capsys)
        assert code == 1 and "endommagée" in err
        assert marked(db) is not None

    for command in COMMANDS:
        code, out, err = run(command, capsys)
        assert "Traceback" not in out + err, command
        assert code in (0, 1), command
        assert "endommagée" in err, (command, err)
        assert f"sesam restore {good}" in err, (command, err)  # the newest backup, the way out
    assert backups(backup_dir(data_dir)) == [good]  # no damaged copy pushed a good one out

    code, out, err = run(["restore", str(good)], capsys)
    assert code == 0, err
    assert sorted(backup_dir(data_dir).glob("endommagee-*.db")), "the damaged file is kept"
    assert not mark_path(db).exists()
    code, out, err = run(["fse", "list"], capsys)
    assert code == 0 and err == ""
    assert run(["audit", "verify"], capsys)[0] == 0


def test_the_damage_mark_costs_next_to_nothing_at_each_command(tmp_path: Path) -> None:
    """The start of every command looks for the mark: far below a millisecond (the whole
    ``quick_check`` of an 800 MB store takes 0.6 s, hence not at every command)."""
    db = tmp_path / "sesam.db"
    start = time.perf_counter()
    for _ in range(1000):
        assert marked(db) is None
    assert (time.perf_counter() - start) / 1000 < 0.001
