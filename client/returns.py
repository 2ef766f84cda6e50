"""What comes back from the caisse: ARL per lot, NOEMIE returns per FSE, and the
reconciliation of every FSE (paid, partly paid, rejected with motif, still waiting).

The work is split by concern; this module re-exports it, so callers keep importing from
``client.returns``:

- :mod:`client.arl_returns`: the ARL of the lots and the transport log;
- :mod:`client.noemie_returns`: the import of NOEMIE files and matching payments by hand;
- :mod:`client.reconcile_views`: the per-FSE reconciliation, its pages and counts, and the
  payments that matched no FSE.

Everything here is idempotent: the same ARL or the same NOEMIE file processed twice changes
nothing the second time. A payment that matches no FSE is kept in ``unmatched_payments``
and shown; it is never dropped.
"""

from __future__ import annotations

from client.arl_returns import (
    ArlFetch,
    ArlOutcome,
    apply_arl,
    fetch_arls,
    last_contact,
    log_event,
    lots_waiting_for_arl,
    mark_received,
    note_attempt,
)
from client.noemie_returns import (
    Clock,
    FseAlreadyReconciledError,
    FseNotAcknowledgedError,
    HandMatch,
    HandMatchError,
    ImportReport,
    NoemieImportError,
    ReturnsError,
    UnmatchedPaymentNotFoundError,
    fetch_noemie,
    import_noemie,
    import_noemie_file,
    match_payment_by_hand,
)
from client.reconcile_views import (
    LABELS,
    FseReconciliation,
    ReconcileSummary,
    reconcile,
    reconcile_counts,
    reconcile_page,
    reconcile_summary,
    unmatched_count,
    unmatched_page,
    unmatched_payments,
)
from client.reconciliation import Reconciliation

__all__ = [
    "LABELS",
    "ArlFetch",
    "ArlOutcome",
    "Clock",
    "FseAlreadyReconciledError",
    "FseNotAcknowledgedError",
    "FseReconciliation",
    "HandMatch",
    "HandMatchError",
    "ImportReport",
    "NoemieImportError",
    "ReconcileSummary",
    "Reconciliation",
    "ReturnsError",
    "UnmatchedPaymentNotFoundError",
    "apply_arl",
    "fetch_arls",
    "fetch_noemie",
    "import_noemie",
    "import_noemie_file",
    "last_contact",
    "log_event",
    "lots_waiting_for_arl",
    "mark_received",
    "match_payment_by_hand",
    "note_attempt",
    "reconcile",
    "reconcile_counts",
    "reconcile_page",
    "reconcile_summary",
    "unmatched_count",
    "unmatched_page",
    "unmatched_payments",
]
