"""CMS SignedData (RFC 5652) around an external signer, and its verification.

What is built, and what ``openssl cms -verify -inform DER -CAfile CA -purpose any``
accepts: ``ContentInfo { signedData { version 1, digestAlgorithms {sha256},
encapContentInfo { id-data, eContent = the payload }, certificates { signer },
signerInfos { one: sid issuerAndSerialNumber, sha256, signedAttrs { contentType id-data,
messageDigest, signingTime }, rsaEncryption (PKCS#1 v1.5), signature } } }``, DER.

The signer only ever sees a 32-byte digest (SHA-256 of the DER ``SET OF`` signed
attributes), which is what a CPS card signs; the private key never comes here.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from billing.errors import BillingError
from billing.signing import Signer

logger = logging.getLogger(__name__)


class CmsError(BillingError):
    """A CMS structure is malformed or does not verify; ``reason`` says which check failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Signature du lot invalide : {reason}.")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class VerifiedCms:
    """What a verified SignedData vouches for."""

    content: bytes
    signer_certificate_der: bytes
    signing_time: datetime
    #: Subject of the signer certificate, RFC 4514 string (for display and logs).
    signer_subject: str


def _der_set_of_attrs(attrs: list[cms.CMSAttribute]) -> cms.CMSAttributes:
    # DER orders the members of a SET OF by their encodings; OpenSSL re-encodes the signed
    # attributes before checking the signature, so any other order would not verify.
    ordered = sorted(attrs, key=lambda attribute: attribute.dump())
    return cms.CMSAttributes(ordered)


def _signing_time_value(moment: datetime) -> cms.Time:
    moment = moment.astimezone(UTC).replace(microsecond=0)
    # RFC 5652 §11.3: UTCTime for 1950-2049, GeneralizedTime otherwise.
    if 1950 <= moment.year <= 2049:
        return cms.Time(name="utc_time", value=core.UTCTime(moment))
    return cms.Time(name="general_time", value=core.GeneralizedTime(moment))


def build_signed_data(content: bytes, signer: Signer, signing_time: datetime) -> bytes:
    """Wrap ``content`` in a DER CMS SignedData signed by ``signer`` at ``signing_time``.

    :raises CmsError: the signer's certificate is not an RSA certificate.
    """
    cert_der = signer.certificate_der()
    certificate = asn1_x509.Certificate.load(cert_der)
    if certificate.public_key.algorithm != "rsa":
        raise CmsError("le certificat du signataire n'est pas un certificat RSA")
    signed_attrs = _der_set_of_attrs(
        [
            cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            cms.CMSAttribute(
                {"type": "message_digest", "values": [hashlib.sha256(content).digest()]}
            ),
            cms.CMSAttribute(
                {"type": "signing_time", "values": [_signing_time_value(signing_time)]}
            ),
        ]
    )
    # The signature covers the attributes encoded as a universal SET OF (tag 0x31),
    # not as the [0] IMPLICIT field they become inside SignerInfo.
    signature = signer.sign_digest(hashlib.sha256(signed_attrs.dump()).digest())
    digest_algorithm = algos.DigestAlgorithm({"algorithm": "sha256"})
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                name="issuer_and_serial_number",
                value=cms.IssuerAndSerialNumber(
                    {
                        "issuer": certificate.issuer,
                        "serial_number": certificate.serial_number,
                    }
                ),
            ),
            "digest_algorithm": digest_algorithm,
            "signed_attrs": signed_attrs,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"}),
            "signature": signature,
        }
    )
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [digest_algorithm],
            "encap_content_info": {"content_type": "data", "content": content},
            "certificates": [certificate],
            "signer_infos": [signer_info],
        }
    )
    info = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    der: bytes = info.dump()
    return der


def _load_certificate(der: bytes, what: str) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(der)
    except (ValueError, x509.InvalidVersion) as exc:  # InvalidVersion is no ValueError
        raise CmsError(f"{what} illisible") from exc


def _attribute(attrs: cms.CMSAttributes, name: str) -> object:
    found = [attribute for attribute in attrs if attribute["type"].native == name]
    if len(found) != 1 or len(found[0]["values"]) != 1:
        raise CmsError(f"attribut signé {name} absent ou multiple")
    return found[0]["values"][0]


def _check_chain(
    signer: x509.Certificate, others: list[x509.Certificate], ca: x509.Certificate, at: datetime
) -> None:
    """Walk from the signer up to ``ca`` through the embedded certificates."""
    current = signer
    for _depth in range(len(others) + 1):
        _check_validity(current, at)
        if current.issuer == ca.subject:
            try:
                current.verify_directly_issued_by(ca)
            except (ValueError, TypeError, InvalidSignature) as exc:
                raise CmsError("le certificat n'est pas émis par l'autorité attendue") from exc
            _check_validity(ca, at)
            return
        parents = [c for c in others if c.subject == current.issuer and c != current]
        if not parents:
            break
        parent = parents[0]
        try:
            current.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature) as exc:
            raise CmsError("chaîne de certificats rompue") from exc
        current = parent
    raise CmsError("le certificat du signataire ne remonte pas à l'autorité attendue")


def _check_validity(certificate: x509.Certificate, at: datetime) -> None:
    if not certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc:
        raise CmsError(
            f"certificat « {certificate.subject.rfc4514_string()} » hors de sa période "
            f"de validité à l'heure de signature ({at.isoformat()})"
        )


