"""Which reader holds which card. A bi-fente reader may hold the Vitale and the CPS in
either slot, so the ATR gives a first guess and a SELECT confirms it."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from cardio import apdu, layout, tlv
from cardio.connection import CardConnection, ReaderBackend
from cardio.errors import ApduError, CardError, ReaderUnavailableError

logger = logging.getLogger(__name__)


class CardKind(enum.Enum):
    """The card families this client knows."""

    VITALE = "vitale"
    CPS = "cps"
    UNKNOWN = "inconnue"


def classify_atr(atr: bytes | None) -> CardKind:
    """First guess from the ATR alone (Vitale 2 prefix; CPx ATR under OpenSC's mask)."""
    if not atr:
        return CardKind.UNKNOWN
    if atr.startswith(layout.VITALE_ATR_PREFIX):
        return CardKind.VITALE
    if len(atr) == len(layout.CPS_ATR) and all(
        (a & m) == (b & m) for a, b, m in zip(atr, layout.CPS_ATR, layout.CPS_ATR_MASK, strict=True)
    ):
        return CardKind.CPS
    return CardKind.UNKNOWN


def _selects(connection: CardConnection, *commands: apdu.CommandApdu) -> bool:
    try:
        for command in commands:
            apdu.exchange(connection, command)
    except ApduError:
        return False
    return True


def is_vitale(connection: CardConnection) -> bool:
    """True when the card has the MF and the VITALE application (a CPS has neither)."""
    return _selects(
        connection,
        apdu.CommandApdu(0x00, layout.INS_SELECT, 0x00, 0x00, layout.VITALE_MF),
        apdu.select_aid(layout.VITALE_AID),
    )


def is_cps(connection: CardConnection) -> bool:
    """True when the card has the CPx IAS application."""
    return _selects(connection, apdu.select_aid(layout.CPS_AID, fci=False))


def identify(connection: CardConnection) -> CardKind:
    """The card's family, confirmed by SELECT; the ATR decides which is tried first."""
    guess = classify_atr(connection.atr)
    order = (
        (CardKind.CPS, CardKind.VITALE)
        if guess is CardKind.CPS
        else (CardKind.VITALE, CardKind.CPS)
    )
    for kind in order:
        if (is_vitale if kind is CardKind.VITALE else is_cps)(connection):
            return kind
    return CardKind.UNKNOWN


def card_identity(connection: CardConnection) -> str | None:
    """A stable identity for the card (family and serial), or None for an unknown card.

    Two Vitale cards share one ATR; the serial tells them apart. Used by the monitor to
    tell a swap from a re-insertion of the same card.
    """
    kind = identify(connection)
    if kind is CardKind.VITALE:
        card = tlv.find(
            tlv.decode(apdu.read_file(connection, sfi=layout.VITALE_SFI_CARD)), layout.TAG_CARD
        )
        serial = tlv.find(card.children(), layout.TAG_CARD_SERIAL) if card else None
        return f"vitale:{serial.value.hex()}" if serial else "vitale:?"
    if kind is CardKind.CPS:
        apdu.exchange(
            connection,
            apdu.CommandApdu(0x00, layout.INS_SELECT, 0x02, 0x0C, layout.CPS_FILE_IDENTITY),
        )
        holder = tlv.find(tlv.decode(apdu.read_file(connection)), layout.TAG_CPS_HOLDER)
        serial = tlv.find(holder.children(), layout.TAG_CPS_SERIAL) if holder else None
        return f"cps:{serial.text()}" if serial else "cps:?"
    return None


@dataclass(frozen=True, slots=True)
class CardsFound:
    """Where the cards are: reader names, None when that card is not inserted."""

    vitale_reader: str | None
    cps_reader: str | None
    #: readers holding a card that is neither (reader name, ATR).
    others: tuple[tuple[str, bytes], ...] = ()


def find_cards(backend: ReaderBackend) -> CardsFound:
    """Look in every reader for the carte Vitale and the CPx card.

    :raises ReaderUnavailableError: pcscd is not reachable or no reader is attached.
    """
    states = backend.states()
    if not states:
        raise ReaderUnavailableError("no card reader is attached")
    vitale: str | None = None
    cps: str | None = None
    others: list[tuple[str, bytes]] = []
    for state in states:
        if not state.card_present:
            continue
        try:
            with backend.connect(state.name) as connection, connection.transaction():
                kind = identify(connection)
        except ReaderUnavailableError:
            raise
        except CardError as exc:  # a mute or removed card is "another" card, not a failure
            logger.info("%s: card not identified (%s)", state.name, type(exc).__name__)
            kind = CardKind.UNKNOWN
        if kind is CardKind.VITALE and vitale is None:
            vitale = state.name
        elif kind is CardKind.CPS and cps is None:
            cps = state.name
        else:
            others.append((state.name, state.atr or b""))
    return CardsFound(vitale, cps, tuple(others))
