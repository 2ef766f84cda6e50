"""UI test fixtures: offscreen Qt, a context on a temporary data directory, the main window."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from cardio.connection import CardConnection, ReaderState
from cardio.errors import NoCardError
from client.context import AppContext, build_context


class SharedConnection(CardConnection):
    """A shared-mode connection to an emulated card already powered (like pcscd's shared
    connections: opening one does not reset the card, so a verified PIN stays verified)."""

    def __init__(self, card, reader: str) -> None:
        self.card = card
        self._reader = reader
        self._closed = False

    @property
    def atr(self) -> bytes:
        return self.card.atr

    @property
    def reader(self) -> str:
        return self._reader

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        from cardio.errors import CardRemovedError

        if self._closed or not self.card.powered:
            raise CardRemovedError(self._reader)
        answer = self.card.process(bytes(apdu))
        return answer[:-2], int.from_bytes(answer[-2:], "big")

    def close(self) -> None:
        self._closed = True


class FakeBackend:
    """In-process readers whose cards the test sets; for UI edge cases without pcscd."""

    def __init__(self, names: tuple[str, ...] = ("Lecteur A", "Lecteur B")) -> None:
        self.names = list(names)
        self.atrs: dict[str, bytes | None] = {n: None for n in names}
        self.cards: dict[str, object] = {}  # reader -> testbed EmulatedCard
        self.events: dict[str, int] = {n: 0 for n in names}

    def list_readers(self) -> list[str]:
        return list(self.names)

    def states(self) -> tuple[ReaderState, ...]:
        return tuple(
            ReaderState(n, self.atrs.get(n) is not None, self.atrs.get(n), self.events.get(n, 0))
            for n in self.names
        )

    def insert(self, reader: str, card) -> None:
        card.power_on()
        self.cards[reader] = card
        self.atrs[reader] = card.atr
        self.events[reader] = self.events.get(reader, 0) + 1

    def remove(self, reader: str) -> None:
        card = self.cards.pop(reader, None)
        if card is not None:
            card.power_off()
        self.atrs[reader] = None
        self.events[reader] = self.events.get(reader, 0) + 1

    def connect(self, reader: str) -> CardConnection:
        if reader not in self.cards:
            raise NoCardError(reader)
        return SharedConnection(self.cards[reader], reader)


@pytest.fixture
def fake_backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def fixed_clock():
    # Frozen at the test's start, not at a date of the calendar: the simulated Assurance
    # Maladie and the test PKI live in real time, and a fixed day drifts away from them.
    now = datetime.now().astimezone().replace(microsecond=0)
    return lambda: now


@pytest.fixture
def ctx(tmp_path: Path, fake_backend: FakeBackend, fixed_clock) -> Iterator[AppContext]:
    context = build_context(backend=fake_backend, clock=fixed_clock, data_dir=tmp_path / "data")
    yield context
    context.close()


@pytest.fixture
def window(qtbot, ctx: AppContext):
    from ui.main_window import MainWindow

    before = {t.ident for t in threading.enumerate()}
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.shutdown()
    leaked = [
        t for t in threading.enumerate() if t.ident not in before and t.is_alive() and not t.daemon
    ]
    assert not leaked, f"threads left running after shutdown: {leaked}"


class PinAnswers:
    """Answers PIN prompts in order and records what the dialog was told."""

    def __init__(self, *answers: str | None) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, int | None, bool]] = []

    def __call__(self, parent, reader: str, attempts_left: int | None, wrong: bool):
        self.asked.append((reader, attempts_left, wrong))
        return self.answers.pop(0) if self.answers else None


@pytest.fixture
def pcsc_ctx(tmp_path: Path, card_server, fixed_clock) -> Iterator[AppContext]:
    """A context on the real pcscd (vpcd readers), with the card server holding the lock."""
    context = build_context(clock=fixed_clock, data_dir=tmp_path / "data")
    yield context
    context.close()


@pytest.fixture
def pcsc_window(qtbot, pcsc_ctx: AppContext):
    from ui.main_window import MainWindow

    win = MainWindow(pcsc_ctx)
    qtbot.addWidget(win)
    win.show()
    win.start()
    qtbot.waitUntil(lambda: "Virtual PCD 00 00" in win.status.readers_label.text(), timeout=10000)
    yield win
    win.shutdown()
