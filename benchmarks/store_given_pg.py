"""``store_scale_pg`` on a database already copied (issue #27): the every-state 1M store,
whose copy (``sesam store copy --to``) takes many minutes, measured as it is instead of
generated and copied by the run.

``SESAM_BENCH_PG_STORE_URL``: the database (its FSE count is the size, within
``--max-fse``). ``SESAM_BENCH_PG_STORE_SQLITE``: the data folder of the SQLite store it was
copied from; when given, every figure is measured on it too, in the same run, as the
figure's baseline (PostgreSQL ÷ SQLite), and the bytes per FSE are set against its file.
Besides ``store_scale``'s pages, the listing commands of finding 20 run in process
(``client.cli.main``, output discarded): a first untimed run, then the median of
``REPEAT``. ``python -m benchmarks --only store_scale --backend postgresql --max-fse 1000000``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks import postgres, store_scale
from benchmarks.common import Figure, NotMeasured, RunContext, Stats, sample

URL_ENV = "SESAM_BENCH_PG_STORE_URL"
SQLITE_ENV = "SESAM_BENCH_PG_STORE_SQLITE"
#: Timed calls of each page and command per run, after an untimed first one.
REPEAT = 3
#: The listing commands of findings 20 and 23 (``sesam …``), and those whose plans
#: finding 42 checked besides (``--etat paid``: the largest state, walked by care date).
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("fse", "list"),
    ("fse", "list", "--etat", "acknowledged"),
    ("fse", "list", "--etat", "paid"),
    ("dashboard",),
    ("scor", "status"),
    ("recette",),
    ("returns", "list"),
    ("alerts",),
    ("lot", "list"),
    ("numbers", "gaps"),
    ("queue", "status"),
    ("fse", "list", "--patient", "léa"),
    ("fse", "list", "--paiement", "rejetee"),
    ("fse", "list", "--paiement", "payee"),
)
_AGAINST = "the same work on the SQLite store it was copied from, same run"


@dataclasses.dataclass(frozen=True, slots=True)
class _Side:
    """One backend's store: the data folder the CLI is pointed at, and its URL ("" for
    the SQLite file)."""

    folder: Path
    url: str


def run(ctx: RunContext) -> list[Figure]:
    url = os.environ[URL_ENV]
    lite_folder = os.environ.get(SQLITE_ENV, "")
    pg = _Side(ctx.workdir / "postgresql" / "given", url)
    lite = _Side(Path(lite_folder), "") if lite_folder else None
    store = postgres.open_copy(url, pg.folder)
    try:
        count = int(store.db.execute("SELECT count(*) FROM fse").fetchone()[0])
        if ctx.max_fse is not None and count > ctx.max_fse:
            raise NotMeasured(f"{URL_ENV}: {count} FSE, over --max-fse {ctx.max_fse}")
        n = store_scale._n(count)
        sizes = {"fse": count, "backend": postgres.POSTGRESQL, "given": postgres_safe(url)}
        figures = [_ready(pg, n, sizes), postgres.dashboard_figure(store, n, sizes, REPEAT)]
        pages = store_scale._page_figures(store, count, sizes, REPEAT)
        lite_pages = _on_sqlite(lite, count, sizes) if lite else None
        figures.extend(_against(pages, lite_pages))
        figures.extend(_commands(pg, lite, n, sizes))
        figures.append(_bytes(store, count, n, sizes, lite))
    finally:
        store.close()
    for figure in figures:
        figure.figure += postgres.SUFFIX
    return figures


def postgres_safe(url: str) -> str:
    """The database's name alone (no user or host in the results)."""
    return url.rsplit("/", 1)[-1]


def _ready(pg: _Side, n: str, sizes: dict[str, Any]) -> Figure:
    ready, bare = [], []
    for _ in range(REPEAT):
        ready.append(postgres.process_seconds(postgres.READY_SCRIPT, pg.url, pg.folder))
        bare.append(postgres.process_seconds(postgres.BARE_SCRIPT, pg.url, pg.folder))
    ready_s, bare_s = Stats.of(ready), Stats.of(bare)
    return Figure(
        figure=f"app ready (store {n} FSE)",
        unit="s",
        value=ready_s.median,
        baseline=bare_s.median,
        baseline_label="bare python + psycopg connect and one query",
        goal=f"≤ {store_scale.GOAL_READY_S} s",
        met=ready_s.median <= store_scale.GOAL_READY_S,
        sizes=sizes,
        extra={"process": ready_s.ms(), "bare_process": bare_s.ms()},
    )


