"""What ``sesam audit verify`` keeps of each journaled FSE event while it compares them with
``fse_events`` (issue #27): 6 M events at 1 M FSE, as AuditEntry objects 8 GB, as a dict of
small values ~800 MB. Here one slot of 25 bytes per event number in a single ``bytearray``
(~150 MB): the entry's ``seq``, the first 16 bytes of the SHA-256 of its FSE and payload,
and whether its event was read. Event numbers are handed out one after the other, so the
slots are dense; a number far beyond them (a forged entry) is kept aside."""

from __future__ import annotations

import hashlib
import itertools

_SEQ = 8
_DIGEST = 16
_SLOT = _SEQ + _DIGEST + 1  # + the state: _ABSENT, _KEPT or _SEEN
_ABSENT, _KEPT, _SEEN = 0, 1, 2
#: How far past the slots a number may be and still get one (beyond: kept aside).
_DENSE_REACH = 1_000_000


def event_digest(fse_id: str, payload: str) -> bytes:
    """What an event's entry is compared by: its FSE and payload text (16 bytes)."""
    text = f"{fse_id}\x00{payload}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(text).digest()[:_DIGEST]


class EventIndex:
    """Per event number, the last journal entry that records it: its ``seq`` and digest."""

    def __init__(self) -> None:
        self._slots = bytearray()
        self._aside: dict[int, bytearray] = {}
        self._kept = 0  # numbers with an entry
        self._seen = 0  # of those, read among the events

    def _place(self, event_id: int, grow: bool = False) -> tuple[bytearray, int] | None:
        """The array and offset of event ``event_id``'s slot (None: it has none)."""
        start = (event_id - 1) * _SLOT
        if event_id > 0 and start < len(self._slots):
            return self._slots, start
        if grow and 0 < event_id <= len(self._slots) // _SLOT + _DENSE_REACH:
            self._slots.extend(bytes(start + _SLOT - len(self._slots)))
            return self._slots, start
        if grow:
            return self._aside.setdefault(event_id, bytearray(_SLOT)), 0
        aside = self._aside.get(event_id)
        return None if aside is None else (aside, 0)

    def add(self, event_id: int, seq: int, digest: bytes) -> None:
        """The entry ``seq`` records event ``event_id`` (a later one replaces it)."""
        place = self._place(event_id, grow=True)
        assert place is not None  # noqa: S101 - grow gives one
        slots, at = place
        if slots[at + _SLOT - 1] == _ABSENT:
            self._kept += 1
        slots[at : at + _SLOT] = seq.to_bytes(_SEQ, "big") + digest + bytes((_KEPT,))

    def get(self, event_id: int) -> tuple[int, bytes] | None:
        """The ``seq`` and digest of the entry of event ``event_id``; None: not journaled."""
        place = self._place(event_id)
        if place is None or place[0][place[1] + _SLOT - 1] == _ABSENT:
            return None
        slots, at = place
        return int.from_bytes(slots[at : at + _SEQ], "big"), bytes(
            slots[at + _SEQ : at + _SEQ + _DIGEST]
        )

    def seen(self, event_id: int) -> None:
        """Event ``event_id`` was read among the events (and found as journaled)."""
        place = self._place(event_id)
        if place is not None and place[0][place[1] + _SLOT - 1] == _KEPT:
            place[0][place[1] + _SLOT - 1] = _SEEN
            self._seen += 1

    def first_unseen(self) -> tuple[int, int] | None:
        """The event journaled first among those never read: (event number, ``seq``)."""
        if self._seen == self._kept:
            return None
        found: tuple[int, int] | None = None
        places = itertools.chain(
            ((i // _SLOT + 1, self._slots, i) for i in range(0, len(self._slots), _SLOT)),
            ((event_id, slot, 0) for event_id, slot in self._aside.items()),
        )
        for event_id, slots, at in places:
            if slots[at + _SLOT - 1] == _KEPT:
                seq = int.from_bytes(slots[at : at + _SEQ], "big")
                if found is None or seq < found[1]:
                    found = (event_id, seq)
        return found
