"""Run inside ``unshare -m`` (its own mount namespace, so that nothing leaks to the host):
put the data directory on a small tmpfs, fill it or make it read-only, and report what the
store did as JSON on stdout. Used by ``test_disk_faults.py``.

Usage: ``unshare -m --propagation private python disk_fault_worker.py SCENARIO DIR``
with SCENARIO one of ``full``, ``full-sqlite``, ``full-closed``, ``readonly-open``,
``readonly-write``.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from reliability_support import create_fses

from client.errors import ClientError
from client.store import open_store


def run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True)


def fill(directory: Path, chunk: int) -> list[Path]:
    """Write ``chunk``-byte files until the disk is full; returns them."""
    files: list[Path] = []
    data = b"\xa5" * chunk
    for i in range(100_000):
        path = directory / f"filler-{i:05d}"
        try:
            with path.open("wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
            with contextlib.suppress(OSError):
                path.unlink()
            return files
        files.append(path)
    raise RuntimeError("the disk never filled")


def error_of(action: Any) -> dict[str, Any]:
    try:
        action()
    except ClientError as exc:
        return {"raised": type(exc).__name__, "message": str(exc), "client_error": True}
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
        return {"raised": type(exc).__name__, "message": str(exc), "client_error": False}
    return {"raised": None}


def check_db(db: Path) -> dict[str, Any]:
    conn = sqlite3.connect(db)
    try:
        return {
            "integrity": conn.execute("PRAGMA integrity_check").fetchone()[0],
            "numbers": [r[0] for r in conn.execute("SELECT number FROM fse ORDER BY number")],
        }
    finally:
        conn.close()


def full(base: Path, sqlite_only: bool) -> dict[str, Any]:
    run("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(base))
    data = base / "data"
    os.environ["SESAM_DATA_DIR"] = str(data)
    store = open_store(data / "sesam.db")
    create_fses(store, 3)
    fillers = fill(base, 4096)
    if sqlite_only:
        # One page free: numbering.json still fits, the database's growth does not.
        fillers.pop().unlink()
    report: dict[str, Any] = {"fillers": len(fillers)}
    report["create"] = error_of(lambda: create_fses(store, 1))
    report["after"] = check_db(data / "sesam.db")
    store.close()
    report["reopen"] = error_of(lambda: open_store(data / "sesam.db").close())
    report["cli"] = subprocess.run(
        [sys.executable, "-m", "client.cli", "fse", "list"],
        capture_output=True,
        text=True,
        check=False,
    ).__dict__
    report["cli"].pop("args", None)
    for path in fillers:
        path.unlink()
    store = open_store(data / "sesam.db")
    report["recovered"] = [r.number for r in create_fses(store, 1)]
    store.close()
    report["final"] = check_db(data / "sesam.db")
    return report


def sesam(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "client.cli", *args], capture_output=True, text=True, check=False
    )
    return {"returncode": done.returncode, "stdout": done.stdout, "stderr": done.stderr}


def closed_store_reads_and_refuses_writes(data: Path) -> dict[str, Any]:
    """The store is closed and the disk refuses writes: read in-process and by the CLI,
    then try to write (an FSE, a backup)."""
    report: dict[str, Any] = {}
    try:
        store = open_store(data / "sesam.db")
    except ClientError as exc:
        return {"reader": {"raised": type(exc).__name__, "message": str(exc)}}
    try:
        report["reader"] = {
            "raised": None,
            "read_only": store.read_only,
            "numbers": [r.number for r in store.fse_list()],
        }
        report["write"] = error_of(lambda: create_fses(store, 1))
    finally:
        store.close()
    report["cli"] = sesam("fse", "list")
    # What a user consults and exports on such a disk (the PDF goes to another disk).
    report["cli_reads"] = {
        " ".join(args): sesam(*args)["returncode"]
        for args in (
            ("fse", "show", "1"),
            ("lot", "list"),
            ("queue", "status"),
            ("audit", "verify"),
            ("print", "fs", "1", "--out", str(data.parent.parent / "fs.pdf")),
        )
    }
    report["cli_backup"] = sesam("backup")
    return report


def full_closed(base: Path) -> dict[str, Any]:
    """Filled while no process had the store open (opening must create -wal/-shm)."""
    # 2 MB: the fresh store's checkpoint at close needs its -wal and the file side by side
    # (about 1 MB since m015); the fillers then take all that is left.
    run("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(base))
    data = base / "data"
    os.environ["SESAM_DATA_DIR"] = str(data)
    store = open_store(data / "sesam.db")
    create_fses(store, 3)
    store.close()
    gone = [p.name for p in data.iterdir() if p.name.endswith(("-wal", "-shm"))]
    fillers = fill(base, 4096)
    report: dict[str, Any] = {"fillers": len(fillers), "companions_left": gone}
    report.update(closed_store_reads_and_refuses_writes(data))
    for path in fillers:
        path.unlink()
    report["final"] = check_db(data / "sesam.db")
    return report


def readonly(base: Path, at_write: bool) -> dict[str, Any]:
    run("mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(base))
    data = base / "data"
    os.environ["SESAM_DATA_DIR"] = str(data)
    store = open_store(data / "sesam.db")
    create_fses(store, 3)
    report: dict[str, Any] = {}
    if not at_write:
        store.close()
    # The same directory, read-only from now on (a read-only bind mount over it).
    run("mount", "--bind", "-o", "ro", str(data), str(data))
    report["probe_write"] = error_of(lambda: (data / "probe").write_text("x"))
    if at_write:
        report["create"] = error_of(lambda: create_fses(store, 1))
        store.close()
    else:
        report["open"] = error_of(lambda: open_store(data / "sesam.db").close())
        report.update(closed_store_reads_and_refuses_writes(data))
    run("umount", str(data))
    report["after"] = check_db(data / "sesam.db")
    return report


def main() -> None:
    scenario, base = sys.argv[1], Path(sys.argv[2])
    if scenario in ("full", "full-sqlite"):
        report = full(base, scenario == "full-sqlite")
    elif scenario == "full-closed":
        report = full_closed(base)
    else:
        report = readonly(base, scenario == "readonly-write")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
