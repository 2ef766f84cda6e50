"""ARL (accusés de réception logiques) of the lots: record each ARL once, move its lot
and FSE (acknowledged or refused), read the concentrator's ARL feed; and the transport log
(attempts, receipts, last contact) the sender and the returns share.

Idempotent: the same ARL processed twice changes nothing the second time. Re-exported by
:mod:`client.returns`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from billing.arl import Arl
from billing.fse_states import FseEventKind, FseState
from billing.lot_states import LotState
from client.store import LotRow, LotStep, NotFoundError, Store, stamp

if TYPE_CHECKING:
    from client.transport import Transport

#: Named as before the split of ``client.returns``: log filters and readers keep working.
logger = logging.getLogger("client.returns")


class ArlOutcome(StrEnum):
    """What processing one ARL did."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"  # same ARL already processed: nothing changed
    CONFLICT = "conflict"  # another ARL was already processed for the lot: first one kept
    UNKNOWN_LOT = "unknown_lot"  # no such lot here: logged


# ------------------------------------------------------------------------------ helpers


def _state(store: Store, key: str) -> str | None:
    return store.transmissions.sync_value(key)


def _set_state(store: Store, key: str, value: str) -> None:
    store.transmissions.set_sync_value(key, value)


def log_event(
    store: Store, now: datetime, event: str, detail: str = "", lot_id: str | None = None
) -> None:
    """One line in the transport log; ``contact`` also updates the last contact time."""
    with store.write():
        _log_event(store, now, event, detail, lot_id)


def _log_event(store: Store, now: datetime, event: str, detail: str, lot_id: str | None) -> None:
    """``log_event`` in the caller's open transaction (no savepoint of its own)."""
    store.transmissions.log(now, event, detail, lot_id)
    if event == "contact":
        _set_state(store, "last_contact", stamp(now))
    elif event == "error":
        _set_state(store, "last_error", detail)
        _set_state(store, "last_error_at", stamp(now))


def last_contact(store: Store) -> str | None:
    """When the concentrator last answered (database timestamp), or None."""
    return _state(store, "last_contact")


def note_attempt(store: Store, lot_id: str, now: datetime) -> None:
    """Record a delivery attempt of a lot."""
    with store.write():
        store.transmissions.note_attempt(lot_id, now)


def _mark_sent(store: Store, lot_id: str, now: datetime, detail: str) -> None:
    """The concentrator has the lot: the lot and its FSE are ``sent`` (once)."""
    lot = store.lot_by_id(lot_id)
    if lot.state in (LotState.CLOSED, LotState.REFUSED):
        store.lot_transition(lot_id, LotState.SENT, FseState.SENT, FseEventKind.SENT, now, detail)
    store.transmissions.note_received(lot_id, now)


def mark_received(store: Store, lot_id: str, now: datetime) -> None:
    """The concentrator confirmed receipt without an ARL yet (HTTP 202)."""
    with store.write():
        _mark_sent(store, lot_id, now, "lot reçu par le concentrateur, ARL en attente")


# ---------------------------------------------------------------------------------- ARL


def _motifs_json(arl: Arl) -> str:
    return json.dumps(
        [{"code": m.code, "fse": m.fse_id, "libelle": m.label} for m in arl.motifs],
        ensure_ascii=False,
    )


def _move_lot(
    store: Store, lot_id: str, now: datetime, to: LotStep, lot: LotRow | None = None
) -> LotState:
    """Move a lot to ``to`` (acknowledged or refused), through ``sent`` first when the
    concentrator's answer is the first news of it: one transaction, each FSE row written
    once. The lot's state after (unchanged when it was neither closed nor sent). ``lot``:
    the lot as just read in the caller's transaction (handed on: not read again)."""
    lot = lot or store.lot_by_id(lot_id)
    if lot.state in (LotState.CLOSED, LotState.REFUSED):
        sent = LotStep(
            LotState.SENT, FseState.SENT, FseEventKind.SENT, "lot remis au concentrateur"
        )
        store.lot_steps(lot_id, [sent, to], now, lot)
        store.transmissions.note_received(lot_id, now)
        return to.lot_state
    if lot.state is LotState.SENT:
        store.lot_steps(lot_id, [to], now, lot)
        return to.lot_state
    return lot.state


def _acknowledge(
    store: Store, lot_id: str, now: datetime, detail: str, lot: LotRow | None = None
) -> None:
    """The lot is acknowledged (a positive ARL, or one deduced from a NOEMIE return)."""
    to = LotStep(LotState.ACKNOWLEDGED, FseState.ACKNOWLEDGED, FseEventKind.ARL_POSITIVE, detail)
    _move_lot(store, lot_id, now, to, lot)


