"""The audit journal as a hash chain: building entries and verifying a chain (pure).

Each entry records one event of an FSE or a lot (creation, securing, lot membership, lot
closing and signature, sending, ARL, payment or reject, cancellation, duplicata...). It
holds no personal data: FSE and lot identifiers (UUIDs), the event kind, and a payload
(canonical JSON of numbers, states and digests) with its SHA-256. Its ``hash`` is the
SHA-256 of the canonical form (RFC 8785, ``billing.canonical``) of every other field,
``prev_hash`` included, so that editing, removing or reordering an entry breaks the chain
at that entry. The first entry's ``prev_hash`` is ``GENESIS``.

A store needs not keep what it can recompute (issue #27): ``payload_sha256`` is the digest of
``payload`` and ``prev_hash`` the hash of the entry before. Rebuilt on reading, an edited
payload or a removed entry then shows as a wrong ``hash`` (at the entry, or at the next one)
where a stored copy would have shown a wrong digest or link: the chain is as strong.

What the chain cannot show on its own: an attacker who rewrites every hash from the edited
entry to the end, or who cuts the tail of the journal. Keeping the head (``head_hash``,
``count``) outside the workstation (printed, in a backup) closes both (docs/reliability.md).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from billing.canonical import canonical_bytes

logger = logging.getLogger(__name__)

#: ``prev_hash`` of the first entry.
GENESIS = "0" * 64


class AuditKind(StrEnum):
    """Events that are not a transition of one FSE (those use ``FseEventKind`` values)."""

    LOT_MEMBER = "lot_member"  # an FSE joined an open lot
    LOT_SIGNED = "lot_signed"  # a lot was closed and signed by the CPS
    LOT_STATE = "lot_state"  # a lot moved (sent, acknowledged, refused, voided)
    RESTORED = "restored"  # the database was restored from a backup
    PAYMENT = "payment"  # a NOEMIE payment or rejection recorded against an FSE
    NOEMIE_FILE = "noemie_file"  # a NOEMIE file imported (its digest and counts)
    UNMATCHED = "unmatched_payment"  # a NOEMIE line that matched no FSE here
    UNMATCHED_RESOLVED = "unmatched_resolved"  # such a line matched by hand
    REMAINDER_CLOSED = "remainder_closed"  # an unpaid remainder closed by the user (reason)
    SETTLEMENT = "settlement"  # what the patient paid at the desk (a correction: a new one)
    AMC_PAYMENT = "amc_payment"  # an AMC paid or rejected the DRE of an FSE (gestion séparée)
    BASELINE = "baseline"  # a fact recorded before it was journaled, sealed by a migration


def payload_text(payload: Mapping[str, Any]) -> str:
    """The canonical JSON text of a payload (integers, strings, booleans, null only)."""
    return canonical_bytes(payload).decode("utf-8")


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One link of the chain, as stored."""

    seq: int
    at: str  # UTC timestamp text, as the store writes it
    kind: str
    fse_id: str  # FSE UUID, "" for a lot-only event
    lot_id: str  # lot UUID, "" when none
    payload: str  # canonical JSON (no NIR, no names)
    payload_sha256: str
    prev_hash: str
    hash: str

    def hashed_fields(self) -> dict[str, Any]:
        """What ``hash`` covers: every field but itself (the payload through its digest)."""
        return {
            "seq": self.seq,
            "at": self.at,
            "kind": self.kind,
            "fse_id": self.fse_id,
            "lot_id": self.lot_id,
            "payload_sha256": self.payload_sha256,
            "prev_hash": self.prev_hash,
        }

    def computed_hash(self) -> str:
        """The hash this entry should carry."""
        return sha256_hex(canonical_bytes(self.hashed_fields()))


