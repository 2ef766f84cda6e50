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
        "cryptography": _version("cryptography"),
        "pcscd": _pcscd_version(),
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


def table(figures: list[Figure], skipped: dict[str, str]) -> str:
    """A Markdown table (it reads fine in a terminal too)."""
    lines = [
        "| figure | value | baseline (same run) | ratio | goal | met |",
        "|---|---|---|---|---|---|",
    ]
    for f in figures:
        base = f"{_num(f.baseline)} {f.unit} ({f.baseline_label})" if f.baseline else "—"
        ratio = f"{f.ratio:.2f}×" if f.ratio is not None else "—"
        met = {True: "yes", False: "**no**", None: "—"}[f.met]
        lines.append(
            f"| {f.figure} | {_num(f.value)} {f.unit} | {base} | {ratio} | {f.goal} | {met} |"
        )
    for name, reason in skipped.items():
        lines.append(f"| {name} | not measured: {reason} | | | | |")
    return "\n".join(lines)


def write_json(
    path: Path,
    figures: list[Figure],
    skipped: dict[str, str],
    mode: str,
    durations: dict[str, float],
) -> dict[str, Any]:
    """Write bench-results.json and return what was written."""
    doc = {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "mode": mode,
        "machine": machine(),
        "figures": [f.to_json() for f in figures],
        "not_measured": [{"module": k, "reason": v} for k, v in skipped.items()],
        "module_seconds": {k: round(v, 2) for k, v in durations.items()},
    }
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return doc
