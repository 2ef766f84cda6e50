"""Issue #27: ``sesam store compact`` gives the disk back the pages a store no longer uses
(after m037 regrouped an old journal, for instance): the file shrinks, the store reads and
verifies the same, freed pages can later be handed back without a second copy
(``auto_vacuum`` incremental). Refused, with nothing changed, when the disk beside the store
cannot hold the compact copy or when another program has the store open."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections import namedtuple
from pathlib import Path

import pytest
from older_store import created_by_an_older_version
from test_audit_books import make_books
from test_regrouped_journal import to_one_entry_rows

from client.cli import main
from client.store import compaction, open_store

pytestmark = pytest.mark.sqlite_only  # SQLite's free pages; PostgreSQL has its own VACUUM


def file_pages(db: Path) -> tuple[int, int, int]:
    """(size of the file, free pages, auto_vacuum mode)."""
    conn = sqlite3.connect(db)
    try:
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        mode = conn.execute("PRAGMA auto_vacuum").fetchone()[0]
    finally:
        conn.close()
    return db.stat().st_size, int(free), int(mode)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def what_the_user_reads(db: Path) -> tuple[object, ...]:
    store = open_store(db)
    try:
        rows = {r.number: (r.state, store.fse_events(r.id)) for r in store.fse_list()}
        return rows, list(store.journal.audit_entries()), store.audit_verify()
    finally:
        store.close()


def old_store_opened(data_dir: Path) -> Path:
    """A store an older version created and whose journal it wrote, opened once (m037 frees
    pages)."""
    created_by_an_older_version(data_dir / "sesam.db")
    made = make_books(data_dir)
    to_one_entry_rows(made)
    open_store(made).close()
    return made


def test_compact_gives_the_free_pages_back_and_the_store_reads_the_same(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = old_store_opened(data_dir)
    size_before, free_before, _ = file_pages(made)
    assert free_before > 0  # the old journal's pages, kept by SQLite for the next rows
    read_before = what_the_user_reads(made)
    (made.parent / "sesam.db.compactage").write_bytes(b"left by a compaction killed midway")

    assert main(["store", "compact", "--json"]) == 0
    out = capsys.readouterr()
    doc = json.loads(out.out)
    size_after, free_after, mode = file_pages(made)
    assert (
        doc["compactee"] is True
        and doc["taille"] == size_after < size_before == doc["taille_precedente"]
    )
    assert free_after == 0 and mode == 2  # incremental: later frees given back in place
    assert "compactage" in out.err and "(100 %)" in out.err  # the progress
    assert not (made.parent / "sesam.db.compactage").exists()
    assert what_the_user_reads(made) == read_before

    # Nothing left to give back: said, nothing rewritten.
    assert main(["store", "compact"]) == 0
    assert "Rien à rendre" in capsys.readouterr().out
    store = open_store(made)  # and the store goes on
    try:
        row = store.fse_list()[0]
        store.record_duplicata(row.id, store.fse_events(row.id)[-1].at, "remis au patient")
        assert store.audit_verify().ok
    finally:
        store.close()


def test_not_enough_disk_is_said_before_anything_is_changed(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    made = old_store_opened(data_dir)
    before = sha256(made)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(compaction.shutil, "disk_usage", lambda _p: usage(10**9, 10**9, 10**6))
    assert main(["store", "compact"]) == 1
    err = capsys.readouterr().err
    assert "Go libres sur le disque" in err and "Rien n'a été modifié" in err
    assert sha256(made) == before
    assert not (made.parent / "sesam.db.compactage").exists()


_HOLDER = textwrap.dedent(
    """
    import sys, time
    from client.store import open_store

    store = open_store(sys.argv[1])
    print("ouvert", flush=True)
    time.sleep(60)
    """
)


def test_refused_while_another_program_has_the_store_open(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = old_store_opened(data_dir)
    before = sha256(made)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(made)],
        env={**os.environ, "SESAM_DATA_DIR": str(data_dir)},
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"ouvert"
        assert main(["store", "compact"]) == 1
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert "ouverte par un autre programme" in err and "compactage n'a pas été fait" in err
    assert sha256(made) == before
