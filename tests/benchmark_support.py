"""Running ``python -m benchmarks`` from the tests: a subprocess from the repository, with
its JSON results in the test's folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from client.store.opening import DATABASE_URL_ENV

ROOT = Path(__file__).resolve().parents[1]


def run_benchmarks(
    tmp_path: Path, *args: str, timeout: float
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """``python -m benchmarks ARGS --out … --workdir …``: the finished process and the
    results' path. The benchmarks choose their backends (``--backend``), whatever the
    suite's PostgreSQL pass put in the environment."""
    out = tmp_path / "bench-results.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(DATABASE_URL_ENV, None)
    work = str(tmp_path / "work")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", *args, "--out", str(out), "--workdir", work],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return done, out
