"""Figure: outbox replay of N FSE in signed lots, HTTPS with client certificates to the
simulated Assurance Maladie, against raw HTTP POSTs of the same lot files (before and after
the product's replay, their mean: a drifting load weighs on both sides); with no load
added, and with every core kept busy by spinning processes (the machine's other work),
three runs each, the median run and the spread; the connections the product opened; and
the client CPU of recording one lot's ARL. The same, quiet, for a cabinet's queue: the FSE
made by three practitioners in turn, a lot's rows interleaved with the others' in the store
(finding 61)."""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import Figure, RunContext, RunSample, require
from benchmarks.pipeline import (
    am_process,
    client_settings,
    close_lots,
    create_fses,
    open_cabinet,
)

logger = logging.getLogger(__name__)

NAME = "replay"
GOAL_RATE = 500.0  # FSE/s, on a quiet machine
GOAL_RATIO = 0.9  # × raw in the same run, quiet or loaded (issue #27)
GOAL_RECORD_MS = 3.0  # client CPU to record a 50-FSE lot's ARL (issue #27)
LOT_SIZE = 50
CABINET = 3  # practitioners of the cabinet's queue (``benchmarks.pipeline.PRACTITIONERS``)
LOADS = ("quiet", "loaded")  # loaded: one spinning process per core


def _sizes(ctx: RunContext) -> list[int]:
    if ctx.tiny:
        return [20]
    return [500] if ctx.quick else [1000, 10000]


def pending_store(ctx: RunContext, count: int, practitioners: int = 1) -> tuple[Path, float | None]:
    """A store holding ``count`` FSE in closed, signed lots waiting in the outbox (cached);
    the seconds it took to build, or None when it came from the cache. ``practitioners``
    > 1: made by that many practitioners in turn, as at a cabinet (finding 61)."""
    from client.store import open_store

    name = f"pending-{count}" + (f"-{practitioners}-praticiens" if practitioners > 1 else "")
    cache = ctx.workdir / "replay" / name
    if (cache / "sesam.db").exists():
        return cache, None
    shutil.rmtree(cache, ignore_errors=True)
    building = cache.with_name(cache.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True, mode=0o700)
    start = time.perf_counter()
    store = open_store(building / "sesam.db")
    try:
        cards = create_fses(
            store, open_cabinet(), count, lot_size=LOT_SIZE, practitioners=practitioners
        )
        for card in cards:
            close_lots(store, card)
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    building.rename(cache)
    return cache, time.perf_counter() - start


