"""pyscard gives back no reference to True, False or None it did not own (issue #27).

Python 3.11's singletons are reference-counted: a C extension that releases one it did not
take makes its count fall until the interpreter aborts (``Fatal Python error:
bool_dealloc``), at the latest at exit. Each ``smartcard.scard`` call that cardio and the
testbed make — the success paths and the error paths a desk meets (card pulled, reader
empty, unknown reader, timeout, cancelled wait, handle gone) — is repeated here through the
real pcscd and a vpcd card, and the counts must not fall (docs/upstream-faults.md).
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Iterator

import pytest
from smartcard import scard

from testbed.cards.pcsc_watch import VPCD_READERS
from testbed.cards.server import CardServer

pytestmark = pytest.mark.pcsc

CALLS = 300
R0, R1 = VPCD_READERS
SELECT_MF = [0x00, 0xA4, 0x00, 0x00, 0x02, 0x3F, 0x00]
SHARED = scard.SCARD_SHARE_SHARED
ANY_PROTOCOL = scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1


def _counts() -> tuple[int, int, int]:
    gc.collect()
    return sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)


def lost(call: Callable[[], object], calls: int = CALLS) -> tuple[int, int, int]:
    """References to (True, False, None) lost over ``calls`` calls (0: none lost)."""
    call()  # the first call may cache things
    before = _counts()
    for _ in range(calls):
        call()
    after = _counts()
    return tuple(max(0, b - a) for a, b in zip(after, before, strict=True))  # type: ignore[return-value]


@pytest.fixture
def context(card_server: CardServer) -> Iterator[int]:
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    assert hresult == scard.SCARD_S_SUCCESS
    yield context
    scard.SCardReleaseContext(context)


def _connect(context: int, reader: str, share: int = SHARED) -> int:
    hresult, handle, _protocol = scard.SCardConnect(context, reader, share, ANY_PROTOCOL)
    assert hresult == scard.SCARD_S_SUCCESS, scard.SCardGetErrorMessage(hresult)
    return handle


def test_card_present_calls_lose_no_singleton(card_server: CardServer, context: int) -> None:
    card_server.insert(0, "vitale-famille")  # reader 1 stays empty
    handle = _connect(context, R0)
    both = [(R0, scard.SCARD_STATE_UNAWARE), (R1, scard.SCARD_STATE_UNAWARE)]
    _, known = scard.SCardGetStatusChange(context, 0, both)
    unchanged = [(name, state & ~scard.SCARD_STATE_CHANGED) for name, state, _atr in known]

    def transaction() -> None:
        assert scard.SCardBeginTransaction(handle) == scard.SCARD_S_SUCCESS
        scard.SCardTransmit(handle, scard.SCARD_PCI_T1, SELECT_MF)
        scard.SCardEndTransaction(handle, scard.SCARD_LEAVE_CARD)

    def connect_each_share_mode() -> None:
        # exclusive while ``handle`` is open: the sharing-violation error path
        for reader, share, protocols in (
            (R0, scard.SCARD_SHARE_SHARED, ANY_PROTOCOL),
            (R0, scard.SCARD_SHARE_EXCLUSIVE, ANY_PROTOCOL),
            (R1, scard.SCARD_SHARE_DIRECT, 0),
        ):
            hresult, other, _ = scard.SCardConnect(context, reader, share, protocols)
            if hresult == scard.SCARD_S_SUCCESS:
                scard.SCardDisconnect(other, scard.SCARD_LEAVE_CARD)

    def context_round() -> None:
        _, other = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        scard.SCardIsValidContext(other)
        scard.SCardReleaseContext(other)

    paths: dict[str, Callable[[], object]] = {
        "SCardListReaders": lambda: scard.SCardListReaders(context, []),
        "SCardGetStatusChange, two readers, unaware": lambda: scard.SCardGetStatusChange(
            context, 0, both
        ),
        "SCardGetStatusChange, timeout": lambda: scard.SCardGetStatusChange(context, 1, unchanged),
        "SCardStatus": lambda: scard.SCardStatus(handle),
        "SCardTransmit": lambda: scard.SCardTransmit(handle, scard.SCARD_PCI_T1, SELECT_MF),
        "Begin/Transmit/EndTransaction": transaction,
        "SCardConnect, every share mode": connect_each_share_mode,
        "SCardConnect, empty reader": lambda: scard.SCardConnect(context, R1, SHARED, ANY_PROTOCOL),
        "SCardConnect, unknown reader": lambda: scard.SCardConnect(
            context, "Lecteur absent", SHARED, ANY_PROTOCOL
        ),
        "SCardGetAttrib": lambda: scard.SCardGetAttrib(handle, scard.SCARD_ATTR_ATR_STRING),
        "SCardGetErrorMessage": lambda: scard.SCardGetErrorMessage(scard.SCARD_E_TIMEOUT),
        "Establish/IsValid/ReleaseContext": context_round,
    }
    losses = {name: lost(call) for name, call in paths.items()}
    scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)
    assert {name: loss for name, loss in losses.items() if any(loss)} == {}


def test_cancelled_wait_loses_no_singleton(card_server: CardServer, context: int) -> None:
    """The monitor's blocking wait, cancelled from another thread (closing the application)."""
    states = [(R0, scard.SCARD_STATE_EMPTY), (R1, scard.SCARD_STATE_EMPTY)]
    _, known = scard.SCardGetStatusChange(context, 0, states)
    unchanged = [(name, state & ~scard.SCARD_STATE_CHANGED) for name, state, _atr in known]

    def cancelled_wait() -> None:
        canceller = threading.Timer(0.001, scard.SCardCancel, (context,))
        canceller.start()
        hresult, _ = scard.SCardGetStatusChange(context, 2000, unchanged)
        canceller.join()
        assert hresult in (scard.SCARD_E_CANCELLED, scard.SCARD_S_SUCCESS, scard.SCARD_E_TIMEOUT)

    assert lost(cancelled_wait, calls=60) == (0, 0, 0)


def test_card_pulled_calls_lose_no_singleton(card_server: CardServer, context: int) -> None:
    """A handle whose card was pulled: every call fails, as at a desk mid-read."""
    card_server.insert(0, "vitale-famille")
    handle = _connect(context, R0)
    card_server.remove(0)
    paths: dict[str, Callable[[], object]] = {
        "SCardStatus": lambda: scard.SCardStatus(handle),
        "SCardTransmit": lambda: scard.SCardTransmit(handle, scard.SCARD_PCI_T1, SELECT_MF),
        "SCardBeginTransaction": lambda: scard.SCardBeginTransaction(handle),
        "SCardConnect, reader emptied": lambda: scard.SCardConnect(
            context, R0, SHARED, ANY_PROTOCOL
        ),
    }
    losses = {name: lost(call) for name, call in paths.items()}
    scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)
    released = lost(lambda: scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD))
    losses["SCardDisconnect, handle gone"] = released
    assert {name: loss for name, loss in losses.items() if any(loss)} == {}
