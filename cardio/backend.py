"""The practitioner card as billing and the desk use it, whatever reaches it: the direct
APDU path (``cardio.cps.CpsSession`` over PC/SC) or a PKCS#11 middleware
(``cardio.pkcs11_card.Pkcs11CpsCard``: OpenSC, the ANS Cryptolib CPS, SoftHSM2 in tests).

Both satisfy billing's ``Signer`` port (``certificate_der()``, ``sign_digest()``) and the
desk's flow (identity, PIN, situations) structurally.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from cryptography import x509
from cryptography.x509.oid import NameOID

from cardio.cps import CpsIdentity, Situation
from cardio.errors import CardError


class SituationsUnavailableError(CardError):
    """The card holds no situation d'exercice this program can read (a PKCS#11 token, or a
    real CPS3 whose business data is in an unpublished format) and none is configured."""


class SignatureRefusedError(CardError):
    """The middleware refuses every signature mechanism for the key (e.g. OpenSC 0.23 built
    with OpenSSL 3 cannot drive an IAS-ECC card's PSO HASH for CKM_SHA256_RSA_PKCS)."""


@runtime_checkable
class PractitionerCard(Protocol):
    """A CPx card (CPS, CPE) opened for one use: read, PIN, sign."""

    @property
    def reader(self) -> str:
        """The reader (or PKCS#11 slot description) holding the card."""
        ...

    def read_identity(self) -> CpsIdentity: ...

    def read_situations(self) -> tuple[Situation, ...]:
        """:raises SituationsUnavailableError: none on the card, none configured."""
        ...

    def pin_tries_left(self) -> int | None:
        """Tries left (0: blocked); None when the card only says "not low"."""
        ...

    def verify_pin(self, pin: str) -> None:
        """:raises PinFormatError, PinError, PinBlockedError: as ``CpsSession.verify_pin``."""
        ...

    def unblock_pin(self, puk: str, new_pin: str) -> None:
        """:raises PukError, PukBlockedError, PinFormatError, UnblockNotSupportedError."""
        ...

    def certificate_der(self) -> bytes: ...

    def sign_digest(self, digest32: bytes) -> bytes: ...

    def sign(self, data: bytes) -> bytes: ...


#: Where situations come from when the card has none (the settings screen).
SituationSource = Callable[[CpsIdentity], tuple[Situation, ...]]

_DIGITS = re.compile(r"^[0-9]+$")


def identity_from_certificate(der: bytes, *, card_type_code: str = "0") -> CpsIdentity:
    """The holder as the certificate names him: what a token that gives nothing else says.

    The national id is the subject's serialNumber (its first digit is the id type, "8"
    RPPS, "0" ADELI); names from surname / givenName, else from the common name.
    """
    subject = x509.load_der_x509_certificate(der).subject

    def first(oid: x509.ObjectIdentifier) -> str:
        values = subject.get_attributes_for_oid(oid)
        return str(values[0].value) if values else ""

    common_name = first(NameOID.COMMON_NAME)
    nom = first(NameOID.SURNAME) or (common_name.split()[-1] if common_name else "")
    prenom = first(NameOID.GIVEN_NAME) or " ".join(common_name.split()[:-1])
    national_id = first(NameOID.SERIAL_NUMBER)
    id_type = national_id[0] if national_id and _DIGITS.match(national_id) else ""
    unit = first(NameOID.ORGANIZATIONAL_UNIT_NAME)
    serial = unit.split()[-1] if unit.startswith("CPS ") else ""
    return CpsIdentity(
        card_type_code=card_type_code,
        id_type=id_type,
        national_id=national_id,
        national_id_key="",
        civilite="",
        nom=nom.upper(),
        prenom=prenom.upper(),
        serial=serial,
    )
