"""What the simulated AMC granted, received and paid, in its own SQLite file (like the
simulated Assurance Maladie's ledger): a test can check that a DRE replayed was counted once.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS engagements (
    number TEXT PRIMARY KEY,
    amc TEXT NOT NULL,
    member TEXT NOT NULL,
    care_date TEXT NOT NULL,
    amount TEXT NOT NULL,
    gestion TEXT NOT NULL,
    granted_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS refusals (
    id INTEGER PRIMARY KEY,
    amc TEXT NOT NULL,
    member TEXT NOT NULL,
    motif TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dre_lots (
    lot_id TEXT PRIMARY KEY,
    content_sha256 TEXT NOT NULL,
    received_at TEXT NOT NULL,
    receptions INTEGER NOT NULL,
    ack BLOB NOT NULL,
    positive INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS dre_items (
    fse_id TEXT PRIMARY KEY,
    lot_id TEXT NOT NULL,
    engagement TEXT NOT NULL,
    amount TEXT NOT NULL,
    received_at TEXT NOT NULL,
    returned INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS returns (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    fse_id TEXT NOT NULL,
    document TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class ReceivedItem:
    """One DRE accepted, waiting for (or given) its payment."""

    fse_id: str
    lot_id: str
    engagement: str
    amount: Decimal
    received_at: datetime


class AmcLedger:
    """The AMC's own database: one connection guarded by a lock (the server is threaded)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._db.execute(sql, params))

    # --------------------------------------------------------------- engagements

    def engagement_count(self) -> int:
        return int(self._all("SELECT count(*) FROM engagements")[0][0])

    def record_engagement(
        self, number: str, amc: str, member: str, care: str, amount: Decimal, gestion: str
    ) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO engagements VALUES (?, ?, ?, ?, ?, ?, ?)",
                (number, amc, member, care, str(amount), gestion, _now()),
            )

    def record_refusal(self, amc: str, member: str, motif: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO refusals (amc, member, motif, at) VALUES (?, ?, ?, ?)",
                (amc, member, motif, _now()),
            )

    def engagement(self, number: str) -> tuple[str, Decimal, str] | None:
        """(member, amount granted, gestion) of an engagement."""
        rows = self._all(
            "SELECT member, amount, gestion FROM engagements WHERE number = ?", (number,)
        )
        return (rows[0][0], Decimal(rows[0][1]), rows[0][2]) if rows else None

    # ------------------------------------------------------------------ DRE lots

    def find_lot(self, lot_id: str) -> tuple[str, bytes] | None:
        """(content SHA-256, acknowledgement) of a lot already received."""
        rows = self._all("SELECT content_sha256, ack FROM dre_lots WHERE lot_id = ?", (lot_id,))
        return (rows[0][0], bytes(rows[0][1])) if rows else None

    def note_reception(self, lot_id: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE dre_lots SET receptions = receptions + 1 WHERE lot_id = ?", (lot_id,)
            )

    def item_lot(self, fse_id: str) -> str | None:
        rows = self._all("SELECT lot_id FROM dre_items WHERE fse_id = ?", (fse_id,))
        return str(rows[0][0]) if rows else None

    def record_lot(
        self,
        lot_id: str,
        sha: str,
        at: datetime,
        ack: bytes,
        items: list[tuple[str, str, Decimal]] | None,
    ) -> None:
        """The lot and its acknowledgement; ``items`` (fse_id, engagement, amount) when
        the lot was accepted."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO dre_lots VALUES (?, ?, ?, 1, ?, ?)",
                (lot_id, sha, at.isoformat(), ack, 1 if items is not None else 0),
            )
            for fse_id, engagement, amount in items or []:
                db.execute(
                    "INSERT INTO dre_items (fse_id, lot_id, engagement, amount, received_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (fse_id, lot_id, engagement, str(amount), at.isoformat()),
                )

    def waiting_items(self) -> list[ReceivedItem]:
        return [
            ReceivedItem(r[0], r[1], r[2], Decimal(r[3]), datetime.fromisoformat(r[4]))
            for r in self._all(
                "SELECT fse_id, lot_id, engagement, amount, received_at FROM dre_items "
                "WHERE returned = 0 ORDER BY received_at, fse_id"
            )
        ]

    # ------------------------------------------------------------------- returns

    def publish(self, fse_id: str, document: dict[str, Any], *, mark: bool = True) -> None:
        """Publish one return in the feed (and mark its DRE returned)."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO returns (fse_id, document) VALUES (?, ?)",
                (fse_id, json.dumps(document, sort_keys=True)),
            )
            if mark:
                db.execute("UPDATE dre_items SET returned = 1 WHERE fse_id = ?", (fse_id,))

    def returns_after(self, after: int) -> list[dict[str, Any]]:
        return [
            {"seq": int(seq), **json.loads(doc)}
            for seq, doc in self._all(
                "SELECT seq, document FROM returns WHERE seq > ? ORDER BY seq", (after,)
            )
        ]

    def summary(self) -> dict[str, int]:
        counts = {}
        for table in ("engagements", "refusals", "dre_lots", "dre_items", "returns"):
            counts[table] = int(self._all(f"SELECT count(*) FROM {table}")[0][0])  # noqa: S608
        receptions = self._all("SELECT coalesce(sum(receptions), 0) FROM dre_lots")
        counts["receptions"] = int(receptions[0][0])
        return counts


def _now() -> str:
    return datetime.now(UTC).isoformat()
