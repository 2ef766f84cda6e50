"""What the journal says the books must hold, gathered in ``sesam audit verify``'s pass over
the journal (``client.store.audit_check``) and compared by ``client.store.books``: kept in
the verification's temporary database (``client.store.audit_spill``), not in memory
(issue #27: ~0.85 GB at 1 M FSE when held in Python)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

from billing.audit import AuditKind
from billing.fse_states import FseEventKind
from billing.lot_states import LotState
from client.store.audit_spill import Spill

_FSE_KINDS = frozenset(k.value for k in FseEventKind)
_LOT_KINDS = frozenset((AuditKind.LOT_SIGNED.value, AuditKind.LOT_STATE.value))

#: An FSE seen only through its lot membership, no event of its own journaled.
UNSTATED = object()


class Journaled:
    """The payload texts of one kind of books row as the journal last gives them, by key
    (kept in ``Expected``'s spill, not in memory)."""

    def __init__(self, spill: Spill, name: str) -> None:
        self._spill = spill
        self.name = name

    def put(self, key: Any, text: str) -> None:
        self._spill.put(self.name, key, text)

    def get(self, key: Any) -> str | None:
        found = self._spill.get(self.name, key)
        return None if found is None else str(found[1])

    def count(self) -> int:
        return self._spill.count(self.name)

    def in_order(self) -> Iterator[Any]:
        """In the order the journal first named them."""
        return self._spill.by_place(self.name)


class Expected:
    """What the journal says, fed entry by entry (``read``) in one pass over it (issue #27:
    a 1 M FSE journal): per FSE its last event's facts and its last lot membership, per
    payment and other row its payload's text (parsed when compared), written to a
    temporary database (``client.store.audit_spill``) rather than held; per lot a small
    dict (one per 10–50 FSE)."""

    def __init__(self) -> None:
        self.spill = Spill()
        self.lots: dict[str, dict[str, Any]] = {}
        self.payments = Journaled(self.spill, "payments")
        self.noemie = Journaled(self.spill, "noemie")
        self.unmatched = Journaled(self.spill, "unmatched")
        self.resolved = Journaled(self.spill, "resolved")
        self.closures = Journaled(self.spill, "closures")
        self.settlements = Journaled(self.spill, "settlements")  # by FSE UUID, the last stands
        self.amc_payments = Journaled(self.spill, "amc_payments")
        self._read_count = 0
        #: What reading an entry raised: raised by ``built``, where the books are compared
        #: (the checks before them may find a breach first).
        self._failure: Exception | None = None

    def close(self) -> None:
        """Drop the temporary database."""
        self.spill.close()

    def built(self) -> Expected:
        if self._failure is not None:
            raise self._failure
        return self

    def read(self, kind: str, fse_id: str, lot_id: str, text: str, p: Any) -> None:
        """One entry: its kind, FSE, lot, payload's text and the payload parsed."""
        if self._failure is not None:
            return
        try:
            self._read(kind, fse_id, lot_id, text, p)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            self._failure = exc

    def fse(self, uuid: str) -> tuple[Any, Any, Any, str] | None:
        """(number, practitioner, state, lot) of FSE ``uuid`` as the journal last gives
        them (state ``UNSTATED``: named only by its lot membership); None: never named."""
        event = self.spill.get("fse", uuid)
        member = self.spill.get("member", uuid)
        if event is None and member is None:
            return None
        joined = json.loads(member[1]) if member is not None else None
        if event is None:
            assert member is not None and joined is not None  # noqa: S101 - one is there
            return (json.loads(member[2]), None, UNSTATED, joined[1])
        at, number, practitioner, state, lot = json.loads(event[1])
        if joined is not None and joined[0] > at:  # joined a lot after its last event
            lot = joined[1]
        return (number, practitioner, state, lot)

    def fse_count(self) -> int:
        return self.spill.count("fse", "member")

    def fse_keys(self) -> Iterator[str]:
        """The journaled FSE, in the order the journal first named them."""
        return self.spill.by_place("fse", "member")

    def _read(self, kind: str, fse_id: str, lot_id: str, text: str, p: Any) -> None:
        self._read_count += 1
        at = self._read_count
        if kind in _FSE_KINDS and fse_id:
            facts = [at, p["number"], p["practitioner"], p["to"], lot_id]
            self.spill.put("fse", fse_id, json.dumps(facts))
        elif kind == AuditKind.LOT_MEMBER.value:
            # Its number stands only while no event of the FSE is journaled: the first.
            self.spill.put("member", fse_id, json.dumps([at, lot_id]), json.dumps(p["number"]))
            lot = self.lots.setdefault(lot_id, {"state": LotState.OPEN.value})
            lot["number"] = p["lot_number"]
        elif kind in _LOT_KINDS:
            lot = self.lots.setdefault(lot_id, {})
            lot["number"] = p["lot_number"]
            lot["state"] = sys.intern(p["state"]) if isinstance(p["state"], str) else p["state"]
            if "signed_sha256" in p:  # at signing, or sealed by the m008 baseline
                lot["signed_sha256"] = p["signed_sha256"]
                lot["content_sha256"] = p["content_sha256"]
                lot["fse_count"] = p["fse_count"]
        elif kind == AuditKind.PAYMENT.value:
            self.payments.put(int(p["payment"]), text)
        elif kind == AuditKind.NOEMIE_FILE.value:
            self.noemie.put(str(p["noemie"]), text)
        elif kind == AuditKind.UNMATCHED.value:
            self.unmatched.put(int(p["unmatched"]), text)
        elif kind == AuditKind.UNMATCHED_RESOLVED.value:
            self.resolved.put(int(p["unmatched"]), text)
        elif kind == AuditKind.REMAINDER_CLOSED.value:
            self.closures.put(int(p["closure"]), text)
        elif kind == AuditKind.SETTLEMENT.value:
            self.settlements.put(str(p["fse"]), text)
        elif kind == AuditKind.AMC_PAYMENT.value:
            self.amc_payments.put(int(p["amc_payment"]), text)
