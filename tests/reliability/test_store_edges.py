"""The store at the edges: a wrong output path, a killed backup, a damaged database, a
restore while another process has the store open.

* No ``--out`` can replace the database, its ``-wal``/``-shm``, the numbering, a backup (by
  path, symbolic link or hard link), nor an existing file without ``--force``; what is
  written is 0600 (``sesam lot export`` included).
* A killed backup's temporary copy is removed at the next start.
* A damaged database: every command says so in French (no traceback) with the way out;
  ``sesam backup`` refuses (the good backups are not pushed out by a bad one); ``sesam
  restore`` works though the database cannot be opened at all, the damaged file kept aside.
* ``sesam restore`` refuses while another process has the store open, and says so.

Real SQLite files, the real command line in-process (and a second process for the lock).
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from reliability_support import Clock, cards, create_fses, fse_input
from store_attacker import attacker

from client.backup import backup, backup_dir, backup_if_due, backups, clean_temporaries, restore
from client.cli import main
from client.fse_service import FseService
from client.presence import StoreInUseError
from client.store import Store, open_store

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def fse_count(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM fse").fetchone()[0])
    finally:
        conn.close()


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


# ------------------------------------------------------------------ output paths


@pytest.mark.sqlite_only  # the SQLite file itself (backup, restore, damaged pages)
def test_no_output_path_replaces_the_store_or_its_companions(
    store: Store, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    create_fses(store, 2)
    saved = backup(store)
    (data_dir / "numbering.json").exists() or (data_dir / "numbering.json").write_text("{}")
    db = data_dir / "sesam.db"
    link = tmp_path / "lien.pdf"
    link.symlink_to(db)
    hard = tmp_path / "dur.pdf"
    os.link(db, hard)
    victims = [
        db,
        data_dir / "sesam.db-wal",
        data_dir / "sesam.db-shm",
        data_dir / "numbering.json",
        saved,
        backup_dir(data_dir) / "nouveau.pdf",
        link,
        hard,
    ]
    before = {p: p.read_bytes() for p in victims if p.is_file()}
    for victim in victims:
        for force in ([], ["--force"]):
            code, out, err = run(["print", "fs", "1", "--out", str(victim), *force], capsys)
            assert code == 2, (victim, out)
            assert "refusé" in err and "Rien n'a été écrit" in err, err
            assert "écrit (" not in out
    for path, data in before.items():
        if path.name not in ("sesam.db-wal", "sesam.db-shm"):  # SQLite's own, it may move
            assert path.read_bytes() == data, path
    assert not (backup_dir(data_dir) / "nouveau.pdf").exists()
    # The store is whole and the backup still restores.
    assert [r.number for r in store.fse_list()] == [1, 2]
    for victim in (db, data_dir / "sesam.db-wal", saved, link):
        code, _, err = run(["backup", "--out", str(victim), "--force"], capsys)
        assert code == 1 and "refusé" in err, (victim, err)
    assert [r.number for r in store.fse_list()] == [1, 2]


def test_an_existing_file_is_replaced_only_with_force_and_stays_private(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    create_fses(store, 1)
    target = tmp_path / "fs.pdf"
    target.write_bytes(b"le compte rendu du patient")
    target.chmod(0o644)
    code, _, err = run(["print", "fs", "1", "--out", str(target)], capsys)
    assert code == 2 and "existe déjà" in err and "--force" in err
    assert target.read_bytes() == b"le compte rendu du patient"
    code, out, _ = run(["print", "fs", "1", "--out", str(target), "--force"], capsys)
    assert code == 0 and "écrit" in out
    assert target.read_bytes().startswith(b"%PDF") and mode(target) == 0o600
    fresh = tmp_path / "neuf.pdf"
    assert run(["print", "fs", "1", "--out", str(fresh)], capsys)[0] == 0
    assert mode(fresh) == 0o600
    # No partial file left beside them.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".part")) == []
    for device in ("/dev/null", str(tmp_path)):
        code, _, err = run(["print", "fs", "1", "--out", device, "--force"], capsys)
        assert code == 2 and "refusé" in err


def test_lot_export_is_private_and_never_overwrites(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    c = cards()
    service = FseService(store, clock=Clock())
    service.create(fse_input(0), c.cps, c.vitale)
    [closed] = service.close_lots(c.session, c.cps, all_lots=True)
    out = tmp_path / "lot.p7m"
    code, said, _ = run(["lot", "export", str(closed.lot.number), "--out", str(out)], capsys)
    assert code == 0 and "écrit" in said
    assert mode(out) == 0o600  # it carries NIRs
    first = out.read_bytes()
    code, _, err = run(["lot", "export", str(closed.lot.number), "--out", str(out)], capsys)
    assert code == 1 and "existe déjà" in err
    assert out.read_bytes() == first
    code, _, err = run(["lot", "export", str(closed.lot.number), "--out", str(store.path)], capsys)
    assert code == 1 and "refusé" in err
    assert [r.number for r in store.fse_list()] == [1]


# ---------------------------------------------------------------------- backups


@pytest.mark.sqlite_only  # the SQLite file itself (backup, restore, damaged pages)
def test_a_killed_backups_temporaries_are_removed_at_the_next_start(
    store: Store, data_dir: Path
) -> None:
    create_fses(store, 1)
    folder = backup_dir(data_dir)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(dead.stdout)
    left = [
        folder / f"sesam-20261201-101010.db.{dead_pid}.tmp",
        folder / "sesam-20261130-101010.db.tmp",  # older versions' name
    ]
    for path in left:
        path.write_bytes(b"SQLite format 3\x00 patient data")
        path.chmod(0o600)
    running = folder / f"sesam-20261202-101010.db.{os.getpid()}.tmp"  # a backup under way
    running.write_bytes(b"in progress")
    made = backup_if_due(store, clock=Clock())  # what the application does at start
    assert made is not None
    assert not any(p.exists() for p in left)
    assert running.exists()
    assert clean_temporaries(folder) == 0
    running.unlink()
    assert sorted(p.name for p in folder.iterdir()) == [made.name]


# --------------------------------------------------------------- damaged store


def _damage_header(db: Path) -> None:
    with db.open("r+b") as f:
        f.write(b"\x00" * 100)


def _damage_pages(db: Path) -> None:
    """Flip bytes inside the b-tree pages after the schema (the data of the FSE)."""
    data = bytearray(db.read_bytes())
    page = 4096
    for offset in range(2 * page + 8, min(len(data), 12 * page), 7):
        data[offset] ^= 0x5A
    db.write_bytes(bytes(data))


COMMANDS = [
    ["fse", "list"],
    ["fse", "show", "1"],
    ["lot", "list"],
    ["queue", "status"],
    ["audit", "verify"],
    ["alerts"],
    ["dashboard"],
    ["recette"],
    ["backup"],
]


@pytest.mark.parametrize("damage", ["header", "pages"])
@pytest.mark.sqlite_only  # the SQLite file itself (backup, restore, damaged pages)
def test_a_damaged_store_is_told_in_french_and_restore_gets_out(
    data_dir: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(data_dir / "sesam.db")
    create_fses(store, 40)
    good = backup(store, now=Clock().now)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    db = data_dir / "sesam.db"
    (_damage_header if damage == "header" else _damage_pages)(db)

    said_damaged = 0
    for command in COMMANDS:
        code, out, err = run(command, capsys)
        assert "Traceback" not in out + err, command
        assert code in (0, 1, 2), command
        if code != 0:
            assert err.strip(), command  # a French sentence, not silence
        if "endommagée" in err:
            said_damaged += 1
            assert "sesam restore" in err and good.name in err, err
    assert said_damaged >= 1
    # The damaged store was not copied over the good backups.
    assert backups(backup_dir(data_dir)) == [good]

    code, out, err = run(["restore", str(good)], capsys)
    assert code == 0, err
    assert "endommagée est gardée" in out or "avant-restauration" in out
    aside = sorted(backup_dir(data_dir).glob("endommagee-*.db")) + sorted(
        backup_dir(data_dir).glob("avant-restauration-*.db")
    )
    assert aside, "the damaged file is kept"
    assert fse_count(db) == 40
    reopened = open_store(db)
    try:
        c = cards()
        row = FseService(reopened, clock=Clock()).create(fse_input(0), c.cps, c.vitale)
        assert row.number == 41
    finally:
        reopened.close()
    assert run(["audit", "verify"], capsys)[0] == 0


@pytest.mark.sqlite_only  # the SQLite file itself (backup, restore, damaged pages)
def test_restore_works_when_the_database_is_not_a_database_at_all(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(data_dir / "sesam.db")
    create_fses(store, 3)
    good = backup(store, now=Clock().now)
    create_fses(store, 2)  # FSE 4 and 5, after the backup
    store.close()
    db = data_dir / "sesam.db"
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    db.write_bytes(b"not a database, the disk lost it " * 300)
    damaged = db.read_bytes()
    code, _, err = run(["fse", "list"], capsys)
    assert code == 1 and "endommagée" in err and "Traceback" not in err
    report = restore(good)
    assert report.damaged and report.previous_copy is not None
    assert report.previous_copy.read_bytes() == damaged  # kept aside whole
    assert mode(db) == 0o600
    reopened = open_store(db)
    try:
        c = cards()
        row = FseService(reopened, clock=Clock()).create(fse_input(0), c.cps, c.vitale)
        assert row.number == 6  # numbering.json: 4 and 5 were handed out
    finally:
        reopened.close()


# ------------------------------------------------------- restore while in use

_HOLDER = """
import sys, time
from client.store import open_store
store = open_store(sys.argv[1])
print("open", flush=True)
time.sleep(60)
"""


@pytest.mark.sqlite_only  # the SQLite file itself (backup, restore, damaged pages)
def test_restore_refuses_while_another_process_has_the_store_open(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(data_dir / "sesam.db")
    create_fses(store, 2)
    good = backup(store, now=Clock().now)
    create_fses(store, 1)
    store.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(data_dir / "sesam.db")],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreInUseError):
            restore(good)
        code, _, err = run(["restore", str(good)], capsys)
        assert code == 1 and "ouverte par un autre programme" in err
        assert "rien n'a été modifié" in err
        assert fse_count(data_dir / "sesam.db") == 3
    finally:
        holder.kill()
        holder.wait(10)
    start = time.monotonic()
    assert run(["restore", str(good)], capsys)[0] == 0  # the holder is gone: no stale lock
    assert time.monotonic() - start < 30
    assert fse_count(data_dir / "sesam.db") == 2


def test_audit_verify_names_an_undecodable_entry(
    store: Store, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    create_fses(store, 3)
    journal = ("audit_journal_no_update", "audit_journal_no_delete")
    with attacker(data_dir / "sesam.db", drop=journal) as conn:
        # Bytes flipped on the disk: the record of the second row (the second FSE's entries)
        # no longer unpacks.
        (seq,) = conn.execute(
            "SELECT seq FROM audit_journal ORDER BY seq LIMIT 1 OFFSET 1"
        ).fetchone()
        conn.execute(
            "UPDATE audit_journal SET record = ? WHERE seq = ?",
            [bytes.fromhex("5A02C328A0FF"), seq],
        )
    code, out, err = run(["audit", "verify"], capsys)
    assert code == 1 and "Traceback" not in out + err
    assert f"entrée n° {seq}" in err and "sesam restore" in err


def test_an_unexpected_error_is_a_french_sentence_and_its_traceback_goes_to_the_log(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import client.cli.backup as backup_cli

    def broken(args: object) -> int:
        raise RuntimeError("patient 180057512345678 DURAND")  # a message that quotes data

    monkeypatch.setattr(backup_cli, "_cmd_backup", broken)
    data_dir.mkdir(parents=True, exist_ok=True)
    code, out, err = run(["backup"], capsys)
    assert code == 1 and "Traceback" not in out + err
    assert "Erreur inattendue (RuntimeError)" in err and "erreurs.log" in err
    log = data_dir / "erreurs.log"
    assert mode(log) == 0o600
    text = log.read_text("utf-8")
    assert "RuntimeError" in text and "broken" in text  # where it happened
    assert "180057512345678" not in text and "DURAND" not in text  # never the data