def _copy(cache: Path, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(cache, target)
    target.chmod(0o700)
    return target / "sesam.db"


def _product_store(ctx: RunContext, path: Path, backend: str) -> Any:
    """The store the sender drains: the SQLite copy, or it copied into a new database of
    the run's PostgreSQL server (``benchmarks.postgres``; untimed)."""
    from client.store import open_store

    if backend == "sqlite":
        return open_store(path)
    from benchmarks import postgres

    copied = postgres.copy_into(postgres.server(ctx), path, "replay", path.parent / "pg")
    return postgres.open_copy(copied.url, path.parent / "pg")


@dataclass
class Timeline:
    """When each request left and its answer was in (``perf_counter``), in sending order."""

    sent: list[float] = field(default_factory=list)
    answered: list[float] = field(default_factory=list)
    #: When the replay's clock started and stopped (the run's fixed costs around the lots).
    start: float = 0.0
    end: float = 0.0

    def idle_ms(self) -> float:
        """The server's idle time between an answer and the next request, median (ms): the
        client's work that is not overlapped with the concentrator's."""
        gaps = [b - a for a, b in zip(self.answered[:-1], self.sent[1:], strict=True)]
        return statistics.median(gaps) * 1e3 if gaps else 0.0

    def first_answer_ms(self) -> float:
        """From the clock's start to the first answer in (ms): the connection, the first
        lot's claim and reading, its request and the concentrator's checks."""
        return (self.answered[0] - self.start) * 1e3 if self.answered else 0.0

    def after_last_answer_ms(self) -> float:
        """From the last answer in to the clock's stop (ms): its recording, the run's end."""
        return (self.end - self.answered[-1]) * 1e3 if self.answered else 0.0


def raw_post(
    url: str, settings: Any, lots: list[tuple[str, bytes]], timeline: Timeline | None = None
) -> tuple[float, int, float]:
    """POST every lot with http.client on one kept-alive connection (reconnecting only when
    the server closes it); (seconds, connections opened, client CPU seconds)."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=settings.ca_cert)
    context.load_cert_chain(settings.client_cert, settings.client_key)
    host, port = url.removeprefix("https://").split(":")
    connections = 0
    conn: http.client.HTTPSConnection | None = None
    start, cpu = time.perf_counter(), time.process_time()
    if timeline is not None:
        timeline.start = start
    for lot_id, der in lots:
        if conn is None:
            conn = http.client.HTTPSConnection(host, int(port), context=context, timeout=30)
            connections += 1
        if timeline is not None:
            timeline.sent.append(time.perf_counter())
        conn.request(
            "POST",
            "/v1/lots",
            body=der,
            headers={"Idempotency-Key": lot_id, "Content-Type": "application/octet-stream"},
        )
        response = conn.getresponse()
        response.read()
        if timeline is not None:
            timeline.answered.append(time.perf_counter())
        if response.status != 200:
            raise RuntimeError(f"raw POST {lot_id}: HTTP {response.status}")
        if response.will_close:
            conn.close()
            conn = None
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if timeline is not None:
        timeline.end = start + elapsed
    if conn is not None:
        conn.close()
    return elapsed, connections, cpu


def _cpu_seconds(stat: Path) -> tuple[int, float]:
    """A process's parent and CPU seconds (user + system) from its ``/proc/PID/stat``."""
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds() -> float | None:
    """The CPU seconds (user + system) used so far by this process's simulated Assurance
    Maladie (``am_process``: a child running ``testbed am serve``); None where ``/proc``
    does not say (not Linux). Its clock ticks are 10 ms: compare runs of many lots."""
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        return None
    total, parent = 0.0, os.getpid()
    for stat in proc.glob("[0-9]*/stat"):
        try:
            ppid, seconds = _cpu_seconds(stat)
            if ppid != parent or b"am\0serve" not in (stat.parent / "cmdline").read_bytes():
                continue
        except (OSError, IndexError, ValueError):  # a process that just ended
            continue
        total += seconds
    return total


def database_cpu_seconds(store: Any) -> float | None:
    """The CPU seconds used so far by the PostgreSQL server of ``store``: the postmaster and
    every process it started (the store's backend, the WAL writer, the checkpointer...),
    which share the machine's cores with the client in the benchmark, not in a cabinet. None
    on SQLite (its work is the client's own CPU) or where ``/proc`` does not say."""
    if getattr(store.db, "dialect", "sqlite") != "postgresql" or not Path("/proc/self").exists():
        return None
    backend = int(store.db.execute("SELECT pg_backend_pid()").fetchone()[0])
    postmaster, total = _cpu_seconds(Path(f"/proc/{backend}/stat"))[0], 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent, seconds = _cpu_seconds(stat)
        except (OSError, IndexError, ValueError):  # a process that just ended
            continue
        if parent == postmaster or stat.parent.name == str(postmaster):
            total += seconds
    return total


@contextlib.contextmanager
def busy_cores(count: int) -> Iterator[None]:
    """``count`` processes spinning at full speed for the time of the block: every core
    busy, as on a workstation doing something else while the queue drains."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        time.sleep(0.2)  # scheduled before the timing starts
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
        for spinner in spinners:
            spinner.wait()


@dataclass
class Drained:
    """What ``send_recording_cpu`` measured of the product's replay."""

    report: Any
    seconds: float  # from the sender's start to its end, as raw_post's clock
    cpu_seconds: float  # the process's CPU meanwhile (every thread)
    record_cpu: list[float]  # seconds per answer that carried an ARL
    connections: int


def send_recording_cpu(store: Any, settings: Any, timeline: Timeline | None = None) -> Drained:
    """Drain the outbox like ``pipeline.send_all``; also the CPU seconds of recording each
    answer that carried an ARL (``time.thread_time`` around ``Sender._record``: the sending
    thread's own CPU; the network thread's TLS work, which overlaps it, is not counted),
    and the connections the transport opened (one TLS handshake per run, not per lot).

    Timed like ``raw_post`` (the same work on both sides): the TLS context (certificates
    loaded) is made before the clock starts, as the application's transport lives as long
    as the application; the connection is closed after the clock stops; from the sender's
    start to its end (the last answer recorded), everything is counted."""
    require("client.sender", "Sender")
    from datetime import UTC, datetime

    from client.sender import Sender
    from client.transport import HttpsTransport

    spent: list[float] = []
    connections: list[float] = []

    class Counted(HttpsTransport):
        def _connect(self, deadline: float) -> Any:
            connections.append(deadline)
            return super()._connect(deadline)

        def send_lot(self, lot_id: str, der: bytes) -> Any:
            if timeline is not None:
                timeline.sent.append(time.perf_counter())
            try:
                return super().send_lot(lot_id, der)
            finally:
                if timeline is not None:
                    timeline.answered.append(time.perf_counter())

    class Timed(Sender):
        def _record(self, row: Any, answer: Any, report: Any) -> None:
            start = time.thread_time()
            super()._record(row, answer, report)
            if getattr(answer, "arl", None) is not None:
                spent.append(time.thread_time() - start)

    transport = Counted(settings)
    sender = Timed(store, transport, settings=settings, clock=lambda: datetime.now(UTC))
    try:
        start, cpu = time.perf_counter(), time.process_time()
        report = sender.run(until_empty=True, max_seconds=3600)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        if timeline is not None:
            timeline.start, timeline.end = start, start + seconds
        return Drained(report, seconds, cpu, spent, len(connections))
    finally:
        transport.close()


def run(ctx: RunContext) -> list[Figure]:
    require("client.sender", "Sender")
    require("client.transport", "HttpsTransport")
    require("testbed.am.server", "AmServer")
    require("client.fse_service", "FseService")

    figures: list[Figure] = []
    for count in _sizes(ctx):
        runs = {load: _runs(ctx, count, load) for load in LOADS}
        figures.extend(_rate_figure(count, load, runs[load]) for load in LOADS)
        figures.append(_record_figure(count, runs))
    # A cabinet's queue: the same count at the first size, made by CABINET practitioners in
    # turn, so that a lot's FSE are interleaved with the others' in the store, as they are
    # where several practitioners bill (finding 61: more pages written per ARL). Quiet only.
    count = _sizes(ctx)[0]
    runs = {"quiet": _runs(ctx, count, "quiet", practitioners=CABINET)}
    cabinet = f", {CABINET} practitioners in turn"
    figures.append(_rate_figure(count, "quiet", runs["quiet"], cabinet))
    figures.append(_record_figure(count, runs, cabinet))
    return figures


@dataclass
class Run:
    """The product's replay of a queue between two raw replays of the same lots (raw,
    product, raw: a load that drifts during the pair weighs on both sides alike)."""

    raw_seconds: float  # the mean of the two raw replays around the product's
    raw_connections: int
    raw_cpu_seconds: float
    product_seconds: float
    lots: int
    product_cpu_seconds: float  # the client's whole CPU per lot (every thread)
    record_cpu: list[float] = field(default_factory=list)  # seconds per lot with an ARL
    product_connections: int = 0
    product_idle_ms: float = 0.0  # the server idle between an answer and the next request
    raw_idle_ms: float = 0.0
    raw_each: tuple[float, float] = (0.0, 0.0)  # the raw replay before and after
    #: The run's fixed costs (ms): the first answer after the clock's start, the clock's
    #: stop after the last answer; the product's and the raw replay's (before).
    first_answer_ms: tuple[float, float] = (0.0, 0.0)
    after_last_answer_ms: tuple[float, float] = (0.0, 0.0)
    #: The concentrator's own CPU per lot (ms) while the product's replay and the raw one
    #: (before) ran: the same work on both sides, the figure's ceiling (finding 48).
    server_cpu_ms: tuple[float | None, float | None] = (None, None)
    #: The PostgreSQL server's CPU per lot (ms) while the product's replay ran (None on
    #: SQLite): work the raw replay has none of, on the same cores (finding 63).
    database_cpu_ms: float | None = None


def _runs(
    ctx: RunContext, count: int, load: str, backend: str = "sqlite", practitioners: int = 1
) -> list[Run]:
    cache, built = pending_store(ctx, count, practitioners)
    if built is not None:
        logger.info("replay store of %d FSE built in %.1f s", count, built)
    spinning = busy_cores(os.cpu_count() or 2) if load == "loaded" else contextlib.nullcontext()
    with spinning:
        return [_run(ctx, cache, count, backend) for _ in range(ctx.runs)]


def _run(ctx: RunContext, cache: Path, count: int, backend: str = "sqlite") -> Run:
    from client.store import OutboxStatus, open_store

    # Baseline: the same signed lot files, raw, to a fresh server.
    run_dir = ctx.workdir / "replay" / "run"
    store = open_store(_copy(cache, run_dir))
    try:
        lots = [
            (row.id, store.lot_der(row.id) or b"")
            for row in store.outbox_rows(OutboxStatus.PENDING)
        ]
    finally:
        store.close()
    raw_timeline, timeline = Timeline(), Timeline()
    with am_process(ctx.workdir / "replay" / "ledger-raw.sqlite") as url:
        before = server_cpu_seconds()
        raw_before, connections, raw_cpu = raw_post(url, client_settings(url), lots, raw_timeline)
        raw_server = _spent(before, server_cpu_seconds(), len(lots))
    # The product: the sender drains the outbox of a copy of the same store.
    store = _product_store(ctx, _copy(cache, run_dir), backend)
    try:
        with am_process(ctx.workdir / "replay" / "ledger-product.sqlite") as url:
            before, database = server_cpu_seconds(), database_cpu_seconds(store)
            drained = send_recording_cpu(store, client_settings(url), timeline)
            product_server = _spent(before, server_cpu_seconds(), len(lots))
            database_spent = _spent(database, database_cpu_seconds(store), len(lots))
        report = drained.report
        acknowledged = store.db.execute(
            "SELECT COUNT(*) FROM fse WHERE state = 'acknowledged'"
        ).fetchone()[0]
    finally:
        store.close()
    if report.acknowledged != len(lots) or acknowledged != count:
        raise RuntimeError(
            f"replay of {count} FSE: {report.acknowledged}/{len(lots)} lots, "
            f"{acknowledged} FSE acknowledged"
        )
    with am_process(ctx.workdir / "replay" / "ledger-raw.sqlite") as url:
        raw_after, _, raw_cpu_after = raw_post(url, client_settings(url), lots)
    return Run(
        (raw_before + raw_after) / 2,
        connections,
        (raw_cpu + raw_cpu_after) / 2 / max(1, len(lots)),
        drained.seconds,
        len(lots),
        drained.cpu_seconds / max(1, len(lots)),
        drained.record_cpu,
        drained.connections,
        timeline.idle_ms(),
        raw_timeline.idle_ms(),
        (raw_before, raw_after),
        (timeline.first_answer_ms(), raw_timeline.first_answer_ms()),
        (timeline.after_last_answer_ms(), raw_timeline.after_last_answer_ms()),
        (product_server, raw_server),
        database_spent,
    )


def _spent(before: float | None, after: float | None, lots: int) -> float | None:
    """CPU ms per lot between two ``server_cpu_seconds`` readings (None: not measured)."""
    if before is None or after is None or not lots:
        return None
    return (after - before) * 1e3 / lots


def _spread(values: list[float], digits: int = 3) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
    }


