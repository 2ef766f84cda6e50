"""Scripted card connections for protocol edge cases (python-fido2's mock transmit style)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cardio.connection import CardConnection, ReaderState
from cardio.errors import CardError


@dataclass
class Step:
    """One expected command and the card's answer (or an error raised by the transport)."""

    expect: bytes
    response: bytes = b""
    sw: int = 0x9000
    error: CardError | None = None


def step(expect_hex: str, response: bytes | str = b"", sw: int = 0x9000) -> Step:
    raw = bytes.fromhex(response) if isinstance(response, str) else response
    return Step(bytes.fromhex(expect_hex), raw, sw)


class ScriptedConnection(CardConnection):
    """Replays (expected APDU, response, SW) steps and fails on any other command."""

    def __init__(self, steps: list[Step], atr: bytes = b"\x3b\x00", reader: str = "Scripted 0"):
        self.steps = list(steps)
        self.sent: list[bytes] = []
        self._atr = atr
        self._reader = reader
        self.closed = False

    @property
    def atr(self) -> bytes:
        return self._atr

    @property
    def reader(self) -> str:
        return self._reader

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        self.sent.append(apdu)
        if not self.steps:
            raise AssertionError(f"unexpected APDU {apdu.hex(' ').upper()}: script is over")
        current = self.steps.pop(0)
        if apdu != current.expect:
            raise AssertionError(
                f"sent {apdu.hex(' ').upper()}, expected {current.expect.hex(' ').upper()}"
            )
        if current.error is not None:
            raise current.error
        return current.response, current.sw

    def done(self) -> bool:
        return not self.steps

    def close(self) -> None:
        self.closed = True


@dataclass
class FakeBackend:
    """A ReaderBackend whose states are set by the test; connect() hands out connections."""

    readers: list[ReaderState] = field(default_factory=list)
    connections: dict[str, list[CardConnection]] = field(default_factory=dict)
    error: CardError | None = None
    connects: int = 0

    def list_readers(self) -> list[str]:
        return [r.name for r in self.readers]

    def states(self) -> tuple[ReaderState, ...]:
        if self.error is not None:
            raise self.error
        return tuple(self.readers)

    def connect(self, reader: str) -> CardConnection:
        self.connects += 1
        return self.connections[reader].pop(0)
