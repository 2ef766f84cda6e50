"""What the simulated Assurance Maladie received: lots, ARL, accepted FSE, NOEMIE files.

Kept in its own SQLite file in the testbed directory so that a test (or a person) can check,
after a replay, that each lot was counted exactly once. One connection guarded by a lock:
the HTTP server is threaded and the ledger is small.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS lots (
    lot_id TEXT PRIMARY KEY,
    content_sha256 TEXT NOT NULL,
    first_received_at TEXT NOT NULL,
    receptions INTEGER NOT NULL,
    arl TEXT NOT NULL,
    positive INTEGER NOT NULL,
    fse_count INTEGER NOT NULL,
    arl_lost INTEGER NOT NULL DEFAULT 0,
    billing_number TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS fse (
    fse_id TEXT PRIMARY KEY,
    lot_id TEXT NOT NULL REFERENCES lots(lot_id),
    accepted_at TEXT NOT NULL,
    data TEXT NOT NULL,
    noemie_seq INTEGER
);
CREATE TABLE IF NOT EXISTS arl_feed (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    lot_id TEXT NOT NULL,
    arl TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS noemie_files (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    name TEXT NOT NULL,
    content BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    lot_id TEXT,
    status INTEGER NOT NULL,
    fault TEXT
);
CREATE INDEX IF NOT EXISTS fse_pending ON fse(noemie_seq, accepted_at);
"""


@dataclass(frozen=True, slots=True)
class StoredLot:
    """A lot as the concentrator recorded it."""

    lot_id: str
    content_sha256: str
    receptions: int
    arl: bytes
    positive: bool
    fse_count: int
    arl_lost: bool


@dataclass(frozen=True, slots=True)
class AcceptedFse:
    """An FSE of a positively acknowledged lot, waiting for (or given) its NOEMIE return."""

    fse_id: str
    lot_id: str
    accepted_at: datetime
    data: dict[str, Any]


