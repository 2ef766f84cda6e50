"""What comes back from the caisse: ARL per lot, NOEMIE returns per FSE, and the
reconciliation of every FSE (paid, partly paid, rejected with motif, still waiting).

Everything here is idempotent: the same ARL or the same NOEMIE file processed twice changes
nothing the second time. A payment that matches no FSE is kept in ``unmatched_payments``
and shown; it is never dropped.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from billing.arl import Arl
from billing.fse_states import FseEventKind, FseState
from billing.lot import LotState
from billing.noemie import MAX_SIZE as NOEMIE_MAX_SIZE
from billing.noemie import (
    MOTIFS,
    REJECT_MOTIFS,
    InvoiceOutcome,
    MalformedNoemieError,
    NoemieFile,
    NoemieInvoice,
    NoemiePayment,
    parse_noemie,
)
from client.bounded_read import InputFileError, read_bounded
from client.errors import ClientError
from client.labels import FSE_STATE_LABELS, RECONCILIATION_LABELS
from client.reconciliation import Reconciliation
from client.store import FseRow, NotFoundError, OutboxStatus, Store, stamp
from client.store.returns import PaymentRow
from client.transport import ServerRejectedError, Transport

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class ReturnsError(ClientError):
    """A return file cannot be imported (French ``str()``)."""


class NoemieImportError(ReturnsError):
    """The file given to import is unreadable or not a NOEMIE file."""

    def __init__(self, path: Path | None, reason: str) -> None:
        where = f" {path.name}" if path is not None else ""
        super().__init__(f"Import du fichier NOEMIE{where} impossible : {reason}")
        self.path = path
        self.reason = reason


class ArlOutcome(StrEnum):
    """What processing one ARL did."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"  # same ARL already processed: nothing changed
    CONFLICT = "conflict"  # another ARL was already processed for the lot: first one kept
    UNKNOWN_LOT = "unknown_lot"  # no such lot here: logged


#: French labels of the reconciliation states: the table shared by the CLI and the GUI.
LABELS = RECONCILIATION_LABELS


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


def _acknowledge(store: Store, lot_id: str, now: datetime, detail: str) -> None:
    lot = store.lot_by_id(lot_id)
    if lot.state in (LotState.CLOSED, LotState.REFUSED):
        _mark_sent(store, lot_id, now, "lot remis au concentrateur")
        lot = store.lot_by_id(lot_id)
    if lot.state is LotState.SENT:
        store.lot_transition(
            lot_id,
            LotState.ACKNOWLEDGED,
            FseState.ACKNOWLEDGED,
            FseEventKind.ARL_POSITIVE,
            now,
            detail,
        )


def apply_arl(store: Store, arl: Arl, now: datetime, document: bytes = b"") -> ArlOutcome:
    """Record one ARL and move its lot and FSE (acknowledged or refused). Idempotent.

    Also marks the lot's outbox row DONE: an ARL in hand means nothing is left to send.
    """
    with store.write():
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
            _acknowledge(store, arl.lot_id, now, f"ARL positif {arl.arl_id}")
        else:
            if lot.state in (LotState.CLOSED, LotState.REFUSED):
                _mark_sent(store, arl.lot_id, now, "lot remis au concentrateur")
                lot = store.lot_by_id(arl.lot_id)
            motifs = "; ".join(
                f"{m.code} {m.label}" + (f" (FSE {m.fse_id})" if m.fse_id else "")
                for m in arl.motifs
            )
            if lot.state is LotState.SENT:
                store.lot_transition(
                    arl.lot_id,
                    LotState.REFUSED,
                    FseState.REFUSED,
                    FseEventKind.ARL_NEGATIVE,
                    now,
                    f"ARL négatif : {motifs}"[:500],
                )
            else:
                logger.warning("lot %s in state %s: negative ARL recorded only", lot.id, lot.state)
        store.transmissions.record_arl(
            arl, _motifs_json(arl), document.decode("utf-8", "replace"), now
        )
        _ack_outbox(store, arl.lot_id, now)
        return ArlOutcome.APPLIED


