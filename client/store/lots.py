"""Lots and the outbox: an FSE's open lot, closing and signing, lot transitions (sent,
acknowledged, refused), the sender's claims, and counters reconciled at opening."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from billing.audit import AuditKind, sha256_hex
from billing.fse_states import FseEventKind, FseState, check_transition
from billing.lot import DEFAULT_RULES, LotRules
from billing.lot_states import KIND_FSE, LotState
from billing.securing_modes import SecuringMode
from client.store.base import Numbers
from client.store.connection import Connection, Repository
from client.store.errors import NotFoundError, StoreError
from client.store.lot_counts import move_lot_fse
from client.store.lot_step import LotStep
from client.store.rows import LotRow, OutboxRow, OutboxStatus, _outbox_row, stamp

if TYPE_CHECKING:
    from client.store.journal import Journal

logger = logging.getLogger(__name__)

#: A state as stored → the enum (a dict: 50 per lot moved, 3× faster than ``FseState(x)``).
_STATES = {state.value: state for state in FseState}
#: ``LotMember`` from its fields in order, as the tuple it is (no keyword constructor).
_new_member = tuple.__new__


class LotMember(NamedTuple):
    """An FSE of a lot as its transition names it in events (``rows.EventSubject``): a named
    tuple, 50 made per ARL (a third of a frozen dataclass's cost, issue #27)."""

    id: int
    fse_uuid: str
    practitioner_id: str
    number: int
    state: FseState
    digest: str
    lot_id: str | None


class LotWrites(Repository):
    """Lots, their transitions and the outbox rows the sender claims."""

    def __init__(self, conn: Connection, numbers: Numbers, journal: Journal) -> None:
        super().__init__(conn)
        self.numbers = numbers
        self.journal = journal
        self.queries = journal.queries

    def assign_to_open_lot(self, fse_id: int, now: datetime, rules: LotRules) -> str:
        """Put a secured FSE in the open lot of its (practitioner, organism, mode)."""
        fse = self.queries.fse_by_id(fse_id)
        # An ApCV FSE travels in the secured (« vitale ») lots: billing.lot.lot_key.
        lot_mode = SecuringMode(fse.mode).lot_mode.value
        open_lot = self._one(
            "SELECT id FROM lots WHERE practitioner_id = ? AND kind = ? AND state = ? "
            "AND regime = ? AND caisse = ? AND centre = ? AND mode = ? AND fse_count < ? "
            "ORDER BY number LIMIT 1",
            [
                fse.practitioner_id,
                KIND_FSE,
                LotState.OPEN.value,
                fse.regime,
                fse.caisse,
                fse.centre,
                lot_mode,
                rules.max_fse,
            ],
        )
        if open_lot is None:
            import uuid  # here: a listing opens lots and makes none (issue #27)

            lot_id = str(uuid.uuid4())
            number = self.numbers.next_lot_number(fse.practitioner_id)
            self.db.execute(
                "INSERT INTO lots (id, practitioner_id, number, kind, regime, caisse, centre, "
                "mode, state, fse_count, oldest_fse_at, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?)",
                [
                    lot_id,
                    fse.practitioner_id,
                    number,
                    KIND_FSE,
                    fse.regime,
                    fse.caisse,
                    fse.centre,
                    lot_mode,
                    LotState.OPEN.value,
                    stamp(now),
                    stamp(now),
                ],
            )
            self.db.execute(
                "INSERT INTO outbox (id, kind, status, attempts, created_at, updated_at) "
                "VALUES (?, ?, ?, 0, ?, ?)",
                [lot_id, KIND_FSE, int(OutboxStatus.HELD), stamp(now), stamp(now)],
            )
        else:
            lot_id = open_lot["id"]
        self.db.execute("UPDATE fse SET lot_id = ? WHERE id = ?", [lot_id, fse_id])
        self.refresh(lot_id, now)
        lot = self.queries.lot_by_id(lot_id)
        self.journal.append(
            now,
            AuditKind.LOT_MEMBER.value,
            fse_id=fse.fse_uuid,
            lot_id=lot_id,
            payload={
                "number": fse.number,
                "practitioner": fse.practitioner_id,
                "lot_number": lot.number,
            },
        )
        return lot_id

    def refresh(self, lot_id: str, now: datetime) -> None:
        self.db.execute(
            "UPDATE lots SET fse_count = (SELECT COUNT(*) FROM fse WHERE lot_id = lots.id), "
            "oldest_fse_at = (SELECT MIN(created_at) FROM fse WHERE lot_id = lots.id), "
            "updated_at = ? WHERE id = ?",
            [stamp(now), lot_id],
        )

    def close_lot(
        self,
        lot_id: str,
        *,
        now: datetime,
        content_sha256: str,
        signed_der: bytes,
        journal_head: tuple[int, str] | None = None,
    ) -> LotRow:
        """Record a lot as closed and signed: its FSE go ``in_lot``, its outbox row PENDING.

        Must run inside ``write()`` together with the reading of the FSE that were signed.
        ``journal_head``: the (seq, hash) the signed content carries (``journal_head()``
        read in this same transaction).
        """
        from client.store.lot_bytes import packed_lot  # asn1crypto only when a lot is signed

        self._require_transaction()
        lot = self.queries.lot_by_id(lot_id)
        if lot.state is not LotState.OPEN:
            raise StoreError(f"Le lot n° {lot.number} n'est plus ouvert.")
        # Counted on disk before commit: a restored older database will not reuse this lot.
        self.numbers._next(lot.practitioner_id, "closing")
        self.db.execute(
            "UPDATE lots SET state = ?, closed_at = ?, signed_der = ?, content_sha256 = ?, "
            "journal_seq = ?, journal_head = ?, updated_at = ? WHERE id = ?",
            [
                LotState.CLOSED.value,
                stamp(now),
                packed_lot(self.db, lot_id, signed_der),
                content_sha256,
                journal_head[0] if journal_head else None,
                journal_head[1] if journal_head else None,
                stamp(now),
                lot_id,
            ],
        )
        members = self.queries.fse_list(lot_id=lot_id)
        for fse in members:
            check_transition(fse.state, FseState.IN_LOT, fse.number)
            self.db.execute(
                "UPDATE fse SET state = ?, updated_at = ? WHERE id = ?",
                [FseState.IN_LOT.value, stamp(now), fse.id],
            )
        # The lot's events at once: one row of the journal for all (issue #27).
        self.journal.lot_events(
            members, now, FseEventKind.LOT_CLOSED, FseState.IN_LOT, f"lot n° {lot.number}"
        )
        self.db.execute(
            "UPDATE outbox SET status = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?",
            [int(OutboxStatus.PENDING), stamp(now), stamp(now), lot_id],
        )
        self.journal.lot_entry(
            lot_id,
            now,
            AuditKind.LOT_SIGNED,
            content_sha256=content_sha256,
            signed_sha256=sha256_hex(signed_der),
            fse_count=lot.fse_count,
            journal_seq=journal_head[0] if journal_head else None,
        )
        return self.queries.lot_by_id(lot_id)

    def lot_transition(
        self,
        lot_id: str,
        lot_state: LotState,
        fse_state: FseState,
        kind: FseEventKind,
        now: datetime,
        detail: str | None = None,
    ) -> LotRow:
        """Move a lot and all its FSE (sent, ARL positive/negative), recording each event.

        For the transmission side: ``lot_transition(id, LotState.SENT, FseState.SENT,
        FseEventKind.SENT, now)``, then ``ACKNOWLEDGED``/``ARL_POSITIVE`` or
        ``REFUSED``/``ARL_NEGATIVE``.
        """
        return self.lot_steps(lot_id, [LotStep(lot_state, fse_state, kind, detail)], now)

    def lot_steps(
        self, lot_id: str, steps: Sequence[LotStep], now: datetime, lot: LotRow | None = None
    ) -> LotRow:
        """Move a lot and its FSE through ``steps`` in order (sent then acknowledged, when
        the ARL comes with the send's answer), in one transaction: every step checked and
        journaled as ``lot_transition`` would, but each FSE row written once, with the last
        state (a state change rewrites the row and fires its counters' triggers). The
        steps' journal entries (the FSE's events, the lot's states) are one row. ``lot``:
        the lot as the caller read it in its open transaction (not read again)."""
        if lot is not None:
            self._require_transaction()  # read in this transaction, or it may have moved
        with self.write(), self.journal.grouped():
            lot = lot if lot is not None and lot.id == lot_id else self.queries.lot_by_id(lot_id)
            # A rectified FSE stays as it is: its rectificative, in another lot, replaces it.
            # Only what the events name is read: not the documents.
            moved = [
                _new_member(LotMember, (r[0], r[1], r[2], r[3], _STATES[r[4]], r[5], lot_id))
                for r in self.db.execute(
                    "SELECT id, fse_uuid, practitioner_id, number, state, digest FROM fse "
                    "WHERE lot_id = ? AND state NOT IN (?, ?) ORDER BY practitioner_id, number",
                    [lot_id, FseState.CANCELLED.value, FseState.RECTIFIED.value],
                )
            ]
            when = stamp(now)
            left: FseState | None = None  # the state of the step before (None: the rows')
            # The steps' event numbers taken at once (one counter update per lot).
            first_id = self.journal.event_ids(len(moved) * len(steps)) if moved else 0
            for number, step in enumerate(steps):
                for fse in moved:
                    check_transition(left or fse.state, step.fse_state, fse.number)
                detail = step.detail or f"lot n° {lot.number}"
                self.journal.lot_events(
                    moved,
                    now,
                    step.kind,
                    step.fse_state,
                    detail,
                    left,
                    first_id=first_id + number * len(moved),
                )
                # Journal.lot_entry's payload, from the lot read above (not read again).
                self.journal.append(
                    now,
                    AuditKind.LOT_STATE.value,
                    lot_id=lot_id,
                    payload={
                        "lot_number": lot.number,
                        "practitioner": lot.practitioner_id,
                        "state": step.lot_state.value,
                        "lot_event": step.kind.value,
                    },
                )
                left = step.fse_state
            if steps:  # the lot's row written once, with the last step's state
                self.db.execute(
                    "UPDATE lots SET state = ?, updated_at = ? WHERE id = ?",
                    [steps[-1].lot_state.value, when, lot_id],
                )
            if moved and steps:
                # The rows read above, in one statement; their counts once for the lot.
                move_lot_fse(
                    self.db, lot_id, steps[-1].fse_state, when, grouped=not self.conn.on_postgres
                )
            # As read again: only its state moved.
            return lot._replace(state=steps[-1].lot_state) if steps else lot

    def outbox_claim(self, worker: str, now: datetime) -> OutboxRow | None:
        """Claim the oldest due PENDING row whose ``after_id`` (if any) is DONE."""
        with self.write():
            row = self._one(
                "UPDATE outbox SET status = ?, claimed_at = ?, claimed_by = ?, updated_at = ? "
                "WHERE id = (SELECT o.id FROM outbox o WHERE o.status = ? "
                "AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?) "
                "AND (o.after_id IS NULL OR EXISTS (SELECT 1 FROM outbox a "
                "WHERE a.id = o.after_id AND a.status = ?)) "
                "ORDER BY o.next_attempt_at, o.created_at, o.id LIMIT 1) RETURNING *",
                [
                    int(OutboxStatus.IN_FLIGHT),
                    stamp(now),
                    worker,
                    stamp(now),
                    int(OutboxStatus.PENDING),
                    stamp(now),
                    int(OutboxStatus.DONE),
                ],
            )
            return _outbox_row(row) if row else None

    def _outbox_set(self, outbox_id: str, sql: str, params: list[Any]) -> None:
        with self.write():
            cursor = self.db.execute(sql + " WHERE id = ?", [*params, outbox_id])
            if cursor.rowcount != 1:
                raise NotFoundError(f"Ligne d'envoi {outbox_id}")

    def outbox_ack(self, outbox_id: str, now: datetime) -> None:
        """The concentrator took it: DONE."""
        self._outbox_set(
            outbox_id,
            "UPDATE outbox SET status = ?, claimed_at = NULL, claimed_by = NULL, updated_at = ?",
            [int(OutboxStatus.DONE), stamp(now)],
        )

    def outbox_done(self, outbox_id: str, now: datetime) -> None:
        """The lot has its ARL: its outbox row DONE, if it has one not DONE yet (one
        statement, in the caller's transaction: the ARL's recording)."""
        self._require_transaction()
        self.db.execute(
            "UPDATE outbox SET status = ?, claimed_at = NULL, claimed_by = NULL, updated_at = ? "
            "WHERE id = ? AND status <> ?",
            [int(OutboxStatus.DONE), stamp(now), outbox_id, int(OutboxStatus.DONE)],
        )

    def outbox_nack(
        self, outbox_id: str, error: str, next_attempt_at: datetime, now: datetime
    ) -> None:
        """A retryable failure: back to PENDING, one more try, not before ``next_attempt_at``."""
        self._outbox_set(
            outbox_id,
            "UPDATE outbox SET status = ?, attempts = attempts + 1, next_attempt_at = ?, "
            "last_error = ?, claimed_at = NULL, claimed_by = NULL, updated_at = ?",
            [int(OutboxStatus.PENDING), stamp(next_attempt_at), error, stamp(now)],
        )

    def outbox_fail(self, outbox_id: str, error: str, now: datetime) -> None:
        """A permanent failure: FAILED with the error, for the user to see."""
        self._outbox_set(
            outbox_id,
            "UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ?, "
            "claimed_at = NULL, claimed_by = NULL, updated_at = ?",
            [int(OutboxStatus.FAILED), error, stamp(now)],
        )

    def outbox_retry(self, outbox_id: str, now: datetime) -> None:
        """Put a FAILED (or sent and refused) row back to PENDING now.

        :raises StoreError: a refused lot one of whose FSE was rectified: sent again as it
            was signed, it would bill that care a second time beside the rectificative.
        """
        replaced = self._one(
            "SELECT l.number AS lot, f.number AS fse FROM lots l JOIN fse f ON f.lot_id = l.id "
            "WHERE l.id = ? AND l.state = ? AND f.state = ? LIMIT 1",
            [outbox_id, LotState.REFUSED.value, FseState.RECTIFIED.value],
        )
        if replaced is not None:
            raise StoreError(
                f"Le lot n° {replaced['lot']} ne peut plus être renvoyé tel quel : sa FSE "
                f"n° {replaced['fse']} a été remplacée par une FSE rectificative, qu'il "
                "facturerait une seconde fois. Corrigez et renvoyez aussi ses autres FSE "
                "(« Corriger et renvoyer… » ou sesam fse rectify)."
            )
        self._outbox_set(
            outbox_id,
            "UPDATE outbox SET status = ?, next_attempt_at = ?, updated_at = ?",
            [int(OutboxStatus.PENDING), stamp(now), stamp(now)],
        )

    def outbox_reset_stale(
        self, older_than: datetime, now: datetime, keep_worker: str | None = None
    ) -> int:
        """IN_FLIGHT rows claimed (or last renewed) before ``older_than`` go back to PENDING,
        except those of ``keep_worker`` (the caller's own); returns how many."""
        with self.write():
            cursor = self.db.execute(
                "UPDATE outbox SET status = ?, claimed_at = NULL, claimed_by = NULL, "
                "updated_at = ? WHERE status = ? AND claimed_at < ? "
                "AND claimed_by IS NOT ?",
                [
                    int(OutboxStatus.PENDING),
                    stamp(now),
                    int(OutboxStatus.IN_FLIGHT),
                    stamp(older_than),
                    keep_worker,
                ],
            )
            return int(cursor.rowcount)

    def outbox_heartbeat(self, outbox_id: str, worker: str, now: datetime) -> bool:
        """Renew ``worker``'s claim on a row (its lease); False when it is no longer his."""
        with self.write():
            cursor = self.db.execute(
                "UPDATE outbox SET claimed_at = ? WHERE id = ? AND claimed_by = ? AND status = ?",
                [stamp(now), outbox_id, worker, int(OutboxStatus.IN_FLIGHT)],
            )
            return cursor.rowcount == 1

    def renew_open_lots(self, practitioner_id: str) -> None:
        """Lots were numbered after this database was written (restored copy, or a crash
        right after numbering): its open lots may have been closed and sent since, under
        the same id. Void them and put their FSE in new lots with new ids and numbers."""
        now = datetime.now(UTC)
        for lot in self.queries.lots(state=LotState.OPEN, practitioner_id=practitioner_id):
            logger.warning("lot n° %d renewed: numbering is ahead of the database", lot.number)
            self.db.execute("DELETE FROM outbox WHERE id = ?", [lot.id])
            self.db.execute(
                "UPDATE lots SET state = ?, fse_count = 0, updated_at = ? WHERE id = ?",
                [LotState.VOIDED.value, stamp(now), lot.id],
            )
            self.journal.lot_entry(lot.id, now, AuditKind.LOT_STATE, lot_event="renewed")
            for fse in self.queries.fse_list(lot_id=lot.id):
                self.db.execute("UPDATE fse SET lot_id = NULL WHERE id = ?", [fse.id])
                self.journal.event(
                    fse.id,
                    now,
                    FseEventKind.LOT_REOPENED,
                    fse.state,
                    fse.state,
                    f"lot n° {lot.number} remplacé (base restaurée ou arrêt brutal)",
                )
                self.assign_to_open_lot(fse.id, now, DEFAULT_RULES)
