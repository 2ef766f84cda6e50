"""The figures' PostgreSQL side (issues #26, #27): a store generated on SQLite copied into
a new database of the run's throw-away server with the store's own copy
(``client.store.copying.copy_store``, what ``sesam store copy --to`` runs), and what it
takes on disk there.

The server is ``benchmarks.cabinet.cluster`` (``testbed.pg_cluster``: Debian's ``initdb`` in a
temporary folder, a private port, ``fsync`` on as a cabinet's server has it), started once by
``python -m benchmarks --backend postgresql|both`` and stopped at the end of the run.
"""

from __future__ import annotations

import itertools
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.common import Figure, NotMeasured, RunContext, budgeted

if TYPE_CHECKING:
    from client.store import Store

logger = logging.getLogger(__name__)

POSTGRESQL = "postgresql"
#: Suffix of a figure measured on PostgreSQL (its SQLite twin has the same name without).
SUFFIX = ", PostgreSQL"
_names = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Copied:
    """A SQLite store copied into a new PostgreSQL database."""

    url: str
    seconds: float
    rows: int


def server(ctx: RunContext) -> str:
    """The run's PostgreSQL server, or NotMeasured when the run has none."""
    if not ctx.pg_server:
        raise NotMeasured("no PostgreSQL server in this run (--backend postgresql or both)")
    return ctx.pg_server


def new_database(server_url: str, prefix: str) -> str:
    """A new, empty database on the server: its URL."""
    import psycopg

    name = f"{prefix}_{next(_names)}_{time.monotonic_ns() % 10**9}"
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}".encode())
    return f"{server_url}/{name}"


def drop_database(url: str) -> None:
    """Drop a database made by :func:`new_database` (its connections closed before)."""
    import psycopg

    server_url, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}".encode())


def copy_into(server_url: str, sqlite_path: Path, prefix: str, folder: Path) -> Copied:
    """The SQLite store at ``sqlite_path`` copied into a new database (migrated by this
    version, then every row, in one transaction of the target); ``folder``: the data
    folder the PostgreSQL store names (kept apart: opening imports its side files)."""
    from client.store import open_store
    from client.store.copying import copy_store

    url = new_database(server_url, prefix)
    start = time.perf_counter()
    source = open_store(sqlite_path, database_url="")
    try:
        target = open_copy(url, folder)
        try:
            report = copy_store(source, target, url, lambda _t, _d, _n: None)
        finally:
            target.close()
    finally:
        source.close()
    seconds = time.perf_counter() - start
    rows = sum(n for _, n in report.rows)
    logger.info("copied %s into %s: %d rows in %.1f s", sqlite_path, url, rows, seconds)
    return Copied(url, seconds, rows)


def open_copy(url: str, folder: Path) -> Store:
    """The store of a copied database (``folder``: the data folder it names)."""
    from client.store import open_store

    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return open_store(folder / "sesam.db", database_url=url)


def database_bytes(store: Store) -> dict[str, int]:
    """Bytes on disk of each table with its indexes and TOAST
    (``pg_total_relation_size``), largest first."""
    rows = store.db.execute(
        "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY 2 DESC"
    ).fetchall()
    return {str(name): int(size) for name, size in rows}


def dashboard_figure(store: Store, n: str, sizes: dict[str, Any], repeat: int) -> Figure:
    """The dashboard's six months on the server (the caller adds :data:`SUFFIX`)."""
    from benchmarks.store_scale import GOAL_DASHBOARD_MS
    from client import dashboard

    stats = budgeted(lambda: dashboard.last_months(store, datetime.now(UTC)), repeat, 15.0)
    return Figure(
        figure=f"dashboard, 6 months (store {n} FSE)",
        unit="ms",
        value=stats.median * 1e3,
        goal=f"≤ {GOAL_DASHBOARD_MS:.0f} ms",
        met=stats.median * 1e3 <= GOAL_DASHBOARD_MS,
        sizes=sizes,
        extra={"last_months": stats.ms()},
    )


#: The source tree (the probes run from it).
ROOT = Path(__file__).resolve().parents[1]

READY_SCRIPT = """
import sys, time
start = time.perf_counter()
from datetime import UTC, datetime
from pathlib import Path
from billing.referential import Referential
from client.store import open_store
store = open_store(Path(sys.argv[2]) / "sesam.db", database_url=sys.argv[1])
Referential.load_default()
from client.dashboard import last_months
last_months(store, datetime.now(UTC))
"""

BARE_SCRIPT = """
import sys, time
import psycopg
psycopg.connect(sys.argv[1]).execute("SELECT count(*) FROM pg_class").fetchall()
"""


def process_seconds(script: str, url: str, folder: Path) -> float:
    """Wall time of a fresh Python process running ``script`` (interpreter start included)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SESAM_DATABASE_URL", None)
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script, url, str(folder)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"ready probe failed: {done.stderr[-500:]}")
    return elapsed