def _ack_outbox(store: Store, lot_id: str, now: datetime) -> None:
    row = store.outbox_get(lot_id)
    if row is not None and row.status is not OutboxStatus.DONE:
        store.outbox_ack(lot_id, now)


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


# ------------------------------------------------------------------------------- NOEMIE


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What importing one NOEMIE file did."""

    name: str
    already_imported: bool
    paid: int = 0
    partly_paid: int = 0
    rejected: int = 0
    unmatched: int = 0
    total_paid: Decimal = Decimal("0.00")


def _mask_patient(inv: NoemieInvoice) -> str:
    p = inv.patient
    if p is None:
        return ""
    initials = f"{p.last_name[:1]}{p.first_name[:1]}".strip()
    return f"{initials} né(e) {p.birth_ddmmyy[:2]}/{p.birth_ddmmyy[2:4]}/{p.birth_ddmmyy[4:]}"


def _unmatched(
    store: Store,
    sha: str,
    inv: NoemieInvoice,
    pay: NoemiePayment | None,
    reason: str,
    now: datetime,
) -> None:
    unmatched_id = store.returns.insert_unmatched(
        sha, inv, pay, patient=_mask_patient(inv), reason=reason, now=now
    )
    if unmatched_id is not None:
        store.journal_unmatched(unmatched_id, now)


def _reconcile_one(
    store: Store, sha: str, inv: NoemieInvoice, pay: NoemiePayment | None, now: datetime
) -> Reconciliation | None:
    """Apply one NOEMIE line to its FSE; None when it matched nothing (kept as unmatched)."""
    try:
        fse = store.fse_by_uuid(inv.fse_id)
    except NotFoundError:
        _unmatched(store, sha, inv, pay, "aucune FSE de ce numéro dans ce poste", now)
        return None
    if inv.lot_id and fse.lot_id is not None and inv.lot_id != fse.lot_id:
        # The caisse paid this FSE in another lot than the one this workstation knows (a
        # restored backup, a copied store): never acknowledge the wrong lot; the user
        # decides (matching by hand).
        _unmatched(
            store,
            sha,
            inv,
            pay,
            f"le retour cite le lot {inv.lot_id[:8]}, la FSE n° {fse.number} est dans le lot "
            f"n° {store.lot_by_id(fse.lot_id).number}",
            now,
        )
        return None
    if fse.state in (FseState.PAID, FseState.REJECTED):
        _unmatched(
            store, sha, inv, pay, f"FSE n° {fse.number} déjà rapprochée (retour en double)", now
        )
        return None
    if fse.state in (FseState.CANCELLED, FseState.DRAFT, FseState.SECURED, FseState.REFUSED):
        _unmatched(store, sha, inv, pay, f"FSE n° {fse.number} à l'état « {fse.state.value} »", now)
        return None
    if fse.state is not FseState.ACKNOWLEDGED and fse.lot_id is not None:
        # A payment implies the lot was taken: its ARL was lost or is late.
        _acknowledge(store, fse.lot_id, now, "ARL déduit du retour NOEMIE")
        fse = store.fse_by_uuid(inv.fse_id)
    if fse.state is not FseState.ACKNOWLEDGED:
        _unmatched(store, sha, inv, pay, f"FSE n° {fse.number} à l'état « {fse.state.value} »", now)
        return None
    if inv.outcome is InvoiceOutcome.REJECTED:
        code = inv.motif_code or ""
        label = REJECT_MOTIFS.get(code, inv.motif_label)
        store.transition_fse(
            fse.id, FseState.REJECTED, FseEventKind.REJECTED, now, f"rejet {code} : {label}"
        )
        result = Reconciliation.REJECTED
    else:
        same = inv.paid_amo == fse.amo and inv.paid_amc == fse.amc
        result = Reconciliation.PAID if same else Reconciliation.PARTLY_PAID
        store.transition_fse(
            fse.id,
            FseState.PAID,
            FseEventKind.PAID,
            now,
            f"virement {pay.reference if pay else ''} : AMO {inv.paid_amo} € / AMC {inv.paid_amc} €"
            + ("" if same else f" (facturé AMO {fse.amo} € / AMC {fse.amc} €)"),
        )
    payment_id = store.returns.insert_payment(
        fse_uuid=inv.fse_id,
        noemie_sha256=sha,
        outcome=result.value,
        virement_ref=pay.reference if pay else "",
        paid_on=pay.paid_on.isoformat() if pay else None,
        billed=(fse.amo, fse.amc),
        paid=(inv.paid_amo, inv.paid_amc),
        motif_code=inv.motif_code,
        motif_label=MOTIFS.get(inv.motif_code or "", inv.motif_label),
        now=now,
        or_ignore=True,
    )
    if payment_id is not None:  # the amounts paid or rejected are journaled with the row
        store.journal_payment(payment_id, now)
    return result


def import_noemie(
    store: Store,
    data: bytes,
    now: datetime,
    *,
    name: str,
    source: str = "fichier",
    server_seq: int | None = None,
) -> ImportReport:
    """Parse one NOEMIE file and reconcile every FSE it names, in one transaction.

    :raises NoemieImportError: the bytes are not a well-formed NOEMIE file.
    """
    try:
        noemie: NoemieFile = parse_noemie(data)
    except MalformedNoemieError as exc:
        raise NoemieImportError(Path(name), str(exc)) from exc
    sha = hashlib.sha256(data).hexdigest()
    counts: dict[Reconciliation | None, int] = {}
    total = Decimal("0.00")
    with store.write():
        if store.returns.noemie_imported(sha):
            return ImportReport(name=name, already_imported=True)
        invoices = list(noemie.invoices())
        store.returns.insert_noemie_file(
            sha,
            noemie,
            data,
            source=source,
            name=name,
            server_seq=server_seq,
            invoices=len(invoices),
            now=now,
        )
        groups: Iterable[tuple[NoemiePayment | None, tuple[NoemieInvoice, ...]]] = [
            *((p, p.invoices) for p in noemie.payments),
            *((None, r.invoices) for r in noemie.rejects),
        ]
        for pay, invs in groups:
            for inv in invs:
                result = _reconcile_one(store, sha, inv, pay, now)
                counts[result] = counts.get(result, 0) + 1
                if result in (Reconciliation.PAID, Reconciliation.PARTLY_PAID):
                    total += inv.paid_total
        unmatched = counts.get(None, 0)
        store.returns.set_noemie_counts(sha, len(invoices) - unmatched, unmatched)
        store.journal_noemie_file(sha, now)
    report = ImportReport(
        name=name,
        already_imported=False,
        paid=counts.get(Reconciliation.PAID, 0),
        partly_paid=counts.get(Reconciliation.PARTLY_PAID, 0),
        rejected=counts.get(Reconciliation.REJECTED, 0),
        unmatched=unmatched,
        total_paid=total,
    )
    logger.info(
        "NOEMIE %s: %d paid, %d partly, %d rejected, %d unmatched",
        name,
        report.paid,
        report.partly_paid,
        report.rejected,
        report.unmatched,
    )
    return report


def import_noemie_file(store: Store, path: Path, now: datetime) -> ImportReport:
    """Import a NOEMIE file the user dropped in.

    :raises NoemieImportError: unreadable or malformed.
    """
    try:
        # Bounded: /dev/zero or a FIFO must not take the memory nor block forever.
        data = read_bounded(path, NOEMIE_MAX_SIZE)
    except InputFileError as exc:
        raise NoemieImportError(path, exc.reason) from exc
    return import_noemie(store, data, now, name=path.name, source="fichier")


def fetch_noemie(store: Store, transport: Transport, now: datetime) -> list[ImportReport]:
    """Download and import the NOEMIE files the concentrator has after the last one seen."""
    after = int(_state(store, "noemie_seq") or 0)
    reports = []
    for entry in transport.noemie_list(after):
        data = transport.noemie_file(entry.seq)
        reports.append(
            import_noemie(store, data, now, name=entry.name, source="serveur", server_seq=entry.seq)
        )
        with store.write():
            _set_state(store, "noemie_seq", str(entry.seq))
    log_event(store, now, "contact", f"NOEMIE : {len(reports)} fichier(s)")
    return reports


# ------------------------------------------------------------------------ reconciliation


@dataclass(frozen=True, slots=True)
class FseReconciliation:
    """One FSE and what is known of its payment."""

    fse_uuid: str
    number: int
    care_date: str
    mode: str
    state: FseState
    status: Reconciliation
    billed_amo: Decimal
    billed_amc: Decimal
    paid_amo: Decimal | None
    paid_amc: Decimal | None
    motif_code: str | None
    motif_label: str
    detail: str

    def to_json(self) -> dict[str, Any]:
        """For ``--json`` output."""
        return {
            "fse": self.fse_uuid,
            "numero": self.number,
            "date_soins": self.care_date,
            "mode": self.mode,
            "etat": self.state.value,
            "rapprochement": self.status.value,
            "libelle": LABELS[self.status],
            "facture_amo": str(self.billed_amo),
            "facture_amc": str(self.billed_amc),
            "paye_amo": None if self.paid_amo is None else str(self.paid_amo),
            "paye_amc": None if self.paid_amc is None else str(self.paid_amc),
            "motif": self.motif_code,
            "motif_libelle": self.motif_label,
            "detail": self.detail,
        }


_WAITING_DETAIL = {
    FseState.SECURED: "dans un lot ouvert, pas encore envoyée",
    FseState.IN_LOT: "lot signé, en file d'envoi",
    FseState.SENT: "envoyée, accusé de réception (ARL) attendu",
    FseState.ACKNOWLEDGED: "acceptée (ARL positif), paiement attendu",
}


def reconcile(store: Store) -> list[FseReconciliation]:
    """The reconciliation of every FSE that exists (cancelled ones left out)."""
    latest = store.returns.latest_payments()
    return [
        _reconciled(fse, latest.get(fse.fse_uuid))
        for fse in store.fse_list()
        if fse.state not in _NOT_LISTED
    ]


#: Left out of the reconciliation: no money expected (a rectified FSE's money is its
#: rectificative's, listed in its place: the care is counted once).
_NOT_LISTED = (FseState.CANCELLED, FseState.DRAFT, FseState.RECTIFIED)


def reconcile_page(
    store: Store, limit: int, offset: int = 0, *, status: Reconciliation | None = None
) -> list[FseReconciliation]:
    """One page of :func:`reconcile`, newest first (a list that fetches rows as shown),
    optionally only the FSE of one status (filtered by the database)."""
    if status is None:
        rows = store.fse_list(exclude=_NOT_LISTED, newest_first=True, limit=limit, offset=offset)
    else:
        rows = store.returns.fse_page_with_status(status, _NOT_LISTED, limit=limit, offset=offset)
    latest = store.returns.latest_payments([r.fse_uuid for r in rows])
    return [_reconciled(fse, latest.get(fse.fse_uuid)) for fse in rows]


@dataclass(frozen=True, slots=True)
class ReconcileSummary:
    """How many FSE of :func:`reconcile` stand where (counted by the database)."""

    listed: int
    waiting: int  # secured or in a signed lot, not sent
    sent: int  # sent, ARL awaited
    paid: int  # paid, in full or partly
    refused: int  # NOEMIE reject or negative ARL


def reconcile_summary(store: Store) -> ReconcileSummary:
    """The counts of :func:`reconcile`'s statuses without reading every FSE."""
    counts = _counts(store)
    statuses = _statuses(counts)
    by_state: dict[str, int] = {}
    for (state, _outcome), n in counts.items():
        by_state[state] = by_state.get(state, 0) + n
    return ReconcileSummary(
        listed=sum(counts.values()),
        waiting=by_state.get(FseState.SECURED.value, 0) + by_state.get(FseState.IN_LOT.value, 0),
        sent=by_state.get(FseState.SENT.value, 0),
        paid=statuses.get(Reconciliation.PAID, 0) + statuses.get(Reconciliation.PARTLY_PAID, 0),
        refused=statuses.get(Reconciliation.REJECTED, 0) + statuses.get(Reconciliation.REFUSED, 0),
    )


