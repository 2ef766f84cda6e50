"""NOEMIE returns: import a payment or reject file (from the concentrator or dropped in by
the user), reconcile every FSE it names, and match by hand a payment that matched none.

Idempotent: the same NOEMIE file imported twice changes nothing the second time. A payment
that matches no FSE is kept in ``unmatched_payments`` and shown; it is never dropped.
Re-exported by :mod:`client.returns`.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from billing.fse_states import FseEventKind, FseState
from billing.noemie import MAX_SIZE as NOEMIE_MAX_SIZE
from billing.noemie import (
    MOTIFS,
    REJECT_MOTIFS,
    InvoiceOutcome,
    MalformedNoemieError,
    NoemieFile,
    NoemieInvoice,
    NoemiePayment,
    PartState,
    parse_noemie,
)
from client.arl_returns import _acknowledge, _set_state, _state, log_event
from client.bounded_read import InputFileError, read_bounded
from client.errors import ClientError
from client.labels import FSE_STATE_LABELS
from client.reconciliation import Reconciliation
from client.store import NotFoundError, Store, stamp

if TYPE_CHECKING:
    from client.transport import Transport

ZERO = Decimal("0.00")

#: Named as before the split of ``client.returns``: log filters and readers keep working.
logger = logging.getLogger("client.returns")

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


def caisse_leaves_amc(inv: NoemieInvoice) -> bool:
    """Whether the caisse's NOEMIE leaves the AMC part to the AMC (gestion séparée: 199 « pas
    de traitement » or « différé »)."""
    return inv.amc is not None and inv.amc.state in (PartState.NOT_PROCESSED, PartState.DEFERRED)


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
    # Gestion séparée: the AMC part goes to the AMC (a DRE carries it, NOEMIE 199 leaves
    # it); the caisse was not asked for it: neither paid nor missing on the caisse's line.
    separate = inv.amc is None and store.alerts.amc_part_sent(fse.fse_uuid) is not None
    billed_amc = ZERO if caisse_leaves_amc(inv) or separate else fse.amc
    if inv.outcome is InvoiceOutcome.REJECTED:
        code = inv.motif_code or ""
        label = REJECT_MOTIFS.get(code, inv.motif_label)
        store.transition_fse(
            fse.id, FseState.REJECTED, FseEventKind.REJECTED, now, f"rejet {code} : {label}"
        )
        result = Reconciliation.REJECTED
    else:
        same = inv.paid_amo == fse.amo and inv.paid_amc == billed_amc
        result = Reconciliation.PAID if same else Reconciliation.PARTLY_PAID
        left = "" if billed_amc == fse.amc else f", part AMC {fse.amc} € à payer par l'AMC"
        store.transition_fse(
            fse.id,
            FseState.PAID,
            FseEventKind.PAID,
            now,
            f"virement {pay.reference if pay else ''} : AMO {inv.paid_amo} € / AMC {inv.paid_amc} €"
            + ("" if same else f" (facturé AMO {fse.amo} € / AMC {billed_amc} €)")
            + left,
        )
    payment_id = store.returns.insert_payment(
        fse_uuid=inv.fse_id,
        noemie_sha256=sha,
        outcome=result.value,
        virement_ref=pay.reference if pay else "",
        paid_on=pay.paid_on.isoformat() if pay else None,
        billed=(fse.amo, billed_amc),
        paid=(inv.paid_amo, inv.paid_amc),
        motif_code=inv.motif_code,
        motif_label=MOTIFS.get(inv.motif_code or "", inv.motif_label),
        now=now,
        or_ignore=True,
        part_states=(
            inv.amo.state.value if inv.amo else "",
            inv.amc.state.value if inv.amc else "",
        ),
        amc_number=inv.amc.amc_number if inv.amc else "",
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
    # One journal row for the file's entries (payments, events, the file): issue #27.
    with store.write(), store.journal.grouped():
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
