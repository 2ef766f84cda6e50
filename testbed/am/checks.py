"""The checks the concentrator runs on a lot before answering its ARL.

``billing.lot.verify_lot`` (CMS signature and chain to the testbed CA, canonical JSON, lot
schema, digests, totals), the signer's certificate not revoked by the CA's CRL, the lot
identity equal to the idempotency key, then per FSE: the
Vitale certification (with the mother key), NIR keys and a known destination organism.
The signer's certificate must be the card of the practitioner the FSE name, or of his
remplaçant (motif A10). What needs the ledger (a lot number already used by this
practitioner: A11; an FSE already accepted in another lot: A12) is checked by the server
when it records the lot. Every failure becomes an ARL motif; a lot with any motif gets a
negative ARL and none of its FSE are accepted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from billing.arl import ArlMotif, motif
from billing.cms import CmsError, verify_signed_data
from billing.fse import Fse, SecuringMode
from billing.lot import LotError, verify_lot
from billing.pj_lot import FORMAT as PJ_FORMAT
from billing.pj_lot import PjLotError, content_format, verify_pj_lot
from billing.rules.teleconsultation import misplaced_codes
from testbed import nir
from testbed.apcv.service import signed_message
from testbed.pki import ca_certificate
from testbed.pki import crl as load_crl
from testbed.vitale_keys import verify_certification

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class LotVerdict:
    """What the checks found: the motifs, the FSE to accept, what the lot says of itself."""

    motifs: list[ArlMotif] = field(default_factory=list)
    fse: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    fse_count: int = 0
    billing_number: str = ""
    lot_number: int | None = None

    @property
    def positive(self) -> bool:
        return not self.motifs


def with_detail(code: str, detail: str, fse_id: str | None = None) -> ArlMotif:
    base = motif(code, fse_id)
    return ArlMotif(code=base.code, label=f"{base.label} : {detail}"[:200], fse_id=fse_id)


def _chain_or_signature(exc: CmsError) -> str:
    reason = exc.reason.lower()
    chain_words = ("autorité", "chaîne", "validité")
    return "A02" if any(word in reason for word in chain_words) else "A01"


class CrlError(ValueError):
    """The CA's revocation list cannot be trusted (not signed by the CA)."""


def revocation_list(base: Path | None = None) -> x509.CertificateRevocationList:
    """The testbed CA's CRL, its issuer and signature checked against the CA: a forged or
    foreign list must not un-revoke a card.

    :raises CrlError: the list is not the CA's.
    """
    revoked = load_crl(base)
    ca = ca_certificate(base)
    key = ca.public_key()
    if not isinstance(key, rsa.RSAPublicKey) or revoked.issuer != ca.subject:
        raise CrlError("la liste de révocation n'est pas celle de l'autorité de test")
    if not revoked.is_signature_valid(key):
        raise CrlError("la signature de la liste de révocation est invalide")
    return revoked


def revocation_reason(
    der: bytes, ca_der: bytes, revoked: x509.CertificateRevocationList
) -> str | None:
    """Why the lot's signer certificate is revoked, or None when it is not (the lot's
    signature and chain must already be verified)."""
    signer = x509.load_der_x509_certificate(verify_signed_data(der, ca_der).signer_certificate_der)
    if signer.issuer != revoked.issuer:
        return None
    entry = revoked.get_revoked_certificate_by_serial_number(signer.serial_number)
    if entry is None:
        return None
    why = ""
    try:
        flag = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
        why = f", motif {flag.value}"
    except x509.ExtensionNotFound:
        pass
    # Revoked for key compromise, the signing time the signer claims proves nothing: the lot
    # is refused whatever the date it says it was signed.
    return (
        f"certificat n° {signer.serial_number:X} révoqué le "
        f"{entry.revocation_date_utc.date().isoformat()}{why}"
    )


