"""Figure: outbox replay of N FSE in signed lots, HTTPS with client certificates to the
simulated Assurance Maladie, against raw HTTP POSTs of the same lot files."""

from __future__ import annotations

import http.client
import logging
import shutil
import ssl
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Figure, RunContext, require
from benchmarks.pipeline import (
    am_process,
    client_settings,
    close_lots,
    create_fses,
    open_cabinet,
    send_all,
)

logger = logging.getLogger(__name__)

NAME = "replay"
GOAL_RATE = 500.0
GOAL_RATIO = 0.5
LOT_SIZE = 50


def _sizes(ctx: RunContext) -> list[int]:
    if ctx.tiny:
        return [20]
    return [500] if ctx.quick else [1000, 10000]


def pending_store(ctx: RunContext, count: int) -> tuple[Path, float | None]:
    """A store holding ``count`` FSE in closed, signed lots waiting in the outbox (cached);
    the seconds it took to build, or None when it came from the cache."""
    from client.store import open_store

    cache = ctx.workdir / "replay" / f"pending-{count}"
    if (cache / "sesam.db").exists():
        return cache, None
    shutil.rmtree(cache, ignore_errors=True)
    building = cache.with_name(cache.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True, mode=0o700)
    start = time.perf_counter()
    store = open_store(building / "sesam.db")
    try:
        cabinet = open_cabinet()
        create_fses(store, cabinet, count, lot_size=LOT_SIZE)
        close_lots(store, cabinet)
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


def raw_post(url: str, settings: Any, lots: list[tuple[str, bytes]]) -> tuple[float, int]:
    """POST every lot with http.client on one kept-alive connection (reconnecting only when
    the server closes it); (seconds, connections opened)."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=settings.ca_cert)
    context.load_cert_chain(settings.client_cert, settings.client_key)
    host, port = url.removeprefix("https://").split(":")
    connections = 0
    conn: http.client.HTTPSConnection | None = None
    start = time.perf_counter()
    for lot_id, der in lots:
        if conn is None:
            conn = http.client.HTTPSConnection(host, int(port), context=context, timeout=30)
            connections += 1
        conn.request(
            "POST",
            "/v1/lots",
            body=der,
            headers={"Idempotency-Key": lot_id, "Content-Type": "application/octet-stream"},
        )
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"raw POST {lot_id}: HTTP {response.status}")
        if response.will_close:
            conn.close()
            conn = None
    elapsed = time.perf_counter() - start
    if conn is not None:
        conn.close()
    return elapsed, connections


def run(ctx: RunContext) -> list[Figure]:
    require("client.sender", "Sender")
    require("client.transport", "HttpsTransport")
    require("testbed.am.server", "AmServer")
    require("client.fse_service", "FseService")

    return [_measure(ctx, count) for count in _sizes(ctx)]


def _measure(ctx: RunContext, count: int) -> Figure:
    from client.store import OutboxStatus, open_store

    cache, built = pending_store(ctx, count)
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
    with am_process(ctx.workdir / "replay" / "ledger-raw.sqlite") as url:
        raw_seconds, connections = raw_post(url, client_settings(url), lots)
    # The product: the sender drains the outbox of a copy of the same store.
    store = open_store(_copy(cache, run_dir))
    try:
        with am_process(ctx.workdir / "replay" / "ledger-product.sqlite") as url:
            start = time.perf_counter()
            report = send_all(store, client_settings(url))
            seconds = time.perf_counter() - start
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
    rate, raw_rate = count / seconds, count / raw_seconds
    return Figure(
        figure=f"outbox replay: {count} FSE in {len(lots)} lots, HTTPS mTLS",
        unit="FSE/s",
        value=rate,
        baseline=raw_rate,
        baseline_label="raw POSTs of the same lots on one kept-alive connection",
        goal=f"≥ {GOAL_RATE:.0f} FSE/s and ≥ {GOAL_RATIO}× raw",
        met=rate >= GOAL_RATE and rate / raw_rate >= GOAL_RATIO,
        sizes={"fse": count, "lots": len(lots), "lot_size": LOT_SIZE},
        extra={
            "product_seconds": round(seconds, 3),
            "raw_seconds": round(raw_seconds, 3),
            "raw_connections": connections,
            "server": "testbed am serve, its own process",
            "lot_bytes_total": sum(len(d) for _, d in lots),
            "generation_seconds": None if built is None else round(built, 2),
            "generation_cached": built is None,
        },
    )
