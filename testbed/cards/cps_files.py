"""What the emulated CPx card holds: the PIN block, its identity and situations files (the
project's billing files), the file tree node (FCP) and the key security data objects
(DOCP). :mod:`testbed.cards.cps` answers the APDUs over them."""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import rsa

from cardio import layout, tlv
from testbed.cards.profiles import CpsProfile, Situation


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


@dataclass(eq=False)
class Node:
    """A file of the card: a DF (``children``) or a transparent EF (``content``)."""

    fid: bytes
    content: bytes | None = None
    aid: bytes | None = None
    sfi: int | None = None
    parent: Node | None = None
    children: dict[bytes, Node] = field(default_factory=dict)

    @property
    def is_df(self) -> bool:
        return self.content is None

    def add(self, node: Node) -> Node:
        node.parent = self
        self.children[node.fid] = node
        return node

    def fcp(self) -> bytes:
        """The FCP template (62) OpenSC's iasecc_process_fci parses: size, type, id,
        name, SFI, access rules (A1 { 8C }) and life cycle (activated)."""
        if self.is_df:
            value = tlv.encode(0x82, b"\x38") + tlv.encode(0x83, self.fid)
            if self.aid:
                value += tlv.encode(0x84, self.aid)
            acl = bytes.fromhex("7F FF FF FF FF FF FF FF")  # no administration
        else:
            size = len(self.content or b"")
            value = tlv.encode(0x80, size.to_bytes(2, "big")) + tlv.encode(0x82, b"\x01")
            value += tlv.encode(0x83, self.fid)
            if self.sfi is not None:
                value += tlv.encode(0x88, bytes([self.sfi << 3]))
            acl = bytes.fromhex("03 FF 00")  # update: never, read: always
        value += tlv.encode(layout.DOCP_ACLS, tlv.encode(layout.DOCP_ACLS_CONTACT, acl))
        return tlv.encode(0x62, value + tlv.encode(0x8A, b"\x05"))


@dataclass(frozen=True, slots=True)
class CardKey:
    """A private key of the card as an RSA SDO, with what it may do."""

    reference: int
    key: rsa.RSAPrivateKey
    may_sign: bool  # PSO COMPUTE DIGITAL SIGNATURE (DST)
    may_authenticate: bool  # INTERNAL AUTHENTICATE (AT)

    def docp(self) -> bytes:
        """DOCP of the SDO: size in bytes, access rules (SCB 12: user authentication, SE 2)."""
        scbs = bytes(
            [0x12 if self.may_sign else 0xFF, 0x12 if self.may_authenticate else 0xFF]
        ) + bytes.fromhex("FF FF FF 00")
        acl = tlv.encode(layout.DOCP_ACLS_CONTACT, b"\x7b" + scbs)
        size = (self.key.key_size // 8).to_bytes(2, "big")
        return tlv.encode(layout.DOCP_SIZE, size) + tlv.encode(layout.DOCP_ACLS, acl)
