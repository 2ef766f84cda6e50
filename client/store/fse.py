"""The store's FSE writes: insert, transitions, rectification, duplicata, settlement at
the desk, cancellation."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from billing.audit import AuditKind
from billing.fse import Fse, decimal_text, money
from billing.fse_states import FseEventKind, FseState, check_duplicata, check_transition
from billing.lot import LotRules
from billing.lot_states import LotState
from client.store.base import People
from client.store.connection import Connection, Repository
from client.store.errors import StoreError
from client.store.lots import LotWrites
from client.store.packing import pack_document
from client.store.rows import FseRow, OutboxStatus, stamp


class FseWrites(Repository):
    """Writing FSE; their lots through ``LotWrites``, their events through ``Journal``."""

    def __init__(self, conn: Connection, people: People, lot_writes: LotWrites) -> None:
        super().__init__(conn)
        self.people = people
        self.lot_writes = lot_writes
        self.journal = lot_writes.journal
        self.queries = lot_writes.queries

    def insert_fse(
        self,
        fse: Fse,
        *,
        patient_names: tuple[str, str],
        now: datetime,
        rules: LotRules,
    ) -> FseRow:
        """Store a secured FSE: practitioner, patient, FSE, acts, events, open lot, outbox.

        Must run inside ``write()``; the FSE's number was handed out by
        ``next_fse_number`` (in an earlier transaction, or this one).
        """
        self._require_transaction()
        body = fse.body
        pid = self.people.upsert_practitioner(body.practitioner, now)
        patient_id = self.people.upsert_patient(body, patient_names[0], patient_names[1], now)
        amounts = body.amounts.to_document()
        cursor = self.db.execute(
            "INSERT INTO fse (fse_uuid, practitioner_id, number, patient_id, care_date, "
            "created_at, mode, degrade_reason, state, regime, caisse, centre, total_fees, amo, "
            "participation_forfaitaire, amc, patient_remainder, tiers_payant_amo, "
            "tiers_payant_amc, canonical, digest, vitale_serial, vitale_certification, "
            "lot_id, updated_at) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
            [
                body.fse_id,
                pid,
                body.number,
                patient_id,
                body.care_date.isoformat(),
                stamp(body.created_at),
                body.mode.lot_mode.value,  # an ApCV FSE: its session below (m019)
                body.degrade_reason,
                FseState.SECURED.value,
                body.organism.regime,
                body.organism.caisse,
                body.organism.centre,
                amounts["total_fees"],
                amounts["amo"],
                amounts["participation_forfaitaire"],
                amounts["amc"],
                amounts["patient_remainder"],
                int(body.tiers_payant.amo),
                int(body.tiers_payant.amc),
                pack_document(fse.canonical().decode("utf-8")),
                fse.digest.hex(),
                body.vitale_serial,
                fse.certification.hex(),
                stamp(now),
            ],
        )
        fse_id = int(cursor.lastrowid or 0)
        if body.apcv_session:
            self.db.execute(
                "UPDATE fse SET apcv_session = ? WHERE id = ?", [body.apcv_session, fse_id]
            )
        for line, act in enumerate(body.acts, start=1):
            self.db.execute(
                "INSERT INTO fse_acts (fse_id, line, patient_id, practitioner_id, act_date, "
                "code, quantity, coefficient, overrun_kind, fee) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    fse_id,
                    line,
                    patient_id,
                    pid,
                    act.date.isoformat(),
                    act.code,
                    act.quantity,
                    decimal_text(act.coefficient),
                    act.overrun_kind,
                    money(act.fee),
                ],
            )
        # The entries of a secured FSE (created, secured, lot member) as one journal row:
        # they repeat its uuid and digest (issue #27, ~130 B per FSE); each keeps its seq.
        with self.journal.grouped():
            self.journal.event(fse_id, now, FseEventKind.CREATED, None, FseState.DRAFT, None)
            self.journal.event(
                fse_id,
                now,
                FseEventKind.SECURED,
                FseState.DRAFT,
                FseState.SECURED,
                f"mode {body.mode.value}"
                + (f" : {body.degrade_reason}" if body.degrade_reason else ""),
            )
            self.lot_writes.assign_to_open_lot(fse_id, now, rules)
        row = self.queries.fse_by_id(fse_id)
        return row

    def transition_fse(
        self,
        fse_id: int,
        to_state: FseState,
        kind: FseEventKind,
        now: datetime,
        detail: str | None = None,
    ) -> FseRow:
        """Move one FSE to ``to_state`` (checked by the state machine) and record the event."""
        with self.write():
            row = self.queries.fse_by_id(fse_id)
            check_transition(row.state, to_state, row.number)
            self.db.execute(
                "UPDATE fse SET state = ?, updated_at = ? WHERE id = ?",
                [to_state.value, stamp(now), fse_id],
            )
            self.journal.event(fse_id, now, kind, row.state, to_state, detail)
            return self.queries.fse_by_id(fse_id)

    def record_rectification(self, original_id: int, rectificative_id: int, now: datetime) -> None:
        """Link an FSE rectificative to the FSE it replaces, which becomes ``rectified``.

        Must run inside ``write()``, the transaction that stores the rectificative: both
        are written or neither is. What the patient paid at the desk for the original is
        recorded (and journaled) for the rectificative too.
        :raises FseStateError: the original is not rejected nor refused (or was rectified).
        """
        self._require_transaction()
        original = self.queries.fse_by_id(original_id)
        rectificative = self.queries.fse_by_id(rectificative_id)
        check_transition(original.state, FseState.RECTIFIED, original.number)
        self.db.execute(
            "UPDATE fse SET state = ?, updated_at = ? WHERE id = ?",
            [FseState.RECTIFIED.value, stamp(now), original_id],
        )
        self.db.execute(
            "INSERT INTO fse_rectifications (original_id, rectificative_id, at) VALUES (?, ?, ?)",
            [original_id, rectificative_id, stamp(now)],
        )
        self.journal.event(
            original_id,
            now,
            FseEventKind.RECTIFIED,
            original.state,
            FseState.RECTIFIED,
            f"remplacée par la FSE rectificative n° {rectificative.number}",
        )
        # The patient paid at the desk once, for the original: the rectificative bills that
        # care now, so it carries the payment (recette, patient part, receipt).
        carried = self.db.execute(
            "INSERT INTO fse_settlements (fse_id, means, amount, recorded_at) "
            "SELECT ?, means, amount, recorded_at FROM fse_settlements WHERE fse_id = ?",
            [rectificative_id, original_id],
        )
        if carried.rowcount:
            self.journal.journal_settlement(rectificative_id, now)

    def rectification_links(self, fse_id: int) -> tuple[FseRow | None, FseRow | None]:
        """(the FSE this one rectifies, the FSE that rectifies this one), None where none."""
        found = self._one(
            "SELECT (SELECT original_id FROM fse_rectifications WHERE rectificative_id = ?) "
            "AS original, (SELECT rectificative_id FROM fse_rectifications "
            "WHERE original_id = ?) AS rectificative",
            [fse_id, fse_id],
        )
        if found is None:
            return None, None
        original, rectificative = found["original"], found["rectificative"]
        return (
            None if original is None else self.queries.fse_by_id(int(original)),
            None if rectificative is None else self.queries.fse_by_id(int(rectificative)),
        )

    def record_duplicata(self, fse_id: int, now: datetime, detail: str | None = None) -> None:
        """Record that a duplicata of the FSE was issued (the state does not change)."""
        with self.write():
            row = self.queries.fse_by_id(fse_id)
            check_duplicata(row.state, row.number)
            self.journal.event(fse_id, now, FseEventKind.DUPLICATA, row.state, row.state, detail)

    def record_settlement(self, fse_id: int, means: str, amount: Decimal, now: datetime) -> None:
        """How the patient paid at the desk (``especes``, ``cheque``, ``carte``) and how much
        was collected, journaled; recorded again, it replaces the first (a corrected entry,
        journaled anew: the last entry is what ``audit verify`` expects)."""
        with self.write():
            self.db.execute(
                "INSERT INTO fse_settlements (fse_id, means, amount, recorded_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (fse_id) DO UPDATE SET means = excluded.means, "
                "amount = excluded.amount, recorded_at = excluded.recorded_at",
                [fse_id, means, str(amount.quantize(Decimal("0.01"))), stamp(now)],
            )
            self.journal.journal_settlement(fse_id, now)

    def settlement(self, fse_id: int) -> tuple[str, Decimal] | None:
        """(means, amount collected) recorded for the FSE, None when nothing was."""
        found = self.db.execute(
            "SELECT means, amount FROM fse_settlements WHERE fse_id = ?", [fse_id]
        ).fetchone()
        return (str(found[0]), Decimal(str(found[1]))) if found is not None else None

    def cancel_fse(self, fse_id: int, now: datetime, reason: str, rules: LotRules) -> FseRow:
        """Cancel an FSE that has not left: out of its open lot, or its closed lot voided.

        When the FSE sits in a closed (signed, unsent) lot, that lot is voided (state
        ``voided``, outbox row removed, signed DER kept for the record) and its other FSE go
        back to ``secured`` in an open lot, to be signed again in a new lot.
        :raises FseStateError: the FSE was sent already (or is cancelled).
        :raises StoreError: its lot is being sent right now.
        """
        with self.write():
            row = self.queries.fse_by_id(fse_id)
            check_transition(row.state, FseState.CANCELLED, row.number)
            lot_id = row.lot_id
            if row.state is FseState.IN_LOT and lot_id is not None:
                outbox = self.queries.outbox_get(lot_id)
                if outbox is None or outbox.status is not OutboxStatus.PENDING:
                    raise StoreError(
                        f"La FSE n° {row.number} est dans un lot en cours d'envoi : "
                        "annulation impossible."
                    )
                self.db.execute("DELETE FROM outbox WHERE id = ?", [lot_id])
                self.db.execute(
                    "UPDATE lots SET state = ?, updated_at = ? WHERE id = ?",
                    [LotState.VOIDED.value, stamp(now), lot_id],
                )
                self.journal.lot_entry(lot_id, now, AuditKind.LOT_STATE, lot_event="voided")
                for other in self.queries.fse_list(lot_id=lot_id):
                    if other.id == fse_id:
                        continue
                    check_transition(other.state, FseState.SECURED, other.number)
                    self.db.execute(
                        "UPDATE fse SET state = ?, lot_id = NULL, updated_at = ? WHERE id = ?",
                        [FseState.SECURED.value, stamp(now), other.id],
                    )
                    voided = self.queries.lot_by_id(lot_id)
                    self.journal.event(
                        other.id,
                        now,
                        FseEventKind.LOT_REOPENED,
                        other.state,
                        FseState.SECURED,
                        f"lot n° {voided.number} annulé (FSE n° {row.number})",
                    )
                    self.lot_writes.assign_to_open_lot(other.id, now, rules)
            self.db.execute(
                "UPDATE fse SET state = ?, lot_id = NULL, updated_at = ? WHERE id = ?",
                [FseState.CANCELLED.value, stamp(now), fse_id],
            )
            self.journal.event(
                fse_id, now, FseEventKind.CANCELLED, row.state, FseState.CANCELLED, reason
            )
            if lot_id is not None and row.state is not FseState.IN_LOT:
                self.lot_writes.refresh(lot_id, now)
            return self.queries.fse_by_id(fse_id)
