"""The patient's ApCV code (``docs/formats/apcv.md``): ``APCV1.<payload>.<signature>``, both
base64url without padding. The payload is compact JSON: a single-use identifier, its short
lifetime, the transport (QR code or NFC), the holder and the bénéficiaires he may present.
The signature is the ApCV service's ECDSA P-256 (SHA-256, DER) over ``APCV1.<payload>``."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

PREFIX = "APCV1"
#: How long a code is good for: the application shows a new one every few minutes.
LIFETIME = timedelta(minutes=3)
MAX_TEXT = 4000  # a QR code of version 40 holds 4296 alphanumerics; ours are far shorter


class Transport(StrEnum):
    """How the code reached the desk."""

    QR = "qr"  # shown on the phone, read by a scanner or a camera
    NFC = "nfc"  # tapped on an NFC reader (the reader types the same text)


class TokenError(ValueError):
    """The text is not a good ApCV code; ``kind`` is the service's error code."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Person:
    """A bénéficiaire as the code names him: NIR (15), birth date (AAAAMMJJ), rang."""

    nir: str
    naissance: str
    rang: str

    def to_json(self) -> dict[str, str]:
        return {"nir": self.nir, "naissance": self.naissance, "rang": self.rang}


@dataclass(frozen=True, slots=True)
class Token:
    """What a code says."""

    token_id: str
    issued_at: datetime
    expires_at: datetime
    transport: Transport
    holder: Person
    beneficiaires: tuple[Person, ...]
    trusted_third_party: str = ""  # « prêt à un tiers de confiance »: who presents it

    def payload(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "v": 1,
            "jti": self.token_id,
            "iat": _stamp(self.issued_at),
            "exp": _stamp(self.expires_at),
            "transport": self.transport.value,
            "porteur": self.holder.to_json(),
            "beneficiaires": [b.to_json() for b in self.beneficiaires],
        }
        if self.trusted_third_party:
            doc["tiers_de_confiance"] = self.trusted_third_party
        return doc


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_token(
    holder: Person,
    beneficiaires: tuple[Person, ...],
    now: datetime,
    *,
    transport: Transport = Transport.QR,
    trusted_third_party: str = "",
    lifetime: timedelta = LIFETIME,
) -> Token:
    """A fresh code's content, valid ``lifetime`` from ``now``."""
    now = now.astimezone(UTC).replace(microsecond=0)
    return Token(
        secrets.token_hex(16),
        now,
        now + lifetime,
        transport,
        holder,
        beneficiaires,
        trusted_third_party,
    )


def encode(token: Token, key: ec.EllipticCurvePrivateKey) -> str:
    """The code's text, signed by the service's key."""
    payload = json.dumps(token.payload(), separators=(",", ":"), ensure_ascii=False)
    signed = f"{PREFIX}.{_b64(payload.encode('utf-8'))}"
    signature = key.sign(signed.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    return f"{signed}.{_b64(signature)}"


def _person(doc: Any) -> Person:
    if not isinstance(doc, dict):
        raise TokenError("code_illisible", "bénéficiaire illisible")
    values = [doc.get(k) for k in ("nir", "naissance", "rang")]
    if not all(isinstance(v, str) for v in values):
        raise TokenError("code_illisible", "bénéficiaire illisible")
    return Person(*[str(v) for v in values])


def decode(text: str, public_key: ec.EllipticCurvePublicKey) -> Token:
    """Read and check a code's text (form and signature; not its age nor its use).

    :raises TokenError: ``code_illisible`` (not an ApCV code) or ``code_etranger`` (not
        signed by this service).
    """
    text = text.strip()
    parts = text.split(".")
    if len(text) > MAX_TEXT or len(parts) != 3 or parts[0] != PREFIX:
        raise TokenError("code_illisible", "ce n'est pas un code ApCV")
    try:
        payload = json.loads(_unb64(parts[1]))
        signature = _unb64(parts[2])
    except (ValueError, binascii.Error, RecursionError) as exc:
        raise TokenError("code_illisible", "code ApCV illisible") from exc
    try:
        public_key.verify(
            signature, f"{parts[0]}.{parts[1]}".encode("ascii"), ec.ECDSA(hashes.SHA256())
        )
    except (InvalidSignature, ValueError) as exc:
        raise TokenError("code_etranger", "code non signé par le service ApCV") from exc
    if not isinstance(payload, dict) or payload.get("v") != 1:
        raise TokenError("code_illisible", "version de code inconnue")
    try:
        return Token(
            token_id=str(payload["jti"]),
            issued_at=datetime.strptime(payload["iat"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
            expires_at=datetime.strptime(payload["exp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
            transport=Transport(payload["transport"]),
            holder=_person(payload["porteur"]),
            beneficiaires=tuple(_person(b) for b in payload["beneficiaires"]),
            trusted_third_party=str(payload.get("tiers_de_confiance", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise TokenError("code_illisible", "contenu du code ApCV illisible") from exc
