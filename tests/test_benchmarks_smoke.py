"""The benchmark command runs from the repository and writes well-formed results.

Only a tiny run of the figures that need neither the vpcd readers nor Qt: the figures'
values are not judged here (machines are shared and noisy), the command and its JSON are.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_command_writes_results_with_machine_baselines_and_sizes(
    tmp_path: Path,
) -> None:
    out = tmp_path / "bench-results.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--tiny", "--only", "replay", "--only", "scor",
         "--out", str(out), "--workdir", str(tmp_path / "work")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| figure | value | baseline (same run) |" in done.stdout

    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["mode"] == "tiny"
    machine = results["machine"]
    for key in ("cpu", "cores", "memory_gib", "python", "pyscard", "sqlite", "qt"):
        assert key in machine
    assert machine["python"].startswith("3.11")
    # "outbox replay [as is]: 20 FSE ..." -> "outbox replay"
    reported = {f["figure"].split(":")[0].split(" [")[0] for f in results["figures"]}
    skipped = {s["module"] for s in results["not_measured"]}
    assert {"outbox replay", "SCOR page"} <= reported | {
        {"replay": "outbox replay", "scor": "SCOR page"}[m] for m in skipped
    }
    for figure in results["figures"]:
        assert set(figure) >= {"figure", "unit", "value", "baseline", "ratio", "sizes", "goal"}
        assert isinstance(figure["value"], float | int) and figure["value"] >= 0
        assert figure["sizes"], figure["figure"]
        if figure["baseline"]:
            assert abs(figure["ratio"] - figure["value"] / figure["baseline"]) < 0.01
    for skip in results["not_measured"]:
        assert skip["reason"]
