"""The carte Vitale certification algorithm (project extension, docs/cards/README.md).

K_card = AES-CMAC(K_mother, serial); certification = AES-CMAC(K_card, digest)[:8]. The
emulated Vitale computes it; the simulated Assurance Maladie checks it with the mother key.
"""

from __future__ import annotations

import hmac

from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import algorithms

from cardio.layout import VITALE_CERTIFICATION_LENGTH

MOTHER_KEY_LENGTH = 16
SERIAL_LENGTH = 8
DIGEST_LENGTH = 32


def _cmac(key: bytes, data: bytes) -> bytes:
    mac = cmac.CMAC(algorithms.AES(key))
    mac.update(data)
    return mac.finalize()


def card_key(mother_key: bytes, serial: bytes) -> bytes:
    """The card's own key, diversified from the mother key with the card serial."""
    if len(mother_key) != MOTHER_KEY_LENGTH:
        raise ValueError(f"mother key must be {MOTHER_KEY_LENGTH} bytes")
    if len(serial) != SERIAL_LENGTH:
        raise ValueError(f"card serial must be {SERIAL_LENGTH} bytes")
    return _cmac(mother_key, serial)


def certify_with_card_key(k_card: bytes, digest: bytes) -> bytes:
    """What the card answers to INTERNAL AUTHENTICATE over ``digest``."""
    if len(digest) != DIGEST_LENGTH:
        raise ValueError(f"digest must be {DIGEST_LENGTH} bytes")
    return _cmac(k_card, digest)[:VITALE_CERTIFICATION_LENGTH]


def certify(mother_key: bytes, serial: bytes, digest: bytes) -> bytes:
    """The 8-byte certification the card with ``serial`` gives of ``digest``."""
    return certify_with_card_key(card_key(mother_key, serial), digest)


def verify_certification(
    mother_key: bytes, serial: bytes, digest: bytes, certification: bytes
) -> bool:
    """True when ``certification`` is what card ``serial`` answers for ``digest``."""
    try:
        expected = certify(mother_key, serial, digest)
    except ValueError:
        return False
    return hmac.compare_digest(expected, certification)
