"""The emulated CPx card (CPS, CPE), per docs/cards/README.md and ``cardio.layout``."""

from __future__ import annotations

import hmac
import logging

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from cardio import layout, tlv
from testbed.cards.base import SW_WRONG_DATA, Command, EmulatedCard, sw
from testbed.cards.profiles import CpsProfile, Situation

logger = logging.getLogger(__name__)

#: DER prefix of a DigestInfo for SHA-256 (PKCS#1 v1.5), followed by the 32-byte digest.
SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")
PUK_MAX_TRIES = 10


def pin_block(pin: str) -> bytes:
    """The 8-byte block VERIFY carries: ASCII digits padded with FF."""
    raw = pin.encode("ascii")
    return raw + bytes([layout.CPS_PIN_PADDING]) * (layout.CPS_PIN_BLOCK_LENGTH - len(raw))


def identity_file(profile: CpsProfile) -> bytes:
    """File D001: template A0 (card holder)."""
    h = profile.holder
    return tlv.encode(
        layout.TAG_CPS_HOLDER,
        tlv.encode(layout.TAG_CPS_CARD_TYPE, h.card_type)
        + tlv.encode(layout.TAG_CPS_ID_TYPE, h.id_type)
        + tlv.encode(layout.TAG_CPS_ID, h.national_id)
        + tlv.encode(layout.TAG_CPS_ID_KEY, h.id_key)
        + tlv.encode(layout.TAG_CPS_CIVILITE, h.civilite)
        + tlv.encode(layout.TAG_CPS_NOM, h.nom)
        + tlv.encode(layout.TAG_CPS_PRENOM, h.prenom)
        + tlv.encode(layout.TAG_CPS_SERIAL, profile.serial),
    )


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _situation(s: Situation) -> bytes:
    fields: list[tuple[int, str]] = [
        (layout.TAG_SIT_NUMBER, s.number),
        (layout.TAG_SIT_MODE, s.mode),
        (layout.TAG_SIT_STATUS, s.status),
        (layout.TAG_SIT_SECTOR, s.sector),
        (layout.TAG_SIT_STRUCTURE, s.structure),
        (layout.TAG_SIT_BILLING_NUMBER, s.billing_number),
        (layout.TAG_SIT_BILLING_KEY, s.billing_key),
    ]
    if s.replacement_number:
        fields.append((layout.TAG_SIT_REPLACEMENT_NUMBER, s.replacement_number))
    fields += [
        (layout.TAG_SIT_CONVENTION_CODE, s.convention_code),
        (layout.TAG_SIT_SPECIALTY, s.specialty),
        (layout.TAG_SIT_PRICE_ZONE, s.price_zone),
        (layout.TAG_SIT_IK_ZONE, s.ik_zone),
        (layout.TAG_SIT_MAY_SIGN_FSE, _flag(s.may_sign_fse)),
        (layout.TAG_SIT_MAY_SIGN_LOT, _flag(s.may_sign_lot)),
        (layout.TAG_SIT_STRUCTURE_NAME, s.structure_name),
        (layout.TAG_SIT_OPTAM, _flag(s.optam)),
    ]
    return tlv.encode(layout.TAG_CPS_SITUATION, b"".join(tlv.encode(t, v) for t, v in fields))


def situations_file(profile: CpsProfile) -> bytes:
    """File D002: one template A1 per situation d'exercice."""
    return b"".join(_situation(s) for s in profile.situations)


