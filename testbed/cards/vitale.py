"""The emulated carte Vitale 2 (T=0), per docs/cards/README.md and ``cardio.layout``."""

from __future__ import annotations

import hashlib
import logging

from cardio import layout, tlv
from testbed.cards.base import SW_WRONG_P1P2_INCORRECT, Command, EmulatedCard, sw
from testbed.cards.profiles import Beneficiaire, VitaleProfile
from testbed.vitale_keys import card_key, certify_with_card_key

logger = logging.getLogger(__name__)

_MF = "MF"
_VITALE = "VITALE"
#: Files are allocated in blocks of this size and padded with FF.
_ALLOCATION_UNIT = 64


def _pad(content: bytes) -> bytes:
    size = -(-len(content) // _ALLOCATION_UNIT) * _ALLOCATION_UNIT
    return content + b"\xff" * (size - len(content))


def identity_file(profile: VitaleProfile) -> bytes:
    """EF SFI 2 under the MF: one template 65 {80 nom, 81 prénom, 82 naissance,
    90 nationalité} each."""
    return b"".join(
        tlv.encode(
            layout.TAG_BENEFICIAIRE,
            tlv.encode(layout.TAG_NOM, b.nom)
            + tlv.encode(layout.TAG_PRENOM, b.prenom)
            + tlv.encode(layout.TAG_NAISSANCE, b.naissance)
            + tlv.encode(layout.TAG_NATIONALITE, b.nationalite),
        )
        for b in profile.beneficiaires
    )


def pointers_file() -> bytes:
    """EF POINTERS (2001 under VITALE), as cardpeek's vitale_2.lua parses it: the two
    applications (82: entry, 2 bytes the project leaves 00, AID) and one 80 per file
    (8-character name, entry, EF id)."""
    apps = tlv.encode(0x82, layout.VITALE_ENTRY_MF + b"\x00\x00" + layout.VITALE_MF_AID)
    apps += tlv.encode(0x82, layout.VITALE_ENTRY_VITALE + b"\x00\x00" + layout.VITALE_AID)
    names = {2: "IDENTITE", 1: "CARTE", 3: "DROITS"}
    files = b""
    for (df, sfi), fid in layout.VITALE_FILE_IDS.items():
        entry = layout.VITALE_ENTRY_MF if df == _MF else layout.VITALE_ENTRY_VITALE
        name = "NIR" if (df, sfi) == (_VITALE, layout.VITALE_SFI_NIR) else names[sfi]
        files += tlv.encode(0x80, name.ljust(8).encode("ascii") + entry + fid.to_bytes(2, "big"))
    return tlv.encode(0xE0, tlv.encode(0xA0, apps) + files)


def dir_file() -> bytes:
    """EF DIR (2F00 in MF_VITALE): the application templates of the card (ISO 7816-4)."""
    return b"".join(
        tlv.encode(0x61, tlv.encode(0x4F, aid) + tlv.encode(0x50, label))
        for aid, label in ((layout.VITALE_MF_AID, "MF_VITALE"), (layout.VITALE_AID, "VITALE"))
    )


def pan_file(profile: VitaleProfile) -> bytes:
    """EF PAN (2F02 in MF_VITALE): the card number (5A), here the serial — project."""
    return tlv.encode(0x5A, profile.serial)


def card_file(profile: VitaleProfile) -> bytes:
    """EF SFI 1 under VITALE: templates 66 (card) and 67 (assuré and organism)."""
    a = profile.assure
    return tlv.encode(
        layout.TAG_CARD,
        tlv.encode(layout.TAG_CARD_VALID_FROM, profile.valid_from)
        + tlv.encode(layout.TAG_CARD_VALID_TO, profile.valid_to)
        + tlv.encode(layout.TAG_CARD_SERIAL, profile.serial)
        + tlv.encode(layout.TAG_CARD_TYPE, "3"),
    ) + tlv.encode(
        layout.TAG_ASSURE,
        tlv.encode(layout.TAG_ASSURE_NIR, a.nir[:13])
        + tlv.encode(layout.TAG_ASSURE_NIR_KEY, a.nir[13:])
        + tlv.encode(layout.TAG_REGIME, a.regime)
        + tlv.encode(layout.TAG_CAISSE, a.caisse)
        + tlv.encode(layout.TAG_CENTRE, a.centre)
        + tlv.encode(layout.TAG_CODE_GESTION, a.code_gestion),
    )


def _nir_entry(b: Beneficiaire) -> bytes:
    value = (
        tlv.encode(layout.TAG_NIR, b.nir)
        + tlv.encode(layout.TAG_RANG, b.rang)
        + tlv.encode(layout.TAG_QUALITE, b.qualite)
    )
    if b.nom_usage:
        value += tlv.encode(layout.TAG_NOM_USAGE, b.nom_usage)
    return tlv.encode(layout.TAG_BENEFICIAIRE, value)


def nir_file(profile: VitaleProfile) -> bytes:
    """EF SFI 2 under VITALE: templates 65 {93 NIR+key, 84 rang, 85 qualité, 86 nom d'usage}."""
    return b"".join(_nir_entry(b) for b in profile.beneficiaires)


def _rights_entry(b: Beneficiaire) -> bytes:
    value = b"".join(
        tlv.encode(
            layout.TAG_AMO_PERIOD,
            tlv.encode(layout.TAG_PERIOD_START, p.start) + tlv.encode(layout.TAG_PERIOD_END, p.end),
        )
        for p in b.amo
    )
    value += b"".join(
        tlv.encode(
            layout.TAG_COVERAGE,
            tlv.encode(layout.TAG_PERIOD_START, c.start)
            + tlv.encode(layout.TAG_PERIOD_END, c.end)
            + tlv.encode(layout.TAG_COVERAGE_KIND, c.kind)
            + tlv.encode(layout.TAG_COVERAGE_CODE, c.code),
        )
        for c in b.coverages
    )
    if b.amc is not None:
        value += tlv.encode(
            layout.TAG_AMC,
            tlv.encode(layout.TAG_AMC_ORGANISM, b.amc.organism)
            + tlv.encode(layout.TAG_AMC_MEMBER, b.amc.member)
            + tlv.encode(layout.TAG_AMC_START, b.amc.start)
            + tlv.encode(layout.TAG_AMC_END, b.amc.end)
            + tlv.encode(layout.TAG_AMC_CONTRACT, b.amc.contract)
            + tlv.encode(layout.TAG_AMC_TIERS_PAYANT, "1" if b.amc.tiers_payant else "0")
            + tlv.encode(layout.TAG_AMC_GESTION, b.amc.gestion)
            + (
                tlv.encode(layout.TAG_AMC_TP_SERVICES, b.amc.tp_services)
                if b.amc.tp_services
                else b""
            ),
        )
    return tlv.encode(layout.TAG_RIGHTS, value)


def rights_file(profile: VitaleProfile) -> bytes:
    """EF SFI 3 under VITALE: one template 68 per bénéficiaire, same order."""
    return b"".join(_rights_entry(b) for b in profile.beneficiaires)


def _damaged(content: bytes, mode: str) -> bytes | None:
    """The file as a damaged card returns it; None for a file that answers 6F00."""
    if mode == "6F00":
        return None
    if mode == "truncated":
        # The first template announces more bytes than the file holds: cut inside it.
        return content[: max(3, len(content) // 3)]
    # "garbage": deterministic noise that still starts like a template 65.
    noise = hashlib.sha256(content).digest() * 8
    return bytes([layout.TAG_BENEFICIAIRE, 0x82, 0x7F]) + noise[: len(content)]


def fci(aid: bytes = layout.VITALE_AID) -> bytes:
    """The FCI returned by GET RESPONSE after SELECT VITALE or MF_VITALE (content: project)."""
    label = aid[5:].decode("ascii")
    return tlv.encode(0x6F, tlv.encode(0x84, aid) + tlv.encode(0xA5, tlv.encode(0x50, label)))


class VitaleCard(EmulatedCard):
    """A carte Vitale 2 built from a profile.

    T=0 behaviour: READ BINARY with a wrong Le gets ``6C XX``; SELECT VITALE and INTERNAL
    AUTHENTICATE answer ``61 XX`` and give their data to GET RESPONSE.
    """

    def __init__(self, profile: VitaleProfile, mother_key: bytes) -> None:
        super().__init__(profile.name)
        self.profile = profile
        self._k_card = card_key(mother_key, profile.serial)
        contents = {
            (_MF, layout.VITALE_SFI_IDENTITY): ("identity", identity_file(profile)),
            (_VITALE, layout.VITALE_SFI_CARD): ("card", card_file(profile)),
            (_VITALE, layout.VITALE_SFI_NIR): ("nir", nir_file(profile)),
            (_VITALE, layout.VITALE_SFI_RIGHTS): ("rights", rights_file(profile)),
        }
        self._files: dict[tuple[str, int], bytes | None] = {}
        for (df, sfi), (file_name, content) in contents.items():
            mode = profile.damage.get(file_name)
            fid = layout.VITALE_FILE_IDS[(df, sfi)]
            if mode == "absent":
                continue
            self._files[(df, fid)] = _pad(content) if mode is None else _damaged(content, mode)
        self._files[(_VITALE, layout.VITALE_EF_POINTERS)] = _pad(pointers_file())
        self._files[(_MF, layout.VITALE_EF_DIR)] = _pad(dir_file())
        self._files[(_MF, layout.VITALE_EF_PAN)] = _pad(pan_file(profile))
        self._df: str | None = None
        self._ef: tuple[str, int] | None = None
        self._pending: bytes | None = None

    @property
    def atr(self) -> bytes:
        return layout.VITALE_ATR

    @property
    def kind(self) -> str:
        return "vitale"

    def _reset(self) -> None:
        self._df = None
        self._ef = None
        self._pending = None

    def _handle(self, command: Command) -> bytes:
        pending, self._pending = self._pending, None
        if command.ins == layout.INS_GET_RESPONSE:
            return self._get_response(command, pending)
        if command.ins == layout.INS_SELECT:
            return self._select(command)
        if command.ins == layout.INS_READ_BINARY:
            return self._read_binary(command)
        if command.ins == layout.INS_INTERNAL_AUTHENTICATE:
            return self._internal_authenticate(command)
        return sw(layout.SW_INS_NOT_SUPPORTED)

    def _get_response(self, command: Command, pending: bytes | None) -> bytes:
        if pending is None:
            return sw(layout.SW_CONDITIONS_NOT_SATISFIED)
        if command.ne != len(pending):
            self._pending = pending  # still waiting for the right Le
            return bytes([0x6C, len(pending) & 0xFF])
        return pending + sw(layout.SW_OK)

    def _select(self, command: Command) -> bytes:
        if command.p1 == 0x00 and command.data == layout.VITALE_MF:
            self._df, self._ef = _MF, None
            return sw(layout.SW_OK)
        if command.p1 == 0x04 and command.data in (layout.VITALE_AID, layout.VITALE_MF_AID):
            self._df = _VITALE if command.data == layout.VITALE_AID else _MF
            self._ef = None
            if command.p2 == 0x0C:  # no FCI wanted
                return sw(layout.SW_OK)
            self._pending = fci(command.data)
            return bytes([0x61, len(self._pending)])
        if command.p1 in (0x00, 0x02) and len(command.data) == 2 and self._df is not None:
            key = (self._df, int.from_bytes(command.data, "big"))
            if key in self._files:
                self._ef = key
                return sw(layout.SW_OK)
        return sw(layout.SW_FILE_NOT_FOUND)

    def _read_binary(self, command: Command) -> bytes:
        if command.p1 & 0x80:
            sfi = command.p1 & 0x1F
            fid = layout.VITALE_FILE_IDS.get((self._df or "", sfi))
            if self._df is None or fid is None or (self._df, fid) not in self._files:
                return sw(layout.SW_FILE_NOT_FOUND)
            self._ef = (self._df, fid)
            offset = command.p2
        else:
            if self._ef is None:
                return sw(layout.SW_CONDITIONS_NOT_SATISFIED)
            offset = (command.p1 << 8) | command.p2
        content = self._files[self._ef]
        if content is None:
            return sw(layout.SW_NO_PRECISE_DIAGNOSIS)
        if offset >= len(content):
            return sw(layout.SW_WRONG_P1P2)
        available = min(256, len(content) - offset)
        if command.ne > available:
            return bytes([0x6C, available & 0xFF])
        return content[offset : offset + command.ne] + sw(layout.SW_OK)

    def _internal_authenticate(self, command: Command) -> bytes:
        if self._df != _VITALE:
            return sw(layout.SW_CONDITIONS_NOT_SATISFIED)
        if command.p2 not in (layout.VITALE_SIG_AMO, layout.VITALE_SIG_AMC) or command.p1:
            return sw(SW_WRONG_P1P2_INCORRECT)
        if len(command.data) != 32:
            return sw(layout.SW_WRONG_LENGTH)
        self._pending = certify_with_card_key(self._k_card, command.data)
        return bytes([0x61, len(self._pending)])
