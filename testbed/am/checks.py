"""The checks the concentrator runs on a lot before answering its ARL.

``billing.lot.verify_lot`` (CMS signature and chain to the testbed CA, canonical JSON, lot
schema, digests, totals), the lot identity equal to the idempotency key, then per FSE: the
Vitale certification (with the mother key), NIR keys and a known destination organism.
Every failure becomes an ARL motif; a lot with any motif gets a negative ARL and none of
its FSE are accepted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from billing.arl import ArlMotif, motif
from billing.cms import CmsError
from billing.fse import SecuringMode
from billing.lot import LotError, verify_lot
from billing.pj_lot import FORMAT as PJ_FORMAT
from billing.pj_lot import PjLotError, content_format, verify_pj_lot
from testbed import nir
from testbed.vitale_keys import verify_certification

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class LotVerdict:
    """What the checks found: the motifs, the FSE to accept, what the lot says of itself."""

    motifs: list[ArlMotif] = field(default_factory=list)
    fse: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    fse_count: int = 0
    billing_number: str = ""

    @property
    def positive(self) -> bool:
        return not self.motifs


def _with_detail(code: str, detail: str, fse_id: str | None = None) -> ArlMotif:
    base = motif(code, fse_id)
    return ArlMotif(code=base.code, label=f"{base.label} : {detail}"[:200], fse_id=fse_id)


def _chain_or_signature(exc: CmsError) -> str:
    reason = exc.reason.lower()
    chain_words = ("autorité", "chaîne", "validité")
    return "A02" if any(word in reason for word in chain_words) else "A01"


def check_lot(
    der: bytes,
    idempotency_key: str,
    *,
    ca_der: bytes,
    mother_key: bytes,
    organisms: frozenset[tuple[str, str]],
) -> LotVerdict:
    """Run every check on one lot (an FSE lot, or a SCOR PJ lot answered by an ARL PJ)."""
    verdict = LotVerdict()
    if content_format(der) == PJ_FORMAT:
        return _check_pj_lot(der, idempotency_key, ca_der)
    try:
        lot = verify_lot(der, ca_der)
    except CmsError as exc:
        verdict.motifs.append(_with_detail(_chain_or_signature(exc), exc.reason))
        return verdict
    except LotError as exc:
        verdict.motifs.append(_with_detail("A03", exc.reason))
        return verdict
    if lot.lot_id != idempotency_key:
        verdict.motifs.append(motif("A08"))
        return verdict
    verdict.billing_number = lot.practitioner_id
    verdict.fse_count = len(lot.fses)
    for fse in lot.fses:
        body = fse.body
        fse_id = body.fse_id
        if body.mode is SecuringMode.VITALE and not verify_certification(
            mother_key, bytes.fromhex(body.vitale_serial), fse.digest, fse.certification
        ):
            verdict.motifs.append(motif("A04", fse_id))
        b = body.beneficiary
        nirs = [b.assure_nir + b.assure_nir_key]
        if b.beneficiary_nir:
            nirs.append(b.beneficiary_nir + b.beneficiary_nir_key)
        if not all(nir.is_valid(n) for n in nirs):
            verdict.motifs.append(motif("A05", fse_id))
        if (body.organism.regime, body.organism.caisse) not in organisms:
            verdict.motifs.append(motif("A06", fse_id))
        verdict.fse.append((fse_id, fse.to_document()))
    return verdict


def _check_pj_lot(der: bytes, idempotency_key: str, ca_der: bytes) -> LotVerdict:
    """ARL « PJ »: the lot is acquired and conformant (signature, chain, piece digests)."""
    verdict = LotVerdict()
    try:
        lot = verify_pj_lot(der, ca_der)
    except CmsError as exc:
        verdict.motifs.append(_with_detail(_chain_or_signature(exc), exc.reason))
        return verdict
    except PjLotError as exc:
        verdict.motifs.append(_with_detail("A03", exc.reason))
        return verdict
    if lot.lot_id != idempotency_key:
        verdict.motifs.append(motif("A08"))
    verdict.fse_count = len(lot.pieces)
    return verdict
