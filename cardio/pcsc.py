"""The real PC/SC stack through pyscard's low-level ``scard`` API. The only module that
imports ``smartcard``.

Driver failures are mapped to ``cardio.errors`` here, always chained to a pyscard
``SmartcardException`` that carries the PC/SC return code. The context is re-established
once when pcscd says it does not know it any more: that is how a restarted pcscd (or a
stale context after the last reader left) is survived.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from smartcard import scard
from smartcard.Exceptions import SmartcardException

from cardio.connection import CardConnection, ReaderState
from cardio.errors import (
    CardCommunicationError,
    CardRemovedError,
    NoCardError,
    ReaderUnavailableError,
)
from cardio.thread import CardThread

logger = logging.getLogger(__name__)

T = TypeVar("T")

_OK = scard.SCARD_S_SUCCESS
_transmit = scard.SCardTransmit  # bound once, like the bare loop of the benchmark
#: The service or our context is gone (pcscd stopped or restarted): a fresh context may help.
_SERVICE_GONE = frozenset(
    {
        scard.SCARD_E_NO_SERVICE,
        scard.SCARD_E_SERVICE_STOPPED,
        scard.SCARD_E_INVALID_HANDLE,
        scard.SCARD_F_COMM_ERROR,
        scard.SCARD_E_UNKNOWN_RES_MNG,
    }
)
#: The card left (or was reset by someone else): what was read is incomplete.
_CARD_GONE = frozenset(
    {
        scard.SCARD_W_REMOVED_CARD,
        scard.SCARD_W_RESET_CARD,
        scard.SCARD_E_NO_SMARTCARD,
        scard.SCARD_W_UNPOWERED_CARD,
    }
)
_READER_GONE = frozenset({scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_READER_UNAVAILABLE})


def _code(hresult: int) -> int:
    return int(hresult) & 0xFFFFFFFF


def _driver_error(hresult: int, what: str) -> SmartcardException:
    return SmartcardException(what, hresult=_code(hresult))


class PcscBackend:
    """Readers and cards through pcscd; implements ``cardio.connection.ReaderBackend``.

    :param thread: when given, every call asserts it runs on this card thread.
    """

    def __init__(self, *, thread: CardThread | None = None) -> None:
        self._context: int | None = None
        self._thread = thread

    # --- context -------------------------------------------------------------------
    def _establish(self) -> int:
        if self._context is None:
            hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if _code(hresult) != _OK:
                raise ReaderUnavailableError("the PC/SC service is not reachable") from (
                    _driver_error(hresult, "SCardEstablishContext")
                )
            self._context = int(context)
        return self._context

    def _drop_context(self) -> None:
        if self._context is not None:
            with contextlib.suppress(Exception):  # the service may already be gone
                scard.SCardReleaseContext(self._context)
            self._context = None

    def _call(self, op: Callable[[int], tuple[Any, ...]], what: str) -> tuple[Any, ...]:
        """Run ``op(context)``; on a dead service or context, retry once with a fresh one."""
        if self._thread is not None:
            self._thread.assert_on_card_thread()
        result = op(self._establish())
        if _code(result[0]) in _SERVICE_GONE | {scard.SCARD_E_NO_READERS_AVAILABLE}:
            logger.info("%s: PC/SC %08X, establishing a fresh context", what, _code(result[0]))
            self._drop_context()
            result = op(self._establish())
        if _code(result[0]) in _SERVICE_GONE:
            self._drop_context()
            raise ReaderUnavailableError("the PC/SC service stopped answering") from (
                _driver_error(result[0], what)
            )
        return result

    def close(self) -> None:
        """Release the PC/SC context. Connections opened from it become unusable."""
        self._drop_context()

    # --- ReaderBackend ---------------------------------------------------------------
    def list_readers(self) -> list[str]:
        """The reader names; empty when pcscd runs but no reader is attached.

        :raises ReaderUnavailableError: pcscd is not reachable.
        """
        hresult, readers = self._call(lambda c: scard.SCardListReaders(c, []), "SCardListReaders")
        code = _code(hresult)
        if code == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if code != _OK:
            raise ReaderUnavailableError("cannot list the readers") from _driver_error(
                hresult, "SCardListReaders"
            )
        return [str(r) for r in readers]

    def states(self) -> tuple[ReaderState, ...]:
        """Presence, ATR and event counter of every reader, without connecting to a card."""
        for _attempt in range(2):
            readers = self.list_readers()
            if not readers:
                return ()
            query = [(name, scard.SCARD_STATE_UNAWARE) for name in readers]
            hresult, answers = self._call(
                lambda c, q=query: scard.SCardGetStatusChange(c, 0, q),  # type: ignore[misc]
                "SCardGetStatusChange",
            )
            code = _code(hresult)
            if code in _READER_GONE:  # a reader left between the list and the query
                continue
            if code != _OK:
                raise ReaderUnavailableError("cannot query the readers") from _driver_error(
                    hresult, "SCardGetStatusChange"
                )
            return tuple(_reader_state(str(n), int(e), bytes(a)) for n, e, a in answers)
        raise ReaderUnavailableError("the readers keep changing")

    def connect(self, reader: str) -> PcscConnection:
        """Connect to the card in ``reader`` (shared mode, T=0 or T=1).

        :raises NoCardError: the reader is empty.
        :raises ReaderUnavailableError: no such reader, or pcscd is not reachable.
        :raises CardCommunicationError: the card does not answer.
        """
        hresult, handle, protocol = self._call(
            lambda c: scard.SCardConnect(
                c,
                reader,
                scard.SCARD_SHARE_SHARED,
                scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
            ),
            "SCardConnect",
        )
        code = _code(hresult)
        if code != _OK:
            cause = _driver_error(hresult, f"SCardConnect({reader})")
            if code in _CARD_GONE:
                raise NoCardError(f"no card in {reader}") from cause
            if code in _READER_GONE:
                raise ReaderUnavailableError(f"no reader named {reader}") from cause
            raise CardCommunicationError(f"cannot connect to the card in {reader}") from cause
        # No SCardStatus here: the ATR is asked for when read (``PcscConnection.atr``), a
        # round trip to pcscd that a Vitale read, connected per read at the desk, never uses.
        logger.debug("connected to %s (T=%d)", reader, 0 if protocol == 1 else 1)
        return PcscConnection(self, int(handle), int(protocol), reader)

    def _assert_thread(self) -> None:
        if self._thread is not None:
            self._thread.assert_on_card_thread()


def _reader_state(name: str, event_state: int, atr: bytes) -> ReaderState:
    present = bool(event_state & scard.SCARD_STATE_PRESENT)
    return ReaderState(
        name=name,
        card_present=present,
        atr=atr if present and atr else None,
        # pcsc-lite keeps the reader's card event counter in the high word.
        event_count=(event_state >> 16) & 0xFFFF,
    )


class PcscConnection(CardConnection):
    """A card opened through pcscd in shared mode."""

    def __init__(self, backend: PcscBackend, handle: int, protocol: int, reader: str) -> None:
        self._backend = backend
        self._handle: int | None = handle
        self._protocol = protocol
        self._reader = reader
        self._atr: bytes | None = None

    @property
    def atr(self) -> bytes:
        """The card's ATR (``SCardStatus`` the first time it is read).

        :raises CardRemovedError: the card left the reader.
        :raises CardCommunicationError: pcscd gives no status for the card.
        """
        if self._atr is None:
            hresult, _name, _state, _proto, atr = scard.SCardStatus(self._live_handle())
            code = _code(hresult)
            if code != _OK:
                cause = _driver_error(hresult, "SCardStatus")
                if code in _CARD_GONE:
                    raise CardRemovedError(f"the card left {self._reader}") from cause
                raise CardCommunicationError(f"no status for the card in {self._reader}") from cause
            self._atr = bytes(atr)
        return self._atr

    @property
    def reader(self) -> str:
        return self._reader

    def _live_handle(self) -> int:
        if self._handle is None:
            raise CardCommunicationError("the connection to the card is closed")
        self._backend._assert_thread()
        return self._handle

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        handle = self._handle  # ``_live_handle`` inline: this runs for every APDU
        if handle is None or self._backend._thread is not None:
            handle = self._live_handle()
        hresult, response = _transmit(handle, self._protocol, list(apdu))
        if hresult and _code(hresult) != _OK:  # 0 is success: no masking on the way
            code = _code(hresult)
            cause = _driver_error(hresult, "SCardTransmit")
            if code in _CARD_GONE:
                raise CardRemovedError(f"the card left {self._reader}") from cause
            raise CardCommunicationError(f"exchange with {self._reader} failed") from cause
        if len(response) <= 2:  # a status word alone: half the answers of a read
            if len(response) < 2:
                raise CardCommunicationError(f"{self._reader}: answer without a status word")
            return b"", response[0] << 8 | response[1]
        # pyscard answers a list of ints: bytearray() converts a 256-byte answer 3-4× faster
        # than bytes() (which takes a slow path for long lists), and the SW is cut off in place.
        data = bytearray(response)
        sw = data[-2] << 8 | data[-1]
        del data[-2:]
        return bytes(data), sw

    def transaction(self) -> _Transaction:
        """One PC/SC transaction on this card (a class, not a generator: a read takes one)."""
        return _Transaction(self)

    def close(self) -> None:
        if self._handle is not None:
            handle, self._handle = self._handle, None
            hresult = scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)
            if _code(hresult) != _OK:
                logger.debug("SCardDisconnect(%s): %08X", self._reader, _code(hresult))


class _Transaction:
    """``SCardBeginTransaction`` on entry, ``SCardEndTransaction`` on exit."""

    __slots__ = ("_connection", "_handle")

    def __init__(self, connection: PcscConnection) -> None:
        self._connection = connection
        self._handle = 0

    def __enter__(self) -> None:
        connection = self._connection
        handle = connection._live_handle()
        hresult = scard.SCardBeginTransaction(handle)
        code = _code(hresult)
        if code != _OK:
            cause = _driver_error(hresult, "SCardBeginTransaction")
            if code in _CARD_GONE:
                raise CardRemovedError(f"the card left {connection.reader}") from cause
            raise CardCommunicationError(
                f"cannot reserve the card in {connection.reader}"
            ) from cause
        self._handle = handle

    def __exit__(self, *exc: object) -> None:
        # Ending may fail when the card left: the error that matters is already raised.
        scard.SCardEndTransaction(self._handle, scard.SCARD_LEAVE_CARD)
