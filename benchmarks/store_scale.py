# Over 500 lines: one figure's pipeline (template, cloning, measures) read in the order it runs.
"""Figure: the store at scale (1k to 1M historical FSE): time until the application is
ready, dashboard figures, one patient's history, bytes per FSE.

Rows are made by the product once (a block of FSE priced, certified, put in lots, signed,
sent to the simulated Assurance Maladie, acknowledged and paid back through NOEMIE), then
the block is cloned with the store's own schema (fresh keys, numbers and dates) with
executemany in one transaction through the store's connection. Databases are cached.
"""

from __future__ import annotations

import logging
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import Figure, RunContext, Stats, budgeted, require, sample
from benchmarks.pipeline import (
    am_server,
    client_settings,
    close_lots,
    create_fses,
    open_cabinet,
    send_all,
)

logger = logging.getLogger(__name__)

NAME = "store_scale"
BLOCK = 50  # FSE per template block (5 bénéficiaires × 10)
BLOCK_LOT_SIZE = 10
BLOCKS_PER_PATIENT_GROUP = 5  # a patient has 10 FSE per block: 50 FSE in his history
HISTORY_YEARS = 5
GOAL_READY_S = 1.5
GOAL_DASHBOARD_MS = 100.0
GOAL_HISTORY_MS = 20.0
#: A page of the application or a screenful of a listing command (issue #27).
GOAL_PAGE_MS = 100.0
#: Issue #27: a stored FSE, everything included (journal, lots, returns).
GOAL_BYTES_PER_FSE = 3000
#: The backup figure copies the store: up to this size (a 10 GB copy at 1M).
BACKUP_MAX_FSE = 100_000
ROOT = Path(__file__).resolve().parents[1]
_HEX = re.compile(r"[0-9a-f]{64}")
#: The tags of an FSE document packed by ``client.store.packing`` (deflate, zstd).
_PACKED_DOCUMENTS = (b"Z\x01", b"Z\x02")


def _sizes(ctx: RunContext) -> list[int]:
    if ctx.tiny:
        return [1000]
    # Quick mode stops at 10k: generating the 100k store alone takes ~90 s on 2 cores.
    sizes = [1000, 10_000] if ctx.quick else [1000, 10_000, 100_000, 1_000_000]
    return [n for n in sizes if ctx.max_fse is None or n <= ctx.max_fse]


# --- the template block, made by the product -------------------------------------------


def template_store(ctx: RunContext) -> Path:
    """A store with BLOCK FSE that went the whole way: sent, acknowledged, paid (cached)."""
    require("client.returns", "fetch_noemie")
    require("client.transport", "HttpsTransport")
    from client.returns import fetch_noemie
    from client.store import open_store
    from client.transport import HttpsTransport

    directory = ctx.workdir / "store" / "template"
    if (directory / "sesam.db").exists():
        return directory
    building = directory.with_name("template.building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True, mode=0o700)
    store = open_store(building / "sesam.db")
    am = am_server(ctx.workdir / "store" / "ledger.sqlite")
    try:
        cabinet = open_cabinet()
        create_fses(store, cabinet, BLOCK, lot_size=BLOCK_LOT_SIZE)
        close_lots(store, cabinet)
        settings = client_settings(am.url)
        send_all(store, settings)
        am.produce_returns()
        fetch_noemie(store, HttpsTransport(settings), datetime.now(UTC))
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        am.stop()
        store.close()
    shutil.rmtree(directory, ignore_errors=True)
    building.rename(directory)
    return directory


# --- cloning ---------------------------------------------------------------------------

#: Tables holding one row per installation, not per FSE: kept from the template only.
_SINGLETONS = {
    "practitioners",
    "counters",
    "sync_state",
    "alerts_ack",
    "packing_dictionaries",  # the store's compression dictionaries
    "lot_certificates",  # the CPS certificate, cut out of every signed lot
    "amc_conventions",
    "amc_feed",
    "fse_event_ids",  # the last event number handed out (m029)
}
#: Tables whose rows name the block's keys only inside packed values (the audit journal's
#: records, issue #27): per block all the same.
_PACKED_PER_BLOCK = {"audit_journal"}
#: Tables the store's triggers keep from other tables' rows: filled by the cloned rows.
_DERIVED = {
    "fse_month_totals",
    "payment_month_totals",
    "fse_status_counts",
    "remainders",
    "remainder_counts",
    "fse_counts",
    "patients_version",
    "patient_fse_totals",
    "lot_signed_counts",
    "outbox_totals",
    "fse_outcome_totals",
    # Written with the patients in Python, not by triggers: left stale by the cloning (their
    # stamp is not ``patients_version``), the first search writes them again.
    "patient_words",
    "patient_words_version",
}


def _tables(conn: Any) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE '\\_%' ESCAPE '\\'"
    ).fetchall()
    return [r[0] for r in rows]