class CpsCard(EmulatedCard):
    """A CPx card built from a profile, with its PIN, PUK and (optional) signing key.

    The PIN counter and the PIN itself belong to the card and survive power cycles; the
    "PIN verified" state and the selection belong to the power session.
    """

    def __init__(
        self,
        profile: CpsProfile,
        private_key: rsa.RSAPrivateKey | None,
        certificate: x509.Certificate | None,
    ) -> None:
        super().__init__(profile.name)
        if profile.has_signing_key and (private_key is None or certificate is None):
            raise ValueError(f"profile {profile.name} needs a key and a certificate")
        self.profile = profile
        self._key = private_key if profile.has_signing_key else None
        self._pin = pin_block(profile.pin)
        self._puk = profile.puk.encode("ascii")
        self.pin_tries_left = profile.pin_tries_left
        self.puk_tries_left = PUK_MAX_TRIES
        self._files: dict[bytes, bytes] = {
            layout.CPS_FILE_IDENTITY: identity_file(profile),
            layout.CPS_FILE_SITUATIONS: situations_file(profile),
        }
        if self._key is not None and certificate is not None:
            self._files[layout.CPS_FILE_CERTIFICATE] = certificate.public_bytes(
                serialization.Encoding.DER
            )
        self._app_selected = False
        self._file: bytes | None = None
        self.pin_verified = False

    @property
    def atr(self) -> bytes:
        return layout.CPS_ATR

    @property
    def kind(self) -> str:
        return "cps"

    def _reset(self) -> None:
        self._app_selected = False
        self._file = None
        self.pin_verified = False

    def _handle(self, command: Command) -> bytes:
        if command.ins == layout.INS_SELECT:
            return self._select(command)
        handlers = {
            layout.INS_READ_BINARY: self._read_binary,
            layout.INS_VERIFY: self._verify,
            layout.INS_RESET_RETRY_COUNTER: self._unblock,
            layout.INS_PSO: self._pso,
        }
        handler = handlers.get(command.ins)
        if handler is None:
            return sw(layout.SW_INS_NOT_SUPPORTED)
        if not self._app_selected:
            return sw(layout.SW_CONDITIONS_NOT_SATISFIED)
        return handler(command)

    def _select(self, command: Command) -> bytes:
        if command.p1 == 0x04:
            if command.data != layout.CPS_AID:
                return sw(layout.SW_FILE_NOT_FOUND)
            self._app_selected, self._file = True, None
            return sw(layout.SW_OK)
        if command.p1 == 0x02:
            if not self._app_selected or command.data not in self._files:
                return sw(layout.SW_FILE_NOT_FOUND)
            self._file = command.data
            return sw(layout.SW_OK)
        return sw(layout.SW_FILE_NOT_FOUND)

    def _read_binary(self, command: Command) -> bytes:
        if self._file is None:
            return sw(layout.SW_CONDITIONS_NOT_SATISFIED)
        if command.p1 & 0x80:
            return sw(layout.SW_WRONG_P1P2)
        content = self._files[self._file]
        offset = (command.p1 << 8) | command.p2
        if offset >= len(content):
            return sw(layout.SW_WRONG_P1P2)
        return content[offset : offset + command.ne] + sw(layout.SW_OK)

    def _tries_sw(self) -> bytes:
        if self.pin_tries_left == 0:
            return sw(layout.SW_PIN_BLOCKED)
        return bytes([0x63, 0xC0 | self.pin_tries_left])

    def _verify(self, command: Command) -> bytes:
        if command.p1 != 0x00 or command.p2 != layout.CPS_PIN_REFERENCE:
            return sw(layout.SW_REFERENCE_NOT_FOUND)
        if not command.data:
            if self.pin_tries_left and self.pin_verified:
                return sw(layout.SW_OK)
            return self._tries_sw()
        if len(command.data) != layout.CPS_PIN_BLOCK_LENGTH:
            return sw(layout.SW_WRONG_LENGTH)
        if self.pin_tries_left == 0:
            return sw(layout.SW_PIN_BLOCKED)
        if hmac.compare_digest(command.data, self._pin):
            self.pin_tries_left = layout.CPS_PIN_MAX_TRIES
            self.pin_verified = True
            return sw(layout.SW_OK)
        self.pin_tries_left -= 1
        self.pin_verified = False
        logger.info("%s: wrong PIN, %d tries left", self.name, self.pin_tries_left)
        return self._tries_sw()

    def _unblock(self, command: Command) -> bytes:
        if command.p1 != 0x00 or command.p2 != layout.CPS_PIN_REFERENCE:
            return sw(layout.SW_REFERENCE_NOT_FOUND)
        if len(command.data) != layout.CPS_PUK_LENGTH + layout.CPS_PIN_BLOCK_LENGTH:
            return sw(layout.SW_WRONG_LENGTH)
        if self.puk_tries_left == 0:
            return sw(layout.SW_PIN_BLOCKED)
        puk, new_block = (
            command.data[: layout.CPS_PUK_LENGTH],
            command.data[layout.CPS_PUK_LENGTH :],
        )
        if not hmac.compare_digest(puk, self._puk):
            self.puk_tries_left -= 1
            if self.puk_tries_left == 0:
                return sw(layout.SW_PIN_BLOCKED)
            return bytes([0x63, 0xC0 | min(self.puk_tries_left, 15)])
        new_pin = new_block.rstrip(bytes([layout.CPS_PIN_PADDING]))
        if len(new_pin) != layout.CPS_PIN_LENGTH or not new_pin.isdigit():
            return sw(SW_WRONG_DATA)
        self.puk_tries_left = PUK_MAX_TRIES
        self._pin = pin_block(new_pin.decode("ascii"))
        self.pin_tries_left = layout.CPS_PIN_MAX_TRIES
        self.pin_verified = False
        return sw(layout.SW_OK)

    def _pso(self, command: Command) -> bytes:
        if (command.p1, command.p2) != layout.PSO_CDS_P1P2:
            return sw(layout.SW_WRONG_P1P2)
        if self._key is None:
            return sw(layout.SW_REFERENCE_NOT_FOUND)
        if not self.pin_verified:
            return sw(layout.SW_SECURITY_NOT_SATISFIED)
        data = command.data
        if len(data) != len(SHA256_DIGEST_INFO_PREFIX) + 32 or not data.startswith(
            SHA256_DIGEST_INFO_PREFIX
        ):
            return sw(SW_WRONG_DATA)
        digest = data[len(SHA256_DIGEST_INFO_PREFIX) :]
        signature = self._key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        return signature + sw(layout.SW_OK)
