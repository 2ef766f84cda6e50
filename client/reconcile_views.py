"""The reconciliation of every FSE (paid, partly paid, rejected with motif, still
waiting): the whole list, its pages, its counts and summary, and the NOEMIE lines that
matched no FSE. Reads only; re-exported by :mod:`client.returns`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from billing.fse_states import FseState
from client.labels import RECONCILIATION_LABELS
from client.reconciliation import Reconciliation
from client.store import Store
from client.store.returns import ReconcileRow

#: French labels of the reconciliation states: the table shared by the CLI and the GUI.
LABELS = RECONCILIATION_LABELS


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


def reconcile(store: Store, practitioners: frozenset[str] | None = None) -> list[FseReconciliation]:
    """The reconciliation of every FSE that exists (cancelled ones left out), in number
    order: ``sesam returns list --tout``; the pages read :func:`reconcile_page`. Those of
    ``practitioners`` only when given (issue #26: who is looking)."""
    rows = store.returns.reconcile_rows(
        _NOT_LISTED, newest_first=False, practitioners=practitioners
    )
    return [_reconciled(r) for r in rows]


#: Left out of the reconciliation: no money expected (a rectified FSE's money is its
#: rectificative's, listed in its place: the care is counted once).
_NOT_LISTED = (FseState.CANCELLED, FseState.DRAFT, FseState.RECTIFIED)


def reconcile_page(
    store: Store,
    limit: int,
    offset: int = 0,
    *,
    status: Reconciliation | None = None,
    practitioners: frozenset[str] | None = None,
) -> list[FseReconciliation]:
    """One page of :func:`reconcile`, newest first (a list that fetches rows as shown),
    optionally only the FSE of one status (filtered by the database), only those of
    ``practitioners`` when given (issue #26: who is looking)."""
    rows = store.returns.reconcile_rows(
        _NOT_LISTED, status, limit=limit, offset=offset, practitioners=practitioners
    )
    return [_reconciled(r) for r in rows]


@dataclass(frozen=True, slots=True)
class ReconcileSummary:
    """How many FSE of :func:`reconcile` stand where (counted by the database)."""

    listed: int
    waiting: int  # secured or in a signed lot, not sent
    sent: int  # sent, ARL awaited
    paid: int  # paid, in full or partly
    refused: int  # NOEMIE reject or negative ARL


def reconcile_summary(
    store: Store, practitioners: frozenset[str] | None = None
) -> ReconcileSummary:
    """The counts of :func:`reconcile`'s statuses without reading every FSE (those of
    ``practitioners`` only when given: who is looking)."""
    counts = _counts(store, practitioners)
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


def reconcile_counts(
    store: Store, practitioners: frozenset[str] | None = None
) -> dict[Reconciliation, int]:
    """How many FSE of :func:`reconcile` have each status (counted by the database)."""
    return _statuses(_counts(store, practitioners))


def _statuses(counts: dict[tuple[str, str | None], int]) -> dict[Reconciliation, int]:
    statuses: dict[Reconciliation, int] = {}
    for (state, outcome), n in counts.items():
        status = _status(FseState(state), outcome)
        statuses[status] = statuses.get(status, 0) + n
    return statuses


def _counts(
    store: Store, practitioners: frozenset[str] | None = None
) -> dict[tuple[str, str | None], int]:
    """FSE listed by :func:`reconcile`, counted per state and latest payment outcome (the
    outcome of settled FSE only), from the counts the store's triggers keep."""
    not_listed = {s.value for s in _NOT_LISTED}
    settled = {FseState.PAID.value, FseState.REJECTED.value}
    counts: dict[tuple[str, str | None], int] = {}
    rows = (
        store.returns.status_counts()
        if practitioners is None
        else store.cabinet.status_counts(practitioners)
    )
    for row in rows:
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


def _reconciled(row: ReconcileRow) -> FseReconciliation:
    paid_amo = paid_amc = None
    code: str | None = None
    label = ""
    state = row.state
    status = _status(state, row.outcome)
    if state is FseState.REFUSED:
        detail = "à corriger puis renvoyer"
    elif row.outcome is not None and state in (FseState.PAID, FseState.REJECTED):
        paid_amo, paid_amc = row.paid_amo, row.paid_amc
        code, label = row.motif_code, row.motif_label or ""
        detail = f"virement {row.virement_ref}" if row.virement_ref else ""
    else:
        detail = _WAITING_DETAIL.get(state, "")
    return FseReconciliation(
        fse_uuid=row.fse_uuid,
        number=row.number,
        care_date=row.care_date,
        mode=row.mode,
        state=state,
        status=status,
        billed_amo=row.amo,
        billed_amc=row.amc,
        paid_amo=paid_amo,
        paid_amc=paid_amc,
        motif_code=code,
        motif_label=label,
        detail=detail,
    )


def unmatched_payments(
    store: Store, include_resolved: bool = False, practitioners: frozenset[str] | None = None
) -> list[dict[str, Any]]:
    """Payments and rejects that matched no FSE here (kept, never dropped); those of
    ``practitioners`` only when given (their lots', or addressed to them)."""
    return store.returns.unmatched(include_resolved, practitioners)


def unmatched_page(
    store: Store, limit: int, offset: int = 0, practitioners: frozenset[str] | None = None
) -> list[dict[str, Any]]:
    """One page of :func:`unmatched_payments` (the queue page's list, read as it scrolls)."""
    return store.returns.unmatched_page(limit, offset, practitioners)


def unmatched_count(store: Store, practitioners: frozenset[str] | None = None) -> int:
    """How many payments :func:`unmatched_payments` lists (counted by the database)."""
    return store.returns.unmatched_count(practitioners)