def _shift(text: str, days: float) -> str:
    """An ISO date or timestamp moved ``days`` back, same format (anything else as is)."""
    try:
        if len(text) == 10:
            return (date.fromisoformat(text) - timedelta(days=int(days))).isoformat()
        moment = datetime.fromisoformat(text) - timedelta(days=days)
    except ValueError:
        return text
    if text.endswith("Z"):
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.isoformat()


class Cloner:
    """Makes block ``b`` of the history from the template rows."""

    def __init__(self, conn: Any, blocks: int, verifiable: bool = False) -> None:
        self.blocks = blocks
        #: For ``benchmarks.audit_store``: every block closed as made (no state mix, whose
        #: states no journal entry says) and the template's patients (whose keys the
        #: secured documents derive from their NIR).
        self.verifiable = verifiable
        self.tables = [t for t in _tables(conn) if t not in _SINGLETONS | _DERIVED]
        self.columns: dict[str, list[str]] = {}
        self.rows: dict[str, list[tuple[Any, ...]]] = {}
        self.int_pk: dict[str, int] = {}  # table -> max id (the block's id stride)
        self.int_fk: dict[str, dict[int, str]] = {}  # table -> column index -> ref table
        for table in self.tables:
            info = conn.execute(f"PRAGMA table_info({table})").fetchall()
            self.columns[table] = [c[1] for c in info]
            self.rows[table] = conn.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608
            pk = [c for c in info if c[5] == 1]
            if len(pk) == 1 and pk[0][2].upper() == "INTEGER":
                self.int_pk[table] = max((r[0] for r in self.rows[table]), default=0)
        for table in self.tables:
            refs = {}
            for fk in conn.execute(f"PRAGMA foreign_key_list({table})").fetchall():
                ref_table, column = fk[2], fk[3]
                if ref_table in self.int_pk:
                    refs[self.columns[table].index(column)] = ref_table
            self.int_fk[table] = refs
        # Text keys renamed in every block: lot ids, FSE uuids, NOEMIE file hashes.
        self.keys: set[str] = set()
        for table, column in (("lots", "id"), ("fse", "fse_uuid"), ("noemie_files", "sha256")):
            if table in self.columns:
                index = self.columns[table].index(column)
                self.keys.update(r[index] for r in self.rows[table])
        self.patients = {r[0] for r in self.rows.get("patients", [])}
        self.tables = self._per_block()
        # A key into the installation's own rows (not copied) is kept as it is.
        self.int_fk = {
            t: {i: ref for i, ref in refs.items() if ref in self.tables}
            for t, refs in self.int_fk.items()
        }
        self.max_number: dict[str, int] = {
            t: max((r[self.columns[t].index("number")] for r in self.rows[t]), default=0)
            for t in ("fse", "lots")
            if t in self.columns
        }
        # Dates and timestamps (the schema names them *_at, *_on, *_date, at) move back with
        # the block, so that "this month" or "last 6 months" select a slice, not everything.
        self.dated = {
            (t, c)
            for t in self.tables
            for c in self.columns[t]
            if c == "at" or c.endswith(("_at", "_on", "_date"))
        }

    def _per_block(self) -> list[str]:
        """The tables whose rows belong to the block: they name one of its keys (lot, FSE,
        NOEMIE file, patient) or point to such a row. The others are the installation's
        own (settings, members, dictionaries: any table a migration adds), kept from the
        template rather than copied into a conflict."""
        named = self.keys | self.patients
        cloned = {
            t
            for t in self.tables
            if any(isinstance(v, str) and v in named for row in self.rows[t] for v in row)
        } | (_PACKED_PER_BLOCK & set(self.tables))
        grown = True
        while grown:
            grown = False
            for t in self.tables:
                if t not in cloned and set(self.int_fk[t].values()) & cloned:
                    cloned.add(t)
                    grown = True
        return [t for t in self.tables if t in cloned or not self.rows[t]]

    def block(self, b: int) -> dict[str, list[tuple[Any, ...]]]:
        """The rows of block ``b`` (0 is the oldest), per table."""
        from client.store.packing import repacked

        key_map = {k: f"{b:08x}{k[8:]}" for k in self.keys}
        group = b // BLOCKS_PER_PATIENT_GROUP
        patient_map = (
            {p: f"{p}~{group}" for p in self.patients} if group and not self.verifiable else {}
        )
        # Block 0 is the template itself (the newest); block b is b "slices" older.
        days_back = b * HISTORY_YEARS * 365 / max(1, self.blocks)
        out: dict[str, list[tuple[Any, ...]]] = {}
        for table in self.tables:
            columns = self.columns[table]
            if table == "patients" and (
                b % BLOCKS_PER_PATIENT_GROUP or not group or self.verifiable
            ):
                continue  # the group's patients are written by its first block
            if self.verifiable and table in _PACKED_PER_BLOCK:
                continue  # journaled from the block's rows (benchmarks.audit_store)
            pk_stride = self.int_pk.get(table)
            fks = self.int_fk[table]
            number_col = columns.index("number") if table in self.max_number else -1
            dated = {i for i, c in enumerate(columns) if (table, c) in self.dated}
            rows = []
            for row in self.rows[table]:
                values = list(row)
                own = [k for k in values if isinstance(k, str) and k in key_map]
                for i, value in enumerate(values):
                    if value is None:
                        continue
                    if i == 0 and pk_stride is not None:
                        values[i] = value + b * pk_stride
                    elif i in fks:
                        values[i] = value + b * self.int_pk[fks[i]]
                    elif i == number_col:
                        values[i] = value + b * self.max_number[table]
                    elif i in dated and isinstance(value, int):  # seconds (fse_events, m029)
                        values[i] = value - int(days_back * 86400)
                    elif isinstance(value, str):
                        if value in key_map:
                            values[i] = key_map[value]
                        elif value in patient_map:
                            values[i] = patient_map[value]
                        elif i in dated:
                            values[i] = _shift(value, days_back)
                        elif len(value) == 64 and b and _HEX.fullmatch(value):
                            # hashes (audit chain, digests) must stay unique: the chain's
                            # links are kept, its hashes are not recomputed
                            values[i] = f"{b:08x}{value[8:]}"
                        elif len(value) > 64:
                            for old in own:
                                value = value.replace(old, key_map[old])
                            values[i] = value
                    elif (
                        isinstance(value, bytes)
                        and value[:2] in _PACKED_DOCUMENTS
                        and own
                        and not self.verifiable  # rewritten whole by benchmarks.audit_store
                    ):
                        # an FSE document as the store packs it: its keys renamed too, packed
                        # again with its own dictionary
                        # (or a signed lot: bytes, the keys are ASCII in them)
                        def rename(raw: bytes, own: list[str] = own) -> bytes:
                            for old in own:
                                raw = raw.replace(old.encode(), key_map[old].encode())
                            return raw

                        values[i] = repacked(value, rename)
                rows.append(tuple(values))
            out[table] = rows
        if not self.verifiable:
            _mix_states(out, self.columns, b, self.blocks)
        return out


