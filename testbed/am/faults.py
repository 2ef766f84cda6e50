"""Fault injection for the simulated Assurance Maladie, switchable per run.

A fault is active until cleared, or for the next ``count`` requests it applies to. The server
asks :meth:`Faults.take` at the point where each fault would strike.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from enum import StrEnum

logger = logging.getLogger(__name__)


class FaultKind(StrEnum):
    """The faults the simulated concentrator can play."""

    REFUSE = "refuse"  # close every connection right after accept, before TLS
    DROP = "drop"  # read the request headers, then close without answering
    HTTP_500 = "500"  # answer 500 Internal Server Error
    HTTP_503 = "503"  # answer 503 Service Unavailable with Retry-After
    HTTP_429 = "429"  # answer 429 Too Many Requests with Retry-After (rate limited)
    SLOW = "slow"  # wait ``slow_seconds`` before answering
    GARBAGE = "garbage"  # answer 200 with bytes that are not the expected document
    ARL_TWICE = "arl-twice"  # publish every ARL twice in the ARL feed
    LOSE_ARL = "lose-arl"  # take the lot but lose its ARL (answer 202, no ARL)


@dataclass(slots=True)
class _Active:
    remaining: int | None  # None: until cleared


class Faults:
    """The set of active faults; thread-safe."""

    def __init__(self, slow_seconds: float = 30.0) -> None:
        self._lock = threading.Lock()
        self._active: dict[FaultKind, _Active] = {}
        self.slow_seconds = slow_seconds

    def set(self, kind: FaultKind | str, count: int | None = None) -> None:
        """Activate ``kind`` until cleared, or for the next ``count`` times it strikes."""
        kind = FaultKind(kind)
        if count is not None and count <= 0:
            raise ValueError("count must be positive")
        with self._lock:
            self._active[kind] = _Active(count)
        logger.info("fault %s on (%s)", kind.value, "until cleared" if count is None else count)

    def clear(self, kind: FaultKind | str | None = None) -> None:
        """Lift one fault, or all of them."""
        with self._lock:
            if kind is None:
                self._active.clear()
            else:
                self._active.pop(FaultKind(kind), None)
        logger.info("fault %s lifted", "all" if kind is None else FaultKind(kind).value)

    def is_active(self, kind: FaultKind) -> bool:
        """Whether ``kind`` would strike now (does not consume a count)."""
        with self._lock:
            return kind in self._active

    def take(self, kind: FaultKind) -> bool:
        """True when ``kind`` strikes now; consumes one of a counted fault."""
        with self._lock:
            active = self._active.get(kind)
            if active is None:
                return False
            if active.remaining is not None:
                active.remaining -= 1
                if active.remaining <= 0:
                    del self._active[kind]
            return True

    def snapshot(self) -> dict[str, int | None]:
        """Active faults and their remaining counts (None: until cleared)."""
        with self._lock:
            return {k.value: v.remaining for k, v in self._active.items()}
