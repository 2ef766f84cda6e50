"""What every emulated card shares: APDU parsing, power state, status words."""

from __future__ import annotations

import abc
import logging
import threading
from dataclasses import dataclass

from cardio import layout

logger = logging.getLogger(__name__)

SW_WRONG_DATA = 0x6A80
SW_WRONG_P1P2_INCORRECT = 0x6A86


@dataclass(frozen=True, slots=True)
class Command:
    """One short command APDU, split into its fields (``le`` None when absent; 0 means 256)."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes
    le: int | None

    @classmethod
    def parse(cls, apdu: bytes) -> Command:
        """Parse cases 1 to 4 of a short APDU; raises ValueError when malformed."""
        if len(apdu) < 4:
            raise ValueError("APDU shorter than 4 bytes")
        cla, ins, p1, p2 = apdu[:4]
        body = apdu[4:]
        if not body:
            return cls(cla, ins, p1, p2, b"", None)
        if len(body) == 1:
            return cls(cla, ins, p1, p2, b"", body[0])
        lc = body[0]
        if lc == 0 or len(body) not in (1 + lc, 2 + lc):
            raise ValueError("Lc does not match the APDU length")
        data = body[1 : 1 + lc]
        le = body[1 + lc] if len(body) == 2 + lc else None
        return cls(cla, ins, p1, p2, data, le)

    @property
    def ne(self) -> int:
        """The number of bytes expected (Le 00 means 256)."""
        return 256 if not self.le else self.le


def sw(word: int) -> bytes:
    return word.to_bytes(2, "big")


class EmulatedCard(abc.ABC):
    """An emulated smart card: ``process`` takes a command APDU and returns data + SW.

    Thread-safe: the vpcd link and an in-process connection may drive it from any thread.
    The power state is kept here; subclasses forget their session state in ``_reset``.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.RLock()
        self.powered = False

    @property
    @abc.abstractmethod
    def atr(self) -> bytes:
        """The answer to reset."""

    @property
    @abc.abstractmethod
    def kind(self) -> str:
        """ "vitale" or "cps"."""

    def power_on(self) -> bytes:
        """Power the card up (a fresh session) and return its ATR."""
        with self._lock:
            self._reset()
            self.powered = True
            return self.atr

    def reset(self) -> bytes:
        """Warm reset: the session state is forgotten, the ATR returned."""
        return self.power_on()

    def power_off(self) -> None:
        """Power the card down; the session state (PIN verified, selection) is lost."""
        with self._lock:
            self._reset()
            self.powered = False

    def process(self, apdu: bytes) -> bytes:
        """Answer one command APDU: response data followed by the 2-byte status word."""
        with self._lock:
            if not self.powered:
                # A reader always powers the card before the first command; be lenient.
                self.power_on()
            try:
                command = Command.parse(apdu)
            except ValueError:
                return sw(layout.SW_WRONG_LENGTH)
            if command.cla != 0x00:
                return sw(layout.SW_CLA_NOT_SUPPORTED)
            answer = self._handle(command)
            logger.debug("%s: INS %02X -> SW %s", self.name, command.ins, answer[-2:].hex())
            return answer

    @abc.abstractmethod
    def _handle(self, command: Command) -> bytes:
        """Answer a parsed command (CLA already checked)."""

    @abc.abstractmethod
    def _reset(self) -> None:
        """Forget the session state."""