class ChainLink(Protocol):
    """What the next entry needs of the one before: its place and its hash."""

    @property
    def seq(self) -> int: ...

    @property
    def hash(self) -> str: ...


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The last entry of a journal as its store reads it (its place and hex hash)."""

    seq: int
    hash: str


def build_entry(
    previous: ChainLink | None,
    *,
    at: str,
    kind: str,
    fse_id: str = "",
    lot_id: str = "",
    payload: Mapping[str, Any],
) -> AuditEntry:
    """The entry that follows ``previous`` (None: the first of the journal)."""
    text = payload_text(payload)
    draft = AuditEntry(
        seq=1 if previous is None else previous.seq + 1,
        at=at,
        kind=kind,
        fse_id=fse_id,
        lot_id=lot_id,
        payload=text,
        payload_sha256=sha256_hex(text.encode("utf-8")),
        prev_hash=GENESIS if previous is None else previous.hash,
        hash="",
    )
    return AuditEntry(
        seq=draft.seq,
        at=draft.at,
        kind=draft.kind,
        fse_id=draft.fse_id,
        lot_id=draft.lot_id,
        payload=draft.payload,
        payload_sha256=draft.payload_sha256,
        prev_hash=draft.prev_hash,
        hash=draft.computed_hash(),
    )


class Breach(StrEnum):
    """Why an entry breaks the chain."""

    SEQUENCE = "sequence"  # not the next number: an entry was removed or moved
    PAYLOAD = "payload"  # the payload does not match its digest
    HASH = "hash"  # the entry was edited (its fields do not give its hash)
    LINK = "link"  # prev_hash is not the hash of the entry before it
    EVENT = "event"  # the event the entry records was changed or is missing (store check)
    BOOKS = "books"  # what the user reads no longer agrees with the journal (store check)
    TRUNCATED = "truncated"  # a signed lot's anchor is no longer in the chain (store check)


_BREACH_TEXT = {
    Breach.SEQUENCE: "numéro inattendu (entrée supprimée ou déplacée)",
    Breach.PAYLOAD: "contenu modifié (l'empreinte du contenu ne correspond plus)",
    Breach.HASH: "entrée modifiée (son empreinte ne correspond plus)",
    Breach.LINK: "chaînage rompu (l'entrée précédente a été modifiée, supprimée ou déplacée)",
    Breach.EVENT: "l'événement enregistré ne correspond plus à l'entrée du journal",
    Breach.BOOKS: "les données affichées ne correspondent plus au journal",
    Breach.TRUNCATED: "journal tronqué ou remplacé (des entrées connues de la caisse ont disparu)",
}


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of a verification."""

    count: int  # entries read
    head_hash: str  # hash of the last good entry (GENESIS for an empty journal)
    first_bad_index: int | None = None  # 0-based position of the first bad entry
    first_bad_seq: int | None = None  # the seq that position should hold
    breach: Breach | None = None
    detail: str = ""  # what the store-level check found (the event or FSE concerned)

    @property
    def ok(self) -> bool:
        return self.breach is None

    def message(self) -> str:
        """French summary for the user."""
        if self.ok:
            return (
                f"Journal d'audit intègre : {self.count} entrée(s), "
                f"empreinte finale {self.head_hash}."
            )
        assert self.breach is not None  # noqa: S101
        where = (
            f"à l'entrée n° {self.first_bad_seq} (sur {self.count})"
            if self.first_bad_seq is not None
            else f"({self.count} entrées)"
        )
        about = f" [{self.detail}]" if self.detail else ""
        return (
            f"Journal d'audit altéré {where} : {_BREACH_TEXT[self.breach]}{about}. "
            "Ne modifiez plus rien, gardez une copie de la base et restaurez la dernière "
            "sauvegarde saine (sesam restore) ; prévenez le support."
        )


def check_entry(entry: AuditEntry, position: int, previous_hash: str) -> Breach | None:
    """What is wrong with ``entry`` at 0-based ``position`` after ``previous_hash``."""
    if entry.seq != position + 1:
        return Breach.SEQUENCE
    if sha256_hex(entry.payload.encode("utf-8")) != entry.payload_sha256:
        return Breach.PAYLOAD
    if entry.computed_hash() != entry.hash:
        return Breach.HASH
    if entry.prev_hash != previous_hash:
        return Breach.LINK
    return None


def verify_chain(entries: Iterable[AuditEntry]) -> ChainReport:
    """Check a whole journal, in stored order (by ``seq``); stops checking at the first bad
    entry. ``entries`` is consumed once as a stream (a 1 M FSE journal does not fit in
    memory): past a breach the rest is only counted."""
    iterator = iter(entries)
    previous = GENESIS
    count = 0
    for position, entry in enumerate(iterator):
        breach = check_entry(entry, position, previous)
        if breach is not None:
            remaining = sum(1 for _ in iterator)
            return ChainReport(
                count=position + 1 + remaining,
                head_hash=previous,
                first_bad_index=position,
                first_bad_seq=position + 1,
                breach=breach,
            )
        previous = entry.hash
        count = position + 1
    return ChainReport(count=count, head_hash=previous)


def event_payload(
    *,
    event_id: int,
    fse_number: int,
    practitioner_id: str,
    kind: str,
    from_state: str | None,
    to_state: str,
    detail: str | None,
    fse_digest: str,
) -> dict[str, Any]:
    """The payload of an FSE event (a row of ``fse_events``): numbers, states and digests.

    The free-text detail (a cancellation reason, an ARL motif) is kept as its digest only:
    the journal must hold no personal data whatever the user typed. ``fse_digest`` ties the
    ``secured`` entry to the exact FSE document.
    """
    return {
        "event": event_id,
        "number": fse_number,
        "practitioner": practitioner_id,
        "kind": kind,
        "from": from_state,
        "to": to_state,
        "detail_sha256": sha256_hex(detail.encode("utf-8")) if detail is not None else None,
        "fse_digest": fse_digest if kind == "secured" else None,
    }