# --- the state mix: not every FSE is closed --------------------------------------------

#: Share of the history (its newest blocks) whose money is still to come: at 1M FSE,
#: 30 000 FSE waiting, as a cabinet has a few weeks of FSE in flight.
WAITING_SHARE = 0.03
#: Within the waiting blocks, newest first: (share, FSE state, lot state, outbox status,
#: keeps its transmission, keeps its ARL). Most are acknowledged and wait for NOEMIE; a
#: few days' FSE are in an open lot, signed and queued, or sent without ARL yet.
_WAITING_STAGES: tuple[tuple[float, str, str, int, bool, bool], ...] = (
    (0.02, "secured", "open", 4, False, False),
    (0.04, "in_lot", "closed", 0, False, False),
    (0.06, "sent", "sent", 2, True, False),
    (1.00, "acknowledged", "acknowledged", 2, True, True),
)
#: One block in this many, outside the waiting ones, has its lots refused (ARL negative).
REFUSED_EVERY = 500


def _stage(b: int, blocks: int) -> tuple[str, str, int, bool, bool] | None:
    """How block ``b`` (1 = the newest cloned) stands, None when closed as made (paid or
    rejected by NOEMIE, 24 % of them partly paid or rejected, as in the template)."""
    waiting = max(1, round(blocks * WAITING_SHARE))
    if 1 <= b <= waiting:
        for share, state, lot, outbox, transmitted, arl in _WAITING_STAGES:
            if b <= max(1, round(waiting * share)):
                return (state, lot, outbox, transmitted, arl)
    if b % REFUSED_EVERY == REFUSED_EVERY // 2:
        return ("refused", "refused", 2, True, True)
    return None