def check_lot(
    der: bytes,
    idempotency_key: str,
    *,
    ca_der: bytes,
    mother_key: bytes,
    organisms: frozenset[tuple[str, str]],
    crl: x509.CertificateRevocationList | None = None,
    apcv_key: ec.EllipticCurvePublicKey | None = None,
) -> LotVerdict:
    """Run every check on one lot (an FSE lot, or a SCOR PJ lot answered by an ARL PJ);
    ``crl``: the CA's revocation list (revoked signer: motif A09); ``apcv_key``: the ApCV
    service's key (an ApCV FSE whose signature is not its: A13; a session used twice: A14)."""
    verdict = LotVerdict()
    if content_format(der) == PJ_FORMAT:
        return _check_pj_lot(der, idempotency_key, ca_der, crl)
    try:
        lot = verify_lot(der, ca_der)
    except CmsError as exc:
        verdict.motifs.append(with_detail(_chain_or_signature(exc), exc.reason))
        return verdict
    except LotError as exc:
        verdict.motifs.append(with_detail("A03", exc.reason))
        return verdict
    revoked = revocation_reason(der, ca_der, crl) if crl is not None else None
    if revoked is not None:
        verdict.motifs.append(with_detail("A09", revoked))
        return verdict
    if lot.lot_id != idempotency_key:
        verdict.motifs.append(motif("A08"))
        return verdict
    verdict.billing_number = lot.practitioner_id
    verdict.lot_number = lot.number
    verdict.fse_count = len(lot.fses)
    signer = _signer_national_id(lot.signer_certificate_der)
    allowed: set[str] = set()
    for fse in lot.fses:
        practitioner = fse.body.practitioner
        allowed.add(practitioner.national_id)
        if practitioner.replacement is not None and practitioner.replacement.national_id:
            allowed.add(practitioner.replacement.national_id)
    if signer is None or signer not in allowed:
        verdict.motifs.append(
            with_detail("A10", f"carte n° {signer or 'inconnu'}, lot de {lot.practitioner_id}")
        )
        return verdict
    sessions: set[str] = set()
    for fse in lot.fses:
        body = fse.body
        fse_id = body.fse_id
        if body.mode is SecuringMode.APCV:
            if not apcv_signature_valid(fse, apcv_key):
                verdict.motifs.append(motif("A13", fse_id))
            if body.apcv_session in sessions:
                verdict.motifs.append(motif("A14", fse_id))
            sessions.add(body.apcv_session)
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
        misplaced = misplaced_codes((a.code for a in body.acts), body.teleconsultation)
        if misplaced:  # TC2 outside a téléconsultation, or an act it excludes inside one
            verdict.motifs.append(with_detail("A15", ", ".join(misplaced), fse_id))
        verdict.fse.append((fse_id, fse.to_document()))
    return verdict


def apcv_signature_valid(fse: Fse, key: ec.EllipticCurvePublicKey | None) -> bool:
    """The ApCV service signed this FSE's digest for its session and bénéficiaire."""
    body = fse.body
    if key is None or not body.apcv_session or not fse.apcv_signature:
        return False
    message = signed_message(body.apcv_session, body.beneficiary.patient_key, fse.digest.hex())
    try:
        key.verify(fse.apcv_signature, message, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def _signer_national_id(certificate_der: bytes) -> str | None:
    """The RPPS/ADELI the testbed writes in a CPS certificate's subject (serialNumber)."""
    try:
        cert = x509.load_der_x509_certificate(certificate_der)
        values = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    except ValueError:
        return None
    return str(values[0].value) if values else None


def _check_pj_lot(
    der: bytes, idempotency_key: str, ca_der: bytes, crl: x509.CertificateRevocationList | None
) -> LotVerdict:
    """ARL « PJ »: the lot is acquired and conformant (signature, chain, revocation, piece
    digests)."""
    verdict = LotVerdict()
    try:
        lot = verify_pj_lot(der, ca_der)
    except CmsError as exc:
        verdict.motifs.append(with_detail(_chain_or_signature(exc), exc.reason))
        return verdict
    except PjLotError as exc:
        verdict.motifs.append(with_detail("A03", exc.reason))
        return verdict
    revoked = revocation_reason(der, ca_der, crl) if crl is not None else None
    if revoked is not None:
        verdict.motifs.append(with_detail("A09", revoked))
        return verdict
    if lot.lot_id != idempotency_key:
        verdict.motifs.append(motif("A08"))
    verdict.fse_count = len(lot.pieces)
    return verdict
