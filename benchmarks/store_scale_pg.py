"""Figure: ``store_scale``'s figures with the store on PostgreSQL (issues #26, #27): app
ready, the dashboard, a patient's history, the pages' loading work and the listing
commands' screenful, and the bytes per FSE (``pg_total_relation_size`` of every table with
its indexes and TOAST, divided by the FSE count) against the SQLite file's.

The stores are ``store_scale``'s (generated on SQLite, cached), copied into a new database
of the run's throw-away server with the store's own copy (``sesam store copy --to``) once
per process; the copy's cost is in the figures' ``extra``. No backup figure: a cabinet's
server is backed up by its own tools (``pg_dump``), not by the workstation.
``python -m benchmarks --only store_scale --backend both``.

A database already copied (the every-state 1M store: its copy takes many minutes) is
measured instead when ``SESAM_BENCH_PG_STORE_URL`` names it, at the size it holds (within
``--max-fse``), nothing generated; with ``SESAM_BENCH_PG_STORE_SQLITE`` (the data folder
of the SQLite store it was copied from) the same figures, and the listing commands run in
process, are measured on that SQLite store in the same run as each figure's baseline
(``store_given_pg``).
"""

from __future__ import annotations

import os
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from benchmarks import postgres, store_given_pg, store_scale
from benchmarks.common import Figure, RunContext, Stats, require, sample

NAME = "store_scale_pg"
#: The copies made in this process, per (server, FSE count): the runs reuse them.
_COPIES: dict[tuple[str, int], postgres.Copied] = {}


def copied(ctx: RunContext, count: int) -> tuple[postgres.Copied, Path]:
    """``store_scale``'s store of ``count`` FSE on the run's server (copied once), and its
    SQLite file."""
    from client.store import open_store

    directory, _ = store_scale.build_store(ctx, count)
    path = directory / "sesam.db"
    key = (postgres.server(ctx), count)
    if key not in _COPIES:
        open_store(path).close()  # migrations added since the store was generated
        _COPIES[key] = postgres.copy_into(key[0], path, f"scale_{count}", _folder(ctx))
    return _COPIES[key], path


def _folder(ctx: RunContext) -> Path:
    return ctx.workdir / "postgresql" / "data"


def run(ctx: RunContext) -> list[Figure]:
    require("client.store.copying", "copy_store")
    if os.environ.get(store_given_pg.URL_ENV):
        return store_given_pg.run(ctx)
    postgres.server(ctx)
    figures: list[Figure] = []
    for count in store_scale._sizes(ctx):
        figures.extend(_measure_size(ctx, count))
    return figures


def _measure_size(ctx: RunContext, count: int) -> list[Figure]:
    copy, sqlite_path = copied(ctx, count)
    n = store_scale._n(count)
    repeat = ctx.scaled(full=30, quick=7, tiny=3)
    sizes = {
        "fse": count,
        "patients": count // store_scale.BLOCK * 5 // store_scale.BLOCKS_PER_PATIENT_GROUP,
        "history_years": store_scale.HISTORY_YEARS,
        "backend": postgres.POSTGRESQL,
    }
    copy_extra = {"copy_seconds": round(copy.seconds, 1), "rows_copied": copy.rows}
    folder = _folder(ctx)
    ready, bare = [], []
    for _ in range(ctx.scaled(full=5, quick=3, tiny=2)):
        ready.append(postgres.process_seconds(postgres.READY_SCRIPT, copy.url, folder))
        bare.append(postgres.process_seconds(postgres.BARE_SCRIPT, copy.url, folder))
    ready_s, bare_s = Stats.of(ready), Stats.of(bare)
    figures = [
        Figure(
            figure=f"app ready (store {n} FSE){postgres.SUFFIX}",
            unit="s",
            value=ready_s.median,
            baseline=bare_s.median,
            baseline_label="bare python + psycopg connect and one query",
            goal=f"≤ {store_scale.GOAL_READY_S} s",
            met=ready_s.median <= store_scale.GOAL_READY_S,
            sizes=sizes,
            extra={"process": ready_s.ms(), "bare_process": bare_s.ms(), **copy_extra},
        )
    ]
    store = postgres.open_copy(copy.url, folder)
    try:
        figures.append(_renamed(postgres.dashboard_figure(store, n, sizes, repeat), sizes))
        figures.append(_history(store, count, n, sizes, repeat))
        figures.extend(
            _renamed(f, sizes) for f in store_scale._page_figures(store, count, sizes, repeat)
        )
        figures.append(_bytes(store, count, n, sizes, sqlite_path, copy_extra))
    finally:
        store.close()
    return figures


def _renamed(figure: Figure, sizes: dict[str, Any]) -> Figure:
    figure.figure += postgres.SUFFIX
    figure.sizes = sizes
    return figure


def _history(store: Any, count: int, n: str, sizes: dict[str, Any], repeat: int) -> Figure:
    patients = [r[0] for r in store.db.execute("SELECT id FROM patients").fetchall()]
    rng = random.Random(count)  # noqa: S311 - a sample of patients, not a secret
    chosen = [rng.choice(patients) for _ in range(repeat * 2)]
    until = date.today()
    since = until - timedelta(days=store_scale.HISTORY_YEARS * 366)
    keys = iter(chosen)
    stats = sample(lambda: store.history(next(keys), since, until), len(chosen) - 1)
    goal = store_scale.GOAL_HISTORY_MS
    return Figure(
        figure=f"patient history, {store_scale.HISTORY_YEARS} years (store {n} FSE)"
        + postgres.SUFFIX,
        unit="ms",
        value=stats.median * 1e3,
        goal=f"≤ {goal:.0f} ms (p95 {stats.p95 * 1e3:.2f} ms)",
        met=stats.p95 * 1e3 <= goal,
        sizes=sizes,
        extra={"history": stats.ms()},
    )


def _bytes(
    store: Any,
    count: int,
    n: str,
    sizes: dict[str, Any],
    sqlite_path: Path,
    copy_extra: dict[str, Any],
) -> Figure:
    tables = postgres.database_bytes(store)
    total = sum(tables.values())
    lite = sqlite_path.stat().st_size
    goal = store_scale.GOAL_BYTES_PER_FSE
    return Figure(
        figure=f"bytes per FSE (store {n} FSE){postgres.SUFFIX}",
        unit="B",
        value=total / count,
        baseline=lite / count,
        baseline_label="the SQLite file of the same store",
        goal=f"≤ {goal} B",
        met=total / count <= goal,
        sizes=sizes,
        extra={
            "tables_bytes": total,
            "sqlite_file_bytes": lite,
            "bytes_per_fse_by_table": {
                name: round(size / count) for name, size in list(tables.items())[:12]
            },
            **copy_extra,
        },
    )
