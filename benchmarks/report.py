"""The machine the suite ran on, the table printed at the end, and bench-results.json."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import json
import os
import platform
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import Figure

ROOT = Path(__file__).resolve().parents[1]


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    return None


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _qt_version() -> str | None:
    try:
        from PySide6 import QtCore
    except ImportError:
        return None
    return str(QtCore.qVersion())


def _git_commit() -> str | None:
    with contextlib.suppress(OSError):
        done = subprocess.run(  # noqa: S603 - fixed arguments
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
        if done.returncode == 0:
            dirty = subprocess.run(  # noqa: S603 - fixed arguments
                ["git", "-C", str(ROOT), "status", "--porcelain"],  # noqa: S607
                capture_output=True,
                text=True,
                check=False,
                timeout=10,
            )
            return done.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    return None


def _pcscd_version() -> str | None:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(
            ["pcscd", "--version"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
        first = (done.stdout or done.stderr).strip().splitlines()
        return first[0] if first else None
    return None


def _pcscd_niceness() -> int | None:
    with contextlib.suppress(ImportError):
        from testbed.cards.pcscd import pcscd_niceness

        return pcscd_niceness()
    return None


def _postgresql_version() -> str | None:
    """The PostgreSQL server the ``--backend postgresql`` figures start (the newest)."""
    servers = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    if not servers:
        return None
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(  # noqa: S603 - Debian's server binary, fixed arguments
            [str(servers[-1]), "--version"], check=False, capture_output=True, text=True, timeout=10
        )
        return done.stdout.strip() or None
    return None


def machine() -> dict[str, Any]:
    """CPU, cores, memory, load and the versions that matter to the figures."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "load_average": [round(x, 2) for x in load] if load else None,
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "qt": _qt_version(),
        "pyside6": _version("PySide6-Essentials") or _version("PySide6"),
        "pyscard": _version("pyscard"),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": _postgresql_version(),
        "cryptography": _version("cryptography"),
        "pcscd": _pcscd_version(),
        "pcscd_niceness": _pcscd_niceness(),  # > 0: card figures measured a niced daemon
        "commit": _git_commit(),
    }


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 100:
        return f"{value:,.0f}".replace(",", " ")
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _spread(values: list[float], fmt: Callable[[float], str]) -> str:
    """`` (min–max)`` of several runs' values; "" for one run."""
    if len(values) < 2:
        return ""
    return f" ({fmt(min(values))}–{fmt(max(values))})"


def table(figures: list[Figure], skipped: dict[str, str]) -> str:
    """A Markdown table (it reads fine in a terminal too): with several runs, each figure's
    median and its spread (min–max) over the runs, the ratio being the median of each run's
    own ratio to the baseline it measured."""
    lines = [
        "| figure | value | baseline (same run) | ratio | runs | goal | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        runs = f.runs()
        value = f"{_num(f.value)} {f.unit}" + _spread([r.value for r in runs], _num)
        bases = [r.baseline for r in runs if r.baseline is not None]
        base = (
            f"{_num(f.baseline)} {f.unit}{_spread(bases, _num)} ({f.baseline_label})"
            if f.baseline
            else "—"
        )
        ratios = [r.ratio for r in runs if r.ratio is not None]
        ratio = (
            f"{f.ratio:.2f}×" + _spread(ratios, lambda x: f"{x:.2f}")
            if f.ratio is not None
            else "—"
        )
        met = {True: "yes", False: "**no**", None: "—"}[f.met]
        lines.append(
            f"| {f.figure} | {value} | {base} | {ratio} | {len(runs)} | {f.goal} | {met} |"
        )
    for name, reason in skipped.items():
        lines.append(f"| {name} | not measured: {reason} | | | | | |")
    return "\n".join(lines)


def write_json(
    path: Path,
    figures: list[Figure],
    skipped: dict[str, str],
    mode: str,
    durations: dict[str, float],
    runs: int = 1,
    backends: tuple[str, ...] = ("sqlite",),
) -> dict[str, Any]:
    """Write bench-results.json and return what was written. Each figure carries ``runs``,
    ``median`` (value, baseline, ratio: the median of the runs' own ratios), ``spread``
    (min and max of each) and ``per_run``."""
    doc = {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "mode": mode,
        "runs": runs,
        "backends": list(backends),
        "machine": machine(),
        "figures": [f.to_json() for f in figures],
        "not_measured": [{"module": k, "reason": v} for k, v in skipped.items()],
        "module_seconds": {k: round(v, 2) for k, v in durations.items()},
    }
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return doc
