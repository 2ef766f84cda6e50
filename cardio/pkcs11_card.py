"""The practitioner card through a PKCS#11 middleware (python-pkcs11): OpenSC's
``opensc-pkcs11.so``, the ANS Cryptolib CPS (``libcps3_pkcs11_lux.so``) on a real CPS3, or
SoftHSM2 in the tests. The middleware formats the PIN (``C_Login``): no PIN block built here.

What PKCS#11 gives: the certificates (identity from the signing certificate's subject),
the login and its state flags, the signature. What it does not: exact tries left (only
"count low", "final try", "locked") and the situations d'exercice (not a PKCS#11 object
this program can decode): those come from a ``SituationSource`` (the settings).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any, Self

import pkcs11
from cryptography import x509
from pkcs11 import Attribute, Mechanism, ObjectClass, TokenFlag

from cardio.backend import (
    SignatureRefusedError,
    SituationSource,
    SituationsUnavailableError,
    identity_from_certificate,
)
from cardio.cps import SHA256_DIGEST_INFO_PREFIX, CpsIdentity, Situation
from cardio.errors import (
    CardCommunicationError,
    CardError,
    NoCardError,
    NotAllowedError,
    PinBlockedError,
    PinError,
    PinFormatError,
    SecurityStatusError,
    UnblockNotSupportedError,
)
from cardio.layout import CPS_KEY_SIG_LABEL, CPS_PIN_MAX_TRIES

logger = logging.getLogger(__name__)

#: Mechanisms tried in turn for a signature: the card or middleware hashing SHA-256 (what
#: a real CPS3 does), then PKCS#1 over a DigestInfo made here.
_HASH_ON_TOKEN = Mechanism.SHA256_RSA_PKCS
_RAW_PKCS1 = Mechanism.RSA_PKCS


class Pkcs11ConfigurationError(CardError):
    """The module cannot be loaded, or no token matches the configured slot."""


def tries_from_flags(flags: TokenFlag) -> int | None:
    """Tries left as far as PKCS#11 tells: 0 locked, 1 final try, 2 count low (on a card
    allowing 3), None when nothing is low (PKCS#11 gives no exact count)."""
    if flags & TokenFlag.USER_PIN_LOCKED:
        return 0
    if flags & TokenFlag.USER_PIN_FINAL_TRY:
        return 1
    if flags & TokenFlag.USER_PIN_COUNT_LOW:
        return CPS_PIN_MAX_TRIES - 1
    return None


class Pkcs11CpsCard:
    """A CPx card (or a token standing for one) opened through PKCS#11.

    :param module: path of the PKCS#11 library.
    :param slot: which token: a text found in the slot description (the reader's name)
        or equal to the token label; None for the only token present.
    :param situations: where situations come from when the token has none.
    :param key_label: label of the signing key (CPS_PRIV_SIG on a CPS3).
    """

    def __init__(
        self,
        module: str,
        *,
        slot: str | None = None,
        situations: SituationSource | None = None,
        key_label: str = CPS_KEY_SIG_LABEL,
    ) -> None:
        try:
            self._lib = pkcs11.lib(module)
        except (RuntimeError, OSError) as exc:  # python-pkcs11 raises RuntimeError on dlopen
            raise Pkcs11ConfigurationError(f"PKCS#11 module {module!r} not loadable") from exc
        self._slot = _find_slot(self._lib, slot)
        self._reader = str(self._slot.slot_description).strip()
        self._token_key = _token_key(self._slot)
        self._situations = situations
        self._key_label = key_label
        self._session: Any = None
        self._logged_in = False
        self._certificate: bytes | None = None
        self._identity: CpsIdentity | None = None

    @property
    def reader(self) -> str:
        return self._reader

    def token_present(self) -> bool:
        """Whether the token opened here is still in its slot (the same label and serial:
        another card put in its place is not). Cheap (``C_GetTokenInfo``): card thread."""
        try:
            return _token_key(self._slot) == self._token_key
        except pkcs11.PKCS11Error:  # CKR_TOKEN_NOT_PRESENT, CKR_DEVICE_REMOVED, SoftHSM's
            return False  # CKR_GENERAL_ERROR once its token directory is gone

    # --- session -----------------------------------------------------------------------

    def _open(self) -> Any:
        if self._session is None:
            try:
                self._session = self._slot.get_token().open()
            except pkcs11.PKCS11Error as exc:
                raise _mapped(exc, "C_OpenSession") from exc
        return self._session

    def close(self) -> None:
        """Log out and close the session (idempotent)."""
        if self._session is not None:
            with contextlib.suppress(pkcs11.PKCS11Error):
                self._session.close()
            self._session = None
            self._logged_in = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def reserved(self) -> Iterator[None]:
        """Same shape as ``CpsSession.reserved``; the middleware holds the card itself."""
        yield

    # --- PIN -----------------------------------------------------------------------------

    def pin_tries_left(self) -> int | None:
        try:
            flags = self._slot.get_token().flags
        except pkcs11.PKCS11Error as exc:
            raise _mapped(exc, "C_GetTokenInfo") from exc
        return tries_from_flags(flags)

    def verify_pin(self, pin: str) -> None:
        """``C_Login`` with the PIN as typed (the middleware pads it). Sent once.

        :raises PinFormatError: empty; nothing was sent.
        :raises PinError: wrong PIN (tries left from the token's flags, else the maximum
            minus one: PKCS#11 gives no count).
        :raises PinBlockedError: the token is locked.
        """
        if not isinstance(pin, str) or not pin.isdigit() or not pin.isascii():
            raise PinFormatError("the PIN is digits")
        self.close()
        try:
            self._session = self._slot.get_token().open(user_pin=pin)
        except pkcs11.PinLocked as exc:
            logger.warning("%s: CPS PIN blocked", self.reader)
            raise PinBlockedError() from exc
        except (pkcs11.PinIncorrect, pkcs11.PinLenRange, pkcs11.PinInvalid) as exc:
            tries = self.pin_tries_left()
            if tries == 0:
                raise PinBlockedError() from exc
            left = tries if tries is not None else CPS_PIN_MAX_TRIES - 1
            logger.info("%s: wrong CPS PIN (PKCS#11), about %d tries left", self.reader, left)
            raise PinError(left) from exc
        except pkcs11.UserAlreadyLoggedIn:
            self._session = self._slot.get_token().open()
        except pkcs11.PKCS11Error as exc:
            raise _mapped(exc, "C_Login") from exc
        self._logged_in = True
        logger.info("%s: CPS PIN verified (PKCS#11)", self.reader)

    def unblock_pin(self, puk: str, new_pin: str) -> None:
        """Not offered here: PKCS#11 unblocks through the SO login (C_InitPIN), and the CPS
        middlewares do not map the PUK to it. Nothing is sent.

        :raises UnblockNotSupportedError: always.
        """
        raise UnblockNotSupportedError("PIN unblock is not available through PKCS#11")

    # --- content -------------------------------------------------------------------------

    def certificate_der(self) -> bytes:
        """The signing key's certificate: the one with the key's CKA_ID (else the first)."""
        if self._certificate is None:
            session = self._open()
            try:
                certificates = list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}))
                key_id = self._signing_key_id(session)
            except pkcs11.PKCS11Error as exc:
                raise _mapped(exc, "C_FindObjects") from exc
            if not certificates:
                raise NotAllowedError("the token holds no certificate")
            values = [bytes(c[Attribute.VALUE]) for c in certificates]
            by_id = [
                v for c, v in zip(certificates, values, strict=True) if c[Attribute.ID] == key_id
            ]
            self._certificate = (by_id or [_non_repudiation_first(values)])[0]
        return self._certificate

    def _signing_key_id(self, session: Any) -> bytes | None:
        """CKA_ID of the signing key, read from its public twin when not logged in."""
        for object_class in (ObjectClass.PRIVATE_KEY, ObjectClass.PUBLIC_KEY):
            for key in session.get_objects({Attribute.CLASS: object_class}):
                if key[Attribute.LABEL] == self._key_label:
                    return bytes(key[Attribute.ID])
        return None

    def certificate(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.certificate_der())

    def read_identity(self) -> CpsIdentity:
        """The holder named by the signing certificate (a token gives nothing else)."""
        if self._identity is None:
            self._identity = identity_from_certificate(self.certificate_der())
        return self._identity

    def read_situations(self) -> tuple[Situation, ...]:
        if self._situations is None:
            raise SituationsUnavailableError("no situation d'exercice on the token or configured")
        situations = self._situations(self.read_identity())
        if not situations:
            raise SituationsUnavailableError("no situation d'exercice configured")
        return situations

    # --- signature -----------------------------------------------------------------------

    def _key(self) -> Any:
        if not self._logged_in:
            raise SecurityStatusError("the PIN was not verified (C_Login)")
        session = self._open()
        try:
            return session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=self._key_label)
        except pkcs11.NoSuchKey:
            keys = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY}))
            if not keys:
                raise NotAllowedError("the token has no private key") from None
            return keys[0]
        except pkcs11.PKCS11Error as exc:
            raise _mapped(exc, "C_FindObjects") from exc

    def sign(self, data: bytes) -> bytes:
        """RSA PKCS#1 v1.5 SHA-256 signature of ``data``: ``CKM_SHA256_RSA_PKCS`` (the
        token hashes, as a real CPS3 does), else ``CKM_RSA_PKCS`` over a DigestInfo.

        :raises SecurityStatusError: not logged in.
        """
        import hashlib

        key = self._key()
        try:
            return bytes(key.sign(data, mechanism=_HASH_ON_TOKEN))
        except (pkcs11.MechanismInvalid, pkcs11.FunctionNotSupported):
            logger.info("%s: CKM_SHA256_RSA_PKCS refused, DigestInfo + CKM_RSA_PKCS", self.reader)
        except pkcs11.PKCS11Error as exc:
            raise _mapped(exc, "C_Sign") from exc
        return self._sign_raw(key, SHA256_DIGEST_INFO_PREFIX + hashlib.sha256(data).digest())

    def sign_digest(self, digest32: bytes) -> bytes:
        """RSA PKCS#1 v1.5 over DigestInfo(SHA-256, ``digest32``) (``CKM_RSA_PKCS``).

        :raises ValueError: the digest is not 32 bytes.
        """
        if len(digest32) != 32:
            raise ValueError("the digest to sign is 32 bytes (SHA-256)")
        return self._sign_raw(self._key(), SHA256_DIGEST_INFO_PREFIX + digest32)

    def _sign_raw(self, key: Any, digest_info: bytes) -> bytes:
        try:
            return bytes(key.sign(digest_info, mechanism=_RAW_PKCS1))
        except pkcs11.PKCS11Error as exc:
            raise _mapped(exc, "C_Sign") from exc