def _text_digest(value: Any) -> str | None:
    return None if value is None else sha256_hex(str(value).encode("utf-8"))


def payment_payload(row: Mapping[str, Any]) -> dict[str, Any]:
    """The payload of a ``payments`` row: every column but the free text, kept as its
    digest (a motif label is no personal data, but the journal stays small and uniform)."""
    return {
        "payment": int(row["id"]),
        "fse": str(row["fse_uuid"]),
        "noemie": str(row["noemie_sha256"]),
        "outcome": str(row["outcome"]),
        "virement_ref": str(row["virement_ref"] or ""),
        "paid_on": row["paid_on"],
        "billed_amo": str(row["billed_amo"]),
        "billed_amc": str(row["billed_amc"]),
        "paid_amo": str(row["paid_amo"]),
        "paid_amc": str(row["paid_amc"]),
        "motif_code": row["motif_code"],
        "motif_label_sha256": _text_digest(row["motif_label"] or ""),
        "recorded_at": str(row["recorded_at"]),
    }


def amc_payment_payload(row: Mapping[str, Any]) -> dict[str, Any]:
    """The payload of an ``amc_payments`` row: an AMC paid or rejected the DRE of an FSE
    (gestion séparée); the motif's text by its digest."""
    return {
        "amc_payment": int(row["id"]),
        "return_id": str(row["return_id"]),
        "fse": str(row["fse_uuid"]),
        "dre_lot": str(row["lot_id"]),
        "engagement": str(row["engagement"]),
        "outcome": str(row["outcome"]),
        "billed_amc": str(row["billed_amc"]),
        "paid_amc": str(row["paid_amc"]),
        "paid_on": str(row["paid_on"]),
        "virement_ref": str(row["virement_ref"]),
        "motif_code": str(row["motif_code"]),
        "motif_label_sha256": sha256_hex(str(row["motif_label"]).encode()),
        "recorded_at": str(row["recorded_at"]),
    }


def noemie_payload(row: Mapping[str, Any]) -> dict[str, Any]:
    """The payload of a ``noemie_files`` row (the file itself through its SHA-256)."""
    return {
        "noemie": str(row["sha256"]),
        "file_number": int(row["file_number"]),
        "invoices": int(row["invoices"]),
        "matched": int(row["matched"]),
        "unmatched": int(row["unmatched"]),
        "imported_at": str(row["imported_at"]),
    }


def unmatched_payload(row: Mapping[str, Any]) -> dict[str, Any]:
    """The payload of an ``unmatched_payments`` row as recorded (the patient's initials and
    the reason as digests only: no personal data in the journal)."""
    return {
        "unmatched": int(row["id"]),
        "noemie": str(row["noemie_sha256"]),
        "fse": str(row["fse_uuid"]),
        "lot": str(row["lot_id"]),
        "outcome": str(row["outcome"]),
        "virement_ref": str(row["virement_ref"] or ""),
        "paid_on": row["paid_on"],
        "care_date": str(row["care_date"]),
        "paid_amo": str(row["paid_amo"]),
        "paid_amc": str(row["paid_amc"]),
        "motif_code": row["motif_code"],
        "motif_label_sha256": _text_digest(row["motif_label"] or ""),
        "patient_sha256": _text_digest(row["patient"] or ""),
        "reason_sha256": _text_digest(row["reason"]),
    }


def unmatched_resolved_payload(row: Mapping[str, Any]) -> dict[str, Any]:
    """The payload recording that an unmatched line was matched by hand (with which FSE)."""
    return {
        "unmatched": int(row["id"]),
        "resolved_fse": str(row["resolved_fse_uuid"] or ""),
        "resolved_at": str(row["resolved_at"] or ""),
        "resolved_by_sha256": _text_digest(row["resolved_by"] or ""),
    }


def closure_payload(row: Mapping[str, Any]) -> dict[str, Any]:
    """The payload of a ``remainder_closures`` row: the FSE, the reason, the amount closed,
    when and by whom; the free-text comment and the login as digests (no personal data)."""
    return {
        "closure": int(row["id"]),
        "fse": str(row["fse_uuid"]),
        "motif": str(row["motif"]),
        "amount": str(row["amount"]),
        "comment_sha256": _text_digest(row["comment"] or ""),
        "closed_at": str(row["closed_at"]),
        "closed_by_sha256": _text_digest(row["closed_by"] or ""),
    }


def settlement_payload(row: Mapping[str, Any]) -> dict[str, Any]:
    """The payload of an ``fse_settlements`` row (read with its FSE's UUID): how the patient
    paid at the desk and how much was collected. The last entry of an FSE is what stands."""
    return {
        "fse": str(row["fse_uuid"]),
        "means": str(row["means"]),
        "collected": str(row["amount"]),
        "recorded_at": str(row["recorded_at"]),
    }
