"""The practitioner's CPx card (CPS, CPE...): holder, situations d'exercice, PIN,
certificate and signature. ``CpsSession`` satisfies billing's ``Signer`` port
(``certificate_der()`` and ``sign_digest()``) structurally."""

from __future__ import annotations

import contextlib
import functools
import logging
import re
from types import TracebackType

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from cardio import apdu, layout, sha256, tlv
from cardio.connection import CardConnection
from cardio.cps_parse import CpsCard, CpsIdentity, Situation, parse_identity, parse_situations
from cardio.errors import (
    ApplicationNotFoundError,
    CardFileNotFoundError,
    MalformedResponseError,
    NotAllowedError,
    PinBlockedError,
    PinError,
    PinFormatError,
    PukBlockedError,
    PukError,
)

logger = logging.getLogger(__name__)

_PIN = re.compile(r"^[0-9]{4}$")
_PUK = re.compile(r"^[0-9]{8}$")
#: GET DATA 00 CB 3F FF: 4D { 70 { BF 81 01 (SDO CHV 1) { A0 (its DOCP) } } }.
_PIN_DOCP_QUERY = bytes.fromhex("4D 08 70 06 BF 81 01 02 A0 80")
#: Answers of a card that has no GET DATA on security data objects.
_NO_GET_DATA = frozenset(
    {
        layout.SW_INS_NOT_SUPPORTED,
        layout.SW_REFERENCE_NOT_FOUND,
        layout.SW_INCORRECT_P1P2,
        layout.SW_WRONG_P1P2,
        layout.SW_FILE_NOT_FOUND,
    }
)
#: MSE SET DST: the signing key CPS_PRIV_SIG, RSA PKCS#1 v1.5 with SHA-256.
_DST_SIG = bytes([0x84, 0x01, layout.CPS_KEY_SIG, 0x80, 0x01, layout.ALGO_RSA_PKCS_SHA256])
_APP_PATH = layout.CPS_MF + layout.CPS_DF_APP
_ODF_PATH = _APP_PATH + layout.CPS_FILE_ODF
_ODF_TAG_CDF = 0xA4
#: DER prefix of DigestInfo { sha256, NULL } followed by the 32-byte digest.
SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


def pin_block(pin: str) -> bytes:
    """The 8-byte VERIFY data: 4 ASCII digits padded with FF.

    :raises PinFormatError: ``pin`` is not exactly 4 digits (checked before any sending).
    """
    if not isinstance(pin, str) or not _PIN.match(pin):
        raise PinFormatError("the PIN is 4 digits")
    return pin.encode("ascii").ljust(layout.CPS_PIN_BLOCK_LENGTH, bytes([layout.CPS_PIN_PADDING]))


def check_puk(puk: str) -> bytes:
    """The 8 ASCII digits of the PUK (code de déblocage).

    :raises PinFormatError: ``puk`` is not exactly 8 digits (checked before any sending).
    """
    if not isinstance(puk, str) or not _PUK.match(puk):
        raise PinFormatError("the PUK is 8 digits")
    return puk.encode("ascii")