def _rate_figure(count: int, load: str, runs: list[Run], queue: str = "") -> Figure:
    lots = runs[0].lots
    rates = [count / r.product_seconds for r in runs]
    raw_rates = [count / r.raw_seconds for r in runs]
    ratios = [p / r for p, r in zip(rates, raw_rates, strict=True)]
    # The figure is the run of median ratio (product and raw of the same run); the spread
    # of the runs is in ``extra``.
    middle = sorted(range(len(runs)), key=ratios.__getitem__)[len(runs) // 2]
    rate, raw_rate, ratio = rates[middle], raw_rates[middle], ratios[middle]
    quiet = load == "quiet"
    cores = os.cpu_count() or 2
    return Figure(
        figure=f"outbox replay: {count} FSE in {lots} lots{queue}, HTTPS mTLS"
        + ("" if quiet else f", {cores} cores busy"),
        unit="FSE/s",
        value=rate,
        baseline=raw_rate,
        baseline_label="raw POSTs of the same lots on one kept-alive connection",
        goal=(f"≥ {GOAL_RATE:.0f} FSE/s and " if quiet else "") + f"≥ {GOAL_RATIO}× raw",
        met=(rate >= GOAL_RATE or not quiet) and ratio >= GOAL_RATIO,
        sizes={"fse": count, "lots": lots, "lot_size": LOT_SIZE, "runs": len(runs)},
        per_run=[RunSample(p, r) for p, r in zip(rates, raw_rates, strict=True)],
        extra={
            "load": "none added" if quiet else f"{cores} spinning processes, one per core",
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "ratio_per_run": _spread(ratios),
            "fse_per_s": _spread(rates, 1),
            "raw_fse_per_s": _spread(raw_rates, 1),
            "product_seconds": [round(r.product_seconds, 3) for r in runs],
            "raw_seconds": [round(r.raw_seconds, 3) for r in runs],
            "raw_seconds_before_after": [[round(x, 3) for x in r.raw_each] for r in runs],
            "raw_connections": runs[0].raw_connections,
            "product_connections": [r.product_connections for r in runs],
            "server_idle_ms_between_lots": _spread([r.product_idle_ms for r in runs]),
            "raw_server_idle_ms_between_lots": _spread([r.raw_idle_ms for r in runs]),
            "first_answer_ms": _spread([r.first_answer_ms[0] for r in runs], 1),
            "raw_first_answer_ms": _spread([r.first_answer_ms[1] for r in runs], 1),
            "after_last_answer_ms": _spread([r.after_last_answer_ms[0] for r in runs], 1),
            "raw_after_last_answer_ms": _spread([r.after_last_answer_ms[1] for r in runs], 1),
            "client_cpu_ms_per_lot": _spread([r.product_cpu_seconds * 1e3 for r in runs]),
            "raw_client_cpu_ms_per_lot": _spread([r.raw_cpu_seconds * 1e3 for r in runs]),
            "server": "testbed am serve, its own process",
            **_server_cpu_extra(runs),
        },
    )


def _server_cpu_extra(runs: list[Run]) -> dict[str, Any]:
    """The concentrator's CPU per lot on both sides, and the ratio the figure tends to when
    the machine has no CPU to spare (the client's CPU is then taken from the server's):
    (server + raw client) / (server + product client + its database server, PostgreSQL's
    on the same cores), per lot (findings 48, 63)."""
    product = [r.server_cpu_ms[0] for r in runs if r.server_cpu_ms[0] is not None]
    raw = [r.server_cpu_ms[1] for r in runs if r.server_cpu_ms[1] is not None]
    if not product or not raw:
        return {}
    server, raw_server = statistics.median(product), statistics.median(raw)
    client = statistics.median(r.product_cpu_seconds * 1e3 for r in runs)
    raw_client = statistics.median(r.raw_cpu_seconds * 1e3 for r in runs)
    spent = [r.database_cpu_ms for r in runs if r.database_cpu_ms is not None]
    database = statistics.median(spent) if spent else 0.0
    return {
        "server_cpu_ms_per_lot": _spread(product, 1),
        "raw_server_cpu_ms_per_lot": _spread(raw, 1),
        **({"database_cpu_ms_per_lot": _spread(spent, 1)} if spent else {}),
        "ratio_if_cpu_bound": round((raw_server + raw_client) / (server + client + database), 3),
    }


def _record_figure(count: int, runs: dict[str, list[Run]], queue: str = "") -> Figure:
    """The client CPU of recording one lot's ARL (the contact, the ARL, the lot and its FSE
    moved and journaled): every lot of every run, of every load measured."""
    per_lot = {load: [s * 1e3 for r in done for s in r.record_cpu] for load, done in runs.items()}
    every = [ms for lots in per_lot.values() for ms in lots]
    raw = [r.raw_cpu_seconds * 1e3 for done in runs.values() for r in done]
    value = statistics.median(every)
    # Each run's own median too (quiet runs first), so that the table shows their spread:
    # the figure stays the median of every lot recorded, its ratio value / baseline (no
    # baseline per run: the raw client's CPU is a median over every run as well).
    medians = [
        statistics.median(r.record_cpu) * 1e3 for d in runs.values() for r in d if r.record_cpu
    ]
    each = [RunSample(ms, None, ms <= GOAL_RECORD_MS) for ms in medians]
    return Figure(
        figure=f"ARL recording: client CPU per {min(count, LOT_SIZE)}-FSE lot "
        f"({count} FSE replayed{queue})",
        unit="ms",
        value=value,
        baseline=statistics.median(raw),
        baseline_label="raw client's CPU per lot (POST and answer)",
        goal=f"≤ {GOAL_RECORD_MS} ms",
        met=value <= GOAL_RECORD_MS,
        sizes={"fse": count, "lot_size": LOT_SIZE, "lots_recorded": len(every)},
        per_run=each,
        extra={
            "clock": "time.thread_time around Sender._record (the sending thread)",
            **{f"{load}_ms": _spread(v) for load, v in per_lot.items() if v},
        },
    )
