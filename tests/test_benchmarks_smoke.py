"""The benchmark command runs from the repository and writes well-formed results.

Only a tiny run of the figures that need neither the vpcd readers nor Qt: the figures'
values are not judged here (machines are shared and noisy), the command and its JSON are.
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmark_support import run_benchmarks


def test_benchmark_command_writes_results_with_machine_baselines_and_sizes(
    tmp_path: Path,
) -> None:
    done, out = run_benchmarks(
        tmp_path, "--tiny", "--only", "replay", "--only", "scor", timeout=240
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| figure | value | baseline (same run) |" in done.stdout

    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["mode"] == "tiny"
    machine = results["machine"]
    for key in ("cpu", "cores", "memory_gib", "python", "pyscard", "sqlite", "qt"):
        assert key in machine
    assert machine["python"].startswith("3.11")
    # Every capability exists: a module that fails is "not measured" in the JSON, and
    # that is a failure here.
    assert results["not_measured"] == [], results["not_measured"]
    reported = {f["figure"].split(":")[0] for f in results["figures"]}
    assert {"outbox replay", "SCOR page"} <= reported
    replay = next(f for f in results["figures"] if f["figure"].startswith("outbox replay"))
    # A cabinet's queue too (finding 61): its rate and its ARL recording, each with a baseline.
    cabinet = [f for f in results["figures"] if "practitioners in turn" in f["figure"]]
    assert [f["figure"].split(":")[0] for f in cabinet] == ["outbox replay", "ARL recording"]
    assert all(f["baseline"] and f["value"] > 0 for f in cabinet)
    assert replay["baseline"] and replay["extra"]["raw_connections"] == 1  # kept alive
    # The run's fixed costs beside raw's: the first answer and the end after the last one.
    assert replay["extra"]["first_answer_ms"]["median"] > 0
    assert replay["extra"]["raw_first_answer_ms"]["median"] > 0
    assert replay["extra"]["after_last_answer_ms"]["median"] >= 0
    # The concentrator's own CPU, the same work on both sides (finding 48; Linux's /proc).
    if Path("/proc/self/stat").exists():
        assert replay["extra"]["server_cpu_ms_per_lot"]["median"] >= 0
        assert 0 < replay["extra"]["ratio_if_cpu_bound"] <= 2
    for figure in results["figures"]:
        assert set(figure) >= {"figure", "unit", "value", "baseline", "ratio", "sizes", "goal"}
        assert isinstance(figure["value"], float | int) and figure["value"] >= 0
        assert figure["sizes"], figure["figure"]
        if figure["baseline"]:
            assert abs(figure["ratio"] - figure["value"] / figure["baseline"]) < 0.01