class CpsSession:
    """The CPx IAS application on an inserted card. Use on the card thread.

    The PIN is never stored and never retried: each ``verify_pin`` sends exactly what it
    is given, once. The card forgets the verification when it leaves the reader.
    """

    def __init__(self, connection: CardConnection) -> None:
        self._connection = connection
        self._selected = False
        self._identity: CpsIdentity | None = None
        self._certificate: bytes | None = None
        self._reserved = False

    @property
    def reader(self) -> str:
        """The reader holding the card."""
        return self._connection.reader

    def select(self) -> None:
        """Select the CPX IAS application (once per session: re-selecting could drop the
        verified PIN on real cards).

        :raises ApplicationNotFoundError: not a CPx card.
        """
        if self._selected:
            return
        try:
            apdu.exchange(self._connection, apdu.select_aid(layout.CPS_AID, fci=False))
        except CardFileNotFoundError as exc:
            raise ApplicationNotFoundError("no CPX IAS application on this card") from exc
        self._selected = True

    def pin_tries_left(self) -> int:
        """How many wrong PINs the card still accepts (0: blocked); sends no PIN.

        Read as OpenSC's IAS-ECC driver does: GET DATA on the PIN's security data object
        (its DOCP: tries maximum 9A, tries remaining 9B); a card without GET DATA is asked
        with VERIFY without data (ISO 7816-4, ``63Cx``).
        """
        self.select()
        command = apdu.CommandApdu(0x00, layout.INS_GET_DATA, 0x3F, 0xFF, _PIN_DOCP_QUERY)
        data, sw = apdu.transmit(self._connection, command)
        if sw == layout.SW_OK:
            return _tries_from_docp(data)
        if sw not in _NO_GET_DATA:
            apdu.check(sw, command)
        return self._pin_tries_by_verify()

    def _pin_tries_by_verify(self) -> int:
        command = apdu.CommandApdu(0x00, layout.INS_VERIFY, 0x00, layout.CPS_PIN_REFERENCE)
        _data, sw = apdu.transmit(self._connection, command)
        if sw == layout.SW_OK:  # already verified in this card session
            return layout.CPS_PIN_MAX_TRIES
        if sw == layout.SW_PIN_BLOCKED:
            return 0
        tries = apdu.pin_tries(sw)
        if tries is None:
            apdu.check(sw, command)
            raise MalformedResponseError(f"VERIFY status {sw:04X}")  # 9000 handled above
        return tries

    def verify_pin(self, pin: str) -> None:
        """Present the PIN once.

        :raises PinFormatError: not 4 digits; nothing was sent, no try was used.
        :raises PinError: wrong PIN, ``attempts_remaining`` tries left.
        :raises PinBlockedError: the card is blocked.
        """
        block = pin_block(pin)
        self.select()
        command = apdu.CommandApdu(0x00, layout.INS_VERIFY, 0x00, layout.CPS_PIN_REFERENCE, block)
        try:
            apdu.exchange(self._connection, command)
        except PinBlockedError:
            logger.warning("%s: CPS PIN blocked", self.reader)
            raise
        except PinError as exc:
            logger.info("%s: wrong CPS PIN, %d tries left", self.reader, exc.attempts_remaining)
            raise
        logger.info("%s: CPS PIN verified", self.reader)

    def unblock_pin(self, puk: str, new_pin: str) -> None:
        """RESET RETRY COUNTER (INS 2C) with the PUK and a new PIN: the PIN tries are reset.

        :raises PinFormatError: PUK not 8 digits or PIN not 4; nothing was sent.
        :raises PukError: wrong PUK, ``attempts_remaining`` tries left.
        :raises PukBlockedError: the PUK itself is blocked.
        """
        data = check_puk(puk) + pin_block(new_pin)
        self.select()
        command = apdu.CommandApdu(
            0x00, layout.INS_RESET_RETRY_COUNTER, 0x00, layout.CPS_PIN_REFERENCE, data
        )
        _data, sw = apdu.transmit(self._connection, command)
        tries = apdu.pin_tries(sw)
        # The card answers as for a PIN, but these counts are the PUK's.
        if sw == layout.SW_PIN_BLOCKED or tries == 0:
            logger.warning("%s: CPS PUK blocked", self.reader)
            raise PukBlockedError()
        if tries is not None:
            logger.info("%s: wrong CPS PUK, %d tries left", self.reader, tries)
            raise PukError(tries)
        apdu.check(sw, command)
        logger.info("%s: CPS PIN unblocked with the PUK", self.reader)

    def reserved(self) -> contextlib.AbstractContextManager[None]:
        """Hold the card (one PC/SC transaction) across several reads, e.g. ``read()`` and
        ``certificate_der()``: each transaction costs two pcscd round trips, as much as
        several APDUs. Every read takes its own when none is held; nested ones reuse it.
        Never hold it while the user types a PIN: other programs wait meanwhile."""
        return _Reservation(self)

    def _read(self, file_id: bytes) -> bytes:
        if not self._reserved:  # a transaction of its own (no generator when one is held)
            with self.reserved():
                return self._read(file_id)
        if not self._selected:
            self.select()
        apdu.exchange(self._connection, _select_file(file_id))
        return apdu.read_file(self._connection)

    def read_identity(self) -> CpsIdentity:
        """The card holder (cached for the session)."""
        if self._identity is None:
            self._identity = parse_identity(self._read(layout.CPS_FILE_IDENTITY))
        return self._identity

    def read_situations(self) -> tuple[Situation, ...]:
        """The situations d'exercice, in card order."""
        return parse_situations(self._read(layout.CPS_FILE_SITUATIONS))

    def read(self) -> CpsCard:
        """Holder and situations: everything public on the card (one card transaction)."""
        with self.reserved():
            return CpsCard(self.read_identity(), self.read_situations())

    def certificate_der(self) -> bytes:
        """The X.509 certificate (DER) of the signing key (CPS_PRIV_SIG), read once per
        session the PKCS#15 way: ODF → CDF → the certificate whose id is the key's.

        :raises CardFileNotFoundError: the card lists no signing certificate.
        :raises MalformedResponseError: the file does not hold an X.509 certificate.
        """
        if self._certificate is None:
            with self.reserved():
                cdf_path = _odf_path(self._read_path(_ODF_PATH), _ODF_TAG_CDF)
                cert_path = _cdf_certificate_path(self._read_path(cdf_path), layout.CPS_KEY_SIG_ID)
                der = self._read_path(cert_path)
            # A file may be padded to its allocated size: keep the outer DER SEQUENCE only.
            der = _der_prefix(der)
            _check_x509(der)
            self._certificate = der
        return self._certificate

    def _read_path(self, path: bytes) -> bytes:
        """A file of the CPX IAS application given by its absolute path (3F00 0001 xxxx):
        selected by file id under the application, which stays selected."""
        if not path.startswith(_APP_PATH) or len(path) != len(_APP_PATH) + 2:
            raise MalformedResponseError(f"PKCS#15 path {path.hex()} outside the application")
        return self._read(path[len(_APP_PATH) :])

    def certificate(self) -> x509.Certificate:
        """The signing certificate, parsed."""
        return x509.load_der_x509_certificate(self.certificate_der())

    def sign_digest(self, digest32: bytes) -> bytes:
        """RSA PKCS#1 v1.5 signature over DigestInfo(SHA-256, ``digest32``): MSE SET DST,
        PSO HASH with the whole digest (tag 90, *project* form), PSO CDS.

        :raises ValueError: the digest is not 32 bytes.
        :raises NotAllowedError: a CPE (no signing key); nothing was sent.
        :raises SecurityStatusError: the PIN was not verified in this card session.
        :raises MalformedResponseError: the signature does not have the key's length.
        """
        if len(digest32) != 32:
            raise ValueError("the digest to sign is 32 bytes (SHA-256)")
        return self._sign(tlv.encode(layout.TAG_HASH_STATE, digest32))

    def sign(self, data: bytes) -> bytes:
        """RSA PKCS#1 v1.5 SHA-256 signature of ``data`` as IAS-ECC cards make it: the
        host hashes the whole 64-byte blocks, the card finishes SHA-256 from that state
        (PSO HASH: 90 = state and bits hashed, 80 = last bytes), then PSO CDS.

        :raises NotAllowedError: a CPE (no signing key); nothing was sent.
        :raises SecurityStatusError: the PIN was not verified in this card session.
        """
        state, bits, tail = sha256.partial(data)
        if bits:
            hashed = tlv.encode(layout.TAG_HASH_STATE, state + bits.to_bytes(8, "big"))
        else:
            hashed = tlv.encode(layout.TAG_HASH_STATE, b"")
        return self._sign(hashed + tlv.encode(layout.TAG_HASH_LAST_BLOCK, tail))

    def _sign(self, hash_data: bytes) -> bytes:
        identity = self.read_identity()
        if not identity.may_sign:
            raise NotAllowedError(f"a {identity.card_type} card cannot sign")
        mse = apdu.CommandApdu(0x00, layout.INS_MSE, layout.MSE_SET, layout.CRT_DST, _DST_SIG)
        pso_hash = apdu.CommandApdu(0x00, layout.INS_PSO, *layout.PSO_HASH_P1P2, hash_data)
        cds = apdu.CommandApdu(0x00, layout.INS_PSO, *layout.PSO_CDS_P1P2, le=256)
        with self.reserved():  # no other program between the hash and the signature
            apdu.exchange(self._connection, mse)
            apdu.exchange(self._connection, pso_hash)
            signature = apdu.exchange(self._connection, cds)
        expected = self._signature_length()
        if len(signature) != expected:
            raise MalformedResponseError(f"signature is {len(signature)} bytes, not {expected}")
        return signature

    def _signature_length(self) -> int:
        try:
            key = self.certificate().public_key()
        except CardFileNotFoundError:  # a card without certificate file: the contract's size
            return 256
        return (key.key_size + 7) // 8 if isinstance(key, rsa.RSAPublicKey) else 256


