"""The SCOR PJ lot: the scanned, patient-signed feuilles de soins of dégradé FSE.

The GIE's PJ lot format is not public (field notes §4.7), so this is the project's own,
in the style of the FSE lot: canonical RFC 8785 JSON (format ``SESAM-PJ`` version 1),
signed by the CPS in a CMS SignedData (``billing.cms``). Each piece names the FSE it
justifies (id and number) and the invoice lot that carried that FSE; the PJ lot is only
sent after that invoice lot (convention 002 L4350), and is answered by an ARL « PJ »
(L4348) in the ordinary ARL format whose ``nb_fse`` counts pieces.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import cms

from billing.canonical import CanonicalError, canonical_bytes, parse_canonical
from billing.cms import build_signed_data, verify_signed_data
from billing.errors import BillingError
from billing.fse import utc_stamp
from billing.lot_states import KIND_PJ
from billing.signing import Signer

logger = logging.getLogger(__name__)

FORMAT = "SESAM-PJ"
VERSION = 1
CONTENT_TYPE = "application/pdf"


class PjLotError(BillingError):
    """A PJ lot cannot be built or read; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Lot de pièces justificatives invalide : {reason}.")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Piece:
    """One pièce justificative: the PDF of one FSE's signed paper sheet."""

    fse_id: str  # the FSE's UUID (fse_id of its body)
    fse_number: int
    invoice_lot_id: str  # the lot that carried the dégradé FSE
    pdf: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()

    def to_document(self) -> dict[str, Any]:
        return {
            "fse_id": self.fse_id,
            "fse_number": self.fse_number,
            "invoice_lot_id": self.invoice_lot_id,
            "content_type": CONTENT_TYPE,
            "sha256": self.sha256,
            "size": len(self.pdf),
            "content": base64.b64encode(self.pdf).decode("ascii"),
        }


def pj_lot_document(
    *,
    lot_id: str,
    number: int,
    practitioner_id: str,
    organism: dict[str, str],
    created_at: datetime,
    pieces: Sequence[Piece],
) -> dict[str, Any]:
    """The PJ lot's content document.

    :raises PjLotError: no piece, a piece that is not a PDF, or a FSE twice.
    """
    if not pieces:
        raise PjLotError("un lot de PJ contient au moins une pièce")
    if len({p.fse_id for p in pieces}) != len(pieces):
        raise PjLotError("deux pièces pour la même FSE")
    for piece in pieces:
        if not piece.pdf.startswith(b"%PDF-"):
            raise PjLotError(f"la pièce de la FSE n° {piece.fse_number} n'est pas un PDF")
    ordered = sorted(pieces, key=lambda p: p.fse_number)
    return {
        "format": FORMAT,
        "version": VERSION,
        "kind": KIND_PJ,
        "lot_id": lot_id,
        "number": number,
        "practitioner_id": practitioner_id,
        "organism": dict(organism),
        "created_at": utc_stamp(created_at),
        "invoice_lots": sorted({p.invoice_lot_id for p in ordered}),
        "piece_count": len(ordered),
        "pieces": [p.to_document() for p in ordered],
    }


def content_format(der: bytes) -> str | None:
    """The ``format`` field of a signed lot's content ("SESAM-LOT", "SESAM-PJ"), read
    without checking anything: for a receiver to route a lot to the right verification.
    None when the bytes are not a CMS SignedData holding a JSON object."""
    try:
        info = cms.ContentInfo.load(der)
        content = info["content"]["encap_content_info"]["content"].native
        doc = json.loads(content)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    value = doc.get("format") if isinstance(doc, dict) else None
    return value if isinstance(value, str) else None


def sign_pj_lot(document: dict[str, Any], signer: Signer, signing_time: datetime) -> bytes:
    """DER CMS SignedData over the canonical document, signed by the CPS behind ``signer``."""
    return build_signed_data(canonical_bytes(document), signer, signing_time)


@dataclass(frozen=True, slots=True)
class VerifiedPjLot:
    """A PJ lot whose signature, chain and piece digests checked out."""

    lot_id: str
    number: int
    invoice_lots: tuple[str, ...]
    pieces: tuple[Piece, ...]
    signer_subject: str


def verify_pj_lot(der: bytes, ca_der: bytes) -> VerifiedPjLot:
    """Check a signed PJ lot (for the receiver and the tests).

    :raises PjLotError: malformed content or a digest mismatch (CMS failures as ``CmsError``).
    """
    verified = verify_signed_data(der, ca_der)
    try:
        doc = parse_canonical(verified.content)
        if doc.get("format") != FORMAT or doc.get("version") != VERSION:
            raise PjLotError("format ou version inconnus")
        pieces = []
        for item in doc["pieces"]:
            pdf = base64.b64decode(item["content"], validate=True)
            piece = Piece(item["fse_id"], int(item["fse_number"]), item["invoice_lot_id"], pdf)
            if piece.sha256 != item["sha256"] or len(pdf) != item["size"]:
                raise PjLotError(f"empreinte de la pièce de la FSE n° {piece.fse_number}")
            pieces.append(piece)
        if doc["piece_count"] != len(pieces) or not pieces:
            raise PjLotError("nombre de pièces incohérent")
        return VerifiedPjLot(
            lot_id=str(doc["lot_id"]),
            number=int(doc["number"]),
            invoice_lots=tuple(doc["invoice_lots"]),
            pieces=tuple(pieces),
            signer_subject=verified.signer_subject,
        )
    except (CanonicalError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PjLotError(f"contenu illisible ({exc})") from exc
