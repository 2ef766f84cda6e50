"""Figure: price + secure + store one FSE, the carte Vitale's certification included,
through pcscd/vpcd, against the same card APDUs sent bare plus one SQLite insert."""

from __future__ import annotations

import contextlib
import logging
import shutil
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.cards import (
    BareLoop,
    apdus_of,
    recording_connection,
    vitale_card_with,
)
from benchmarks.common import (
    Figure,
    RunContext,
    Stats,
    ensure_pcscd,
    require,
    vpcd_lock,
    wait_readers_empty,
)

logger = logging.getLogger(__name__)

NAME = "fse"
GOAL_MS = 20.0
CPS_READER, VITALE_READER = 0, 1
PIN = "1234"  # cps-generaliste's PIN in the testbed profile


def fse_request(index: int, beneficiaries: int, care: Any) -> dict[str, Any]:
    """A consultation G for one of the family (the FSE engineer's test request)."""
    return {
        "date_of_care": care.isoformat(),
        "practitioner": {},
        "patient": {},
        "acts": [{"code": "G"}],
        "beneficiary": index % beneficiaries,
        "tiers_payant": {"amo": True, "amc": True},
    }


class SqliteBaseline:
    """One row of the FSE's size inserted and committed, same journal and sync as the store."""

    def __init__(self, path: Path, row_bytes: int) -> None:
        path.unlink(missing_ok=True)
        self.conn = sqlite3.connect(str(path), isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        self.body = "x" * row_bytes

    def insert(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute("INSERT INTO t (body) VALUES (?)", [self.body])
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


def _repeat(ctx: RunContext) -> int:
    return ctx.scaled(full=200, quick=40, tiny=2)


def run(ctx: RunContext) -> list[Figure]:
    require("client.fse_service", "FseService", "CpsSource", "VitaleSource", "parse_fse_input")
    require("client.store", "open_store")
    require("billing.referential", "Referential")
    require("cardio.pcsc", "PcscBackend")
    server_mod = require("testbed.cards.server", "CardServer")
    watch = require("testbed.cards.pcsc_watch", "VPCD_READERS")
    from billing.referential import Referential

    referential = Referential.load_default()
    figures: list[Figure] = []
    with vpcd_lock():
        ensure_pcscd()
        wait_readers_empty()
        server = server_mod.CardServer(wait_pcsc=True, wait_timeout=15.0)
        try:
            server.insert(CPS_READER, "cps-generaliste", fresh=True)
            server.insert_card(VITALE_READER, vitale_card_with(5))
            figures.append(_measure(ctx, watch.VPCD_READERS, referential, _repeat(ctx)))
        finally:
            server.stop()
            with contextlib.suppress(Exception):
                wait_readers_empty()
    return figures


def _measure(ctx: RunContext, readers: tuple[str, ...], referential: Any, repeat: int) -> Figure:
    from cardio.cps import CpsSession
    from cardio.pcsc import PcscBackend
    from cardio.vitale import VitaleReader
    from client.fse_service import CpsSource, FseService, VitaleSource, parse_fse_input
    from client.store import open_store

    directory = ctx.workdir / "fse"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(mode=0o700)
    backend = PcscBackend()
    cps_conn = backend.connect(readers[CPS_READER])
    vitale_conn = backend.connect(readers[VITALE_READER])
    store = open_store(directory / "sesam.db")
    baseline_db = SqliteBaseline(directory / "baseline.db", 0)
    bare = BareLoop(readers[VITALE_READER])
    try:
        session = CpsSession(cps_conn)
        session.verify_pin(PIN)
        cps_card = session.read()
        cps = CpsSource(identity=cps_card.identity, situations=cps_card.situations)
        reader = VitaleReader(vitale_conn)
        card = reader.read()
        vitale = VitaleSource(card=card, certifier=reader)
        care = (datetime.now(UTC) - timedelta(days=1)).date()
        service = FseService(store, referential)
        people = len(card.beneficiaries)

        # Every APDU one creation sends (the card is read again to check it was not swapped,
        # then it certifies), recorded once through the product, then replayed bare.
        recorded: list[bytes] = []
        recording = VitaleReader(recording_connection(vitale_conn, recorded))
        first = service.create(
            parse_fse_input(fse_request(0, people, care)),
            cps,
            VitaleSource(card=card, certifier=recording),
        )
        apdus = apdus_of(recorded)
        baseline_db.body = "x" * len(first.fse().canonical())
        samples: dict[str, list[float]] = {"product": [], "apdus": [], "apdus+insert": []}
        for i in range(1, repeat + 1):
            request = parse_fse_input(fse_request(i, people, care))
            start = time.perf_counter()
            service.create(request, cps, vitale)
            samples["product"].append(time.perf_counter() - start)
            start = time.perf_counter()
            bare.send(apdus)
            middle = time.perf_counter()
            baseline_db.insert()
            end = time.perf_counter()
            samples["apdus"].append(middle - start)
            samples["apdus+insert"].append(end - start)
    finally:
        bare.close()
        baseline_db.close()
        store.close()
        cps_conn.close()
        vitale_conn.close()
        backend.close()
    product = Stats.of(samples["product"])
    card_only = Stats.of(samples["apdus"])
    base = Stats.of(samples["apdus+insert"])
    beyond = (product.median - card_only.median) * 1e3
    return Figure(
        figure="price + secure + store one FSE",
        unit="ms",
        value=product.median * 1e3,
        baseline=base.median * 1e3,
        baseline_label="same APDUs bare + one SQLite insert",
        goal=f"≤ {GOAL_MS:.0f} ms beyond the card's own time",
        met=beyond <= GOAL_MS,
        sizes={
            "fse": repeat,
            "apdus_per_fse": len(apdus),
            "pcsc_transactions_per_fse": sum(1 for a in recorded if a == b"<"),
        },
        extra={
            "beyond_card_ms": round(beyond, 3),
            "beyond_baseline_ms": round((product.median - base.median) * 1e3, 3),
            "product": product.ms(),
            "card_apdus_bare": card_only.ms(),
            "apdus_plus_insert": base.ms(),
        },
    )
