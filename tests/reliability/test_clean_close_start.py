"""The application's start reads every page of the store (``quick_check``, 27 s at 1 M FSE)
only when its last session did not close normally (issue #27).

* A session that closed normally leaves its mark: the next start opens the store (header,
  schema, counters) without reading every page; damage in a page nothing reads is then
  found by the daily backup's check, and told at the following start.
* A session killed with SIGKILL (a real process) leaves no mark: the next start reads every
  page and finds the damage.
* A database put in place of the one that closed (a copy) is checked whole.

Real SQLite files, real processes, the application's context (``client.context``).
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from reliability_support import Clock

from client import clean_close
from client.context import build_context
from client.store.errors import DamagedStoreError

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.sqlite_only  # the SQLite file's own pages


def damage_index_page(db: Path) -> None:
    """The root page of an index of the payments that opening the store never reads: an
    invalid b-tree page type (only ``quick_check`` sees it)."""
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
        f.write(b"\x01")


def session(data: Path) -> None:
    """The application's session: its context built, the store opened on the database
    thread, the start's check, a normal close."""
    ctx = build_context(data_dir=data, use_pcsc=False, clock=Clock())
    try:
        assert ctx.db.call(lambda store: store.path) == data / "sesam.db"
        assert ctx.diagnose_store().result(timeout=60) is None
    finally:
        ctx.close()


def test_after_a_normal_close_the_start_does_not_read_every_page(data: Path) -> None:
    db = data / "sesam.db"
    session(data)
    assert clean_close.mark_path(db).exists()
    damage_index_page(db)  # a page the start does not read

    ctx = build_context(data_dir=data, use_pcsc=False, clock=Clock())
    try:
        assert ctx.last_close_clean
        assert not clean_close.mark_path(db).exists()  # this session must close normally
        assert ctx.diagnose_store().result(timeout=60) is None  # not every page read
        # The daily backup reads every page before it copies: the damage is found there,
        # and no backup of a damaged store is written.
        with pytest.raises(DamagedStoreError):
            ctx.backup_if_due().result(timeout=60)
    finally:
        ctx.close()
    assert not list((data / "sauvegardes").glob("sesam-*.db"))

    # Closed normally again, but the damage found is remembered: the start tells it.
    ctx = build_context(data_dir=data, use_pcsc=False, clock=Clock())
    try:
        assert ctx.last_close_clean
        damage = ctx.diagnose_store().result(timeout=60)
        assert isinstance(damage, DamagedStoreError)
        assert "contrôle d'intégrité en échec" in damage.detail
    finally:
        ctx.close()


_KILLED_SESSION = """
import sys, time
from pathlib import Path
from client.context import build_context
ctx = build_context(data_dir=Path(sys.argv[1]), use_pcsc=False)
ctx.db.call(lambda store: store.path)  # the store opened, as the pages do
assert ctx.diagnose_store().result(timeout=60) is None
print("started", flush=True)
time.sleep(120)
"""


def test_a_killed_session_gets_every_page_read_at_the_next_start(data: Path) -> None:
    db = data / "sesam.db"
    session(data)
    assert clean_close.mark_path(db).exists()
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_SESSION, str(data)],
        env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert not clean_close.mark_path(db).exists()  # killed: nothing says « closed »
    damage_index_page(db)

    ctx = build_context(data_dir=data, use_pcsc=False, clock=Clock())
    try:
        assert not ctx.last_close_clean
        damage = ctx.diagnose_store().result(timeout=60)
        assert isinstance(damage, DamagedStoreError)  # every page read: found at start
        assert "contrôle d'intégrité en échec" in damage.detail
    finally:
        ctx.close()


def test_a_database_put_in_place_since_the_close_is_checked_whole(
    data: Path, tmp_path: Path
) -> None:
    db = data / "sesam.db"
    session(data)
    copy = tmp_path / "copie.db"
    shutil.copy2(db, copy)
    damage_index_page(copy)
    os.replace(copy, db)  # by hand, the mark of the file that closed still beside it
    assert clean_close.mark_path(db).exists()

    ctx = build_context(data_dir=data, use_pcsc=False, clock=Clock())
    try:
        assert not ctx.last_close_clean
        assert isinstance(ctx.diagnose_store().result(timeout=60), DamagedStoreError)
    finally:
        ctx.close()
