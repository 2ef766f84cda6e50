"""A full disk and a read-only data directory, for real: the data directory sits on a 2 MB
tmpfs (room for an empty store of ~0.6 MB and its daily backup; filled up) or under a
read-only bind mount, inside ``unshare -m`` so that no mount leaks to the host (tests run as
root, where chmod would not stop a write). The store must answer with a typed
``ClientError`` saying what to do, keep the database sound and every FSE already stored, and
work again once space is back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def scenario(name: str, tmp_path: Path) -> dict[str, Any]:
    base = tmp_path / "mnt"
    base.mkdir()
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{HERE}"}
    result = subprocess.run(
        [
            "unshare",
            "-m",
            "--propagation",
            "private",
            sys.executable,
            str(HERE / "disk_fault_worker.py"),
            name,
            str(base),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    # The namespace is gone: nothing stayed mounted on the host.
    assert str(base) not in Path("/proc/self/mounts").read_text()
    return report


@pytest.mark.parametrize("name", ["full", "full-sqlite"])
@pytest.mark.sqlite_only  # the SQLite file on a full or read-only disk
def test_a_full_disk_gives_a_clear_error_and_loses_nothing(name: str, tmp_path: Path) -> None:
    report = scenario(name, tmp_path)
    assert report["fillers"] > 50  # the disk really was filled
    create = report["create"]
    assert create["raised"] == "DiskFullError" and create["client_error"]
    assert "plein" in create["message"] and "Libérez de la place" in create["message"]
    assert report["after"] == {"integrity": "ok", "numbers": [1, 2, 3]}
    # Reading still works on the full disk.
    assert report["reopen"]["raised"] is None
    assert report["cli"]["returncode"] == 0 and report["cli"]["stdout"].count("secured") == 3
    # Space is back: billing goes on, a number is skipped at worst, never reused.
    assert report["recovered"][0] in (4, 5)
    assert report["final"]["integrity"] == "ok"
    assert report["final"]["numbers"] == [1, 2, 3, *report["recovered"]]


@pytest.mark.sqlite_only  # the SQLite file on a full or read-only disk
def test_a_read_only_data_directory_reads_and_refuses_writes(tmp_path: Path) -> None:
    report = scenario("readonly-open", tmp_path)
    assert report["probe_write"]["raised"] == "OSError"  # the mount really is read-only
    assert report["open"]["raised"] is None
    # The user can consult: in-process and by the command line.
    assert report["reader"] == {"raised": None, "read_only": True, "numbers": [1, 2, 3]}
    assert report["cli"]["returncode"] == 0 and report["cli"]["stdout"].count("secured") == 3
    assert report["cli_reads"] == dict.fromkeys(report["cli_reads"], 0), report["cli_reads"]
    # A write is refused as what it is: the disk is read-only (not « failing »).
    write = report["write"]
    assert write["raised"] == "ReadOnlyStorageError" and write["client_error"]
    assert "lecture seule" in write["message"]
    backup = report["cli_backup"]
    assert backup["returncode"] == 1 and "lecture seule" in backup["stderr"]
    assert "Traceback" not in backup["stderr"] and "entrée/sortie" not in backup["stderr"]
    assert report["after"] == {"integrity": "ok", "numbers": [1, 2, 3]}


@pytest.mark.sqlite_only  # the SQLite file on a full or read-only disk
def test_a_disk_filled_while_the_store_was_closed_reads_and_says_full(tmp_path: Path) -> None:
    report = scenario("full-closed", tmp_path)
    assert report["fillers"] > 50 and report["companions_left"] == []
    assert report["reader"] == {"raised": None, "read_only": True, "numbers": [1, 2, 3]}
    assert report["cli"]["returncode"] == 0 and report["cli"]["stdout"].count("secured") == 3
    assert report["cli_reads"] == dict.fromkeys(report["cli_reads"], 0), report["cli_reads"]
    write = report["write"]
    assert write["raised"] == "DiskFullError" and "plein" in write["message"]
    backup = report["cli_backup"]
    assert backup["returncode"] == 1 and "plein" in backup["stderr"], backup
    assert "entrée/sortie" not in backup["stderr"] and "Traceback" not in backup["stderr"]
    assert report["final"] == {"integrity": "ok", "numbers": [1, 2, 3]}


@pytest.mark.sqlite_only  # the SQLite file on a full or read-only disk
def test_a_data_directory_turned_read_only_under_a_running_store(tmp_path: Path) -> None:
    report = scenario("readonly-write", tmp_path)
    assert report["probe_write"]["raised"] == "OSError"
    create = report["create"]
    assert create["raised"] == "ReadOnlyStorageError" and create["client_error"]
    assert report["after"] == {"integrity": "ok", "numbers": [1, 2, 3]}