def _token_key(slot: Any) -> tuple[str, str]:
    token = slot.get_token()
    return str(token.label).strip(), str(token.serial).strip()


def _find_slot(lib: Any, wanted: str | None) -> Any:
    try:
        slots = lib.get_slots(token_present=True)
    except pkcs11.PKCS11Error as exc:
        raise CardCommunicationError("PKCS#11: slots not listed") from exc
    for slot in slots:
        try:
            label = str(slot.get_token().label).strip()
        except pkcs11.PKCS11Error:  # a slot whose card the middleware cannot handle
            continue
        if wanted is None or wanted in str(slot.slot_description) or wanted == label:
            return slot
    raise NoCardError(f"no PKCS#11 token matches {wanted!r}")


def find_token(module: str, wanted: str | None, *, rescan: bool = False) -> str | None:
    """The description of the slot holding the token ``wanted`` names (as for
    :class:`Pkcs11CpsCard`), None when no such token is present. Card thread.

    :param rescan: start the module again first (``C_Finalize`` + ``C_Initialize``):
        SoftHSM2 lists only the tokens it found at ``C_Initialize``. That ends every
        session of the module in this process: only when none is open.
    :raises Pkcs11ConfigurationError: the module cannot be loaded.
    """
    try:
        lib = pkcs11.lib(module)
        if rescan:
            lib.reinitialize()
    except (RuntimeError, OSError) as exc:
        raise Pkcs11ConfigurationError(f"PKCS#11 module {module!r} not loadable") from exc
    except pkcs11.PKCS11Error as exc:
        raise CardCommunicationError("PKCS#11: the module did not start again") from exc
    try:
        return str(_find_slot(lib, wanted).slot_description).strip()
    except NoCardError:
        return None


def _non_repudiation_first(certificates: list[bytes]) -> bytes:
    """The signing certificate (key usage non-repudiation) among the token's, else the first."""
    for der in certificates:
        try:
            usage = x509.load_der_x509_certificate(der).extensions.get_extension_for_class(
                x509.KeyUsage
            )
        except (ValueError, x509.ExtensionNotFound):
            continue
        if usage.value.content_commitment:
            return der
    return certificates[0]


def _mapped(exc: Exception, where: str) -> CardError:
    """A PKCS#11 failure as the card errors the rest of the program knows."""
    if isinstance(exc, pkcs11.PinLocked):
        return PinBlockedError()
    if isinstance(exc, pkcs11.UserNotLoggedIn):
        return SecurityStatusError(f"{where}: the PIN was not verified")
    if isinstance(exc, pkcs11.TokenNotPresent | pkcs11.DeviceRemoved | pkcs11.NoSuchToken):
        return NoCardError(f"{where}: the card left the reader")
    if isinstance(exc, pkcs11.MechanismInvalid | pkcs11.FunctionNotSupported):
        return SignatureRefusedError(f"{where}: the token refuses the signature mechanisms")
    return CardCommunicationError(f"{where}: PKCS#11 error {type(exc).__name__}")