def apply_arl(
    store: Store, arl: Arl, now: datetime, document: bytes = b"", *, contact: str | None = None
) -> ArlOutcome:
    """Record one ARL and move its lot and FSE (acknowledged or refused). Idempotent.

    Also marks the lot's outbox row DONE: an ARL in hand means nothing is left to send.
    ``contact``: the transport log's ``contact`` line of the answer that brought the ARL,
    written in the same transaction (one per lot sent: its cost is the sender's).
    """
    with store.write():
        if contact is not None:
            _log_event(store, now, "contact", contact, arl.lot_id)
        known = store.transmissions.known_arl(arl.lot_id)
        if known is not None:
            if known.arl_id == arl.arl_id and known.status == arl.status.value:
                store.transmissions.count_duplicate_arl(arl.lot_id)
                outcome = ArlOutcome.DUPLICATE
            else:
                logger.warning("lot %s: a second, different ARL ignored", arl.lot_id)
                outcome = ArlOutcome.CONFLICT
            _ack_outbox(store, arl.lot_id, now)
            return outcome
        try:
            lot = store.lot_by_id(arl.lot_id)
        except NotFoundError:
            logger.warning("ARL for unknown lot %s ignored", arl.lot_id)
            return ArlOutcome.UNKNOWN_LOT
        if arl.positive:
            _acknowledge(store, arl.lot_id, now, f"ARL positif {arl.arl_id}", lot)
        else:
            motifs = "; ".join(
                f"{m.code} {m.label}" + (f" (FSE {m.fse_id})" if m.fse_id else "")
                for m in arl.motifs
            )
            to = LotStep(
                LotState.REFUSED,
                FseState.REFUSED,
                FseEventKind.ARL_NEGATIVE,
                f"ARL négatif : {motifs}"[:500],
            )
            if _move_lot(store, arl.lot_id, now, to, lot) is not LotState.REFUSED:
                logger.warning("lot %s in state %s: negative ARL recorded only", lot.id, lot.state)
        store.transmissions.record_arl(
            arl, _motifs_json(arl), document.decode("utf-8", "replace"), now
        )
        _ack_outbox(store, arl.lot_id, now)
        return ArlOutcome.APPLIED


def _ack_outbox(store: Store, lot_id: str, now: datetime) -> None:
    """Its outbox row (if any) DONE: one statement in the ARL's transaction."""
    store.outbox_done(lot_id, now)


@dataclass(frozen=True, slots=True)
class ArlFetch:
    """What fetching ARL did."""

    applied: int
    duplicates: int  # published twice by the concentrator, or a second, different ARL
    still_waiting: int
    # Already here, received with the send's answer: the feed repeats them, nothing new.
    already_known: int = 0


def fetch_arls(store: Store, transport: Transport, now: datetime) -> ArlFetch:
    """Read the concentrator's ARL feed from the last position, then ask for the ARL of
    each lot still waiting for one. Idempotent (an ARL published twice is counted once)."""
    # Here, not at the top: ``sesam queue status`` reads ``last_contact`` without the
    # transport's errors and the card messages they register (issue #27).
    from client.transport_errors import ServerRejectedError

    after = int(_state(store, "arl_feed") or 0)
    items, last = transport.arl_feed(after)
    applied = duplicates = already_known = 0
    seen: set[tuple[str, str]] = set()
    for _seq, arl in items:
        outcome = apply_arl(store, arl, now)
        applied += outcome is ArlOutcome.APPLIED
        # The feed lists every ARL, those the send already brought back too: the first
        # sight of one of those is no duplicate (it was, right after each send).
        if outcome is ArlOutcome.DUPLICATE and (arl.lot_id, arl.arl_id) not in seen:
            already_known += 1
        elif outcome is not ArlOutcome.APPLIED:
            duplicates += 1
        seen.add((arl.lot_id, arl.arl_id))
    with store.write():
        _set_state(store, "arl_feed", str(last))
    waiting = 0
    for lot_id in lots_waiting_for_arl(store):
        try:
            late = transport.arl(lot_id)
        except ServerRejectedError as exc:
            if exc.status != 404:
                raise
            # The concentrator does not know the lot (any more): the sender delivers it again.
            logger.warning("lot %s unknown to the concentrator", lot_id)
            late = None
        if late is None:
            waiting += 1
            continue
        outcome = apply_arl(store, late, now)
        applied += outcome is ArlOutcome.APPLIED
    log_event(
        store,
        now,
        "contact",
        f"ARL : {applied} traités, {already_known} déjà reçus, {duplicates} en double",
    )
    return ArlFetch(
        applied=applied, duplicates=duplicates, still_waiting=waiting, already_known=already_known
    )


def lots_waiting_for_arl(store: Store) -> list[str]:
    """Lots the concentrator has (or may have) that have no ARL here yet."""
    return store.transmissions.lots_waiting_for_arl()
