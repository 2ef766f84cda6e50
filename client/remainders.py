"""Unpaid remainders (issue #20): what the caisse did not pay of a partly paid or rejected
FSE, until the user closes it with a reason — « perte acceptée », or « réclamé à la
caisse » (a claim stays visible as claimed, with its date, and may later become a loss).

Read by SQL from the latest payment line of each FSE (``payments_outcome``, migration
m013: the partly paid and rejected lines only, not every FSE). Amounts are TEXT in the
store: SQL groups them and counts, the sums are made here as ``Decimal``. Each closure is
a ``remainder_closures`` row journaled in the same transaction (``sesam audit verify``
compares both).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from billing.amc_delays import AmcDelays, load_amc_delays
from billing.fse_states import FseState
from billing.money_text import euros
from client.errors import ClientError
from client.reconciliation import Reconciliation
from client.store import Store, parse_db_stamp, returns
from client.store.amc_remainders import AmcRemainderGroup
from client.store.returns import ClosureRow, RemainderGroup, RemainderRow

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
Clock = Callable[[], datetime]


class ClosureMotif(StrEnum):
    """Why the user closes an unpaid remainder."""

    LOSS = "perte"  # accepted loss: nothing more is expected
    CLAIMED = "reclame"  # claimed from the caisse: still expected, visible as claimed


CLOSURE_LABELS: dict[ClosureMotif, str] = {
    ClosureMotif.LOSS: "perte acceptée",
    ClosureMotif.CLAIMED: "réclamé à la caisse",
}

#: Comments are kept short: a reason, not a letter.
MAX_COMMENT = 500

# The SQL is the store's (``client.store.returns``); named here too for the tests.
UNPAID_OUTCOMES = returns.UNPAID_OUTCOMES
_SQL_REMAINDERS = returns.SQL_REMAINDERS


def missing_amount(
    billed_amo: Decimal, billed_amc: Decimal, paid_amo: Decimal, paid_amc: Decimal
) -> Decimal:
    """What the caisse did not pay, part by part (a part paid above its bill makes up for
    nothing: another part's shortfall is still owed)."""
    return max(billed_amo - paid_amo, ZERO) + max(billed_amc - paid_amc, ZERO)


class OpenRemainder(NamedTuple):
    """One FSE with money unpaid and no closure (or a claim, with ``claimed``)."""

    fse_uuid: str
    number: int
    practitioner_id: str
    care_date: date
    status: Reconciliation  # partly paid or rejected
    missing: Decimal
    motif_code: str | None
    motif_label: str
    returned_on: date  # the day the NOEMIE return (or the AMC's answer) was recorded
    claimed: bool = False
    #: The complémentaire's part, unpaid by the AMC itself (gestion séparée, its DRE paid
    #: short or rejected), not the caisse's: its n° AMC.
    amc: bool = False
    amc_number: str = ""


class RemainderTotals(NamedTuple):
    """Unpaid money in euros and FSE: open (neither claimed nor lost), claimed, lost."""

    unpaid_amount: Decimal = ZERO
    unpaid_count: int = 0
    rejected_count: int = 0  # among the unpaid: rejected FSE
    claimed_amount: Decimal = ZERO
    claimed_count: int = 0
    lost_amount: Decimal = ZERO
    lost_count: int = 0


def _row_missing(row: RemainderRow | RemainderGroup) -> Decimal:
    return missing_amount(row.billed_amo, row.billed_amc, row.paid_amo, row.paid_amc)


def open_remainders(
    store: Store,
    limit: int | None = None,
    offset: int = 0,
    *,
    include_claimed: bool = False,
    practitioners: frozenset[str] | None = None,
) -> list[OpenRemainder]:
    """The FSE with money unpaid and not closed, oldest return first (a page when
    ``limit``), the caisse's then the AMC's (gestion séparée); the claimed ones too with
    ``include_claimed``; those of ``practitioners`` only when given (issue #26: who is
    looking)."""
    out = _caisse_remainders(store, limit, offset, include_claimed, practitioners)
    # The AMC's come after the caisse's: their page starts where the caisse's rows end.
    closed = {None, ClosureMotif.CLAIMED.value} if include_claimed else {None}
    caisse_rows = sum(
        g.n for g in store.returns.remainder_groups(practitioners) if g.closed in closed
    )
    if limit is not None:
        limit = max(0, offset + limit - max(offset, caisse_rows))
        if limit == 0:
            return out
    for a in store.amc_remainders.remainders(
        include_claimed=include_claimed,
        limit=limit,
        offset=max(0, offset - caisse_rows),
        practitioners=practitioners,
    ):
        missing = max(a.billed_amc - a.paid_amc, ZERO)
        if missing <= 0:
            continue  # paid differently, not less: nothing owed
        out.append(
            OpenRemainder(
                fse_uuid=a.fse_uuid,
                number=a.number,
                practitioner_id=a.practitioner_id,
                care_date=date.fromisoformat(a.care_date),
                status=Reconciliation(a.outcome),
                missing=missing,
                motif_code=a.motif_code or None,
                motif_label=a.motif_label,
                returned_on=parse_db_stamp(a.recorded_at).astimezone().date(),
                claimed=a.closed == ClosureMotif.CLAIMED.value,
                amc=True,
                amc_number=a.amc_number,
            )
        )
    return out


def _caisse_remainders(
    store: Store,
    limit: int | None,
    offset: int,
    include_claimed: bool,
    practitioners: frozenset[str] | None,
) -> list[OpenRemainder]:
    out = []
    for row in store.returns.remainders(
        include_claimed=include_claimed, limit=limit, offset=offset, practitioners=practitioners
    ):
        missing = _row_missing(row)
        if missing <= 0:
            continue  # paid differently, not less: nothing owed
        out.append(
            OpenRemainder(
                fse_uuid=row.fse_uuid,
                number=row.number,
                practitioner_id=row.practitioner_id,
                care_date=date.fromisoformat(row.care_date),
                status=Reconciliation(row.outcome),
                missing=missing,
                motif_code=row.motif_code or None,
                motif_label=row.motif_label or "",
                returned_on=parse_db_stamp(row.recorded_at).astimezone().date(),
                claimed=row.closed == ClosureMotif.CLAIMED.value,
            )
        )
    return out


def remainder_totals(store: Store, practitioners: frozenset[str] | None = None) -> RemainderTotals:
    """The dashboard's figures: grouped by amounts in SQL, summed here as ``Decimal`` (the
    caisse's remainders and the AMC's, gestion séparée); those of ``practitioners`` only
    when given (issue #26: who is looking)."""
    unpaid = claimed = lost = ZERO
    n_unpaid = n_rejected = n_claimed = n_lost = 0
    groups: list[tuple[Decimal, RemainderGroup | AmcRemainderGroup]] = [
        (_row_missing(g), g) for g in store.returns.remainder_groups(practitioners)
    ]
    groups += [(max(g.billed_amc - g.paid_amc, ZERO), g) for g in _amc_groups(store, practitioners)]
    for missing, group in groups:
        if missing <= 0:
            continue
        n = group.n
        if group.closed == ClosureMotif.LOSS.value:
            lost, n_lost = lost + missing * n, n_lost + n
        elif group.closed == ClosureMotif.CLAIMED.value:
            claimed, n_claimed = claimed + missing * n, n_claimed + n
        else:
            unpaid, n_unpaid = unpaid + missing * n, n_unpaid + n
            if group.outcome == Reconciliation.REJECTED.value:
                n_rejected += n
    return RemainderTotals(
        unpaid_amount=unpaid,
        unpaid_count=n_unpaid,
        rejected_count=n_rejected,
        claimed_amount=claimed,
        claimed_count=n_claimed,
        lost_amount=lost,
        lost_count=n_lost,
    )


def _amc_groups(store: Store, practitioners: frozenset[str] | None) -> list[AmcRemainderGroup]:
    """The AMC's remainders grouped (of ``practitioners`` when given: the m025 counts
    carry each FSE's practitioner)."""
    return store.amc_remainders.groups(practitioners)


# ------------------------------------------------------------------ AMC parts paid late


class LateAmcPart(NamedTuple):
    """An AMC part left to its AMC (gestion séparée) and still unpaid after the AMC's
    contractual delay (``billing/tariffs/amc-delais.json``, or the AMC's own)."""

    fse_uuid: str
    number: int
    care_date: date
    amount: Decimal
    amc_number: str
    transmitted_on: date  # the caisse's acknowledgement of the lot: the DRE left with it
    deadline: date


def amc_delays(store: Store, delays: AmcDelays | None = None) -> AmcDelays:
    """The AMC payment delays: the file's (``billing/tariffs/amc-delais.json``), each
    convention's own « délai de paiement » (the conventions table the user edits) over it."""
    delays = delays or load_amc_delays()
    own = {
        c.amc_number.lstrip("0"): c.delay_days
        for c in store.amc_conventions.conventions()
        if c.delay_days
    }
    return replace(delays, by_amc={**delays.by_amc, **own}) if own else delays


def late_amc_parts(
    store: Store,
    now: datetime,
    delays: AmcDelays | None = None,
    practitioners: frozenset[str] | None = None,
) -> list[LateAmcPart]:
    """The AMC parts unpaid beyond their delay, oldest first. The database reads only the
    lines whose AMC part the caisse left to the AMC, acknowledged before the shortest
    delay; each AMC's own delay (its convention's, else the file's) is applied here to
    those few."""
    delays = amc_delays(store, delays)
    today = now.astimezone().date()
    bound = today - timedelta(days=delays.shortest())
    out = []
    for row in store.alerts.amc_parts_left(bound.isoformat(), practitioners):
        sent = parse_db_stamp(row.received_at).astimezone().date()
        deadline = sent + timedelta(days=delays.days(sent, row.amc_number))
        if today <= deadline:
            continue
        out.append(
            LateAmcPart(
                fse_uuid=row.fse_uuid,
                number=row.number,
                care_date=date.fromisoformat(row.care_date),
                amount=Decimal(row.amc),
                amc_number=row.amc_number,
                transmitted_on=sent,
                deadline=deadline,
            )
        )
    return out


# ------------------------------------------------------------------------------ closing


class Closure(NamedTuple):
    """An unpaid remainder closed by the user."""

    id: int
    fse_uuid: str
    motif: ClosureMotif
    amount: Decimal
    comment: str
    closed_at: datetime
    closed_by: str

    @property
    def label(self) -> str:
        """« réclamé à la caisse le 05/12/2026 »."""
        return f"{CLOSURE_LABELS[self.motif]} le {self.closed_at.astimezone():%d/%m/%Y}"


class NothingToCloseError(ClientError):
    """The FSE has no unpaid remainder to close (the French reason in ``str()``)."""


def latest_closure(store: Store, fse_uuid: str) -> Closure | None:
    """The closure that counts for the FSE (the latest), None when it has none."""
    row = store.returns.latest_closure(fse_uuid)
    return _closure(row) if row else None


def _closure(r: ClosureRow) -> Closure:
    return Closure(
        id=r.id,
        fse_uuid=r.fse_uuid,
        motif=ClosureMotif(r.motif),
        amount=r.amount,
        comment=r.comment,
        closed_at=r.closed_at,
        closed_by=r.closed_by,
    )


def _login() -> str:
    import getpass  # termios: not for the dashboard (issue #27)

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (container without passwd entry)
        return "utilisateur inconnu"


def _nothing_reason(number: int, state: FseState) -> str:
    if state is FseState.PAID:
        return f"La FSE n° {number} est payée en totalité : il n'y a pas de reste dû à clore."
    if state is FseState.REFUSED:
        return (
            f"La FSE n° {number} est refusée (ARL négatif) : corrigez-la et renvoyez-la "
            "plutôt que de clore son montant."
        )
    if state is FseState.RECTIFIED:
        return f"La FSE n° {number} est remplacée par une FSE rectificative : rien à clore."
    if state is FseState.CANCELLED:
        return f"La FSE n° {number} est annulée : rien à clore."
    return (
        f"La FSE n° {number} attend encore le retour de la caisse : rien à clore avant "
        "le paiement ou le rejet (sesam returns fetch)."
    )


def close_remainder(
    store: Store,
    number: int,
    motif: ClosureMotif,
    clock: Clock,
    *,
    comment: str = "",
    practitioner_id: str | None = None,
    by: str | None = None,
) -> Closure:
    """Close the unpaid remainder of FSE ``number`` with a reason, journaled in the same
    transaction. A claim may become a loss later; nothing else is closed twice.

    :raises NothingToCloseError: nothing unpaid, or already closed (the reason in French).
    :raises NotFoundError: no FSE with that number.
    """
    comment = " ".join(comment.split())[:MAX_COMMENT]
    now = clock()
    with store.write():
        fse = store.fse_by_number(number, practitioner_id)
        remainder = store.returns.remainder_of(fse.fse_uuid)
        missing = _row_missing(remainder) if remainder else ZERO
        # What the AMC did not pay (gestion séparée) is closed with the caisse's.
        amc = store.amc_remainders.remainder_of(fse.fse_uuid)
        if amc is not None:
            missing += max(amc.billed_amc - amc.paid_amc, ZERO)
        if missing <= 0:
            raise NothingToCloseError(_nothing_reason(fse.number, fse.state))
        previous = latest_closure(store, fse.fse_uuid)
        if previous is not None and (
            previous.motif is ClosureMotif.LOSS or previous.motif is motif
        ):
            raise NothingToCloseError(
                f"Le reste dû de la FSE n° {fse.number} ({euros(missing)}) est déjà clos : "
                f"{previous.label}."
            )
        closure_id = store.returns.insert_closure(
            fse.fse_uuid, motif.value, missing, comment, now, by or _login()
        )
        store.journal_closure(closure_id, now)
        closure = latest_closure(store, fse.fse_uuid)
    assert closure is not None  # noqa: S101 - written just above, same transaction
    logger.info("FSE %d: remainder %s closed (%s)", fse.number, missing, motif.value)
    return closure
