"""The queries of the alerts (``client.alerts``): lots without ARL, FSE near a deadline,
acknowledged alerts. Each reads only the rows that may raise an alert (an index on the
state, a bound on the date): at a million FSE a walk of every row took half a minute."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from billing.fse_states import FseState
from billing.lot import LotState
from client.store.connection import Repository
from client.store.mapping import row_of
from client.store.rows import stamp


@dataclass(frozen=True, slots=True)
class LotWithoutArl:
    """A lot tried or sent, with no ARL yet."""

    lot_id: str
    first_attempt_at: str | None
    received_at: str | None
    attempts: int | None
    number: int
    state: str


@dataclass(frozen=True, slots=True)
class UnsentFse:
    fse_uuid: str
    number: int
    care_date: str


@dataclass(frozen=True, slots=True)
class AcknowledgedFse:
    fse_uuid: str
    number: int
    received_at: str  # the ARL's reception


@dataclass(frozen=True, slots=True)
class RefusalArl:
    motifs: str  # JSON text
    received_at: str


@dataclass(frozen=True, slots=True)
class CounterRow:
    """The numbers a practitioner was given, as the database counts them."""

    practitioner_id: str
    last_fse_number: int
    lot_closings: int


@dataclass(frozen=True, slots=True)
class UnqueuedLot:
    """A signed lot with no outbox row: it would never be sent."""

    id: str
    number: int
    closed_at: str | None


class AlertQueries(Repository):
    """What the alerts read, and the alerts the user hid."""

    def acked_keys(self) -> set[str]:
        return {str(r["key"]) for r in self.db.query("SELECT key FROM alerts_ack")}

    def acknowledge(self, key: str, now: datetime) -> None:
        """Hide an alert (it comes back only if its key changes)."""
        with self.write():
            self.db.execute(
                "INSERT INTO alerts_ack (key, acked_at) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET acked_at = excluded.acked_at",
                [key, stamp(now)],
            )

    def lots_without_arl(self) -> list[LotWithoutArl]:
        """Lots tried or sent without an ARL. Lots with an ARL (acknowledged or refused,
        nearly all of them) are left out through the index on the state."""
        waiting = [s.value for s in LotState if s not in (LotState.ACKNOWLEDGED, LotState.REFUSED)]
        marks = ", ".join("?" * len(waiting))
        sql = (
            "SELECT t.lot_id, t.first_attempt_at, t.received_at, t.attempts, l.number, "  # noqa: S608
            "l.state FROM lots l JOIN transmissions t ON t.lot_id = l.id "
            f"LEFT JOIN arl a ON a.lot_id = t.lot_id WHERE l.state IN ({marks}) "
            "AND a.lot_id IS NULL"
        )
        return [row_of(LotWithoutArl, r) for r in self.db.query(sql, waiting)]

    def refusal(self, lot_id: str) -> RefusalArl | None:
        """The negative ARL of a lot, None when none was recorded."""
        row = self._one("SELECT motifs, received_at FROM arl WHERE lot_id = ?", [lot_id])
        return row_of(RefusalArl, row) if row else None

    def unsent_fse(self, care_until: str) -> list[UnsentFse]:
        """FSE not sent yet whose care date is ``care_until`` or before, oldest first."""
        return [
            row_of(UnsentFse, r)
            for r in self.db.query(
                "SELECT fse_uuid, number, care_date FROM fse WHERE state IN (?, ?) "
                "AND care_date <= ? ORDER BY care_date, number",
                [FseState.SECURED.value, FseState.IN_LOT.value, care_until],
            )
        ]

    def acknowledged_vitale(self, received_before: str) -> list[AcknowledgedFse]:
        """FSE secured with the carte Vitale, acknowledged by an ARL received before
        ``received_before`` and not paid (only they carry a garantie de paiement)."""
        return [
            row_of(AcknowledgedFse, r)
            for r in self.db.query(
                "SELECT f.fse_uuid, f.number, a.received_at "
                "FROM fse f JOIN arl a ON a.lot_id = f.lot_id "
                "WHERE f.state = ? AND f.mode = 'vitale' AND a.received_at < ?",
                [FseState.ACKNOWLEDGED.value, received_before],
            )
        ]

    # ------------------------------------------------------------------------------ gaps

    def counters(self) -> list[CounterRow]:
        """Every practitioner's counters."""
        return [
            row_of(CounterRow, r)
            for r in self.db.query(
                "SELECT practitioner_id, last_fse_number, lot_closings FROM counters"
            )
        ]

    def fse_numbers_held(self, practitioner_id: str, given: int) -> int:
        """How many of the numbers 1..``given`` have an FSE, or are known as unused."""
        row = self._one(
            "SELECT (SELECT count(*) FROM fse WHERE practitioner_id = ? AND number <= ?) "
            "+ (SELECT count(*) FROM fse_numbers_unused WHERE practitioner_id = ? "
            "AND number <= ? AND number NOT IN (SELECT number FROM fse "
            "WHERE practitioner_id = ?)) AS n",
            [practitioner_id, given, practitioner_id, given, practitioner_id],
        )
        return int(row["n"]) if row else given

    def fse_numbers_known(self, practitioner_id: str) -> set[int]:
        """The FSE numbers of a practitioner that have an FSE or are known as unused."""
        return {
            int(r["number"])
            for r in self.db.query(
                "SELECT number FROM fse WHERE practitioner_id = ? UNION "
                "SELECT number FROM fse_numbers_unused WHERE practitioner_id = ?",
                [practitioner_id, practitioner_id],
            )
        }

    def signed_lot_count(self, practitioner_id: str) -> int:
        """How many lots of a practitioner were signed (closed), by the database."""
        row = self._one(
            "SELECT count(*) AS n FROM lots WHERE practitioner_id = ? AND kind = 'fse' "
            "AND closed_at IS NOT NULL",
            [practitioner_id],
        )
        return int(row["n"]) if row else 0

    def unqueued_lots(self) -> list[UnqueuedLot]:
        """Signed lots absent from the outbox."""
        return [
            row_of(UnqueuedLot, r)
            for r in self.db.query(
                "SELECT l.id, l.number, l.closed_at FROM lots l LEFT JOIN outbox o ON o.id = l.id "
                "WHERE l.kind = 'fse' AND l.state = ? AND o.id IS NULL",
                [LotState.CLOSED.value],
            )
        ]
