"""The benchmark of the ``sesam`` listings as processes (issue #27) runs each command in a
fresh interpreter on the data folder it is given and reports it beside the interpreter's
own start: the figures' values are not judged here (shared, noisy machines)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from benchmark_support import ROOT, run_benchmarks


def test_the_listings_are_timed_as_processes_beside_the_interpreters_start(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    made = subprocess.run(  # a store made by the product: the listings open it
        [sys.executable, "-m", "client.cli", "fse", "list"],
        cwd=ROOT,
        env={**os.environ, "SESAM_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    done, out = run_benchmarks(
        tmp_path, "--tiny", "--only", "cli_listings", "--listing-store", str(data), timeout=240
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["not_measured"] == [], results["not_measured"]
    figures = {f["figure"]: f for f in results["figures"]}
    assert set(figures) == {
        "sesam fse list as a process (data)",
        "sesam returns list as a process (data)",
    }
    for figure in figures.values():
        assert figure["unit"] == "ms" and figure["goal"] == "≤ 100 ms wall"
        # A command runs on top of the interpreter's start: never under it.
        assert figure["value"] > figure["baseline"] > 0
        assert figure["extra"]["python_pass_ms"] > 0