class _Reservation:
    """``CpsSession.reserved()``: a class, not a generator (a CPS read enters four)."""

    __slots__ = ("_session", "_transaction")

    def __init__(self, session: CpsSession) -> None:
        self._session = session
        self._transaction: contextlib.AbstractContextManager[None] | None = None

    def __enter__(self) -> None:
        session = self._session
        if session._reserved:  # nested: the outer reservation holds the card
            return
        transaction = session._connection.transaction()
        transaction.__enter__()
        self._transaction = transaction
        session._reserved = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        transaction, self._transaction = self._transaction, None
        if transaction is None:
            return None
        self._session._reserved = False
        return transaction.__exit__(exc_type, exc, tb)


@functools.lru_cache(maxsize=8)
def _check_x509(der: bytes) -> None:
    """Refuse bytes that are not an X.509 certificate (DER).

    Keyed by the bytes themselves: the card is read every time, only the verdict on the
    same certificate is not recomputed (the desk reads one CPS all day; the check is
    12–45 µs of a ~3 ms read). An error is never cached: damaged bytes are checked again.

    :raises MalformedResponseError: not X.509 DER.
    """
    try:
        x509.load_der_x509_certificate(der)
    except (ValueError, x509.InvalidVersion) as exc:  # InvalidVersion is no ValueError
        raise MalformedResponseError("CPS certificate file is not X.509 DER") from exc


