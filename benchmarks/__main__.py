"""``python -m benchmarks [--quick] [--only NAME ...] [--out bench-results.json]``.

Runs every figure module, prints a table and writes the JSON results. A module whose
capability is missing is reported "not measured: <reason>" and the suite goes on.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import Figure, NotMeasured, RunContext, prepare_environment
from benchmarks.report import machine, table, write_json

logger = logging.getLogger("benchmarks")

MODULES = ("cards", "fse", "replay", "store_scale", "gui_stall", "scor", "cabinet")
#: Modules that drive Qt: not run on a binding that loses references (it would abort the
#: whole run at exit, figures unwritten; docs/upstream-faults.md).
QT_MODULES = frozenset({"gui_stall"})


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
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(message)s",
    )
    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    workdir = args.workdir.resolve() / mode
    workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
    prepare_environment(workdir)
    ctx = RunContext(quick=args.quick, tiny=args.tiny, workdir=workdir, max_fse=args.max_fse)
    figures: list[Figure] = []
    skipped: dict[str, str] = {}
    durations: dict[str, float] = {}
    info = machine()
    print(
        f"# benchmarks ({mode}) on {info['cpu']}, {info['cores']} cores, "
        f"{info['memory_gib']} GiB, load {info['load_average']}",
        flush=True,
    )
    for name in args.only or MODULES:
        start = time.perf_counter()
        print(f"- {name} …", flush=True)
        try:
            if name in QT_MODULES:
                check_qt_binding()
            module = importlib.import_module(f"benchmarks.{name}")
            produced = module.run(ctx)
        except NotMeasured as exc:
            skipped[name] = str(exc)
            print(f"  not measured: {exc}", flush=True)
        except Exception as exc:  # noqa: BLE001 - a broken capability is reported, the suite goes on
            skipped[name] = f"failed: {type(exc).__name__}: {exc}"
            print(f"  not measured: {skipped[name]}", flush=True)
            traceback.print_exc()
        else:
            figures.extend(produced)
            for figure in produced:
                print(
                    f"  {figure.figure}: {figure.value:.4g} {figure.unit}"
                    + (
                        f" (baseline {figure.baseline:.4g}, ×{figure.ratio:.2f})"
                        if figure.ratio is not None
                        else ""
                    ),
                    flush=True,
                )
        durations[name] = time.perf_counter() - start
    write_json(args.out, figures, skipped, mode, durations)
    print()
    print(table(figures, skipped))
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