def reconcile_counts(store: Store) -> dict[Reconciliation, int]:
    """How many FSE of :func:`reconcile` have each status (counted by the database)."""
    return _statuses(_counts(store))


def _statuses(counts: dict[tuple[str, str | None], int]) -> dict[Reconciliation, int]:
    statuses: dict[Reconciliation, int] = {}
    for (state, outcome), n in counts.items():
        status = _status(FseState(state), outcome)
        statuses[status] = statuses.get(status, 0) + n
    return statuses


def _counts(store: Store) -> dict[tuple[str, str | None], int]:
    """FSE listed by :func:`reconcile`, counted per state and latest payment outcome (the
    outcome of settled FSE only), from the counts the store's triggers keep."""
    not_listed = {s.value for s in _NOT_LISTED}
    settled = {FseState.PAID.value, FseState.REJECTED.value}
    counts: dict[tuple[str, str | None], int] = {}
    for row in store.returns.status_counts():
        state = row.state
        if state in not_listed:
            continue
        key = (state, row.outcome or None if state in settled else None)
        counts[key] = counts.get(key, 0) + row.n
    return counts


def _status(state: FseState, outcome: str | None) -> Reconciliation:
    if state is FseState.REFUSED:
        return Reconciliation.REFUSED
    if outcome is not None and state in (FseState.PAID, FseState.REJECTED):
        return Reconciliation(outcome)
    return Reconciliation.WAITING


