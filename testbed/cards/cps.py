"""The emulated CPx card (CPS, CPE) as an IAS-ECC card, per docs/cards/README.md and
``cardio.layout``: MF with EF.ATR, EF.DIR, EF.SN.ICC; the CPX IAS application (DF 0001)
with its PKCS#15 files and the project's billing files; the PIN and the two RSA keys as
security data objects; T=0 (``61XX`` + GET RESPONSE); MSE SET, PSO HASH (the card
finishes SHA-256), PSO COMPUTE DIGITAL SIGNATURE and INTERNAL AUTHENTICATE.
The files and keys it holds are built in :mod:`testbed.cards.cps_files`."""

from __future__ import annotations

import hmac
import logging

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from cardio import layout, sha256, tlv
from cardio.errors import MalformedResponseError
from testbed.cards import pkcs15
from testbed.cards.base import SW_WRONG_DATA, Command, EmulatedCard, sw
from testbed.cards.cps_files import CardKey, Node, identity_file, pin_block, situations_file
from testbed.cards.profiles import CpsProfile

logger = logging.getLogger(__name__)

__all__ = ["PUK_MAX_TRIES", "SHA256_DIGEST_INFO_PREFIX", "CpsCard", "pin_block"]

#: DER prefix of a DigestInfo for SHA-256 (PKCS#1 v1.5), followed by the 32-byte digest.
SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")
PUK_MAX_TRIES = 10


def _raw_pkcs1_sign(key: rsa.RSAPrivateKey, data: bytes) -> bytes | None:
    """PKCS#1 v1.5 type 1 over ``data`` as given (INTERNAL AUTHENTICATE: the host sends
    the DigestInfo); None when it does not fit the key."""
    k = key.key_size // 8
    if len(data) > k - 11:
        return None
    block = b"\x00\x01" + b"\xff" * (k - 3 - len(data)) + b"\x00" + data
    numbers = key.private_numbers()
    value = pow(int.from_bytes(block, "big"), numbers.d, numbers.public_numbers.n)
    return value.to_bytes(k, "big")