class Ledger:
    """The concentrator's own database."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SCHEMA)
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(lots)")}
        if "lot_number" not in columns:  # a ledger of an older testbed
            self._db.execute("ALTER TABLE lots ADD COLUMN lot_number INTEGER")

    def close(self) -> None:
        """Close the connection."""
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

    # ------------------------------------------------------------------------- lots

    def find_lot(self, lot_id: str) -> StoredLot | None:
        """The stored lot, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT lot_id, content_sha256, receptions, arl, positive, fse_count, arl_lost "
                "FROM lots WHERE lot_id = ?",
                (lot_id,),
            ).fetchone()
        if row is None:
            return None
        return StoredLot(
            row[0], row[1], row[2], row[3].encode(), bool(row[4]), row[5], bool(row[6])
        )

    def lot_number_used(self, billing_number: str, number: int, lot_id: str) -> str | None:
        """Another accepted lot of this practitioner with this number (its id), or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT lot_id FROM lots WHERE billing_number = ? AND lot_number = ? "
                "AND lot_id != ? AND positive = 1",
                (billing_number, number, lot_id),
            ).fetchone()
        return str(row[0]) if row else None

    def already_accepted(self, fse_ids: Sequence[str]) -> dict[str, str]:
        """FSE among ``fse_ids`` already accepted, with the lot that carried them."""
        found: dict[str, str] = {}
        with self._lock:
            for fse_id in fse_ids:
                row = self._db.execute(
                    "SELECT lot_id FROM fse WHERE fse_id = ?", (fse_id,)
                ).fetchone()
                if row is not None:
                    found[fse_id] = str(row[0])
        return found

    def apcv_session_used(self, session: str, fse_id: str) -> str | None:
        """The lot of another accepted FSE secured with this ApCV session, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT lot_id FROM fse WHERE fse_id != ? "
                "AND json_extract(data, '$.body.securing.apcv_session') = ?",
                (fse_id, session),
            ).fetchone()
        return str(row[0]) if row else None

    def note_reception(self, lot_id: str) -> None:
        """Count one more reception of an already known lot (never counted for billing)."""
        with self._tx() as db:
            db.execute("UPDATE lots SET receptions = receptions + 1 WHERE lot_id = ?", (lot_id,))

    def record_lot(
        self,
        *,
        lot_id: str,
        content_sha256: str,
        at: datetime,
        arl: bytes,
        positive: bool,
        fse: Sequence[tuple[str, dict[str, Any]]],
        lost: bool,
        publish: int,
        billing_number: str = "",
        lot_number: int | None = None,
    ) -> StoredLot:
        """Record a new lot, its ARL and its accepted FSE in one transaction.

        If another thread recorded the same lot first, nothing is written and the stored lot
        is returned: the first reception wins.
        """
        with self._tx() as db:
            exists = db.execute("SELECT 1 FROM lots WHERE lot_id = ?", (lot_id,)).fetchone()
            if exists is None:
                db.execute(
                    "INSERT INTO lots (lot_id, content_sha256, first_received_at, receptions, arl,"
                    " positive, fse_count, arl_lost, billing_number, lot_number)"
                    " VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?)",
                    (
                        lot_id,
                        content_sha256,
                        at.isoformat(),
                        arl.decode(),
                        int(positive),
                        len(fse),
                        int(lost),
                        billing_number,
                        lot_number,
                    ),
                )
                if positive:
                    for fse_id, data in fse:
                        # An FSE already accepted in another lot is not counted twice.
                        db.execute(
                            "INSERT OR IGNORE INTO fse (fse_id, lot_id, accepted_at, data)"
                            " VALUES (?, ?, ?, ?)",
                            (fse_id, lot_id, at.isoformat(), json.dumps(data, sort_keys=True)),
                        )
                for _ in range(publish):
                    db.execute(
                        "INSERT INTO arl_feed (lot_id, arl) VALUES (?, ?)", (lot_id, arl.decode())
                    )
        stored = self.find_lot(lot_id)
        assert stored is not None  # noqa: S101 - just written in this process
        return stored

    def deliver_arl(self, lot_id: str, publish: int) -> None:
        """Mark a lost ARL as delivered and publish it in the feed."""
        with self._tx() as db:
            row = db.execute(
                "SELECT arl, arl_lost FROM lots WHERE lot_id = ?", (lot_id,)
            ).fetchone()
            if row is None or not row[1]:
                return
            db.execute("UPDATE lots SET arl_lost = 0 WHERE lot_id = ?", (lot_id,))
            for _ in range(publish):
                db.execute("INSERT INTO arl_feed (lot_id, arl) VALUES (?, ?)", (lot_id, row[0]))

    def arls_after(self, seq: int, limit: int = 500) -> list[tuple[int, bytes]]:
        """ARL published after ``seq``, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, arl FROM arl_feed WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)
            ).fetchall()
        return [(r[0], r[1].encode()) for r in rows]

    # ---------------------------------------------------------------------- returns

    def fse_due(self, accepted_before: datetime) -> list[AcceptedFse]:
        """Accepted FSE with no NOEMIE return yet, accepted at or before the date."""
        with self._lock:
            rows = self._db.execute(
                "SELECT fse_id, lot_id, accepted_at, data FROM fse"
                " WHERE noemie_seq IS NULL AND accepted_at <= ? ORDER BY accepted_at, fse_id",
                (accepted_before.isoformat(),),
            ).fetchall()
        return [
            AcceptedFse(r[0], r[1], datetime.fromisoformat(r[2]), json.loads(r[3])) for r in rows
        ]

    def store_noemie(self, name: str, content: bytes, fse_ids: Sequence[str], at: datetime) -> int:
        """Keep a generated NOEMIE file and mark its FSE as returned; its sequence number."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO noemie_files (created_at, name, content) VALUES (?, ?, ?)",
                (at.isoformat(), name, content),
            )
            seq = int(cur.lastrowid or 0)
            db.executemany(
                "UPDATE fse SET noemie_seq = ? WHERE fse_id = ?", [(seq, f) for f in fse_ids]
            )
        return seq

    def noemie_after(self, seq: int) -> list[tuple[int, str, int]]:
        """(seq, name, size) of NOEMIE files after ``seq``."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, name, length(content) FROM noemie_files WHERE seq > ? ORDER BY seq",
                (seq,),
            ).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    def noemie(self, seq: int) -> tuple[str, bytes] | None:
        """Name and bytes of one NOEMIE file."""
        with self._lock:
            row = self._db.execute(
                "SELECT name, content FROM noemie_files WHERE seq = ?", (seq,)
            ).fetchone()
        return None if row is None else (row[0], bytes(row[1]))

    def next_noemie_number(self) -> int:
        """The file number the next NOEMIE file will carry."""
        with self._lock:
            row = self._db.execute("SELECT coalesce(max(seq), 0) + 1 FROM noemie_files").fetchone()
        return int(row[0])

    # ------------------------------------------------------------------------- misc

    def log_request(
        self, at: datetime, method: str, path: str, lot_id: str | None, status: int, fault: str
    ) -> None:
        """Keep one line per HTTP request (for the tests and the curious)."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO requests (at, method, path, lot_id, status, fault)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (at.isoformat(), method, path, lot_id, status, fault or None),
            )

    def summary(self) -> dict[str, int]:
        """Counts: lots, positive lots, receptions, accepted FSE, returned FSE, files."""
        with self._lock:
            lots, positive, receptions = self._db.execute(
                "SELECT count(*), coalesce(sum(positive), 0), coalesce(sum(receptions), 0)"
                " FROM lots"
            ).fetchone()
            fse, returned = self._db.execute(
                "SELECT count(*), count(noemie_seq) FROM fse"
            ).fetchone()
            files = self._db.execute("SELECT count(*) FROM noemie_files").fetchone()[0]
        return {
            "lots": lots,
            "lots_positifs": positive,
            "receptions": receptions,
            "fse_acceptees": fse,
            "fse_retournees": returned,
            "fichiers_noemie": files,
        }

    def lot_states(self) -> dict[str, bool]:
        """lot id -> ARL positive, for every lot received."""
        with self._lock:
            rows = self._db.execute("SELECT lot_id, positive FROM lots").fetchall()
        return {r[0]: bool(r[1]) for r in rows}

    def accepted_fse(self) -> dict[str, tuple[str, int | None]]:
        """fse id -> (lot id, NOEMIE file sequence or None), for every FSE accepted."""
        with self._lock:
            rows = self._db.execute("SELECT fse_id, lot_id, noemie_seq FROM fse").fetchall()
        return {r[0]: (r[1], r[2]) for r in rows}