def _reconciled(fse: FseRow, pay: PaymentRow | None) -> FseReconciliation:
    paid_amo = paid_amc = None
    code: str | None = None
    label = ""
    status = _status(fse.state, pay.outcome if pay is not None else None)
    if fse.state is FseState.REFUSED:
        detail = "à corriger puis renvoyer"
    elif pay is not None and fse.state in (FseState.PAID, FseState.REJECTED):
        paid_amo, paid_amc = pay.paid_amo, pay.paid_amc
        code, label = pay.motif_code, pay.motif_label or ""
        detail = f"virement {pay.virement_ref}" if pay.virement_ref else ""
    else:
        detail = _WAITING_DETAIL.get(fse.state, "")
    return FseReconciliation(
        fse_uuid=fse.fse_uuid,
        number=fse.number,
        care_date=fse.care_date.isoformat(),
        mode=fse.mode,
        state=fse.state,
        status=status,
        billed_amo=fse.amo,
        billed_amc=fse.amc,
        paid_amo=paid_amo,
        paid_amc=paid_amc,
        motif_code=code,
        motif_label=label,
        detail=detail,
    )


def unmatched_payments(store: Store, include_resolved: bool = False) -> list[dict[str, Any]]:
    """Payments and rejects that matched no FSE here (kept, never dropped)."""
    return store.returns.unmatched(include_resolved)


