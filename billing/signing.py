"""The ports through which billing gets signatures from cards, and software stand-ins.

``Signer`` is what the CPS offers (``cardio.cps.CpsSession`` satisfies it structurally):
a certificate and an RSA PKCS#1 v1.5 signature over a SHA-256 digest. ``VitaleCertifier``
is what the carte Vitale offers: its serial and an 8-byte certification of a digest.
Billing never imports ``cardio``; the client wires the real cards to these protocols.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from billing.errors import BillingError

logger = logging.getLogger(__name__)

DIGEST_LENGTH = 32
CERTIFICATION_LENGTH = 8


class SigningError(BillingError):
    """A signer was given something it cannot sign (wrong digest length...)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Signature impossible : {reason}.")
        self.reason = reason


@runtime_checkable
class Signer(Protocol):
    """Signs SHA-256 digests with an RSA key whose X.509 certificate it gives (the CPS)."""

    def certificate_der(self) -> bytes:
        """The signer's X.509 certificate, DER."""
        ...

    def sign_digest(self, digest32: bytes) -> bytes:
        """RSA PKCS#1 v1.5 signature over DigestInfo(SHA-256, ``digest32``)."""
        ...


@runtime_checkable
class VitaleCertifier(Protocol):
    """The carte Vitale as billing sees it: a serial and a certification of a digest."""

    @property
    def serial(self) -> bytes:
        """The card serial (8 bytes) that diversifies the certifying key."""
        ...

    def certify(self, digest32: bytes) -> bytes:
        """The 8-byte certification of ``digest32`` by the card."""
        ...


@runtime_checkable
class ApcvSigner(Protocol):
    """The application carte Vitale as billing sees it: an ApCV session whose service
    signs the FSE digest in place of the card's certification (docs/formats/apcv.md)."""

    @property
    def session_id(self) -> str:
        """The session opened from the patient's code (``APCVS-`` + 24 hex digits)."""
        ...

    def sign_fse(self, digest32: bytes, patient_key: str) -> bytes:
        """The service's signature of ``digest32`` for the bénéficiaire ``patient_key``."""
        ...


def sha256(data: bytes) -> bytes:
    """SHA-256 of ``data``."""
    return hashlib.sha256(data).digest()


def _check_digest(digest32: bytes) -> None:
    if len(digest32) != DIGEST_LENGTH:
        raise SigningError(f"empreinte de {len(digest32)} octets au lieu de 32")


class SoftwareSigner:
    """A ``Signer`` over an RSA private key held in memory: unit tests and demos only."""

    def __init__(self, private_key: rsa.RSAPrivateKey, certificate_der: bytes) -> None:
        self._key = private_key
        self._certificate = certificate_der

    @classmethod
    def from_pem(cls, key_pem: bytes, certificate_der: bytes) -> SoftwareSigner:
        """Build from a PEM private key (unencrypted) and a DER certificate."""
        key = serialization.load_pem_private_key(key_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise SigningError("la clé n'est pas une clé RSA")
        return cls(key, certificate_der)

    def certificate_der(self) -> bytes:
        """The certificate given at construction."""
        return self._certificate

    def sign_digest(self, digest32: bytes) -> bytes:
        """PKCS#1 v1.5 signature of the pre-hashed SHA-256 digest."""
        _check_digest(digest32)
        return self._key.sign(digest32, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))


@dataclass(frozen=True, slots=True)
class SoftwareCertifier:
    """A ``VitaleCertifier`` computed in software (HMAC-SHA256 truncated): tests only.

    Real certifications are checked by the Assurance Maladie only; this stand-in exists so
    that unit tests and the crash test can secure FSE without a card.
    """

    serial: bytes
    key: bytes = b"software-certifier"

    def certify(self, digest32: bytes) -> bytes:
        """8 bytes derived from the key, the serial and the digest."""
        _check_digest(digest32)
        return hmac.new(self.key, self.serial + digest32, hashlib.sha256).digest()[
            :CERTIFICATION_LENGTH
        ]
