"""``python -m benchmarks [--quick] [--only NAME ...] [--runs N] [--backend B] [--out F]``.

Runs every figure module, prints a table and writes the JSON results. A module whose
capability is missing is reported "not measured: <reason>" and the suite goes on.

Each figure is measured ``--runs`` times in the same run (3 by default, 1 with ``--tiny``),
each run against the baseline it measured itself: the table and the JSON give the median,
the spread (min–max) and every run. ``--backend postgresql`` (or ``both``) measures the
modules that have a PostgreSQL twin on a throw-away server started and stopped here; with
``both`` the two backends alternate run after run.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from benchmarks.common import (
    Figure,
    NotMeasured,
    RunContext,
    merge_runs,
    prepare_environment,
    take_environment_notes,
)
from benchmarks.report import machine, table, write_json

logger = logging.getLogger("benchmarks")

MODULES = ("cards", "fse", "replay", "store_scale", "gui_stall", "scor", "cabinet", "cli_listings")
#: Modules that drive Qt: not run on a binding that loses references (it would abort the
#: whole run at exit, figures unwritten; docs/upstream-faults.md).
QT_MODULES = frozenset({"gui_stall"})
#: Modules that repeat their own comparison ``ctx.runs`` times (the product and its baseline
#: interleaved or back to back inside each run): run once.
RUNS_INSIDE = frozenset({"cards", "replay", "replay_pg"})
#: The PostgreSQL twin of a module (``--backend postgresql|both``); ``cabinet`` measures
#: both backends itself.
PG_TWINS = {"store_scale": "store_scale_pg", "replay": "replay_pg"}
BACKENDS = {"sqlite": ("sqlite",), "postgresql": ("postgresql",), "both": ("sqlite", "postgresql")}


def check_qt_binding() -> None:
    """NotMeasured when the installed Qt binding loses references to None/True/False."""
    try:
        from ui.qt_check import measure_drift
    except ImportError as exc:
        raise NotMeasured(f"Qt is not importable ({exc})") from exc
    drift = measure_drift()
    if drift.faulty:
        raise NotMeasured(f"the Qt binding loses references over its probe: {drift}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Performance figures of the billing client, each next to a baseline "
        "measured in the same run.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="smaller sizes (under two minutes)")
    mode.add_argument(
        "--tiny",
        action="store_true",
        help="smallest sizes: checks that the suite runs (used by the tests)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=MODULES,
        metavar="NAME",
        help=f"run only this figure module (repeatable): {', '.join(MODULES)}",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("bench-results.json"),
        help="where to write the JSON results (default: bench-results.json)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "sesam-bench",
        help="cache of generated databases and testbed state",
    )
    parser.add_argument(
        "--max-fse",
        type=int,
        default=None,
        metavar="N",
        help="largest generated store (e.g. 100000 to leave out the 1M store)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=None,
        metavar="N",
        help="measure each figure N times in this run: median and spread "
        "(default 3, 1 with --tiny)",
    )
    parser.add_argument(
        "--backend",
        choices=tuple(BACKENDS),
        default="sqlite",
        help="the store's backend for the modules that have a PostgreSQL twin "
        f"({', '.join(PG_TWINS)}): sqlite (default), postgresql, or both side by side",
    )
    parser.add_argument(
        "--listing-store",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="cli_listings: a data folder (a copy: opening may migrate it) to run the sesam "
        "listings on, repeatable (default: the generated 10k store)",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser.parse_args(argv)


def _variants(name: str, backends: tuple[str, ...]) -> list[str]:
    """The modules that measure ``name`` on the chosen backends."""
    variants = [name] if "sqlite" in backends or name == "cabinet" else []
    if "postgresql" in backends and name in PG_TWINS:
        variants.append(PG_TWINS[name])
    return variants


def _print_figure(figure: Figure) -> None:
    runs = figure.runs()
    spread = ""
    if len(runs) > 1:
        low, high = min(r.value for r in runs), max(r.value for r in runs)
        spread = f" [{len(runs)} runs: {low:.4g}–{high:.4g}]"
    print(
        f"  {figure.figure}: {figure.value:.4g} {figure.unit}{spread}"
        + (
            f" (baseline {figure.baseline:.4g}, ×{figure.ratio:.2f})"
            if figure.ratio is not None and figure.baseline is not None
            else ""
        ),
        flush=True,
    )
    for note in figure.extra.get("notes", []):
        print(f"    warning: {note}", flush=True)


def _measure(
    name: str, ctx: RunContext, skipped: dict[str, str], durations: dict[str, float]
) -> list[Figure]:
    """Every variant of module ``name``, ``ctx.runs`` times (alternating the variants),
    merged into one figure per name."""
    variants = _variants(name, ctx.backends)
    if not variants:
        skipped[name] = "no PostgreSQL twin: measured on SQLite only (--backend sqlite|both)"
        print(f"  not measured: {skipped[name]}", flush=True)
        return []
    produced: dict[str, list[list[Figure]]] = {v: [] for v in variants}
    repeats = 1 if name in RUNS_INSIDE else ctx.runs
    for _ in range(repeats):
        for variant in variants:
            if variant in skipped:
                continue
            start = time.perf_counter()
            try:
                if variant in QT_MODULES:
                    check_qt_binding()
                module = importlib.import_module(f"benchmarks.{variant}")
                take_environment_notes()  # a previous module's are not this one's
                result = module.run(ctx)
                notes = take_environment_notes()
                for figure in result if notes else []:
                    figure.extra["notes"] = notes
                produced[variant].append(result)
            except NotMeasured as exc:
                skipped[variant] = str(exc)
            except Exception as exc:  # noqa: BLE001 - a broken capability is reported, the suite goes on
                skipped[variant] = f"failed: {type(exc).__name__}: {exc}"
                traceback.print_exc()
            durations[variant] = durations.get(variant, 0.0) + time.perf_counter() - start
            if variant in skipped:
                print(f"  not measured ({variant}): {skipped[variant]}", flush=True)
    figures: list[Figure] = []
    for variant in variants:
        if variant not in skipped:
            figures.extend(merge_runs(produced[variant]))
    for figure in figures:
        _print_figure(figure)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(message)s",
    )
    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    runs = args.runs if args.runs is not None else (1 if args.tiny else 3)
    if runs < 1:
        print("--runs: at least 1", file=sys.stderr)
        return 2
    workdir = args.workdir.resolve() / mode
    workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
    prepare_environment(workdir)
    backends = BACKENDS[args.backend]
    ctx = RunContext(
        quick=args.quick,
        tiny=args.tiny,
        workdir=workdir,
        max_fse=args.max_fse,
        runs=runs,
        backends=backends,
        listing_stores=tuple(p.resolve() for p in args.listing_store),
    )
    names = args.only or MODULES
    figures: list[Figure] = []
    skipped: dict[str, str] = {}
    durations: dict[str, float] = {}
    info = machine()
    print(
        f"# benchmarks ({mode}, {runs} run{'s' if runs > 1 else ''}, "
        f"{' + '.join(backends)}) on {info['cpu']}, {info['cores']} cores, "
        f"{info['memory_gib']} GiB, load {info['load_average']}",
        flush=True,
    )
    with contextlib.ExitStack() as stack:
        if "postgresql" in backends and any(n in PG_TWINS for n in names):
            from benchmarks.cabinet import cluster

            try:
                ctx.pg_server = stack.enter_context(cluster())
            except Exception as exc:  # noqa: BLE001 - no server: its figures are not measured
                for name in names:
                    if name in PG_TWINS:
                        skipped[PG_TWINS[name]] = f"no PostgreSQL server: {exc}"
        for name in names:
            print(f"- {name} …", flush=True)
            figures.extend(_measure(name, ctx, skipped, durations))
    write_json(args.out, figures, skipped, mode, durations, runs=runs, backends=backends)
    print()
    print(table(figures, skipped))
    print(f"\nwritten: {args.out}")
    return 0


def exit_after_run(status: int, singletons_at_start: tuple[int, int]) -> NoReturn:
    """End the process without the interpreter's finalization (issue #27).

    The figures are written by now. Finalization frees what the C extensions (Qt, pyscard)
    still hold: an extension that gave back a reference to True/False it did not own turns a
    finished run into ``Fatal Python error: bool_dealloc`` (status 134). The probe keeps a
    faulty Qt binding out (``check_qt_binding``) and tests/*/test_*_singletons.py sweep the
    calls; any loss left is reported here instead of aborting."""
    now = (sys.getrefcount(True), sys.getrefcount(False))
    fallen = {
        name: start - end
        for name, start, end in zip(("True", "False"), singletons_at_start, now, strict=True)
        if end < start
    }
    if fallen:
        print(
            f"warning: references to {fallen} lost over the run (a C extension's refcount "
            "fault: docs/upstream-faults.md)",
            file=sys.stderr,
        )
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    at_start = (sys.getrefcount(True), sys.getrefcount(False))
    exit_after_run(main(), at_start)
