"""The carte Vitale 2: what it holds (assuré, bénéficiaires, rights) and how it is read
and asked to certify a digest. Layout: ``cardio.layout`` and ``docs/cards/README.md``.
The values are in :mod:`cardio.vitale_values` and the decoding of the files in
:mod:`cardio.vitale_parse`; both are re-exported here."""

from __future__ import annotations

import logging

from cardio import apdu, layout, tlv
from cardio.connection import CardConnection
from cardio.errors import (
    ApplicationNotFoundError,
    CardFileNotFoundError,
    MalformedResponseError,
)
from cardio.vitale_parse import (
    parse_card,
    parse_date,
    parse_identities,
    parse_public,
)
from cardio.vitale_values import (
    AmcContract,
    AmcGestion,
    AmcService,
    Assure,
    Beneficiary,
    Coverage,
    Period,
    PublicBeneficiary,
    Rights,
    RightsAt,
    VitaleCard,
    nir_key,
)

logger = logging.getLogger(__name__)

__all__ = [
    "AmcContract",
    "AmcGestion",
    "AmcService",
    "Assure",
    "Beneficiary",
    "Coverage",
    "Period",
    "PublicBeneficiary",
    "Rights",
    "RightsAt",
    "VitaleCard",
    "VitaleReader",
    "nir_key",
    "parse_card",
    "parse_date",
    "parse_identities",
    "parse_public",
]


# --- the card -----------------------------------------------------------------------

_SELECT_MF = apdu.CommandApdu(0x00, layout.INS_SELECT, 0x00, 0x00, layout.VITALE_MF)


class VitaleReader:
    """Reads a carte Vitale 2 and asks it to certify digests (billing's VitaleCertifier).

    Use on the card thread, with the connection of the reader holding the Vitale.
    """

    def __init__(self, connection: CardConnection) -> None:
        self._connection = connection
        self._serial: bytes | None = None

    def _select_mf(self) -> None:
        try:
            apdu.exchange(self._connection, _SELECT_MF)
        except CardFileNotFoundError as exc:
            raise ApplicationNotFoundError("no Vitale MF on this card") from exc

    def _select_vitale(self) -> None:
        try:
            apdu.exchange(self._connection, apdu.select_aid(layout.VITALE_AID))
        except CardFileNotFoundError as exc:
            raise ApplicationNotFoundError("no VITALE application on this card") from exc

    def read(self, *, rights: bool = True) -> VitaleCard:
        """The whole card, or an error: never a partial card. ``rights=False`` leaves the
        rights file (the largest) unread: who is on the card, for a check before
        certifying, every bénéficiaire then without rights.

        :raises ApplicationNotFoundError: not a carte Vitale.
        :raises CardRemovedError: the card left mid-read (nothing read is returned).
        :raises MalformedResponseError: the files are damaged or disagree.
        """
        with self._connection.transaction():
            self._select_mf()
            identity_file = apdu.read_file(self._connection, sfi=layout.VITALE_SFI_IDENTITY)
            self._select_vitale()
            card_file = apdu.read_file(self._connection, sfi=layout.VITALE_SFI_CARD)
            nir_file = apdu.read_file(self._connection, sfi=layout.VITALE_SFI_NIR)
            rights_file = (
                apdu.read_file(self._connection, sfi=layout.VITALE_SFI_RIGHTS) if rights else b""
            )
        card = parse_card(identity_file, card_file, nir_file, rights_file)
        self._serial = card.serial
        if logger.isEnabledFor(logging.INFO):  # the serial's hex made only when logged
            logger.info(
                "carte Vitale read: %d bénéficiaire(s), serial %s",
                len(card.beneficiaries),
                card.serial.hex(),
            )
        return card

    def read_public(self) -> tuple[PublicBeneficiary, ...]:
        """Only the public zone, the APDUs every Vitale 2 answers (Rufus): SELECT MF,
        READ SFI 2 (identities), SELECT VITALE, READ SFI 2 (NIRs). What a real card gives
        when the rest (card, rights) is not readable by this program.

        :raises ApplicationNotFoundError: not a carte Vitale.
        :raises MalformedResponseError: the public zone itself is damaged.
        """
        with self._connection.transaction():
            self._select_mf()
            identity_file = apdu.read_file(self._connection, sfi=layout.VITALE_SFI_IDENTITY)
            self._select_vitale()
            nir_file = apdu.read_file(self._connection, sfi=layout.VITALE_SFI_NIR)
        return parse_public(identity_file, nir_file)

    def read_names(self) -> tuple[PublicBeneficiary, ...]:
        """The identity file of the public zone alone (NIRs left empty): for a card whose
        NIR file is damaged (``read_public`` fails).

        :raises MalformedResponseError: the identity file itself is damaged.
        """
        with self._connection.transaction():
            self._select_mf()
            identity_file = apdu.read_file(self._connection, sfi=layout.VITALE_SFI_IDENTITY)
        return parse_identities(identity_file)

    @property
    def serial(self) -> bytes:
        """The card serial (8 bytes) that diversifies its certifying key."""
        if self._serial is None:
            with self._connection.transaction():
                self._select_vitale()
                elements = tlv.decode(apdu.read_file(self._connection, sfi=layout.VITALE_SFI_CARD))
            card = tlv.find(elements, layout.TAG_CARD)
            serial = tlv.find(card.children(), layout.TAG_CARD_SERIAL) if card else None
            if serial is None or len(serial.value) != 8:
                raise MalformedResponseError("card file: serial missing or not 8 bytes")
            self._serial = serial.value
        return self._serial

    def certify(self, digest32: bytes) -> bytes:
        """The card's 8-byte certification of a 32-byte digest (INTERNAL AUTHENTICATE).

        :raises ValueError: the digest is not 32 bytes.
        :raises MalformedResponseError: the card did not answer 8 bytes.
        """
        if len(digest32) != 32:
            raise ValueError("the digest to certify is 32 bytes (SHA-256)")
        command = apdu.CommandApdu(
            0x00, layout.INS_INTERNAL_AUTHENTICATE, 0x00, layout.VITALE_SIG_AMO, digest32
        )
        with self._connection.transaction():
            self._select_vitale()
            answer = apdu.exchange(self._connection, command)
        if len(answer) != layout.VITALE_CERTIFICATION_LENGTH:
            raise MalformedResponseError(
                f"certification is {len(answer)} bytes, not {layout.VITALE_CERTIFICATION_LENGTH}"
            )
        return answer