def check_own_signature(der: bytes) -> VerifiedCms:
    """Every check of ``verify_signed_data`` except the chain to a CA: what the signing
    workstation checks before storing a lot (wrong key on the card, expired certificate).

    :raises CmsError: with the failed check in ``reason``.
    """
    return _verify(der, None)


def verify_signed_data(der: bytes, ca_certificate_der: bytes) -> VerifiedCms:
    """Check a DER SignedData built by ``build_signed_data`` and return its content.

    Checks: structure (one signer, SHA-256, RSA, encapsulated id-data content), the
    contentType and messageDigest signed attributes, the RSA signature over the signed
    attributes, the chain from the embedded signer certificate to ``ca_certificate_der``,
    and the validity of every certificate of the chain at the signed signingTime.

    :raises CmsError: with the failed check in ``reason``.
    """
    return _verify(der, ca_certificate_der)


def _verify(der: bytes, ca_certificate_der: bytes | None) -> VerifiedCms:
    try:
        return _verify_structure(der, ca_certificate_der)
    except (ValueError, KeyError, TypeError, UnsupportedAlgorithm, x509.InvalidVersion) as exc:
        # asn1crypto and cryptography parse lazily: a damaged field (a name, a serial, a
        # key, a date) may only fail when it is first read, past the structure checks.
        raise CmsError("structure CMS illisible") from exc


def _verify_structure(der: bytes, ca_certificate_der: bytes | None) -> VerifiedCms:
    try:
        info = cms.ContentInfo.load(der, strict=True)
        if info["content_type"].native != "signed_data":
            raise CmsError("ce n'est pas une structure CMS SignedData")
        signed_data = info["content"]
        encap = signed_data["encap_content_info"]
        if encap["content_type"].native != "data":
            raise CmsError("le contenu encapsulé n'est pas de type id-data")
        content_value = encap["content"]
        if content_value.native is None:
            raise CmsError("contenu détaché : le lot doit être encapsulé")
        content: bytes = content_value.native
        signer_infos = signed_data["signer_infos"]
        if len(signer_infos) != 1:
            raise CmsError(f"{len(signer_infos)} signataires au lieu d'un")
        signer_info = signer_infos[0]
        if signer_info["digest_algorithm"]["algorithm"].native != "sha256":
            raise CmsError("algorithme d'empreinte autre que SHA-256")
        if signer_info["signature_algorithm"].signature_algo != "rsassa_pkcs1v15":
            raise CmsError("algorithme de signature autre que RSA PKCS#1 v1.5")
        if signer_info["signature_algorithm"]["algorithm"].native not in (
            "rsassa_pkcs1v15",
            "sha256_rsa",
        ):
            raise CmsError("algorithme de signature inattendu")
        signed_attrs = signer_info["signed_attrs"]
        if not signed_attrs:
            raise CmsError("attributs signés absents")
        content_type = _attribute(signed_attrs, "content_type")
        if getattr(content_type, "native", None) != "data":
            raise CmsError("l'attribut contentType ne correspond pas au contenu")
        message_digest = getattr(_attribute(signed_attrs, "message_digest"), "native", b"")
        signing_time_value = getattr(_attribute(signed_attrs, "signing_time"), "native", None)
        signature: bytes = signer_info["signature"].native
        signed_attrs_der = b"\x31" + signed_attrs.dump()[1:]
        sid = signer_info["sid"]
        certificates = [
            choice.chosen for choice in signed_data["certificates"] if choice.name == "certificate"
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise CmsError("structure CMS illisible") from exc

    if not isinstance(message_digest, bytes) or not hmac.compare_digest(
        message_digest, hashlib.sha256(content).digest()
    ):
        raise CmsError("l'empreinte du contenu ne correspond pas (contenu modifié)")
    if not isinstance(signing_time_value, datetime):
        raise CmsError("heure de signature illisible")
    signing_time = signing_time_value.astimezone(UTC)

    if sid.name != "issuer_and_serial_number":
        raise CmsError("identifiant du signataire non géré (issuerAndSerialNumber attendu)")
    wanted = (sid.chosen["issuer"].dump(), sid.chosen["serial_number"].native)
    signer_asn1 = [c for c in certificates if (c.issuer.dump(), c.serial_number) == wanted]
    if len(signer_asn1) != 1:
        raise CmsError("certificat du signataire absent de la structure")
    signer_der: bytes = signer_asn1[0].dump()
    signer_cert = _load_certificate(signer_der, "certificat du signataire")
    others = [
        _load_certificate(c.dump(), "certificat") for c in certificates if c is not signer_asn1[0]
    ]
    public_key = signer_cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise CmsError("clé du signataire non RSA")
    try:
        public_key.verify(signature, signed_attrs_der, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise CmsError("la signature RSA ne correspond pas aux attributs signés") from exc

    if ca_certificate_der is None:
        _check_validity(signer_cert, signing_time)
    else:
        ca = _load_certificate(ca_certificate_der, "certificat de l'autorité")
        _check_chain(signer_cert, others, ca, signing_time)
    return VerifiedCms(
        content=content,
        signer_certificate_der=signer_der,
        signing_time=signing_time,
        signer_subject=signer_cert.subject.rfc4514_string(),
    )