def unmatched_page(store: Store, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    """One page of :func:`unmatched_payments` (the queue page's list, read as it scrolls)."""
    return store.returns.unmatched_page(limit, offset)


def unmatched_count(store: Store) -> int:
    """How many payments :func:`unmatched_payments` lists (counted by the database)."""
    return store.returns.unmatched_count()


# --------------------------------------------------------------------- matching by hand


class HandMatchError(ReturnsError):
    """A payment cannot be matched by hand with that FSE (French ``str()``)."""


class UnmatchedPaymentNotFoundError(HandMatchError):
    """No unmatched payment with that id, or it was already matched."""

    def __init__(self, payment_id: int, resolved_at: str | None = None) -> None:
        if resolved_at:
            text = f"Le retour non rapproché n° {payment_id} a déjà été rapproché ({resolved_at})."
        else:
            text = (
                f"Aucun retour non rapproché n° {payment_id} : consultez la liste avec "
                "« sesam returns list --non-rapproches »."
            )
        super().__init__(text)
        self.payment_id = payment_id
        self.resolved_at = resolved_at


class FseAlreadyReconciledError(HandMatchError):
    """The FSE already has its payment or its reject."""

    def __init__(self, number: int, state: FseState) -> None:
        label = FSE_STATE_LABELS[state]
        super().__init__(
            f"La FSE n° {number} est déjà {label} : choisissez une autre FSE pour ce paiement."
        )
        self.number = number
        self.state = state


class FseNotAcknowledgedError(HandMatchError):
    """The FSE has no positive ARL: the caisse cannot have paid it."""

    def __init__(self, number: int, state: FseState) -> None:
        super().__init__(
            f"La FSE n° {number} n'a pas été acceptée par la caisse "
            f"(état « {FSE_STATE_LABELS[state]} », pas d'ARL positif) : relevez les retours "
            "ou choisissez une autre FSE."
        )
        self.number = number
        self.state = state


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (container without passwd entry)
        return "utilisateur inconnu"


@dataclass(frozen=True, slots=True)
class HandMatch:
    """What matching a payment by hand did."""

    payment_id: int
    fse_number: int
    fse_uuid: str
    status: Reconciliation
    by: str
    at: str


def match_payment_by_hand(
    store: Store,
    payment_id: int,
    fse_number: int,
    clock: Clock,
    *,
    by: str | None = None,
    practitioner_id: str | None = None,
) -> HandMatch:
    """Match an unmatched NOEMIE line with an acknowledged FSE, in one transaction.

    The FSE becomes paid (or partly paid when the amounts differ) or rejected, with an
    event naming who matched it; the unmatched row is kept, marked resolved (when, who,
    which FSE), so the history shows both the orphan return and the hand matching.

    :raises UnmatchedPaymentNotFoundError: no such unmatched payment, or already matched.
    :raises FseAlreadyReconciledError: the FSE is already paid or rejected.
    :raises FseNotAcknowledgedError: the FSE has no positive ARL.
    :raises NotFoundError: no FSE with that number.
    """
    now = clock()
    by = by or _login()
    with store.write():
        orphan = store.returns.unmatched_by_id(payment_id)
        if orphan is None or orphan["resolved_at"]:
            raise UnmatchedPaymentNotFoundError(
                payment_id, str(orphan["resolved_at"]) if orphan else None
            )
        fse = store.fse_by_number(fse_number, practitioner_id)
        if fse.state in (FseState.PAID, FseState.REJECTED):
            raise FseAlreadyReconciledError(fse.number, fse.state)
        if fse.state is not FseState.ACKNOWLEDGED:
            raise FseNotAcknowledgedError(fse.number, fse.state)
        paid_amo, paid_amc = Decimal(orphan["paid_amo"]), Decimal(orphan["paid_amc"])
        reference = str(orphan["virement_ref"] or "")
        origin = f"rapprochement manuel par {by} du retour non rapproché n° {payment_id}"
        if orphan["outcome"] == InvoiceOutcome.REJECTED.value:
            code = str(orphan["motif_code"] or "")
            label = REJECT_MOTIFS.get(code, str(orphan["motif_label"] or ""))
            store.transition_fse(
                fse.id,
                FseState.REJECTED,
                FseEventKind.REJECTED,
                now,
                f"{origin} : rejet {code} : {label}",
            )
            status = Reconciliation.REJECTED
        else:
            same = paid_amo == fse.amo and paid_amc == fse.amc
            status = Reconciliation.PAID if same else Reconciliation.PARTLY_PAID
            store.transition_fse(
                fse.id,
                FseState.PAID,
                FseEventKind.PAID,
                now,
                f"{origin} : virement {reference} : AMO {paid_amo} € / AMC {paid_amc} €"
                + ("" if same else f" (facturé AMO {fse.amo} € / AMC {fse.amc} €)"),
            )
        payment_id_written = store.returns.insert_payment(
            fse_uuid=fse.fse_uuid,
            noemie_sha256=orphan["noemie_sha256"],
            outcome=status.value,
            virement_ref=reference,
            paid_on=orphan["paid_on"],
            billed=(fse.amo, fse.amc),
            paid=(paid_amo, paid_amc),
            motif_code=orphan["motif_code"],
            motif_label=str(orphan["motif_label"] or ""),
            now=now,
        )
        store.journal_payment(payment_id_written or 0, now)
        store.returns.resolve_unmatched(payment_id, fse.fse_uuid, by, now)
        store.journal_unmatched_resolved(payment_id, now)
    logger.info("unmatched payment %d matched by hand with FSE %d", payment_id, fse.number)
    return HandMatch(
        payment_id=payment_id,
        fse_number=fse.number,
        fse_uuid=fse.fse_uuid,
        status=status,
        by=by,
        at=stamp(now),
    )
