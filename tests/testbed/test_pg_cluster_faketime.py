"""The tests' PostgreSQL server under the moved clock of scripts/check-dates.sh: it shares the
clock, and libfaketime leaves nothing behind in its processes (a file left there made a later
server process exit when its PID came round again: ``initdb`` failed so in CI once)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import datetime, psycopg
from testbed.pg_cluster import throwaway_cluster
with throwaway_cluster("sesam-pgclock.") as cluster, psycopg.connect(cluster.url) as db:
    print(db.execute("SELECT current_date").fetchone()[0], datetime.date.today())
"""


def _faketime_files() -> set[str]:
    return {path.name for path in Path("/dev/shm").glob("*faketime*")}


def test_a_cluster_under_faketime_shares_the_clock_and_leaves_no_file() -> None:
    if shutil.which("faketime") is None:
        pytest.fail("faketime manque : lancer scripts/setup.sh (paquet Debian faketime)")
    before = _faketime_files()
    done = subprocess.run(
        ["faketime", "-f", "+1y", sys.executable, "-c", _PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    server_day, client_day = (date.fromisoformat(word) for word in done.stdout.split())
    assert server_day == client_day
    assert server_day > date.today()
    assert _faketime_files() - before == set()
