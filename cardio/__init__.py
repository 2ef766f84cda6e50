"""Host side of card I/O: APDU and TLV codecs, the PC/SC backend, the reader monitor,
the carte Vitale reader and the CPx session. No Qt, no storage, no network.

Every name is loaded on first use, so that importing the codecs (as the testbed does) does
not load pyscard, and a command that needs an enum does not load the CPS and x509 code.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
    from cardio.pcsc import PcscBackend, PcscConnection
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

#: Where each name lives. Loaded on first use (PEP 562): ``client.labels`` and the listing
#: commands need an enum or an error class, not the CPS, Vitale and x509 code (issue #27).
_WHERE: dict[str, str] = {
    "CommandApdu": "cardio.apdu",
    "check": "cardio.apdu",
    "exchange": "cardio.apdu",
    "read_file": "cardio.apdu",
    "transmit": "cardio.apdu",
    "CardConnection": "cardio.connection",
    "Interaction": "cardio.connection",
    "ReaderBackend": "cardio.connection",
    "ReaderState": "cardio.connection",
    "CpsCard": "cardio.cps",
    "CpsIdentity": "cardio.cps",
    "CpsSession": "cardio.cps",
    "Situation": "cardio.cps",
    "ApduError": "cardio.errors",
    "ApplicationNotFoundError": "cardio.errors",
    "CardCommunicationError": "cardio.errors",
    "CardError": "cardio.errors",
    "CardFileNotFoundError": "cardio.errors",
    "CardOperationCancelled": "cardio.errors",
    "CardRemovedError": "cardio.errors",
    "MalformedResponseError": "cardio.errors",
    "NoCardError": "cardio.errors",
    "NotAllowedError": "cardio.errors",
    "PinBlockedError": "cardio.errors",
    "PinError": "cardio.errors",
    "PinFormatError": "cardio.errors",
    "ReaderUnavailableError": "cardio.errors",
    "SecurityStatusError": "cardio.errors",
    "UnknownCardError": "cardio.errors",
    "EventKind": "cardio.monitor",
    "ReaderEvent": "cardio.monitor",
    "ReaderMonitor": "cardio.monitor",
    "ReaderSnapshot": "cardio.monitor",
    "CardKind": "cardio.probe",
    "CardsFound": "cardio.probe",
    "card_identity": "cardio.probe",
    "classify_atr": "cardio.probe",
    "find_cards": "cardio.probe",
    "identify": "cardio.probe",
    "CardThread": "cardio.thread",
    "AmcContract": "cardio.vitale",
    "AmcGestion": "cardio.vitale",
    "AmcService": "cardio.vitale",
    "Assure": "cardio.vitale",
    "Beneficiary": "cardio.vitale",
    "Coverage": "cardio.vitale",
    "Period": "cardio.vitale",
    "Rights": "cardio.vitale",
    "RightsAt": "cardio.vitale",
    "VitaleCard": "cardio.vitale",
    "VitaleReader": "cardio.vitale",
    "nir_key": "cardio.vitale",
    "PcscBackend": "cardio.pcsc",
    "PcscConnection": "cardio.pcsc",
}


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'cardio' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