@functools.lru_cache(maxsize=64)
def _select_file(file_id: bytes) -> apdu.CommandApdu:
    """SELECT by file id under the current DF, no answer data (built once per file)."""
    return apdu.CommandApdu(0x00, layout.INS_SELECT, 0x02, 0x0C, file_id)


def _tries_from_docp(data: bytes) -> int:
    """Tries remaining (9B) in a GET DATA answer 70 { BF 81 01 { A0 { ... } } }."""
    template = tlv.find(tlv.decode(data), 0x70)
    sdo = tlv.decode(template.value) if template is not None else []
    docp = tlv.find(sdo[0].children(), layout.SDO_TAG_DOCP) if sdo else None
    left = tlv.find(docp.children(), layout.DOCP_TRIES_LEFT) if docp is not None else None
    if left is None or len(left.value) != 1:
        raise MalformedResponseError("PIN data object: tries remaining (9B) missing")
    return left.value[0]


def _odf_path(odf: bytes, tag: int) -> bytes:
    """The path of the directory file ``tag`` (A0 PrKDF, A4 CDF, A8 AODF) in the ODF."""
    entry = tlv.values(odf).get(tag)
    path = _path_of(entry) if entry is not None else None
    if path is None:
        raise CardFileNotFoundError(layout.SW_FILE_NOT_FOUND, f"ODF entry {tag:02X}")
    return path


def _path_of(value: bytes) -> bytes | None:
    """The OCTET STRING of a PKCS#15 Path (30 { 04 path ... })."""
    sequence = tlv.values(value).get(0x30)
    return tlv.values(sequence).get(0x04) if sequence is not None else None


def _cdf_certificate_path(cdf: bytes, key_id: bytes) -> bytes:
    """The path of the X.509 certificate whose id is ``key_id`` in the CDF."""
    for entry in tlv.find_all(tlv.decode(cdf), 0x30):
        parts = entry.children()
        if len(parts) < 3 or parts[1].tag != 0x30 or parts[2].tag != 0xA1:
            continue
        cert_id = tlv.values(parts[1].value).get(0x04)
        attributes = tlv.values(parts[2].value).get(0x30)  # X509CertificateAttributes
        if cert_id is not None and cert_id == key_id and attributes is not None:
            path = _path_of(attributes)
            if path is not None:
                return path
    raise CardFileNotFoundError(layout.SW_FILE_NOT_FOUND, "signing certificate in the CDF")


def _der_prefix(data: bytes) -> bytes:
    """The first DER element of ``data`` (a SEQUENCE with a definite length)."""
    if len(data) < 2 or data[0] != 0x30:
        raise MalformedResponseError("CPS certificate file does not start with a SEQUENCE")
    first = data[1]
    if first < 0x80:
        return data[: 2 + first]
    count = first & 0x7F
    if not 1 <= count <= 3 or len(data) < 2 + count:
        raise MalformedResponseError("CPS certificate: bad DER length")
    length = int.from_bytes(data[2 : 2 + count], "big")
    end = 2 + count + length
    if end > len(data):
        raise MalformedResponseError("CPS certificate file is truncated")
    return data[:end]
