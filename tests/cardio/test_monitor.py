"""Reader events from successive polls, including swaps the polls never saw happen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fakes import FakeBackend, ScriptedConnection

from cardio import layout
from cardio.connection import ReaderState
from cardio.errors import ReaderUnavailableError
from cardio.monitor import EventKind, ReaderEvent, ReaderMonitor, ReaderSnapshot
from cardio.probe import CardKind
from cardio.thread import CardThread

R0 = "Virtual PCD 00 00"


@pytest.fixture
def card_thread() -> Iterator[CardThread]:
    with CardThread() as thread:
        yield thread


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[ReaderSnapshot, tuple[ReaderEvent, ...]]] = []

    def __call__(self, snapshot: ReaderSnapshot, events: tuple[ReaderEvent, ...]) -> None:
        self.calls.append((snapshot, events))


def kinds(events: tuple[ReaderEvent, ...]) -> list[EventKind]:
    return [e.kind for e in events]


def make(
    backend: FakeBackend, thread: CardThread, identities: list[str]
) -> tuple[ReaderMonitor, Recorder]:
    recorder = Recorder()
    queue = list(identities)
    monitor = ReaderMonitor(backend, thread, recorder, identify=lambda _c: queue.pop(0))
    backend.connections[R0] = [ScriptedConnection([], reader=R0) for _ in identities]
    return monitor, recorder


def test_swap_between_two_polls_is_reported_from_the_event_counter(card_thread: CardThread) -> None:
    backend = FakeBackend([ReaderState(R0, True, layout.VITALE_ATR, event_count=1)])
    monitor, recorder = make(backend, card_thread, ["vitale:01", "vitale:02"])
    first = card_thread.call(monitor.poll)
    assert kinds(first) == [EventKind.READER_ADDED, EventKind.CARD_INSERTED]
    assert first[1].identity == "vitale:01"
    # Another Vitale (same ATR) replaced the first one between two polls: counter +2.
    backend.readers = [ReaderState(R0, True, layout.VITALE_ATR, event_count=3)]
    events = card_thread.call(monitor.poll)
    assert kinds(events) == [EventKind.CARD_SWAPPED]
    assert events[0].identity == "vitale:02"
    assert len(recorder.calls) == 2


def test_same_card_reinserted_is_removed_then_inserted(card_thread: CardThread) -> None:
    backend = FakeBackend([ReaderState(R0, True, layout.CPS_ATR, event_count=1)])
    monitor, _ = make(backend, card_thread, ["cps:1", "cps:1"])
    card_thread.call(monitor.poll)
    backend.readers = [ReaderState(R0, True, layout.CPS_ATR, event_count=3)]
    assert kinds(card_thread.call(monitor.poll)) == [
        EventKind.CARD_REMOVED,
        EventKind.CARD_INSERTED,
    ]


def test_nothing_reported_when_nothing_changed(card_thread: CardThread) -> None:
    backend = FakeBackend([ReaderState(R0, False, None, event_count=0)])
    monitor, recorder = make(backend, card_thread, [])
    card_thread.call(monitor.poll)
    card_thread.call(monitor.poll)
    assert len(recorder.calls) == 1


def test_service_loss_and_return_are_reported(card_thread: CardThread) -> None:
    backend = FakeBackend([ReaderState(R0, True, layout.VITALE_ATR, event_count=1)])
    monitor, recorder = make(backend, card_thread, ["vitale:01", "vitale:01"])
    card_thread.call(monitor.poll)
    backend.error = ReaderUnavailableError("pcscd stopped")
    lost = card_thread.call(monitor.poll)
    assert kinds(lost) == [
        EventKind.CARD_REMOVED,
        EventKind.READER_REMOVED,
        EventKind.SERVICE_UNAVAILABLE,
    ]
    assert recorder.calls[-1][0].service_available is False
    backend.error = None
    back = card_thread.call(monitor.poll)
    assert kinds(back) == [
        EventKind.SERVICE_RESTORED,
        EventKind.READER_ADDED,
        EventKind.CARD_INSERTED,
    ]


def test_poll_outside_the_card_thread_is_refused(card_thread: CardThread) -> None:
    monitor, _ = make(FakeBackend(), card_thread, [])
    with pytest.raises(RuntimeError, match="card thread"):
        monitor.poll()


def test_background_loop_reports_and_stops(card_thread: CardThread) -> None:
    import threading

    seen = threading.Event()
    backend = FakeBackend([ReaderState(R0, False)])
    monitor = ReaderMonitor(backend, card_thread, lambda s, e: seen.set(), interval=0.05)
    monitor.start()
    try:
        assert seen.wait(5)
    finally:
        monitor.stop()


def test_an_event_names_the_card_family_the_probe_read_else_the_atr() -> None:
    vitale_atr = layout.VITALE_ATR_PREFIX + b"\x00\x00"
    # The probe has the last word: the desk reads the card it says, not the ATR's guess.
    probed = ReaderEvent(EventKind.CARD_INSERTED, R0, vitale_atr, "cps:42")
    assert probed.card_kind is CardKind.CPS
    assert ReaderEvent(EventKind.CARD_INSERTED, R0, vitale_atr, "vitale:?").card_kind is (
        CardKind.VITALE
    )
    # Not probed (a card that would not answer): the ATR's guess, as before.
    assert ReaderEvent(EventKind.CARD_INSERTED, R0, layout.CPS_ATR).card_kind is CardKind.CPS
    assert ReaderEvent(EventKind.CARD_INSERTED, R0, b"\x3b\x00").card_kind is CardKind.UNKNOWN
