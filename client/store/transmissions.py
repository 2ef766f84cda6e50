"""The exchanges with the concentrator: sync positions (``sync_state``), the transport
log, each lot's transmission times and its ARL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from client.store.connection import Repository
from client.store.mapping import row_of
from client.store.rows import stamp

if TYPE_CHECKING:  # the ARL parser is loaded by the returns, not by opening the store
    from billing.arl import Arl


@dataclass(frozen=True, slots=True)
class LotReturnTimes:
    """When a lot was first tried, taken by the concentrator, and its ARL received."""

    received_at: str | None
    first_attempt_at: str | None
    arl_at: str | None


@dataclass(frozen=True, slots=True)
class KnownArl:
    """The ARL already recorded for a lot."""

    arl_id: str
    status: str


class Transmissions(Repository):
    """Sync positions, the transport log, transmissions and ARL rows."""

    def sync_value(self, key: str) -> str | None:
        """A position kept between two exchanges (feed positions, last contact...)."""
        row = self._one("SELECT value FROM sync_state WHERE key = ?", [key])
        return str(row["value"]) if row else None

    def set_sync_value(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO sync_state (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def log(self, now: datetime, event: str, detail: str, lot_id: str | None) -> None:
        """One line in the transport log."""
        self.db.execute(
            "INSERT INTO transport_log (at, lot_id, event, detail) VALUES (?, ?, ?, ?)",
            [stamp(now), lot_id, event, detail],
        )

    def note_attempt(self, lot_id: str, now: datetime) -> None:
        """A delivery attempt of a lot (the first one's time kept)."""
        self.db.execute(
            "INSERT INTO transmissions (lot_id, first_attempt_at, last_attempt_at, attempts) "
            "VALUES (?, ?, ?, 1) ON CONFLICT (lot_id) DO UPDATE SET "
            "last_attempt_at = excluded.last_attempt_at, attempts = transmissions.attempts + 1, "
            "first_attempt_at = coalesce(transmissions.first_attempt_at, "
            "excluded.first_attempt_at)",
            [lot_id, stamp(now), stamp(now)],
        )

    def note_received(self, lot_id: str, now: datetime) -> None:
        """The concentrator has the lot (the first time kept)."""
        self.db.execute(
            "INSERT INTO transmissions (lot_id, received_at) VALUES (?, ?) "
            "ON CONFLICT (lot_id) DO UPDATE SET "
            "received_at = coalesce(transmissions.received_at, excluded.received_at)",
            [lot_id, stamp(now)],
        )

    def known_arl(self, lot_id: str) -> KnownArl | None:
        """The ARL recorded for a lot, None when none was."""
        # A plain read (no savepoint around it, as ``_one`` takes): once per ARL recorded.
        row = self.db.execute(
            "SELECT arl_id, status FROM arl WHERE lot_id = ?", [lot_id]
        ).fetchone()
        return KnownArl(arl_id=str(row[0]), status=str(row[1])) if row else None

    def count_duplicate_arl(self, lot_id: str) -> None:
        """The same ARL came again."""
        self.db.execute("UPDATE arl SET duplicates = duplicates + 1 WHERE lot_id = ?", [lot_id])

    def record_arl(self, arl: Arl, motifs_json: str, document: str, now: datetime) -> None:
        """Record an ARL and when it came (in the caller's transaction)."""
        self.db.execute(
            "INSERT INTO arl (lot_id, arl_id, status, received_at, processed_at, fse_count, "
            "motifs, document) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                arl.lot_id,
                arl.arl_id,
                arl.status.value,
                stamp(arl.received_at),
                stamp(now),
                arl.fse_count,
                motifs_json,
                document,
            ],
        )
        self.db.execute(
            "INSERT INTO transmissions (lot_id, arl_at) VALUES (?, ?) "
            "ON CONFLICT (lot_id) DO UPDATE SET arl_at = excluded.arl_at",
            [arl.lot_id, stamp(now)],
        )

    def lots_waiting_for_arl(self) -> list[str]:
        """Lots the concentrator has (or may have) that have no ARL here yet."""
        rows = self.db.query(
            "SELECT t.lot_id FROM transmissions t LEFT JOIN arl a ON a.lot_id = t.lot_id "
            "WHERE a.lot_id IS NULL AND t.received_at IS NOT NULL ORDER BY t.received_at"
        )
        return [str(r["lot_id"]) for r in rows]

    def lot_return_times(self, lot_id: str) -> LotReturnTimes | None:
        """The transmission of a lot and its ARL's reception, None when never sent."""
        row = self._one(
            "SELECT t.received_at, t.first_attempt_at, a.received_at AS arl_at "
            "FROM transmissions t LEFT JOIN arl a ON a.lot_id = t.lot_id WHERE t.lot_id = ?",
            [lot_id],
        )
        return row_of(LotReturnTimes, row) if row else None

    def arl_motifs(self, lot_id: str) -> str | None:
        """The motifs of a lot's ARL (JSON text), None when no ARL was received."""
        row = self._one("SELECT motifs FROM arl WHERE lot_id = ?", [lot_id])
        return str(row["motifs"]) if row else None
