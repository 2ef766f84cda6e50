"""An in-process ``CardConnection`` over an emulated card, for unit tests of the host side."""

from __future__ import annotations

import logging

from cardio.connection import CardConnection
from cardio.errors import CardRemovedError
from testbed.cards.base import EmulatedCard

logger = logging.getLogger(__name__)


class EmulatedConnection(CardConnection):
    """Transmits raw APDUs to ``card`` (no T=0 help), powering it on at construction.

    ``remove()`` takes the card out now; ``remove_after(n)`` lets ``n`` more commands through
    and then removes the card *during* the next one, which raises ``CardRemovedError``.
    """

    def __init__(self, card: EmulatedCard, reader: str = "Emulated Reader 00") -> None:
        self.card = card
        self._reader = reader
        self._atr = card.power_on()
        self._removed = False
        self._closed = False
        self._commands_before_removal: int | None = None
        self.sent: list[bytes] = []

    @property
    def atr(self) -> bytes:
        return self._atr

    @property
    def reader(self) -> str:
        return self._reader

    @property
    def removed(self) -> bool:
        return self._removed

    def remove(self) -> None:
        """Pull the card out of the reader."""
        self._removed = True
        self.card.power_off()

    def remove_after(self, commands: int) -> None:
        """Let ``commands`` more commands through, then remove the card mid-exchange."""
        self._commands_before_removal = commands

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        if self._closed:
            raise CardRemovedError("connection closed")
        if self._commands_before_removal is not None:
            if self._commands_before_removal == 0:
                self._commands_before_removal = None
                self.remove()
            else:
                self._commands_before_removal -= 1
        if self._removed:
            raise CardRemovedError(f"card removed from {self._reader}")
        self.sent.append(bytes(apdu))
        answer = self.card.process(bytes(apdu))
        return answer[:-2], int.from_bytes(answer[-2:], "big")

    def close(self) -> None:
        self._closed = True
