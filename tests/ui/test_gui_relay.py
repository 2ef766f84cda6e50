"""The card, sender and worker threads never emit a Qt signal themselves: the relay emits
it on the GUI thread, in order (a thread's queued emit can deadlock PySide6 against the
GUI thread, docs/upstream-faults.md)."""

from __future__ import annotations

import threading
import time

import shiboken6

from cardio.connection import ReaderState
from ui.card_watch import CardWatcher
from ui.gui_relay import install, to_gui
from ui.qt import QEventLoop, QObject, QTimer, Signal
from ui.tasks import TaskRunner


class _Recorder:
    """Emits like a signal and notes the thread each emission ran on."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, tuple[object, ...]]] = []

    def emit(self, *args: object) -> None:
        self.seen.append((threading.get_ident(), args))


class _Source(QObject):
    happened = Signal(object)


def test_other_threads_emissions_run_on_the_gui_thread_in_their_order(qtbot) -> None:
    install()
    recorder = _Recorder()

    def emit_many(name: str) -> None:
        for n in range(300):
            to_gui(recorder, name, n)

    threads = [threading.Thread(target=emit_many, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert recorder.seen == []  # nothing emitted on the threads themselves
    qtbot.waitUntil(lambda: len(recorder.seen) == 600, timeout=5_000)
    assert {ident for ident, _ in recorder.seen} == {threading.main_thread().ident}
    for name in ("a", "b"):
        assert [args[1] for _, args in recorder.seen if args[0] == name] == list(range(300))


def test_on_the_gui_thread_the_signal_is_emitted_at_once(qtbot) -> None:
    install()
    recorder = _Recorder()
    to_gui(recorder, "now")
    assert recorder.seen == [(threading.get_ident(), ("now",))]


def test_a_slot_in_a_nested_event_loop_still_gets_the_next_emissions(qtbot) -> None:
    """A slot that opens a modal dialog (the PIN prompt) runs a nested event loop: what
    the threads emit meanwhile must reach it, or the dialog would wait for ever."""
    install()
    source = _Source()
    got: list[str] = []
    waited: list[float] = []

    def on_happened(what: object) -> None:
        if what != "opens a dialog":
            got.append(str(what))
            return
        loop = QEventLoop()
        source.happened.connect(loop.quit)
        threading.Thread(target=lambda: to_gui(source.happened, "answer")).start()
        QTimer.singleShot(20_000, loop.quit)  # the dialog's patience: never reached
        started = time.monotonic()
        loop.exec()
        waited.append(time.monotonic() - started)
        got.append("dialog closed")

    source.happened.connect(on_happened)
    threading.Thread(target=lambda: to_gui(source.happened, "opens a dialog")).start()
    qtbot.waitUntil(lambda: len(got) == 2, timeout=30_000)
    assert got == ["answer", "dialog closed"]
    assert waited[0] < 10  # closed by the answer, not by the timer


def test_an_emission_for_a_deleted_object_is_dropped_and_the_next_ones_go(qtbot) -> None:
    install()
    gone, alive = _Source(), _Source()
    got: list[object] = []
    alive.happened.connect(got.append)

    def emit_both() -> None:
        to_gui(gone.happened, "lost")
        to_gui(alive.happened, "kept")

    thread = threading.Thread(target=emit_both)
    thread.start()
    thread.join()
    shiboken6.delete(gone)  # deleted before the GUI thread emits (a window closed)
    qtbot.waitUntil(lambda: got == ["kept"], timeout=5_000)


def test_the_card_thread_and_task_workers_hand_their_signals_to_the_relay(
    qtbot, monkeypatch
) -> None:
    runner = TaskRunner()
    relay = install()
    posted_from: list[int] = []
    post = relay.post

    def noting_post(signal: object, args: tuple[object, ...]) -> bool:
        posted_from.append(threading.get_ident())
        return post(signal, args)  # type: ignore[arg-type]

    monkeypatch.setattr(relay, "post", noting_post)
    watcher = CardWatcher()
    emitted_on: list[int] = []
    watcher.readers_changed.connect(lambda _views: emitted_on.append(threading.get_ident()))
    ran_on: list[int] = []
    try:
        # The monitor calls the watcher on the card thread; a task's result comes back
        # from a worker of the pool.
        card_thread = threading.Thread(
            target=watcher.on_change, args=([ReaderState("Lecteur 0", True, b"\x3b")],)
        )
        card_thread.start()
        card_thread.join()

        def on_a_worker() -> int:
            time.sleep(0.05)  # still running when submit hands back its future
            return threading.get_ident()

        runner.submit(on_a_worker, ran_on.append)
        qtbot.waitUntil(lambda: bool(emitted_on) and bool(ran_on), timeout=5_000)
    finally:
        runner.shutdown()
    gui = threading.main_thread().ident
    assert emitted_on == [gui]
    assert watcher.readers[0].name == "Lecteur 0"
    assert ran_on[0] != gui  # the task ran on a worker...
    # ...and neither the card thread (readers, then events) nor the worker emitted.
    assert len(posted_from) == 3 and gui not in posted_from
