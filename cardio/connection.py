"""The abstract card channel and reader types every card reader is written against.

``cardio.pcsc`` implements them over the real PC/SC stack; the testbed implements
``CardConnection`` in-process over an emulated card for unit tests.
"""

from __future__ import annotations

import abc
import contextlib
from dataclasses import dataclass
from typing import Protocol, Self


class CardConnection(abc.ABC):
    """An open channel to one card. Use it only on the card thread (``cardio.thread``)."""

    @property
    @abc.abstractmethod
    def atr(self) -> bytes:
        """The card's answer to reset."""

    @property
    @abc.abstractmethod
    def reader(self) -> str:
        """The name of the reader holding the card."""

    @abc.abstractmethod
    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Send one command APDU as is; return (response data, SW as an int like 0x9000).

        No T=0 handling here (61XX / 6CXX): that is ``cardio.apdu.exchange``'s job.
        :raises CardRemovedError: the card left the reader.
        :raises CardCommunicationError: the transport failed.
        """

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """Keep other applications off the card for a multi-command sequence (a no-op
        unless the transport has transactions, as PC/SC does)."""
        return contextlib.nullcontext()

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release the card. Idempotent."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True, slots=True)
class ReaderState:
    """What one reader holds at one moment; compared between polls to find events."""

    name: str
    card_present: bool
    atr: bytes | None = None
    #: PC/SC card event counter (insertions + removals) when the stack gives one: a
    #: change while a card is present both times means it was swapped between two polls.
    event_count: int | None = None


class ReaderBackend(Protocol):
    """Lists readers and connects to the card in one of them."""

    def list_readers(self) -> list[str]: ...

    def states(self) -> tuple[ReaderState, ...]:
        """The state of every reader, in list order. Connects to no card."""
        ...

    def connect(self, reader: str) -> CardConnection: ...


class Interaction(Protocol):
    """Asked by card code when it needs the user. Called on the card thread."""

    def request_pin(self, reader: str, attempts_left: int | None) -> str | None:
        """The PIN typed by the user, or None when he cancels."""
        ...
