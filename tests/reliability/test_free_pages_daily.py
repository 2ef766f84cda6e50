"""The store's free pages given back by the application itself (issue #27): after the day's
backup, on the housekeeping thread and its own connection, in short steps while the desk
writes; a store that needs a whole copy gets the user told, once, what to gain and how.

* an incremental store (created so by this version, or an old one compacted once): the
  file shrinks to its used pages and a small reserve; the FSE the desk recorded meanwhile
  are all there; the store reads the same; a new store is never told to be compacted;
* killed (SIGKILL, a real process) in the middle of the steps: the store is whole, reads
  the same, and the next run finishes;
* a store with ``auto_vacuum`` none (created by an older version): nothing rewritten,
  the space to recover said once with the command, not again at the next run.

Real SQLite files, real processes, the application's context (``client.context``).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from older_store import as_created_by_an_older_version
from reliability_support import Clock, create_fses

from client import compact_daily
from client.compact import compact
from client.context import build_context
from client.store import open_store
from client.store.compaction import is_incremental

ROOT = Path(__file__).resolve().parents[2]
PAGE = 4096

pytestmark = pytest.mark.sqlite_only  # SQLite's free pages; PostgreSQL has its own VACUUM


def free_some(db: Path, megabytes: int) -> None:
    """Rows written then deleted (as a migration converting the store in place does):
    their pages stay in the file, free."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("CREATE TABLE scratch (x BLOB)")
        conn.executemany(
            "INSERT INTO scratch VALUES (randomblob(?))", [(3000,)] * (megabytes * 1024 // 4)
        )
        conn.commit()
        conn.execute("DROP TABLE scratch")
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def file_state(db: Path) -> tuple[int, int, str]:
    """(pages in the file, free pages, integrity check)."""
    conn = sqlite3.connect(db)
    try:
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
        free = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    return pages, free, check


def what_the_user_reads(db: Path) -> tuple[object, ...]:
    store = open_store(db)
    try:
        return [(r.number, r.state) for r in store.fse_list()], store.audit_verify().ok
    finally:
        store.close()


def test_the_free_pages_go_back_in_steps_while_the_desk_writes(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = data / "sesam.db"
    assert is_incremental(db)  # born so
    free_some(db, 24)
    pages_before, free_before, _ = file_state(db)
    assert free_before * PAGE > 20 * 1024 * 1024
    monkeypatch.setattr(compact_daily, "STEP_PAGES", 64)  # many steps, the desk between
    monkeypatch.setattr(compact_daily, "STEP_PAUSE", 0.02)

    clock = Clock()
    ctx = build_context(data_dir=data, use_pcsc=False, clock=clock)
    try:
        ctx.db.call(lambda store: store.path)
        running = ctx.backup_if_due()
        written = 0
        seen_progress: set[tuple[int, int]] = set()
        while not running.done() or written < 3:
            ctx.db.call(lambda store: create_fses(store, 1, clock))  # the desk's writes
            written += 1
            if ctx.space_progress is not None:
                seen_progress.add(ctx.space_progress)
        assert running.result(timeout=60) is not None  # the day's backup, then the pages
        assert ctx.space_to_recover is None  # nothing to tell: given back by itself
    finally:
        ctx.close()

    pages_after, free_after, check = file_state(db)
    assert check == "ok"
    assert free_after * PAGE <= compact_daily.KEEP_FREE  # a day's reserve kept
    assert db.stat().st_size < (pages_before * PAGE) - 16 * 1024 * 1024  # the disk has it
    assert pages_after < pages_before
    # Shown while it ran, and the desk wrote between its steps (not after them).
    assert any(given < total for given, total in seen_progress)
    rows, verified = what_the_user_reads(db)
    assert len(rows) == 3 + written and verified  # no write of the desk lost


_KILLED = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from client import compact_daily
    from client.store import open_store

    compact_daily.STEP_PAGES = 32
    compact_daily.STEP_PAUSE = 0.05
    store = open_store(Path(sys.argv[1]))

    def progress(given, total):
        print(given, total, flush=True)

    compact_daily.tidy(store, progress)
    print("done", flush=True)
    """
)


def test_a_kill_in_the_middle_leaves_a_whole_store_and_the_next_run_finishes(
    data: Path,
) -> None:
    db = data / "sesam.db"
    free_some(db, 16)
    before = what_the_user_reads(db)
    _, free_before, _ = file_state(db)
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED, str(db)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for _ in range(5):  # a few steps done, more to come
            given, total = map(int, proc.stdout.readline().split())
        assert given < total
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)

    _, free_mid, check = file_state(db)
    assert check == "ok" and 0 < free_mid < free_before  # part given back, nothing torn
    assert what_the_user_reads(db) == before

    store = open_store(db)
    try:
        assert compact_daily.tidy(store) is None
    finally:
        store.close()
    _, free_after, check = file_state(db)
    assert check == "ok" and free_after * PAGE <= compact_daily.KEEP_FREE
    assert what_the_user_reads(db) == before


def test_a_store_that_needs_a_whole_copy_gets_the_space_told_once(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = data / "sesam.db"
    as_created_by_an_older_version(db)
    free_some(db, 8)
    size = db.stat().st_size
    monkeypatch.setattr(compact_daily, "WORTH_TELLING", 4 * 1024 * 1024)

    told = []
    for _start in range(2):
        ctx = build_context(data_dir=data, use_pcsc=False, clock=Clock())
        try:
            ctx.backup_if_due().result(timeout=60)
            told.append(ctx.space_to_recover)
        finally:
            ctx.close()
    room = told[0]
    assert room is not None and room.reclaimable >= 8 * 1024 * 1024
    assert told[1] is None  # once
    message = compact_daily.space_message(room)
    assert "sesam store compact" in message and "Go libres" in message
    assert db.stat().st_size == size  # nothing rewritten behind the desk
    assert file_state(db)[2] == "ok"


def test_a_new_store_gives_its_pages_back_and_is_never_told_to_be_compacted(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = data / "sesam.db"
    free_some(db, 8)
    size = db.stat().st_size
    monkeypatch.setattr(compact_daily, "WORTH_TELLING", 0)  # any free page would be told
    monkeypatch.setattr(compact_daily, "KEEP_FREE", 0)

    for _start in range(2):
        ctx = build_context(data_dir=data, use_pcsc=False, clock=Clock())
        try:
            ctx.backup_if_due().result(timeout=60)
            assert ctx.space_to_recover is None  # no « sesam store compact » to run
        finally:
            ctx.close()
    assert db.stat().st_size <= size - 7 * 1024 * 1024  # given back by the application
    assert not compact(db).done  # and the command finds nothing to do
    assert file_state(db)[2] == "ok"
