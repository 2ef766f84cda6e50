"""Issue #17: a store held open by the application loses nothing, whatever else opens the
file. The holder (this process) keeps one connection and its threads open and close their
own (as the sender and the returns import do); beside it run `sesam` commands, a second
application-like process, a backup and a restore (the holder stopped for it, as a
restoration requires). Every write must stay visible to a fresh process, and the ``-wal``
file must never be unlinked while a connection is open (SQLite unlinks it when it wrongly
believes it is the last connection: the holder then writes into a deleted file and
everything it commits afterwards is lost)."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from client.store import open_store

_SECOND_APP = """
import sys
from client.store import open_store
store = open_store(sys.argv[1])
with store.write():
    store.db.execute("INSERT INTO probe (who, n) VALUES ('second', ?)", [int(sys.argv[2])])
reader = open_store(sys.argv[1])  # its own worker thread's connection, closed again
reader.close()
store.close()
"""


def sesam(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SESAM_DATA_DIR=str(data))
    return subprocess.run(
        [sys.executable, "-m", "client.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def fresh_count(db: Path, who: str) -> int:
    """What a new process would see (a new connection, nothing shared with the holder)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM probe WHERE who = ?", [who]).fetchone()[0])
    finally:
        conn.close()


def deleted_store_files(db: Path) -> list[str]:
    """Files of the store this process still holds although they were unlinked."""
    found = []
    for entry in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(entry)
        except OSError:
            continue
        if target.startswith(str(db)) and target.endswith("(deleted)"):
            found.append(target)
    return found


def thread_opens_and_closes(db: Path) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            other = open_store(db)
            other.fse_list()
            other.close()
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(60)
    assert not errors, errors


@pytest.mark.parametrize("loop", range(4))
@pytest.mark.sqlite_only  # the SQLite file's WAL
def test_a_held_store_keeps_every_write_whatever_opens_it_beside(tmp_path: Path, loop: int) -> None:
    data = tmp_path / "data"
    db = data / "sesam.db"
    holder = open_store(db)
    try:
        with holder.write():
            holder.db.execute("CREATE TABLE probe (who TEXT NOT NULL, n INTEGER NOT NULL)")
        wal = Path(str(db) + "-wal")
        wal_inode = wal.stat().st_ino
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
        assert stat.S_IMODE(wal.stat().st_mode) == 0o600
        written = 0
        seconds = 0
        backup_file = tmp_path / "copie.db"
        steps = ["fse list", "second app", "backup", "alerts", "restore", "fse list"]
        for step in steps:
            thread_opens_and_closes(db)
            if step == "second app":
                done = subprocess.run(
                    [sys.executable, "-c", _SECOND_APP, str(db), str(seconds)],
                    capture_output=True,
                    text=True,
                    timeout=120,
                    check=False,
                )
                assert done.returncode == 0, done.stderr
                seconds += 1
            elif step == "backup":
                done = sesam(data, "backup", "--out", str(backup_file))
                assert done.returncode == 0, done.stderr
            elif step == "restore":
                # A restoration needs the application stopped (it refuses otherwise): the
                # holder closes, the store is restored, the holder starts again.
                holder.close()
                done = sesam(data, "restore", str(backup_file))
                assert done.returncode == 0, done.stderr
                holder = open_store(db)
                wal_inode = wal.stat().st_ino
                # The restored copy is the store as it was at the backup: what the holder
                # wrote after it is gone by design; count from the restored state.
                written = fresh_count(db, "holder")
            else:
                done = sesam(data, *step.split())
                assert done.returncode in (0, 1), done.stderr
            with holder.write():
                holder.db.execute("INSERT INTO probe (who, n) VALUES ('holder', ?)", [written])
            written += 1
            assert fresh_count(db, "holder") == written, f"after « {step} »"
            assert fresh_count(db, "second") == seconds, f"after « {step} »"
            assert wal.exists(), f"-wal unlinked after « {step} »"
            assert wal.stat().st_ino == wal_inode, f"-wal replaced after « {step} »"
            assert deleted_store_files(db) == [], f"after « {step} »"
    finally:
        holder.close()
    # Closed normally: still all there for the next start.
    assert fresh_count(db, "holder") == written
