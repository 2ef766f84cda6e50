"""``sesam`` listing commands as the user runs them: a fresh process each, a screenful on
stdout (issue #27: ≤ 100 ms of wall time).

Each command runs as ``python -m client.cli COMMAND`` with ``SESAM_DATA_DIR`` on the store,
its output thrown away; the baseline is the interpreter's own start with ``sqlite3``
(``python -I -c 'import sqlite3'``), measured between the commands of the same run, and
``python -c pass`` beside it (the floor no command can go under). Stores: the ones given
with ``--listing-store DIR`` (a copy of the 100k and of the 1M every-state store: opening
one may migrate it, so never a store in use), else the generated store of ``store_scale``
(10k; 1k with ``--tiny``). Bytecode is written by a first unmeasured run of each command,
as an installed package has it.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import Figure, RunContext

ROOT = Path(__file__).resolve().parents[1]

#: The listings of issue #27, each printing a screenful at most.
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("fse", "list"),
    ("returns", "list"),
    ("alerts",),
    ("queue", "status"),
    ("lot", "list"),
    ("scor", "status"),
    ("dashboard",),
    ("numbers", "gaps"),
    ("recette",),
)

GOAL_MS = 100.0


def _wall_ms(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and package
        argv, env=env, cwd=ROOT, capture_output=True, check=False, timeout=300
    )
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace")[-300:]
        raise RuntimeError(f"{' '.join(argv[3:])} exited {done.returncode}: {tail}")
    return elapsed


def _stores(ctx: RunContext) -> list[Path]:
    if ctx.listing_stores:
        return list(ctx.listing_stores)
    from benchmarks.store_scale import build_store

    directory, _ = build_store(ctx, 1000 if ctx.tiny else 10_000)
    return [directory]


def run(ctx: RunContext) -> list[Figure]:
    repeats = ctx.scaled(5, 5, 1)
    commands = COMMANDS[:2] if ctx.tiny else COMMANDS
    figures: list[Figure] = []
    for store in _stores(ctx):
        env = {**os.environ, "SESAM_DATA_DIR": str(store), "PYTHONPATH": str(ROOT)}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode
        env.pop("SESAM_DATABASE_URL", None)
        bare = [sys.executable, "-I", "-c", "import sqlite3"]
        floor = [sys.executable, "-c", "pass"]
        for command in commands:
            _wall_ms([sys.executable, "-m", "client.cli", *command], env)  # bytecode, cache
        samples: dict[tuple[str, ...], list[float]] = {c: [] for c in commands}
        bare_ms: list[float] = []
        floor_ms: list[float] = []
        for _ in range(repeats):
            for command in commands:  # the baseline between the commands: same load
                bare_ms.append(_wall_ms(bare, env))
                samples[command].append(
                    _wall_ms([sys.executable, "-m", "client.cli", *command], env)
                )
            floor_ms.append(_wall_ms(floor, env))
        baseline = statistics.median(bare_ms)
        for command, values in samples.items():
            value = statistics.median(values)
            figures.append(
                Figure(
                    figure=f"sesam {' '.join(command)} as a process ({store.name})",
                    unit="ms",
                    value=value,
                    baseline=baseline,
                    baseline_label="python -I -c 'import sqlite3'",
                    goal=f"≤ {GOAL_MS:.0f} ms wall",
                    met=value <= GOAL_MS,
                    sizes={"store": str(store), "runs": repeats},
                    extra={
                        "min_ms": min(values),
                        "max_ms": max(values),
                        "python_pass_ms": statistics.median(floor_ms),
                        "load_average": os.getloadavg()[0],
                    },
                )
            )
    return figures
