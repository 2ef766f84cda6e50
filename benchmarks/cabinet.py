"""A cabinet's figures (issue #26): FSE creation, the outbox's replay and the dashboard on
SQLite and on PostgreSQL, and 3 and 10 posts (processes) securing FSE at once: the
throughput and the worst latency a post sees; the bytes an FSE takes on each backend.

PostgreSQL is a throw-away cluster started here (Debian's ``initdb`` in the work folder, a
private port, ``fsync`` on as a cabinet's server has it); not measured without it.
Every post is a process (``benchmarks.cabinet_post``) with emulated cards: the card's
time is in the latencies, as at the desk.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.common import Figure, NotMeasured, RunContext, Stats, budgeted
from testbed.pg_cluster import PostgresMissingError, throwaway_cluster

if TYPE_CHECKING:
    from client.store import Store

ROOT = Path(__file__).resolve().parents[1]
PROFILES = ("cps-generaliste", "cps-deux-cabinets", "cps-remplacant")


@contextlib.contextmanager
def cluster() -> Iterator[str]:
    """A throw-away PostgreSQL server: its URL (``postgresql://sesam@127.0.0.1:PORT``)."""
    try:
        with throwaway_cluster("sesam-bench-pg.") as made:
            yield made.server
    except PostgresMissingError as exc:
        raise NotMeasured("PostgreSQL is not installed (scripts/setup.sh)") from exc


@dataclass(frozen=True, slots=True)
class PostsRun:
    """What N posts did together."""

    posts: int
    fse: int
    seconds: float  # from the first post's start to the last one's end
    latencies: list[float]

    @property
    def throughput(self) -> float:
        return self.fse / self.seconds

    @property
    def worst(self) -> float:
        return max(self.latencies)


def _posts(db: str, work: Path, posts: int, each: int) -> PostsRun:
    go = work / f"go-{posts}-{time.monotonic_ns()}"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("SESAM_DATABASE_URL", None)
    procs = [
        subprocess.Popen(  # noqa: S603 - our interpreter, our post
            [
                sys.executable,
                "-m",
                "benchmarks.cabinet_post",
                db,
                str(work / f"post-{n}"),
                PROFILES[n % len(PROFILES)],
                str(each),
                str(go),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for n in range(posts)
    ]
    for proc in procs:
        if proc.stdout is None or proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"a post did not start: {proc.stderr.read() if proc.stderr else ''}")
    go.touch()
    latencies: list[float] = []
    spans: list[tuple[float, float]] = []
    for proc in procs:
        out, err = proc.communicate(timeout=1800)
        if proc.returncode != 0:
            raise RuntimeError(f"a post failed: {err[-2000:]}")
        for line in out.splitlines():
            if line.startswith("span "):
                _, start, end = line.split()
                spans.append((float(start), float(end)))
            elif line and line != "ready":
                latencies.append(float(line))
    seconds = max(e for _, e in spans) - min(s for s, _ in spans)
    return PostsRun(posts, posts * each, seconds, latencies)


def _database_bytes(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    return int(row[0]) if row else 0


def _new_pg(server: str, name: str) -> str:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}".encode())
    return f"{server}/{name}"


def _open(db: str, work: Path) -> Store:
    from client.store import open_store

    url = db if db.startswith("postgresql://") else ""
    return open_store(work / "main" / "sesam.db" if url else Path(db), database_url=url)


def _replay_and_dashboard(db: str, work: Path, repeat: int) -> tuple[Stats | None, Stats, int]:
    """Per lot, the store's share of sending the queue (claim, then acknowledge); the
    dashboard's six months; the FSE stored."""
    from client import dashboard

    store = _open(db, work)
    try:
        per_lot: list[float] = []
        while True:
            began = time.perf_counter()
            row = store.outbox_claim("bench", datetime.now(UTC))
            if row is None:
                break
            store.outbox_ack(row.id, datetime.now(UTC))
            per_lot.append(time.perf_counter() - began)
        board = budgeted(lambda: dashboard.last_months(store, datetime.now(UTC)), repeat, 10.0)
        return (Stats.of(per_lot) if per_lot else None), board, store.fse_count()
    finally:
        store.close()


def run(ctx: RunContext) -> list[Figure]:
    each = ctx.scaled(40, 15, 3)
    repeat = ctx.scaled(20, 5, 2)
    figures: list[Figure] = []
    work = ctx.workdir / "cabinet"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    with cluster() as server:
        runs: dict[tuple[str, int], PostsRun] = {}
        stores: dict[str, str] = {}
        for backend in ("sqlite", "postgresql"):
            for posts in (1, 3, 10):
                folder = work / f"{backend}-{posts}"
                folder.mkdir()
                if backend == "sqlite":
                    db = str(folder / "sesam.db")
                else:
                    db = _new_pg(server, f"bench_{posts}")
                _open(db, folder).close()  # migrated before the posts start
                runs[backend, posts] = _posts(db, folder, posts, each)
                stores[f"{backend}-{posts}"] = db
        one_sqlite, one_pg = runs["sqlite", 1], runs["postgresql", 1]
        figures.append(
            Figure(
                figure="FSE creation, one post, PostgreSQL",
                unit="ms",
                value=Stats.of(one_pg.latencies).median * 1e3,
                baseline=Stats.of(one_sqlite.latencies).median * 1e3,
                baseline_label="SQLite, one post",
                sizes={"fse": one_pg.fse},
                extra={
                    "postgresql": Stats.of(one_pg.latencies).ms(),
                    "sqlite": Stats.of(one_sqlite.latencies).ms(),
                },
            )
        )
        for backend in ("postgresql", "sqlite"):
            for posts in (3, 10):
                done, alone = runs[backend, posts], runs[backend, 1]
                figures.append(
                    Figure(
                        figure=f"{posts} posts at once, {backend}: throughput",
                        unit="FSE/s",
                        value=done.throughput,
                        baseline=alone.throughput,
                        baseline_label="one post",
                        sizes={"posts": posts, "fse": done.fse},
                        extra={
                            "worst_latency_ms": round(done.worst * 1e3, 1),
                            "latency": Stats.of(done.latencies).ms(),
                        },
                    )
                )
                figures.append(
                    Figure(
                        figure=f"{posts} posts at once, {backend}: worst latency of a post",
                        unit="ms",
                        value=done.worst * 1e3,
                        baseline=alone.worst * 1e3,
                        baseline_label="one post",
                        sizes={"posts": posts, "fse": done.fse},
                    )
                )
        measured: dict[str, tuple[Stats | None, Stats, int]] = {}
        for backend in ("sqlite", "postgresql"):
            db = stores[f"{backend}-10"]
            measured[backend] = _replay_and_dashboard(db, work / f"{backend}-10", repeat)
        pg, lite = measured["postgresql"], measured["sqlite"]
        if pg[0] is not None and lite[0] is not None:
            figures.append(
                Figure(
                    figure="outbox replay (claim + acknowledge), per lot, PostgreSQL",
                    unit="ms",
                    value=pg[0].median * 1e3,
                    baseline=lite[0].median * 1e3,
                    baseline_label="SQLite",
                    sizes={"lots": pg[0].n},
                )
            )
        figures.append(
            Figure(
                figure=f"dashboard, 6 months (store {pg[2]} FSE), PostgreSQL",
                unit="ms",
                value=pg[1].median * 1e3,
                baseline=lite[1].median * 1e3,
                baseline_label="SQLite",
                sizes={"fse": pg[2]},
            )
        )

        # The slope between the 3-post and the 10-post stores: what one more FSE adds
        # (a database's fixed pages, the same in both, cancel out).
        def size(backend: str, posts: int) -> int:
            db = stores[f"{backend}-{posts}"]
            if backend == "postgresql":
                return _database_bytes(db)
            file = Path(db)
            return sum(p.stat().st_size for p in file.parent.glob(file.name + "*"))

        added = runs["postgresql", 10].fse - runs["postgresql", 3].fse
        pg_slope = (size("postgresql", 10) - size("postgresql", 3)) / added
        lite_slope = (size("sqlite", 10) - size("sqlite", 3)) / added
        figures.append(
            Figure(
                figure="store bytes per FSE, PostgreSQL",
                unit="bytes",
                value=pg_slope,
                baseline=lite_slope,
                baseline_label="SQLite",
                sizes={"fse_added": added},
                extra={"note": "slope between the 3-post and the 10-post stores"},
            )
        )
    return figures
