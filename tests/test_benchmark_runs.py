"""Every benchmark figure is measured several times in one run, each time against the
baseline measured in that same run, and reported as the median with its spread; the
store's figures also on a throw-away PostgreSQL server, side by side with SQLite."""

from __future__ import annotations

import json
from pathlib import Path

from benchmark_support import run_benchmarks

from benchmarks.common import Figure, merge_runs


def _run(value: float, baseline: float, met: bool) -> list[Figure]:
    return [
        Figure(
            figure="page (store 1 000 FSE)",
            unit="ms",
            value=value,
            baseline=baseline,
            goal="≤ 100 ms",
            met=met,
            sizes={"fse": 1000},
        )
    ]


def test_three_runs_give_the_median_the_spread_and_each_runs_own_ratio() -> None:
    # A slow run (the machine busy: its baseline slowed too) must not skew the ratio.
    [figure] = merge_runs([_run(10.0, 1.0, True), _run(40.0, 4.0, True), _run(12.0, 1.0, False)])

    assert figure.value == 12.0  # the median run's value
    assert figure.ratio == 10.0  # each run's own ratio is 10, 10 and 12: the median is 10
    assert figure.met is True  # met in two runs of three
    doc = figure.to_json()
    assert doc["runs"] == 3
    assert doc["median"] == {"value": 12.0, "baseline": 1.0, "ratio": 10.0}
    assert doc["spread"] == {"value": [10.0, 40.0], "baseline": [1.0, 4.0], "ratio": [10.0, 12.0]}
    assert [r["ratio"] for r in doc["per_run"]] == [10.0, 10.0, 12.0]


def test_the_command_reports_median_and_spread_of_every_figure_on_both_backends(
    tmp_path: Path,
) -> None:
    done, out = run_benchmarks(
        tmp_path,
        *("--tiny", "--runs", "3", "--backend", "both"),
        *("--only", "store_scale", "--only", "scor"),
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| figure | value | baseline (same run) | ratio | runs |" in done.stdout

    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["not_measured"] == [], results["not_measured"]
    assert results["runs"] == 3 and results["backends"] == ["sqlite", "postgresql"]
    assert results["machine"]["postgresql"]
    names = {f["figure"] for f in results["figures"]}
    for figure in results["figures"]:
        assert figure["runs"] == 3 and len(figure["per_run"]) == 3, figure["figure"]
        low, high = figure["spread"]["value"]
        assert low <= figure["median"]["value"] <= high, figure["figure"]
        if figure["baseline"]:
            low, high = figure["spread"]["ratio"]
            assert low <= figure["ratio"] <= high, figure["figure"]
            assert figure["ratio"] == figure["median"]["ratio"]
    # The store's figures on both backends, under the same names.
    for name in (
        "dashboard page: figures + alerts (store 1 000 FSE)",
        "app ready (store 1 000 FSE)",
    ):
        assert {name, name + ", PostgreSQL"} <= names
    pg_bytes = next(
        f
        for f in results["figures"]
        if f["figure"] == "bytes per FSE (store 1 000 FSE), PostgreSQL"
    )
    assert pg_bytes["baseline_label"] == "the SQLite file of the same store"
    assert pg_bytes["value"] > 0 and pg_bytes["ratio"] > 0
