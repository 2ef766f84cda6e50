"""Host side of card I/O: APDU and TLV codecs, the PC/SC backend, the reader monitor,
the carte Vitale reader and the CPx session. No Qt, no storage, no network.

``PcscBackend`` and ``PcscConnection`` are loaded on first use, so that importing the codecs
(as the testbed does) does not load pyscard.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cardio.apdu import CommandApdu, check, exchange, read_file, transmit
from cardio.connection import CardConnection, Interaction, ReaderBackend, ReaderState
from cardio.cps import CpsCard, CpsIdentity, CpsSession, Situation
from cardio.errors import (
    ApduError,
    ApplicationNotFoundError,
    CardCommunicationError,
    CardError,
    CardFileNotFoundError,
    CardOperationCancelled,
    CardRemovedError,
    MalformedResponseError,
    NoCardError,
    NotAllowedError,
    PinBlockedError,
    PinError,
    PinFormatError,
    ReaderUnavailableError,
    SecurityStatusError,
    UnknownCardError,
)
from cardio.monitor import EventKind, ReaderEvent, ReaderMonitor, ReaderSnapshot
from cardio.probe import CardKind, CardsFound, card_identity, classify_atr, find_cards, identify
from cardio.thread import CardThread
from cardio.vitale import (
    AmcContract,
    AmcGestion,
    AmcService,
    Assure,
    Beneficiary,
    Coverage,
    Period,
    Rights,
    RightsAt,
    VitaleCard,
    VitaleReader,
    nir_key,
)

if TYPE_CHECKING:
    from cardio.pcsc import PcscBackend, PcscConnection


def __getattr__(name: str) -> object:
    if name in ("PcscBackend", "PcscConnection"):
        from cardio import pcsc

        return getattr(pcsc, name)
    raise AttributeError(f"module 'cardio' has no attribute {name!r}")


__all__ = [
    "AmcContract",
    "AmcGestion",
    "AmcService",
    "ApduError",
    "ApplicationNotFoundError",
    "Assure",
    "Beneficiary",
    "CardCommunicationError",
    "CardConnection",
    "CardError",
    "CardFileNotFoundError",
    "CardKind",
    "CardOperationCancelled",
    "CardRemovedError",
    "CardThread",
    "CardsFound",
    "CommandApdu",
    "Coverage",
    "CpsCard",
    "CpsIdentity",
    "CpsSession",
    "EventKind",
    "Interaction",
    "MalformedResponseError",
    "NoCardError",
    "NotAllowedError",
    "PcscBackend",
    "PcscConnection",
    "Period",
    "PinBlockedError",
    "PinError",
    "PinFormatError",
    "ReaderBackend",
    "ReaderEvent",
    "ReaderMonitor",
    "ReaderSnapshot",
    "ReaderState",
    "ReaderUnavailableError",
    "Rights",
    "RightsAt",
    "SecurityStatusError",
    "Situation",
    "UnknownCardError",
    "VitaleCard",
    "VitaleReader",
    "card_identity",
    "check",
    "classify_atr",
    "exchange",
    "find_cards",
    "identify",
    "nir_key",
    "read_file",
    "transmit",
]
