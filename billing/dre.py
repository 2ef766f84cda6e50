"""DRE lots (Demande de Remboursement Electronique): the AMC part of FSE in gestion séparée,
sent to the complémentaire itself, signed by the CPS like the FSE lots (``billing.lot``).

The real DRE byte format is not public: ``SESAM-DRE`` version 1 is this project's (RFC 8785
JSON in a CMS SignedData), described in ``docs/formats/dre.md``, with the AMC's
acknowledgement (``SESAM-ACK-DRE``). Pure: no storage, no network.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from billing.canonical import CanonicalError, canonical_bytes, parse_canonical
from billing.errors import BillingError
from billing.fse_model import FseError, money, parse_money, parse_stamp, utc_stamp

if TYPE_CHECKING:
    from billing.signing import Signer

FORMAT = "SESAM-DRE"
ACK_FORMAT = "SESAM-ACK-DRE"
VERSION = 1


class DreError(BillingError):
    """A DRE lot or its acknowledgement cannot be built or read; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"DRE invalide : {reason}.")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class DreItem:
    """One DRE: the AMC part of one FSE, under the engagement the AMC gave for it."""

    fse_id: str
    fse_number: int
    fse_digest: str  # hex SHA-256 of the FSE body, as sent to the caisse
    engagement: str
    member: str  # n° d'adhérent
    birth_date: str  # AAAAMMJJ of the bénéficiaire
    rang: str
    care_date: date
    total_fees: Decimal
    amo: Decimal
    amc: Decimal

    def to_document(self) -> dict[str, Any]:
        return {
            "fse_id": self.fse_id,
            "fse_number": self.fse_number,
            "fse_digest": self.fse_digest,
            "engagement": self.engagement,
            "member": self.member,
            "birth_date": self.birth_date,
            "rang": self.rang,
            "care_date": self.care_date.isoformat(),
            "total_fees": money(self.total_fees),
            "amo": money(self.amo),
            "amc": money(self.amc),
        }


