"""The life of an FSE, as a state machine: which transitions exist and which do not.

See ``docs/fse-states.md`` for the diagram. The store records every transition as an event
with its timestamp; this module only says whether a transition is allowed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from billing.errors import BillingError

logger = logging.getLogger(__name__)


class FseState(StrEnum):
    """Where an FSE stands. The values are stored in the database and in exports."""

    DRAFT = "draft"  # priced, not yet secured (never stored by the CLI, kept for the UI)
    SECURED = "secured"  # digest certified (or dégradé), waiting in an open lot
    IN_LOT = "in_lot"  # its lot is closed and signed by the CPS, waiting to be sent
    SENT = "sent"  # its lot left the workstation
    ACKNOWLEDGED = "acknowledged"  # ARL positive for its lot
    REFUSED = "refused"  # ARL negative for its lot: the lot is to be sent again
    PAID = "paid"  # NOEMIE: paid
    REJECTED = "rejected"  # NOEMIE: rejected with a motif
    CANCELLED = "cancelled"  # cancelled before sending
    RECTIFIED = "rectified"  # rejected or refused, replaced by an FSE rectificative


class FseEventKind(StrEnum):
    """What happened to an FSE; one event per transition, plus duplicata prints."""

    CREATED = "created"
    SECURED = "secured"
    LOT_CLOSED = "lot_closed"
    LOT_REOPENED = "lot_reopened"  # its closed lot was voided by the cancellation of another FSE
    SENT = "sent"
    ARL_POSITIVE = "arl_positive"
    ARL_NEGATIVE = "arl_negative"
    PAID = "paid"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    RECTIFIED = "rectified"  # an FSE rectificative replaces it (its number in the detail)
    DUPLICATA = "duplicata"  # a duplicata was issued: recorded, the state does not change


#: Allowed transitions: from state -> the states it may go to.
TRANSITIONS: dict[FseState, frozenset[FseState]] = {
    FseState.DRAFT: frozenset({FseState.SECURED, FseState.CANCELLED}),
    FseState.SECURED: frozenset({FseState.IN_LOT, FseState.CANCELLED}),
    FseState.IN_LOT: frozenset({FseState.SENT, FseState.SECURED, FseState.CANCELLED}),
    FseState.SENT: frozenset({FseState.ACKNOWLEDGED, FseState.REFUSED}),
    FseState.REFUSED: frozenset({FseState.SENT, FseState.RECTIFIED}),
    FseState.ACKNOWLEDGED: frozenset({FseState.PAID, FseState.REJECTED}),
    FseState.PAID: frozenset(),
    FseState.REJECTED: frozenset({FseState.RECTIFIED}),
    FseState.CANCELLED: frozenset(),
    FseState.RECTIFIED: frozenset(),
}

#: States an FSE rectificative may be built from: the caisse did not take the FSE.
RECTIFIABLE_STATES = frozenset({FseState.REJECTED, FseState.REFUSED})

#: States whose FSE count in no total: the care they bill is billed by no FSE (cancelled,
#: draft) or by another one (rectified: its rectificative counts it).
UNCOUNTED_STATES = frozenset({FseState.DRAFT, FseState.CANCELLED, FseState.RECTIFIED})

#: States in which a duplicata may be issued (the FSE exists and is not cancelled).
DUPLICATA_STATES = frozenset(set(FseState) - {FseState.DRAFT, FseState.CANCELLED})

#: States that can still be cancelled: nothing has left the workstation.
CANCELLABLE_STATES = frozenset({FseState.DRAFT, FseState.SECURED, FseState.IN_LOT})


class FseStateError(BillingError):
    """A transition that the FSE state machine forbids."""

    def __init__(self, number: int | None, current: FseState, wanted: FseState | str) -> None:
        label = f"La FSE n° {number}" if number is not None else "La FSE"
        super().__init__(
            f"{label} est à l'état « {current.value} » : passage à « {wanted} » impossible."
        )
        self.number = number
        self.current = current
        self.wanted = wanted


def can_transition(current: FseState, wanted: FseState) -> bool:
    """Whether the state machine allows ``current`` -> ``wanted``."""
    return wanted in TRANSITIONS[current]


def check_transition(current: FseState, wanted: FseState, number: int | None = None) -> None:
    """Raise ``FseStateError`` unless ``current`` -> ``wanted`` is allowed."""
    if not can_transition(current, wanted):
        raise FseStateError(number, current, wanted)


def check_duplicata(current: FseState, number: int | None = None) -> None:
    """Raise ``FseStateError`` unless a duplicata may be issued in ``current``."""
    if current not in DUPLICATA_STATES:
        raise FseStateError(number, current, "duplicata")


@dataclass(frozen=True, slots=True)
class FseTransition:
    """One recorded event of an FSE: from where to where, when, and why."""

    kind: FseEventKind
    from_state: FseState | None
    to_state: FseState
    at: datetime
    detail: str | None = None