def _on_sqlite(lite: _Side, count: int, sizes: dict[str, Any]) -> list[Figure]:
    from client.store import open_store

    store = open_store(lite.folder / "sesam.db", database_url="")
    try:
        return store_scale._page_figures(store, count, sizes, REPEAT)
    finally:
        store.close()


def _against(pages: list[Figure], lite_pages: list[Figure] | None) -> list[Figure]:
    """Each page figure with the SQLite store's as its baseline (when measured)."""
    if lite_pages is None:
        return pages
    return [
        dataclasses.replace(
            page,
            baseline=lite.value,
            baseline_label=_AGAINST,
            extra={**page.extra, "sqlite": lite.extra.get("timing")},
        )
        for page, lite in zip(pages, lite_pages, strict=True)
    ]


@contextlib.contextmanager
def _pointed_at(side: _Side) -> Iterator[None]:
    """The CLI's environment pointed at one side's store, as before after."""
    from client.cli.looking import NO_READER_ENV
    from client.config import DATA_DIR_ENV
    from client.store.opening import DATABASE_URL_ENV

    names = (DATA_DIR_ENV, DATABASE_URL_ENV, NO_READER_ENV)
    before = {name: os.environ.get(name) for name in names}
    os.environ[DATA_DIR_ENV] = str(side.folder)
    os.environ[NO_READER_ENV] = "1"  # no card read for the scope: the store's work alone
    if side.url:
        os.environ[DATABASE_URL_ENV] = side.url
    else:
        os.environ.pop(DATABASE_URL_ENV, None)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _command_stats(side: _Side, argv: tuple[str, ...]) -> Stats:
    from client.cli import main

    def once() -> None:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
        if code != 0:
            raise RuntimeError(f"sesam {' '.join(argv)}: exit {code}: {err.getvalue()[-300:]}")

    with _pointed_at(side):
        return sample(once, REPEAT, warmup=1)


def _commands(pg: _Side, lite: _Side | None, n: str, sizes: dict[str, Any]) -> list[Figure]:
    figures = []
    for argv in COMMANDS:
        on_pg = _command_stats(pg, argv)
        on_lite = _command_stats(lite, argv) if lite else None
        value = on_pg.median * 1e3
        figures.append(
            Figure(
                figure=f"sesam {' '.join(argv)}, in process (store {n} FSE)",
                unit="ms",
                value=value,
                baseline=on_lite.median * 1e3 if on_lite else None,
                baseline_label=_AGAINST if on_lite else "",
                goal=f"≤ {store_scale.GOAL_PAGE_MS:.0f} ms",
                met=value <= store_scale.GOAL_PAGE_MS,
                sizes=sizes,
                extra={"timing": on_pg.ms(), "sqlite": on_lite.ms() if on_lite else None},
            )
        )
    return figures


def _bytes(store: Any, count: int, n: str, sizes: dict[str, Any], lite: _Side | None) -> Figure:
    tables = postgres.database_bytes(store)
    database = int(store.db.execute("SELECT pg_database_size(current_database())").fetchone()[0])
    lite_bytes = (lite.folder / "sesam.db").stat().st_size if lite else None
    goal = store_scale.GOAL_BYTES_PER_FSE
    per_fse = sum(tables.values()) / count
    return Figure(
        figure=f"bytes per FSE (store {n} FSE)",
        unit="B",
        value=per_fse,
        baseline=lite_bytes / count if lite_bytes else None,
        baseline_label="the SQLite file it was copied from" if lite_bytes else "",
        goal=f"≤ {goal} B",
        met=per_fse <= goal,
        sizes=sizes,
        extra={
            "tables_bytes": sum(tables.values()),
            "database_bytes": database,
            "sqlite_file_bytes": lite_bytes,
            "bytes_per_fse_by_table": {
                name: round(size / count) for name, size in list(tables.items())[:12]
            },
        },
    )
