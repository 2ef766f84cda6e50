"""A move of a lot, as the sender and the returns ask the lot writer (``lots``) for it: its
own module, so that asking (``client.arl_returns``) does not load the writer (issue #27)."""

from __future__ import annotations

from dataclasses import dataclass

from billing.fse_states import FseEventKind, FseState
from billing.lot_states import LotState


@dataclass(frozen=True, slots=True)
class LotStep:
    """One move of a lot and its FSE: the states reached, the event, its detail (default:
    the lot's number)."""

    lot_state: LotState
    fse_state: FseState
    kind: FseEventKind
    detail: str | None = None