class CpsCard(EmulatedCard):
    """A CPx card built from a profile, with its PIN, PUK and (optional) keys.

    The PIN counter and the PIN itself belong to the card and survive power cycles; the
    "PIN verified" state, the selection and the security environment belong to the power
    session.
    """

    def __init__(
        self,
        profile: CpsProfile,
        private_key: rsa.RSAPrivateKey | None,
        certificate: x509.Certificate | None,
        *,
        auth_key: rsa.RSAPrivateKey | None = None,
        auth_certificate: x509.Certificate | None = None,
    ) -> None:
        super().__init__(profile.name)
        if profile.has_signing_key and (private_key is None or certificate is None):
            raise ValueError(f"profile {profile.name} needs a key and a certificate")
        self.profile = profile
        self._pin = pin_block(profile.pin)
        self._puk = profile.puk.encode("ascii")
        self.pin_tries_left = profile.pin_tries_left
        self.puk_tries_left = PUK_MAX_TRIES
        self._keys: dict[int, CardKey] = {}
        entries: list[pkcs15.KeyEntry] = []
        certificates: dict[bytes, bytes] = {}
        if profile.has_signing_key and private_key is not None and certificate is not None:
            self._keys[layout.CPS_KEY_SIG] = CardKey(layout.CPS_KEY_SIG, private_key, True, False)
            entries.append(
                pkcs15.KeyEntry(
                    layout.CPS_KEY_SIG_LABEL,
                    layout.CPS_KEY_SIG_ID,
                    layout.CPS_KEY_SIG,
                    pkcs15.SIG_USAGE,
                    private_key.key_size,
                    "CPS_SIG_CERT",
                    layout.CPS_FILE_CERT_SIG,
                )
            )
            certificates[layout.CPS_FILE_CERT_SIG] = certificate.public_bytes(
                serialization.Encoding.DER
            )
            if auth_key is not None and auth_certificate is not None:
                self._keys[layout.CPS_KEY_AUT] = CardKey(layout.CPS_KEY_AUT, auth_key, False, True)
                entries.append(
                    pkcs15.KeyEntry(
                        layout.CPS_KEY_AUT_LABEL,
                        layout.CPS_KEY_AUT_ID,
                        layout.CPS_KEY_AUT,
                        pkcs15.AUT_USAGE,
                        auth_key.key_size,
                        "CPS_AUT_CERT",
                        layout.CPS_FILE_CERT_AUT,
                    )
                )
                certificates[layout.CPS_FILE_CERT_AUT] = auth_certificate.public_bytes(
                    serialization.Encoding.DER
                )
        self.mf = self._build(tuple(entries), certificates)
        self._df: Node = self.mf
        self._ef: Node | None = None
        self._pending: bytes | None = None
        self._env: dict[int, tuple[int, int]] = {}  # CRT tag -> (key reference, algorithm)
        self._hash: bytes | None = None
        self.pin_verified = False

    def _build(self, keys: tuple[pkcs15.KeyEntry, ...], certificates: dict[bytes, bytes]) -> Node:
        p = self.profile
        mf = Node(layout.CPS_MF)
        mf.add(Node(layout.CPS_EF_ATR, pkcs15.ef_atr(), sfi=layout.CPS_SFI_EF_ATR))
        mf.add(Node(layout.CPS_EF_DIR, pkcs15.ef_dir(), sfi=layout.CPS_SFI_EF_DIR))
        mf.add(Node(layout.CPS_EF_SN, pkcs15.ef_sn(p.serial), sfi=layout.CPS_SFI_EF_SN))
        app = mf.add(Node(layout.CPS_DF_APP, aid=layout.CPS_AID))
        label = f"CPS {p.holder.prenom.title()} {p.holder.nom}"
        files = {
            layout.CPS_FILE_ODF: pkcs15.odf(bool(keys)),
            layout.CPS_FILE_TOKENINFO: pkcs15.token_info(p.serial, label),
            layout.CPS_FILE_AODF: pkcs15.aodf(),
            layout.CPS_FILE_IDENTITY: identity_file(p),
            layout.CPS_FILE_SITUATIONS: situations_file(p),
        }
        if keys:
            files[layout.CPS_FILE_PRKDF] = pkcs15.prkdf(keys)
            files[layout.CPS_FILE_CDF] = pkcs15.cdf(keys)
        files.update(certificates)
        for fid, content in files.items():
            app.add(Node(fid, content))
        return mf

    @property
    def atr(self) -> bytes:
        return layout.CPS_ATR

    @property
    def kind(self) -> str:
        return "cps"

    def _reset(self) -> None:
        self._df = self.mf
        self._ef = None
        self._pending = None
        self._env = {}
        self._hash = None
        self.pin_verified = False

    # --- T=0 -------------------------------------------------------------------------

    def _answer(self, command: Command, data: bytes) -> bytes:
        """Response data the T=0 way: a command that carried data (case 3/4 under T=0)
        gets ``61XX`` and GET RESPONSE; a case-2 command gets the data at once."""
        if not data:
            return sw(layout.SW_OK)
        if command.data or command.le is None:
            self._pending = data
            return bytes([0x61, len(data) & 0xFF if len(data) < 256 else 0x00])
        return data[: command.ne] + sw(layout.SW_OK)

    def _get_response(self, command: Command, pending: bytes | None) -> bytes:
        if pending is None:
            return sw(layout.SW_CONDITIONS_NOT_SATISFIED)
        chunk, rest = pending[: command.ne], pending[command.ne :]
        if rest:
            self._pending = rest
            return chunk + bytes([0x61, len(rest) & 0xFF if len(rest) < 256 else 0x00])
        return chunk + sw(layout.SW_OK)

    def _handle(self, command: Command) -> bytes:
        pending, self._pending = self._pending, None
        if command.ins == layout.INS_GET_RESPONSE:
            return self._get_response(command, pending)
        handlers = {
            layout.INS_SELECT: self._select,
            layout.INS_READ_BINARY: self._read_binary,
            layout.INS_GET_DATA: self._get_data,
            layout.INS_VERIFY: self._verify,
            layout.INS_RESET_RETRY_COUNTER: self._unblock,
            layout.INS_MSE: self._mse,
            layout.INS_PSO: self._pso,
            layout.INS_INTERNAL_AUTHENTICATE: self._internal_authenticate,
        }
        handler = handlers.get(command.ins)
        if handler is None:
            return sw(layout.SW_INS_NOT_SUPPORTED)
        return handler(command)

    # --- files -----------------------------------------------------------------------

    def _walk(self, start: Node, path: bytes) -> Node | None:
        node: Node | None = start
        for i in range(0, len(path), 2):
            if node is None or not node.is_df:
                return None
            node = node.children.get(path[i : i + 2])
        return node

    def _find(self, command: Command) -> Node | None:
        data, p1 = command.data, command.p1
        if p1 in (0x00, 0x01, 0x02) and data in (b"", layout.CPS_MF):
            return self.mf
        if p1 in (0x00, 0x01, 0x02) and len(data) == 2:
            node = self._df.children.get(data)
            if node is not None and p1 == 0x01 and not node.is_df:
                return None
            return node
        if p1 == 0x03:
            return self._df.parent
        if p1 == 0x04:
            app = self.mf.children[layout.CPS_DF_APP]
            return app if data == app.aid else None
        if p1 in (0x08, 0x09) and data and len(data) % 2 == 0:
            if data.startswith(layout.CPS_MF):
                return self._walk(self.mf, data[2:])
            return self._walk(self.mf if p1 == 0x08 else self._df, data)
        return None

    def _select(self, command: Command) -> bytes:
        if command.p2 not in (0x00, 0x04, 0x0C):
            return sw(layout.SW_INCORRECT_P1P2)
        node = self._find(command)
        if node is None:
            return sw(layout.SW_FILE_NOT_FOUND)
        if node.is_df:
            self._df, self._ef = node, None
        else:
            assert node.parent is not None  # noqa: S101 - every EF has a DF
            self._df, self._ef = node.parent, node
        if command.p2 == 0x0C:
            return sw(layout.SW_OK)
        fcp = node.fcp()
        if command.p2 == 0x00:  # FCI: the FCP's content inside 6F
            fcp = tlv.encode(0x6F, tlv.decode(fcp)[0].value)
        return self._answer(command, fcp)

    def _read_binary(self, command: Command) -> bytes:
        if command.p1 & 0x80:
            sfi = command.p1 & 0x1F
            found = next(
                (
                    n
                    for df in (self._df, self.mf)
                    for n in df.children.values()
                    if n.sfi == sfi and not n.is_df
                ),
                None,
            )
            if found is None:
                return sw(layout.SW_FILE_NOT_FOUND)
            self._ef, offset = found, command.p2
        else:
            if self._ef is None:
                return sw(layout.SW_CONDITIONS_NOT_SATISFIED)
            offset = (command.p1 << 8) | command.p2
        content = self._ef.content or b""
        if offset >= len(content):
            return sw(layout.SW_WRONG_P1P2)
        return content[offset : offset + command.ne] + sw(layout.SW_OK)

    # --- security data objects ---------------------------------------------------------

    def _get_data(self, command: Command) -> bytes:
        if (command.p1, command.p2) != (0x3F, 0xFF):
            return sw(layout.SW_INCORRECT_P1P2)
        try:
            outer = tlv.decode(command.data)
            template = tlv.decode(outer[0].value) if outer and outer[0].tag == 0x4D else []
            sdo = tlv.decode(template[0].value) if template and template[0].tag == 0x70 else []
        except MalformedResponseError:
            return sw(SW_WRONG_DATA)
        if not sdo or sdo[0].tag >> 16 != 0xBF or len(sdo[0].value) < 2:
            return sw(SW_WRONG_DATA)
        header = sdo[0].tag
        sdo_class, reference = (header >> 8) & 0x7F, header & 0x3F
        wanted = int.from_bytes(sdo[0].value[:-1], "big")
        content = self._sdo(sdo_class, reference, wanted)
        if content is None:
            return sw(layout.SW_REFERENCE_NOT_FOUND)
        if not content:  # the object exists but has no public data of that kind
            return sw(layout.SW_INCORRECT_P1P2)
        return self._answer(command, tlv.encode(0x70, tlv.encode(header, content)))

    def _sdo(self, sdo_class: int, reference: int, wanted: int) -> bytes | None:
        if sdo_class == layout.SDO_CLASS_CHV and reference == layout.CPS_PIN_REFERENCE:
            if wanted == layout.SDO_TAG_CHV:
                return tlv.encode(
                    layout.SDO_TAG_CHV,
                    tlv.encode(0x80, bytes([layout.CPS_PIN_BLOCK_LENGTH]))
                    + tlv.encode(0x81, bytes([layout.CPS_PIN_LENGTH])),
                )
            if wanted == layout.SDO_TAG_DOCP:
                acl = tlv.encode(layout.DOCP_ACLS_CONTACT, bytes.fromhex("F3 00 00 13 FF 00"))
                return tlv.encode(
                    layout.SDO_TAG_DOCP,
                    tlv.encode(layout.DOCP_SIZE, bytes([layout.CPS_PIN_BLOCK_LENGTH]))
                    + tlv.encode(layout.DOCP_TRIES_MAX, bytes([layout.CPS_PIN_MAX_TRIES]))
                    + tlv.encode(layout.DOCP_TRIES_LEFT, bytes([self.pin_tries_left]))
                    + tlv.encode(layout.DOCP_ACLS, acl),
                )
            return b""
        key = self._keys.get(0x80 | reference)
        if sdo_class == layout.SDO_CLASS_RSA_PRIVATE and key is not None:
            if wanted == layout.SDO_TAG_DOCP:
                return tlv.encode(layout.SDO_TAG_DOCP, key.docp())
            return b""  # a private key has no public data
        return None

    # --- PIN ---------------------------------------------------------------------------

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

    # --- security environment and signatures -------------------------------------------

    def _mse(self, command: Command) -> bytes:
        if command.p1 == 0xF3:  # RESTORE: back to the empty environment
            self._env, self._hash = {}, None
            return sw(layout.SW_OK)
        if command.p1 != layout.MSE_SET:
            return sw(layout.SW_INCORRECT_P1P2)
        try:
            fields = tlv.by_tag(tlv.decode(command.data))
        except MalformedResponseError:
            return sw(SW_WRONG_DATA)
        algorithm = fields[0x80].value[0] if 0x80 in fields and fields[0x80].value else 0
        reference = fields[0x84].value[0] if 0x84 in fields and fields[0x84].value else 0
        if command.p2 == layout.CRT_HT:
            if algorithm != layout.ALGO_SHA256:
                return sw(SW_WRONG_DATA)
            self._env[command.p2] = (0, algorithm)
            return sw(layout.SW_OK)
        key = self._keys.get(reference)
        if command.p2 == layout.CRT_DST:
            if key is None or not key.may_sign:
                return sw(layout.SW_REFERENCE_NOT_FOUND)
            if algorithm not in (layout.ALGO_RSA_PKCS_SHA256, 0):
                return sw(SW_WRONG_DATA)
        elif command.p2 == layout.CRT_AT:
            if key is None or not key.may_authenticate:
                return sw(layout.SW_REFERENCE_NOT_FOUND)
        else:
            return sw(layout.SW_REFERENCE_NOT_FOUND)
        self._env[command.p2] = (reference, algorithm)
        self._hash = None
        return sw(layout.SW_OK)

    def _pso(self, command: Command) -> bytes:
        if (command.p1, command.p2) == layout.PSO_HASH_P1P2:
            return self._pso_hash(command)
        if (command.p1, command.p2) == layout.PSO_CDS_P1P2:
            return self._pso_cds(command)
        return sw(layout.SW_WRONG_P1P2)

    def _pso_hash(self, command: Command) -> bytes:
        """Finish SHA-256: 90 = intermediate hash (32) + bits hashed (8), or 90 empty
        when nothing was hashed yet, with 80 = the last bytes; or (project) 90 = the
        whole 32-byte digest computed by the host."""
        try:
            fields = tlv.by_tag(tlv.decode(command.data))
        except MalformedResponseError:
            return sw(SW_WRONG_DATA)
        state = fields.get(layout.TAG_HASH_STATE)
        last = fields.get(layout.TAG_HASH_LAST_BLOCK)
        if state is None or (last is not None and len(last.value) >= sha256.BLOCK):
            return sw(SW_WRONG_DATA)
        try:
            if last is None and len(state.value) == 32:
                self._hash = state.value
            elif last is not None and len(state.value) == 40:
                bits = int.from_bytes(state.value[32:], "big")
                self._hash = sha256.finish(state.value[:32], bits, last.value)
            elif last is not None and not state.value:
                self._hash = sha256.finish(sha256.INITIAL_STATE, 0, last.value)
            else:
                return sw(SW_WRONG_DATA)
        except ValueError:  # a state after a partial block
            return sw(SW_WRONG_DATA)
        return sw(layout.SW_OK)

    def _pso_cds(self, command: Command) -> bytes:
        if command.data:  # the signed data comes from PSO HASH, never from the command
            return sw(SW_WRONG_DATA)
        reference, _algorithm = self._env.get(layout.CRT_DST, (0, 0))
        key = self._keys.get(reference)
        if key is None:
            if not self._keys:
                return sw(layout.SW_REFERENCE_NOT_FOUND)
            return sw(layout.SW_CONDITIONS_NOT_SATISFIED)
        if not self.pin_verified:
            return sw(layout.SW_SECURITY_NOT_SATISFIED)
        if self._hash is None:
            return sw(layout.SW_CONDITIONS_NOT_SATISFIED)
        digest, self._hash = self._hash, None
        signature = key.key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        return self._answer(command, signature)

    def _internal_authenticate(self, command: Command) -> bytes:
        if (command.p1, command.p2) != (0x00, 0x00):
            return sw(layout.SW_INCORRECT_P1P2)
        reference, _algorithm = self._env.get(layout.CRT_AT, (0, 0))
        key = self._keys.get(reference)
        if key is None:
            return sw(layout.SW_CONDITIONS_NOT_SATISFIED)
        if not self.pin_verified:
            return sw(layout.SW_SECURITY_NOT_SATISFIED)
        signature = _raw_pkcs1_sign(key.key, command.data)
        if signature is None:
            return sw(layout.SW_WRONG_LENGTH)
        return self._answer(command, signature)
