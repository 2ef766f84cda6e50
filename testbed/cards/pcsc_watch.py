"""Waiting until pcscd reports a reader state, so that inserting a card is synchronous.

Used by the card server (when asked to wait), the CLI and the test fixtures. The testbed may
import pyscard; product code goes through ``cardio.pcsc`` instead.
"""

from __future__ import annotations

import logging
import time

from smartcard import scard

logger = logging.getLogger(__name__)

#: pcscd's reader names for the two vpcd ports, in order.
VPCD_READERS = ("Virtual PCD 00 00", "Virtual PCD 00 01")


class PcscWaitTimeout(TimeoutError):
    """pcscd did not report the expected state in time."""


def _context() -> int:
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        raise PcscWaitTimeout(f"pcscd unreachable: {scard.SCardGetErrorMessage(hresult)}")
    return int(context)


def list_readers() -> list[str]:
    """The readers pcscd lists now (empty when pcscd is not running)."""
    try:
        context = _context()
    except PcscWaitTimeout:
        return []
    try:
        hresult, readers = scard.SCardListReaders(context, [])
        return list(readers) if hresult == scard.SCARD_S_SUCCESS else []
    finally:
        scard.SCardReleaseContext(context)


def reader_state(reader: str) -> tuple[bool, bytes | None]:
    """(card present, ATR) of ``reader`` as pcscd reports it now."""
    context = _context()
    try:
        hresult, states = scard.SCardGetStatusChange(
            context, 0, [(reader, scard.SCARD_STATE_UNAWARE)]
        )
        if hresult not in (scard.SCARD_S_SUCCESS, scard.SCARD_E_TIMEOUT):
            raise PcscWaitTimeout(f"{reader}: {scard.SCardGetErrorMessage(hresult)}")
        _, event_state, atr = states[0]
        present = bool(event_state & scard.SCARD_STATE_PRESENT) and not (
            event_state & scard.SCARD_STATE_MUTE
        )
        return present, bytes(atr) if present and atr else None
    finally:
        scard.SCardReleaseContext(context)


def wait_for_readers(readers: tuple[str, ...] = VPCD_READERS, timeout: float = 15.0) -> None:
    """Wait until pcscd lists every reader of ``readers``."""
    deadline = time.monotonic() + timeout
    while not set(readers) <= set(list_readers()):
        if time.monotonic() > deadline:
            raise PcscWaitTimeout(f"pcscd does not list {', '.join(readers)}")
        time.sleep(0.1)


def wait_for_state(reader: str, atr: bytes | None, timeout: float = 10.0) -> None:
    """Wait until ``reader`` holds a card with ``atr`` (or holds none when ``atr`` is None)."""
    deadline = time.monotonic() + timeout
    last: tuple[bool, bytes | None] = (False, None)
    while True:
        try:
            last = reader_state(reader)
        except PcscWaitTimeout:
            last = (False, None)
        present, current = last
        if (atr is None and not present) or (atr is not None and present and current == atr):
            return
        if time.monotonic() > deadline:
            want = "no card" if atr is None else f"ATR {atr.hex()}"
            raise PcscWaitTimeout(f"{reader}: waited {timeout}s for {want}, state {last}")
        time.sleep(0.05)