def _mix_states(
    out: dict[str, list[tuple[Any, ...]]], columns: dict[str, list[str]], b: int, blocks: int
) -> None:
    """Put block ``b``'s rows in the state of its stage (before they are inserted: the
    store's triggers count them as they are)."""
    stage = _stage(b, blocks)
    if stage is None:
        return
    fse_state, lot_state, outbox_status, transmitted, arl = stage

    def set_column(table: str, column: str, value: object, where: str = "") -> None:
        if table not in out or column not in columns[table]:
            return
        i = columns[table].index(column)
        k = columns[table].index(where) if where else -1
        out[table] = [
            (*r[:i], value, *r[i + 1 :]) if k < 0 or r[k] == "fse" else r for r in out[table]
        ]

    set_column("fse", "state", fse_state)
    set_column("lots", "state", lot_state, where="kind")
    set_column("outbox", "status", outbox_status, where="kind")
    out["payments"] = []  # no NOEMIE return yet (a refused lot's FSE were never paid)
    if not transmitted:
        out["transmissions"] = []
    if not arl:
        out["arl"] = []
    elif fse_state == "refused" and "arl" in out:
        set_column("arl", "status", "negatif")


def build_store(ctx: RunContext, count: int) -> tuple[Path, float | None]:
    """A store with ``count`` historical FSE (cached); generation seconds or None."""

    def fill(store: Any) -> None:
        conn = store.db.conn
        cloner = Cloner(conn, count // BLOCK)
        # Parents before children: tables in the order of their foreign keys.
        order = _parents_first(conn, cloner.tables)
        for b in range(1, count // BLOCK):  # block 0: the template rows, already there
            insert_block(conn, order, cloner.columns, cloner.block(b))

    # Keys are made consistent by construction, and checked on the smaller sizes.
    return generate_store(ctx, f"fse-{count}", fill, check_keys=count <= 10_000)


def generate_store(
    ctx: RunContext, name: str, fill: Callable[[Any], None], *, check_keys: bool = False
) -> tuple[Path, float | None]:
    """The cached store ``ctx.workdir/store/name``, else made from a copy of the template
    filled by ``fill(store)`` in one write transaction, then renamed into place whole;
    generation seconds, or None when it was cached. Generation only: the figures run with
    the store's own settings, restored before it is closed."""
    from client.store import open_store

    directory = ctx.workdir / "store" / name
    if (directory / "sesam.db").exists():
        return directory, None
    template = template_store(ctx)
    building = directory.with_name(directory.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    shutil.copytree(template, building)
    start = time.perf_counter()
    store = open_store(building / "sesam.db")
    try:
        conn = store.db.conn
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA foreign_keys = OFF")
        # One big transaction through a WAL would write every page twice (WAL, then
        # checkpoint): the generation journals in memory and goes back to WAL after.
        conn.execute("PRAGMA journal_mode = MEMORY")
        with store.write():
            fill(store)
        if check_keys:
            broken = conn.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"generated store breaks foreign keys: {broken[:3]}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        store.reconcile_counters()
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # no ANALYZE: the app runs none
    finally:
        store.close()
    seconds = time.perf_counter() - start
    shutil.rmtree(directory, ignore_errors=True)
    building.rename(directory)
    return directory, seconds


def insert_block(
    conn: Any, order: list[str], columns: dict[str, list[str]], made: dict[str, list[Any]]
) -> None:
    """A generated block's rows, table by table in ``order`` (parents first)."""
    for table in order:
        rows = made.get(table)
        if rows:
            marks = ", ".join("?" * len(columns[table]))
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)  # noqa: S608


def _parents_first(conn: Any, tables: list[str]) -> list[str]:
    deps = {
        t: {
            fk[2]
            for fk in conn.execute(f"PRAGMA foreign_key_list({t})").fetchall()
            if fk[2] != t and fk[2] in tables
        }
        for t in tables
    }
    ordered: list[str] = []
    while deps:
        ready = sorted(t for t, d in deps.items() if not d - set(ordered))
        if not ready:  # a cycle: keep the rest as is
            ordered.extend(sorted(deps))
            break
        ordered.extend(ready)
        for t in ready:
            del deps[t]
    return ordered


# --- the figures -----------------------------------------------------------------------

_READY_SCRIPT = """
import sys, time
start = time.perf_counter()
from datetime import UTC, datetime
from billing.referential import Referential
from client.store import open_store
store = open_store(sys.argv[1])
Referential.load_default()
from client.dashboard import last_months
last_months(store, datetime.now(UTC))
print(time.perf_counter() - start)
"""

_BARE_SCRIPT = """
import sqlite3, sys, time
start = time.perf_counter()
sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM sqlite_master").fetchall()
print(time.perf_counter() - start)
"""


def _process_seconds(script: str, db: Path) -> float:
    """Wall time of a fresh Python process running ``script`` (interpreter start included)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script, str(db)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"ready probe failed: {done.stderr[-500:]}")
    return elapsed


def _product_dashboard(store: Any, count: int, sizes: dict[str, Any], repeat: int) -> Figure:
    """The dashboard page's figures (``client.dashboard.last_months``: six months)."""
    from client import dashboard

    stats = budgeted(lambda: dashboard.last_months(store, datetime.now(UTC)), repeat, budget_s=15.0)
    plans = {
        sql.split(" FROM ")[1][:40]: [
            r[-1]
            for r in store.db.execute(
                "EXPLAIN QUERY PLAN " + sql, ["2000-01-01", "2100-01-01"][: sql.count("?")]
            ).fetchall()
        ]
        for sql in dashboard.QUERIES
    }
    return Figure(
        figure=f"dashboard, 6 months (store {_n(count)} FSE)",
        unit="ms",
        value=stats.median * 1e3,
        goal=f"≤ {GOAL_DASHBOARD_MS:.0f} ms",
        met=stats.median * 1e3 <= GOAL_DASHBOARD_MS,
        sizes=sizes,
        extra={"last_months": stats.ms(), "query_plans": plans},
    )


def _page_figures(store: Any, count: int, sizes: dict[str, Any], repeat: int) -> list[Figure]:
    """What the pages and the listing commands run to show their content (issue #27): the
    dashboard page (its figures and the alerts, as ``client.usecases.views.load_dashboard``),
    the queue page (``client.usecases.views.read_queue``, what ``load_queue`` runs on the
    database thread: the counts and the first page of the FSE, lots and unmatched payments),
    and one screenful of
    ``sesam fse list`` / ``sesam returns list``."""
    from client import returns
    from client.settings import Settings

    class _Services:  # what ``read_dashboard`` uses of the desk's context
        settings = Settings()

        @staticmethod
        def utc_clock() -> datetime:
            return datetime.now(UTC)

    def dashboard_page() -> object:
        from client.usecases.views import read_dashboard

        return read_dashboard(store, _Services())  # type: ignore[arg-type]

    def queue_page() -> object:
        from client.usecases.views import read_queue

        return read_queue(store)

    def fse_screen() -> object:
        from client.fse_search import FseFilter, search, totals

        return search(store, FseFilter(), limit=50), totals(store, FseFilter())

    def fse_search_screen() -> object:
        # A patient typed in the queue's search field: a fifth of the benchmark's FSE.
        from client.fse_search import FseFilter, search, totals

        found = FseFilter(text="léa")
        return search(store, found, limit=50), totals(store, found)

    def returns_screen() -> object:
        return returns.reconcile_page(store, 50), returns.reconcile_counts(store)

    def bare_screenful() -> object:
        # The baseline: 50 rows of the FSE table by its primary key, the same connection.
        return store.db.execute(
            "SELECT id, number, care_date, state, total_fees FROM fse ORDER BY id DESC LIMIT 50"
        ).fetchall()

    baseline = budgeted(bare_screenful, repeat, budget_s=2.0)
    figures = []
    for label, work in (
        ("dashboard page: figures + alerts", dashboard_page),
        ("queue page: counts + first page of each list", queue_page),
        ("sesam fse list: newest screenful (50) + count and total", fse_screen),
        ("FSE list searched by patient: screenful (50) + count and total", fse_search_screen),
        ("sesam returns list: newest screenful (50) + counts", returns_screen),
    ):
        stats = budgeted(work, repeat, budget_s=10.0)
        figures.append(
            Figure(
                figure=f"{label} (store {_n(count)} FSE)",
                unit="ms",
                value=stats.median * 1e3,
                baseline=baseline.median * 1e3,
                baseline_label="50 FSE rows by primary key, same connection",
                goal=f"≤ {GOAL_PAGE_MS:.0f} ms",
                met=stats.median * 1e3 <= GOAL_PAGE_MS,
                sizes=sizes,
                extra={"timing": stats.ms()},
            )
        )
    return figures


def _backup_figure(store: Any, count: int, sizes: dict[str, Any], directory: Path) -> Figure:
    """The scheduled backup's copy (``client.backup.backup``: one read snapshot copied in
    steps), and the longest a write of another connection waited while it ran."""
    import sqlite3
    import threading

    from client.backup import backup

    target = directory.parent / f"backup-probe-{count}.db"
    target.unlink(missing_ok=True)
    waits: list[float] = []
    stop = threading.Event()

    def desk() -> None:  # another connection writing while the copy runs, like the desk
        conn = sqlite3.connect(store.path, timeout=30, isolation_level=None)
        conn.execute("CREATE TABLE IF NOT EXISTS bench_desk_probe (n INTEGER)")
        while not stop.is_set():
            start = time.perf_counter()
            conn.execute("INSERT INTO bench_desk_probe VALUES (1)")
            waits.append(time.perf_counter() - start)
            time.sleep(0.01)
        conn.execute("DROP TABLE bench_desk_probe")
        conn.close()

    writer = threading.Thread(target=desk)
    writer.start()
    steps = []
    start = time.perf_counter()
    try:
        backup(store, target, progress=lambda copied, total: steps.append(copied))
    finally:
        seconds = time.perf_counter() - start
        stop.set()
        writer.join()
        target.unlink(missing_ok=True)
    return Figure(
        figure=f"backup, in steps beside the desk's writes (store {_n(count)} FSE)",
        unit="s",
        value=seconds,
        goal=f"desk's writes never wait > {GOAL_PAGE_MS:.0f} ms",
        met=max(waits, default=0.0) * 1e3 <= GOAL_PAGE_MS,
        sizes=sizes,
        extra={
            "steps": len(steps),
            "desk_writes": len(waits),
            "desk_write_max_ms": round(max(waits, default=0.0) * 1e3, 2),
        },
    )


def _n(count: int) -> str:
    return f"{count:,}".replace(",", " ")


def _bytes_by_table(conn: Any) -> dict[str, int]:
    """Bytes on disk per table and index (SQLite's dbstat), largest first; {} without it."""
    try:
        rows = conn.execute(
            "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
        ).fetchall()
    except Exception:  # noqa: BLE001 - dbstat is optional in SQLite builds
        return {}
    return {name: int(size) for name, size in rows[:12]}


def run(ctx: RunContext) -> list[Figure]:
    require("client.store", "open_store")
    require("client.fse_service", "FseService")
    require("client.sender", "Sender")
    figures: list[Figure] = []
    for count in _sizes(ctx):
        figures.extend(_measure_size(ctx, count))
    return figures


def _measure_size(ctx: RunContext, count: int) -> list[Figure]:
    from client.store import open_store

    figures: list[Figure] = []
    repeat = ctx.scaled(full=30, quick=7, tiny=3)
    directory, generated = build_store(ctx, count)
    path = directory / "sesam.db"
    open_store(path).close()  # migrations added since the store was generated run here, untimed
    size_bytes = path.stat().st_size
    sizes = {
        "fse": count,
        "patients": count // BLOCK * 5 // BLOCKS_PER_PATIENT_GROUP,
        "history_years": HISTORY_YEARS,
    }
    gen = {
        "generation_seconds": None if generated is None else round(generated, 1),
        "generation_cached": generated is None,
    }
    # App ready: a fresh process opens the store, loads the referential, runs the
    # dashboard queries; against a bare process opening the same file.
    ready, bare = [], []
    for _ in range(ctx.scaled(full=5, quick=3, tiny=2)):
        ready.append(_process_seconds(_READY_SCRIPT, path))
        bare.append(_process_seconds(_BARE_SCRIPT, path))
    ready_s, bare_s = Stats.of(ready), Stats.of(bare)
    store = open_store(path)
    try:
        opened = sample(lambda: open_store(path).close(), repeat=repeat // 3 or 1)
        figures.append(
            Figure(
                figure=f"app ready (store {_n(count)} FSE)",
                unit="s",
                value=ready_s.median,
                baseline=bare_s.median,
                baseline_label="bare python + sqlite3 open",
                goal=f"≤ {GOAL_READY_S} s",
                met=ready_s.median <= GOAL_READY_S,
                sizes=sizes,
                extra={
                    "process": ready_s.ms(),
                    "bare_process": bare_s.ms(),
                    "open_store_in_process": opened.ms(),
                    **gen,
                },
            )
        )
        conn = store.db.conn
        figures.append(_product_dashboard(store, count, sizes, repeat))
        patients = [r[0] for r in conn.execute("SELECT id FROM patients").fetchall()]
        rng = random.Random(count)  # noqa: S311 - a sample of patients, not a secret
        chosen = [rng.choice(patients) for _ in range(repeat * 2)]
        until = date.today()
        since = until - timedelta(days=HISTORY_YEARS * 366)
        lengths = []
        samples = []
        for key in chosen:
            start = time.perf_counter()
            acts = store.history(key, since, until)
            samples.append(time.perf_counter() - start)
            lengths.append(len(acts))
        history = Stats.of(samples)
        plan = [
            r[-1]
            for r in conn.execute(
                "EXPLAIN QUERY PLAN SELECT f.number FROM fse_acts a JOIN fse f ON f.id = a.fse_id "
                "WHERE a.patient_id = ? AND a.act_date BETWEEN ? AND ? AND f.state != ?",
                [chosen[0], since.isoformat(), until.isoformat(), "cancelled"],
            ).fetchall()
        ]
        figures.append(
            Figure(
                figure=f"patient history, {HISTORY_YEARS} years (store {_n(count)} FSE)",
                unit="ms",
                value=history.median * 1e3,
                goal=f"≤ {GOAL_HISTORY_MS:.0f} ms (p95 {history.p95 * 1e3:.2f} ms)",
                met=history.p95 * 1e3 <= GOAL_HISTORY_MS,
                sizes=sizes,
                extra={
                    "history": history.ms(),
                    "acts_per_history_median": sorted(lengths)[len(lengths) // 2],
                    "query_plan": plan,
                },
            )
        )
        figures.extend(_page_figures(store, count, sizes, repeat))
        if count <= BACKUP_MAX_FSE:
            figures.append(_backup_figure(store, count, sizes, directory))
        pages, free, page_size = (
            conn.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("page_count", "freelist_count", "page_size")
        )
        figures.append(
            Figure(
                figure=f"bytes per FSE (store {_n(count)} FSE)",
                unit="B",
                value=size_bytes / count,
                sizes=sizes,
                goal=f"≤ {GOAL_BYTES_PER_FSE} B",
                met=size_bytes / count <= GOAL_BYTES_PER_FSE,
                extra={
                    "file_bytes": size_bytes,
                    # a store converted in place keeps its size until a VACUUM
                    "bytes_in_use_per_fse": round((pages - free) * page_size / count),
                    "bytes_by_table": _bytes_by_table(conn),
                },
            )
        )
    finally:
        store.close()
    return figures
