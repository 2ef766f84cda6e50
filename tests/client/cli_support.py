"""Running ``sesam`` as the user does: a real process of the command line on a data folder,
the PIN given on its standard input (``--pin-stdin``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The PIN of the testbed's CPS, as typed on ``sesam``'s standard input.
PIN = "1234\n"


def sesam(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """``sesam ARGS`` on ``data_dir`` (its output and exit code; it never raises on failure)."""
    env = {**os.environ, "SESAM_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "client.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
