"""A concentrator in the process, for unit tests of the client and the UI (no network).

``build_context(transport=InProcessTransport())``: every lot is received and acknowledged
positively at once (or refused, for the lot ids in ``refuse``), the ARL feed replays those
ARL, there are no NOEMIE returns and ADRi knows nobody unless told. The end-to-end tests
use the real :class:`client.transport.HttpsTransport` against the testbed's server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from billing.arl import Arl, ArlStatus, motif
from client.transport import LotAnswer, NoemieEntry


def _utcnow() -> datetime:
    return datetime.now(UTC)


class InProcessTransport:
    """A :class:`client.transport.Transport` answering from memory (thread-safe)."""

    def __init__(
        self,
        *,
        refuse: frozenset[str] = frozenset(),
        rights: dict[str, dict[str, Any]] | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.refuse = refuse
        #: ADRi answers by assuré NIR (the JSON object the server would send).
        self.rights = dict(rights or {})
        self.clock = clock
        self.sent: list[str] = []
        self.pings = 0
        self._arls: dict[str, Arl] = {}
        self._lock = threading.Lock()

    def send_lot(self, lot_id: str, der: bytes) -> LotAnswer:
        with self._lock:
            replay = lot_id in self._arls
            if not replay:
                self.sent.append(lot_id)
                refused = lot_id in self.refuse
                self._arls[lot_id] = Arl(
                    arl_id=f"ARL-{len(self._arls) + 1:06d}",
                    lot_id=lot_id,
                    status=ArlStatus.NEGATIVE if refused else ArlStatus.POSITIVE,
                    received_at=self.clock(),
                    fse_count=0,
                    motifs=(motif("A05"),) if refused else (),
                )
            return LotAnswer(arl=self._arls[lot_id], replay=replay)

    def arl(self, lot_id: str) -> Arl | None:
        with self._lock:
            return self._arls.get(lot_id)

    def arl_feed(self, after: int) -> tuple[list[tuple[int, Arl]], int]:
        with self._lock:
            feed = list(enumerate(self._arls.values(), start=1))
        return [(seq, arl) for seq, arl in feed if seq > after], len(feed)

    def noemie_list(self, after: int) -> list[NoemieEntry]:
        return []

    def noemie_file(self, seq: int) -> bytes:
        raise KeyError(seq)

    def adri(self, nir: str, birth_date: str, rank: str, at: date) -> dict[str, Any] | None:
        return self.rights.get(nir)

    def ping(self) -> datetime:
        with self._lock:
            self.pings += 1
        return self.clock()
