"""The AMC side of the store (migration ``m018_amc_dre``): online engagements, DRE lots and
their own outbox (status, attempts, acknowledgement), the AMC's payments and rejections
(journaled like the NOEMIE payments), and the cursor of the AMC's returns feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from billing.audit import AuditKind, amc_payment_payload, payload_text
from billing.fse_states import FseState
from billing.lot_states import LotState
from client.store.connection import Connection, Repository
from client.store.journal import Journal
from client.store.stamps import parse_db_stamp, stamp


class EngagementOutcome(StrEnum):
    """What came of an engagement request."""

    GRANTED = "accorde"
    REFUSED = "refuse"
    UNREACHABLE = "injoignable"  # the AMC did not answer (or answered garbage)
    NO_CONVENTION = "sans-convention"  # not asked: no convention with this AMC


class DreStatus(StrEnum):
    """A DRE lot in its outbox."""

    PENDING = "pending"  # signed, to send (again, after ``next_attempt_at``)
    ACKNOWLEDGED = "acknowledged"  # the AMC's acknowledgement is positive
    REFUSED = "refused"  # negative acknowledgement: its motifs say why
    FAILED = "failed"  # the AMC refused the request itself: the user must look
    RELEASED = "released"  # refused, its DRE given back to a new lot (sent again)


@dataclass(frozen=True, slots=True)
class EngagementRow:
    id: int
    asked_at: datetime
    amc: str
    member: str
    care_date: date
    amount: Decimal
    practitioner_id: str
    outcome: EngagementOutcome
    number: str
    gestion: str
    motif: str
    fse_uuid: str | None


@dataclass(frozen=True, slots=True)
class DreCandidate:
    """An FSE whose AMC part goes to the AMC in a DRE (gestion séparée), its lot signed."""

    fse_uuid: str
    fse_number: int
    digest: str
    practitioner_id: str
    care_date: date
    birth_date: str
    rang: str
    total_fees: Decimal
    amo: Decimal
    amc_amount: Decimal
    amc: str
    member: str
    engagement: str


@dataclass(frozen=True, slots=True)
class DreLotRow:
    id: str
    number: int
    amc: str
    practitioner_id: str
    closed_at: datetime
    status: DreStatus
    attempts: int
    next_attempt_at: datetime | None
    last_error: str
    ack: bytes | None
    dre_count: int
    total_amc: Decimal


@dataclass(frozen=True, slots=True)
class AmcPaymentRow:
    id: int
    return_id: str
    fse_uuid: str
    lot_id: str
    engagement: str
    outcome: str
    billed_amc: Decimal
    paid_amc: Decimal
    paid_on: date
    virement_ref: str
    motif_code: str
    motif_label: str


def _engagement(r: dict[str, Any]) -> EngagementRow:
    return EngagementRow(
        id=int(r["id"]),
        asked_at=parse_db_stamp(r["asked_at"]),
        amc=r["amc"],
        member=r["member"],
        care_date=date.fromisoformat(r["care_date"]),
        amount=Decimal(r["amount"]),
        practitioner_id=r["practitioner_id"],
        outcome=EngagementOutcome(r["outcome"]),
        number=r["number"],
        gestion=r["gestion"],
        motif=r["motif"],
        fse_uuid=r["fse_uuid"],
    )


_LOT_SQL = "SELECT l.* FROM amc_dre_lots l"


def _lot(r: dict[str, Any], amounts: list[str]) -> DreLotRow:
    return DreLotRow(
        id=r["id"],
        number=int(r["number"]),
        amc=r["amc"],
        practitioner_id=r["practitioner_id"],
        closed_at=parse_db_stamp(r["closed_at"]),
        status=DreStatus(r["status"]),
        attempts=int(r["attempts"]),
        next_attempt_at=parse_db_stamp(r["next_attempt_at"]) if r["next_attempt_at"] else None,
        last_error=r["last_error"],
        ack=bytes(r["ack"]) if r["ack"] is not None else None,
        dre_count=len(amounts),
        total_amc=sum((Decimal(a) for a in amounts), Decimal("0.00")),
    )


def _payment(r: dict[str, Any]) -> AmcPaymentRow:
    return AmcPaymentRow(
        id=int(r["id"]),
        return_id=r["return_id"],
        fse_uuid=r["fse_uuid"],
        lot_id=r["lot_id"],
        engagement=r["engagement"],
        outcome=r["outcome"],
        billed_amc=Decimal(r["billed_amc"]),
        paid_amc=Decimal(r["paid_amc"]),
        paid_on=date.fromisoformat(r["paid_on"]),
        virement_ref=r["virement_ref"],
        motif_code=r["motif_code"],
        motif_label=r["motif_label"],
    )


class AmcLots(Repository):
    """Engagements, DRE lots and their outbox, AMC payments."""

    def __init__(self, conn: Connection, journal: Journal) -> None:
        super().__init__(conn)
        self.journal = journal

    # --------------------------------------------------------------- engagements

    def record_engagement(
        self,
        *,
        at: datetime,
        amc: str,
        member: str,
        care_date: date,
        amount: Decimal,
        practitioner_id: str,
        outcome: EngagementOutcome,
        number: str = "",
        gestion: str = "",
        motif: str = "",
    ) -> int:
        """Keep what was asked and answered (refusals too: the screen said so)."""
        with self.write():
            cursor = self.db.execute(
                "INSERT INTO amc_engagements (asked_at, amc, member, care_date, amount, "
                "practitioner_id, outcome, number, gestion, motif) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    stamp(at),
                    amc,
                    member,
                    care_date.isoformat(),
                    str(amount),
                    practitioner_id,
                    outcome.value,
                    number,
                    gestion,
                    motif[:200],
                ],
            )
            return int(cursor.lastrowid or 0)

    def link_engagement(self, engagement_id: int, fse_uuid: str) -> None:
        """The FSE secured under a granted engagement."""
        with self.write():
            self.db.execute(
                "UPDATE amc_engagements SET fse_uuid = ? WHERE id = ? AND outcome = ?",
                [fse_uuid, engagement_id, EngagementOutcome.GRANTED.value],
            )

    def engagements(self, limit: int = 100) -> list[EngagementRow]:
        return [
            _engagement(r)
            for r in self.db.query(
                "SELECT * FROM amc_engagements ORDER BY id DESC LIMIT ?", [limit]
            )
        ]

    def engagement_of(self, fse_uuid: str) -> EngagementRow | None:
        r = self._one(
            "SELECT * FROM amc_engagements WHERE fse_uuid = ? ORDER BY id DESC LIMIT 1",
            [fse_uuid],
        )
        return _engagement(r) if r else None

    # ------------------------------------------------------------------ DRE lots

    def dre_candidates(self, practitioner_id: str) -> list[DreCandidate]:
        """FSE of gestion séparée whose FSE lot is signed and that are in no DRE lot yet."""
        return [
            DreCandidate(
                fse_uuid=r["fse_uuid"],
                fse_number=int(r["number"]),
                digest=r["digest"],
                practitioner_id=r["practitioner_id"],
                care_date=date.fromisoformat(r["care_date"]),
                birth_date=r["birth_date"],
                rang=r["rang"],
                total_fees=Decimal(r["total_fees"]),
                amo=Decimal(r["amo"]),
                amc_amount=Decimal(r["amc"]),
                amc=r["amc_org"],
                member=r["member"],
                engagement=r["eng"],
            )
            for r in self.db.query(
                "SELECT f.fse_uuid, f.number, f.digest, f.practitioner_id, f.care_date, "
                "f.total_fees, f.amo, f.amc, p.birth_date, p.rang, e.amc AS amc_org, "
                "e.member, e.number AS eng FROM amc_engagements e "
                "JOIN fse f ON f.fse_uuid = e.fse_uuid "
                "JOIN patients p ON p.id = f.patient_id "
                "JOIN lots l ON l.id = f.lot_id "
                "WHERE e.outcome = ? AND e.gestion = 'separee' AND f.practitioner_id = ? "
                "AND f.tiers_payant_amc = 1 AND l.state NOT IN (?, ?) AND f.state NOT IN (?, ?) "
                "AND NOT EXISTS (SELECT 1 FROM amc_dre_items i WHERE i.fse_uuid = f.fse_uuid) "
                "ORDER BY e.amc, f.number",
                [
                    EngagementOutcome.GRANTED.value,
                    practitioner_id,
                    LotState.OPEN.value,
                    LotState.VOIDED.value,
                    FseState.CANCELLED.value,
                    FseState.RECTIFIED.value,
                ],
            )
        ]

    def next_dre_number(self, practitioner_id: str, amc: str) -> int:
        r = self._one(
            "SELECT coalesce(max(number), 0) AS n FROM amc_dre_lots "
            "WHERE practitioner_id = ? AND amc = ?",
            [practitioner_id, amc],
        )
        return int(r["n"] if r else 0) + 1

    def insert_dre_lot(
        self,
        *,
        lot_id: str,
        number: int,
        amc: str,
        practitioner_id: str,
        closed_at: datetime,
        content_sha256: str,
        der: bytes,
        items: list[tuple[str, str, Decimal]],
    ) -> None:
        """A signed DRE lot, its DRE (fse_uuid, engagement, amount) and its outbox status,
        in one transaction: nothing half-written."""
        with self.write():
            self.db.execute(
                "INSERT INTO amc_dre_lots (id, number, amc, practitioner_id, closed_at, "
                "content_sha256, signed_der, status, next_attempt_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    lot_id,
                    number,
                    amc,
                    practitioner_id,
                    stamp(closed_at),
                    content_sha256,
                    der,
                    DreStatus.PENDING.value,
                    stamp(closed_at),
                ],
            )
            for fse_uuid, engagement, amount in items:
                self.db.execute(
                    "INSERT INTO amc_dre_items (fse_uuid, lot_id, engagement, amount) "
                    "VALUES (?, ?, ?, ?)",
                    [fse_uuid, lot_id, engagement, str(amount)],
                )

    def dre_lots(self, status: DreStatus | None = None) -> list[DreLotRow]:
        if status is None:
            rows = self.db.query(f"{_LOT_SQL} ORDER BY l.closed_at, l.number")
        else:
            rows = self.db.query(
                f"{_LOT_SQL} WHERE l.status = ? ORDER BY l.closed_at, l.number", [status.value]
            )
        return [self._lot(r) for r in rows]

    def _lot(self, r: dict[str, Any]) -> DreLotRow:
        # Amounts are TEXT decimals: summed here, exactly (and the same on every backend).
        amounts = [
            str(a["amount"])
            for a in self.db.query("SELECT amount FROM amc_dre_items WHERE lot_id = ?", [r["id"]])
        ]
        return _lot(r, amounts)

    def due_dre_lots(self, now: datetime) -> list[tuple[DreLotRow, bytes]]:
        """PENDING lots whose next attempt is due, with their signed bytes."""
        rows = self.db.query(
            f"{_LOT_SQL} WHERE l.status = ? AND (l.next_attempt_at IS NULL "
            "OR l.next_attempt_at <= ?) ORDER BY l.closed_at, l.number",
            [DreStatus.PENDING.value, stamp(now)],
        )
        return [(self._lot(r), bytes(r["signed_der"])) for r in rows]

    def dre_answered(self, lot_id: str, status: DreStatus, ack: bytes, now: datetime) -> None:
        with self.write():
            self.db.execute(
                "UPDATE amc_dre_lots SET status = ?, ack = ?, ack_at = ?, attempts = "
                "attempts + 1, next_attempt_at = NULL, last_error = '' WHERE id = ?",
                [status.value, ack, stamp(now), lot_id],
            )

    def dre_retry(self, lot_id: str, error: str, at: datetime, now: datetime) -> None:
        """A failure that may pass (network): try again at ``at``."""
        with self.write():
            self.db.execute(
                "UPDATE amc_dre_lots SET attempts = attempts + 1, next_attempt_at = ?, "
                "last_error = ? WHERE id = ? AND status = ?",
                [stamp(at), error[:500], lot_id, DreStatus.PENDING.value],
            )

    def dre_fail(self, lot_id: str, error: str) -> None:
        with self.write():
            self.db.execute(
                "UPDATE amc_dre_lots SET status = ?, attempts = attempts + 1, "
                "next_attempt_at = NULL, last_error = ? WHERE id = ?",
                [DreStatus.FAILED.value, error[:500], lot_id],
            )

    def dre_requeue(self, lot_id: str, now: datetime) -> bool:
        """A failed lot queued again, due now: the same signed bytes under the same id (the
        idempotency key), so the AMC counts it once. False when it is not failed."""
        with self.write():
            cursor = self.db.execute(
                "UPDATE amc_dre_lots SET status = ?, next_attempt_at = ?, last_error = '' "
                "WHERE id = ? AND status = ?",
                [DreStatus.PENDING.value, stamp(now), lot_id, DreStatus.FAILED.value],
            )
            return cursor.rowcount == 1

    def dre_release(self, lot_id: str) -> int:
        """A refused lot gives its DRE back: they go in a new lot, signed at the next
        closing (the AMC kept nothing of a refused lot). How many DRE; 0 when the lot is
        not refused. The refused lot stays, with its signed bytes and acknowledgement."""
        with self.write():
            cursor = self.db.execute(
                "UPDATE amc_dre_lots SET status = ? WHERE id = ? AND status = ?",
                [DreStatus.RELEASED.value, lot_id, DreStatus.REFUSED.value],
            )
            if cursor.rowcount != 1:
                return 0
            released = self.db.execute("DELETE FROM amc_dre_items WHERE lot_id = ?", [lot_id])
            return int(released.rowcount)

    def dre_item(self, fse_uuid: str) -> tuple[str, str, Decimal] | None:
        """(DRE lot id, engagement, AMC amount asked) of an FSE's DRE."""
        r = self._one(
            "SELECT i.lot_id, i.engagement, i.amount, l.status FROM amc_dre_items i "
            "JOIN amc_dre_lots l ON l.id = i.lot_id WHERE i.fse_uuid = ?",
            [fse_uuid],
        )
        return (r["lot_id"], r["engagement"], Decimal(r["amount"])) if r else None

    # ------------------------------------------------------------------- returns

    def feed_cursor(self) -> int:
        r = self._one("SELECT last_seq FROM amc_feed WHERE id = 1")
        return int(r["last_seq"]) if r else 0

    def payment_of(self, fse_uuid: str) -> AmcPaymentRow | None:
        r = self._one("SELECT * FROM amc_payments WHERE fse_uuid = ?", [fse_uuid])
        return _payment(r) if r else None

    def payment_by_return(self, return_id: str) -> AmcPaymentRow | None:
        r = self._one("SELECT * FROM amc_payments WHERE return_id = ?", [return_id])
        return _payment(r) if r else None

    def record_payment(
        self,
        *,
        return_id: str,
        fse_uuid: str,
        lot_id: str,
        engagement: str,
        outcome: str,
        billed: Decimal,
        paid: Decimal,
        paid_on: date,
        virement_ref: str,
        motif_code: str,
        motif_label: str,
        now: datetime,
    ) -> None:
        """One payment (or rejection) of the AMC part, journaled in the same transaction."""
        self._require_transaction()
        cursor = self.db.execute(
            "INSERT INTO amc_payments (return_id, fse_uuid, lot_id, engagement, outcome, "
            "billed_amc, paid_amc, paid_on, virement_ref, motif_code, motif_label, "
            "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                return_id,
                fse_uuid,
                lot_id,
                engagement,
                outcome,
                str(billed),
                str(paid),
                paid_on.isoformat(),
                virement_ref,
                motif_code,
                motif_label,
                stamp(now),
            ],
        )
        row = self._one("SELECT * FROM amc_payments WHERE id = ?", [cursor.lastrowid])
        assert row is not None  # noqa: S101 - just inserted, same transaction
        payload = amc_payment_payload(row)
        payload_text(payload)  # fails here, inside the transaction, on a non-JSON value
        self.journal.append(now, AuditKind.AMC_PAYMENT.value, fse_id=fse_uuid, payload=payload)

    def set_feed_cursor(self, seq: int) -> None:
        self._require_transaction()
        self.db.execute(
            "INSERT INTO amc_feed (id, last_seq) VALUES (1, ?) "
            "ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq",
            [seq],
        )

    def payments(self, limit: int = 200) -> list[AmcPaymentRow]:
        return [
            _payment(r)
            for r in self.db.query("SELECT * FROM amc_payments ORDER BY id DESC LIMIT ?", [limit])
        ]