def _text(doc: dict[str, Any], key: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not value or len(value) > 64:
        raise DreError(f"champ {key} absent ou illisible")
    return value


def _int(doc: dict[str, Any], key: str) -> int:
    value = doc.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise DreError(f"champ {key} : entier positif attendu")
    return value


def _money(doc: dict[str, Any], key: str) -> Decimal:
    try:
        return parse_money(doc.get(key), key)
    except FseError as exc:
        raise DreError(f"montant {key} illisible") from exc


def item_from_document(doc: object) -> DreItem:
    """A DRE read back from its document. :raises DreError: malformed."""
    if not isinstance(doc, dict):
        raise DreError("une DRE est un objet")
    try:
        care = date.fromisoformat(_text(doc, "care_date"))
    except ValueError as exc:
        raise DreError("date de soins impossible") from exc
    return DreItem(
        fse_id=_text(doc, "fse_id"),
        fse_number=_int(doc, "fse_number"),
        fse_digest=_text(doc, "fse_digest"),
        engagement=_text(doc, "engagement"),
        member=_text(doc, "member"),
        birth_date=_text(doc, "birth_date"),
        rang=_text(doc, "rang"),
        care_date=care,
        total_fees=_money(doc, "total_fees"),
        amo=_money(doc, "amo"),
        amc=_money(doc, "amc"),
    )


def dre_content(
    *,
    lot_id: str,
    number: int,
    amc: str,
    practitioner_id: str,
    closed_at: datetime,
    items: Sequence[DreItem],
) -> bytes:
    """The canonical bytes of a DRE lot: what the CPS signs and the AMC reads.

    :raises DreError: empty, or the same FSE twice.
    """
    if not items:
        raise DreError("un lot de DRE contient au moins une DRE")
    ordered = sorted(items, key=lambda i: i.fse_number)
    if len({i.fse_id for i in ordered}) != len(ordered):
        raise DreError("la même FSE deux fois dans un lot de DRE")
    return canonical_bytes(
        {
            "format": FORMAT,
            "version": VERSION,
            "lot_id": lot_id,
            "number": number,
            "amc": amc,
            "practitioner_id": practitioner_id,
            "closed_at": utc_stamp(closed_at),
            "dre_count": len(ordered),
            "total_amc": money(sum((i.amc for i in ordered), Decimal("0.00"))),
            "dre": [i.to_document() for i in ordered],
        }
    )


def sign_dre(content: bytes, signer: Signer, signing_time: datetime) -> bytes:
    """The DER CMS SignedData of a DRE lot, signed by the CPS behind ``signer``."""
    from billing.cms import build_signed_data

    return build_signed_data(content, signer, signing_time)


@dataclass(frozen=True, slots=True)
class VerifiedDre:
    """A DRE lot whose signature, chain and content checked out."""

    lot_id: str
    number: int
    amc: str
    practitioner_id: str
    closed_at: datetime
    items: tuple[DreItem, ...]
    signer_subject: str


def verify_dre(der: bytes, ca_der: bytes) -> VerifiedDre:
    """Check a signed DRE lot (CMS signature and chain to ``ca_der``, canonical content,
    counts and total) and return what it holds.

    :raises DreError: the content is not a DRE lot (a bad signature raises ``CmsError``).
    """
    from billing.cms import verify_signed_data

    verified = verify_signed_data(der, ca_der)
    try:
        doc = parse_canonical(verified.content)
    except CanonicalError as exc:
        raise DreError(str(exc)) from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise DreError(f"format {FORMAT} version {VERSION} attendu")
    raw_items = doc.get("dre")
    if not isinstance(raw_items, list):
        raise DreError("liste des DRE absente")
    items = tuple(item_from_document(i) for i in raw_items)
    if _int(doc, "dre_count") != len(items) or not items:
        raise DreError("le nombre de DRE annoncé ne correspond pas")
    if _money(doc, "total_amc") != sum((i.amc for i in items), Decimal("0.00")):
        raise DreError("total AMC incohérent")
    if len({i.fse_id for i in items}) != len(items):
        raise DreError("la même FSE deux fois dans un lot de DRE")
    try:
        closed_at = parse_stamp(_text(doc, "closed_at"))
    except ValueError as exc:
        raise DreError("date de clôture impossible") from exc
    return VerifiedDre(
        lot_id=_text(doc, "lot_id"),
        number=_int(doc, "number"),
        amc=_text(doc, "amc"),
        practitioner_id=_text(doc, "practitioner_id"),
        closed_at=closed_at,
        items=items,
        signer_subject=verified.signer_subject,
    )


class AckStatus(StrEnum):
    POSITIVE = "positif"
    NEGATIVE = "negatif"


@dataclass(frozen=True, slots=True)
class AckMotif:
    """Why the AMC refused a DRE lot (or one DRE in it: ``fse_id``)."""

    code: str
    label: str
    fse_id: str = ""


@dataclass(frozen=True, slots=True)
class DreAck:
    """The AMC's acknowledgement of a DRE lot (its ARL)."""

    lot_id: str
    status: AckStatus
    received_at: datetime
    dre_count: int
    motifs: tuple[AckMotif, ...] = ()

    @property
    def positive(self) -> bool:
        return self.status is AckStatus.POSITIVE


def build_ack(ack: DreAck) -> bytes:
    """The acknowledgement's bytes (canonical JSON)."""
    return canonical_bytes(
        {
            "format": ACK_FORMAT,
            "version": VERSION,
            "lot_id": ack.lot_id,
            "statut": ack.status.value,
            "recu_le": utc_stamp(ack.received_at),
            "dre_count": ack.dre_count,
            "motifs": [
                {"code": m.code, "libelle": m.label, "fse_id": m.fse_id} for m in ack.motifs
            ],
        }
    )


def parse_ack(data: bytes) -> DreAck:
    """An acknowledgement read back. :raises DreError: it is not one."""
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise DreError("accusé de réception illisible") from exc
    if not isinstance(doc, dict) or doc.get("format") != ACK_FORMAT:
        raise DreError("ce n'est pas un accusé de réception de DRE")
    try:
        status = AckStatus(str(doc.get("statut")))
        received = parse_stamp(_text(doc, "recu_le"))
    except ValueError as exc:
        raise DreError("statut ou date de l'accusé de réception illisible") from exc
    motifs_raw = doc.get("motifs")
    if not isinstance(motifs_raw, list) or not all(isinstance(m, dict) for m in motifs_raw):
        raise DreError("motifs de l'accusé de réception illisibles")
    motifs = tuple(
        AckMotif(str(m.get("code", "")), str(m.get("libelle", "")), str(m.get("fse_id", "")))
        for m in motifs_raw
    )
    return DreAck(_text(doc, "lot_id"), status, received, _int(doc, "dre_count"), motifs)


__all__ = [
    "AckMotif",
    "AckStatus",
    "DreAck",
    "DreError",
    "DreItem",
    "VerifiedDre",
    "build_ack",
    "dre_content",
    "item_from_document",
    "parse_ack",
    "sign_dre",
    "verify_dre",
]
