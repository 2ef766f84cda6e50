"""How ``fse_events`` keeps an FSE's history in a few bytes (issue #27, migration m029):
its kind and states as small integer codes, its time as integer seconds (UTC).

The codes are a storage format: a code is never reused nor renumbered; a new kind or state
gets the next free code. A value that is not a known code (put there outside the software)
is read as it is, so that ``sesam audit verify`` names the event rather than crashing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from billing.fse_states import FseEventKind, FseState

STATE_CODES: dict[FseState, int] = {
    FseState.DRAFT: 0,
    FseState.SECURED: 1,
    FseState.IN_LOT: 2,
    FseState.SENT: 3,
    FseState.ACKNOWLEDGED: 4,
    FseState.REFUSED: 5,
    FseState.PAID: 6,
    FseState.REJECTED: 7,
    FseState.CANCELLED: 8,
    FseState.RECTIFIED: 9,
}
KIND_CODES: dict[FseEventKind, int] = {
    FseEventKind.CREATED: 0,
    FseEventKind.SECURED: 1,
    FseEventKind.LOT_CLOSED: 2,
    FseEventKind.LOT_REOPENED: 3,
    FseEventKind.SENT: 4,
    FseEventKind.ARL_POSITIVE: 5,
    FseEventKind.ARL_NEGATIVE: 6,
    FseEventKind.PAID: 7,
    FseEventKind.REJECTED: 8,
    FseEventKind.CANCELLED: 9,
    FseEventKind.RECTIFIED: 10,
    FseEventKind.DUPLICATA: 11,
}
_STATES = {code: state.value for state, code in STATE_CODES.items()}
_KINDS = {code: kind.value for kind, code in KIND_CODES.items()}


def state_code(state: FseState | str | None) -> int | None:
    """The stored code of a state (``None`` stays ``None``: a created FSE came from none)."""
    return None if state is None else STATE_CODES[FseState(state)]


def kind_code(kind: FseEventKind | str) -> int:
    return KIND_CODES[FseEventKind(kind)]


def state_text(stored: object) -> str | None:
    """The state's name as the journal's payloads spell it; anything else as its text."""
    if stored is None:
        return None
    if isinstance(stored, int):
        return _STATES.get(stored, str(stored))
    return str(stored)


def kind_text(stored: object) -> str:
    if isinstance(stored, int):
        return _KINDS.get(stored, str(stored))
    return str(stored)


def at_seconds(moment: datetime) -> int:
    """An event's time as stored: whole seconds since 1970 UTC (the journal keeps it to the
    microsecond in the event's entry)."""
    return int(moment.timestamp())


def at_moment(stored: object) -> datetime:
    """An event's stored time as an aware UTC datetime (a text stamp of an older store as
    it reads)."""
    if isinstance(stored, int | float):
        return datetime.fromtimestamp(int(stored), UTC)
    return datetime.fromisoformat(str(stored))


class StoredEvent(NamedTuple):
    """A row of ``fse_events`` read back as text (what the journal's payload names)."""

    id: int
    fse_id: int
    at: datetime
    kind: str
    from_state: str | None
    to_state: str
    detail: str | None


def read_event(row: dict[str, object]) -> StoredEvent:
    """A row of ``fse_events`` (its columns by name) decoded."""
    return StoredEvent(
        id=int(str(row["id"])),
        fse_id=int(str(row["fse_id"])),
        at=at_moment(row["at"]),
        kind=kind_text(row["kind"]),
        from_state=state_text(row["from_state"]),
        to_state=state_text(row["to_state"]) or "",
        detail=None if row["detail"] is None else str(row["detail"]),
    )
