"""Garbage is collected on the GUI thread only while the task runner's workers run: a
collection on a worker thread can deadlock PySide6 against the GUI thread
(docs/upstream-faults.md)."""

from __future__ import annotations

import gc
import threading

from ui import gui_gc
from ui.gui_gc import GuiThreadCollector
from ui.tasks import TaskRunner


class _Cycle:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_a_worker_allocating_never_collects_and_the_gui_thread_does(qtbot) -> None:
    collected_on: list[str] = []

    def note(phase: str, info: dict) -> None:
        if phase == "start":
            collected_on.append(threading.current_thread().name)

    runner = TaskRunner()
    gc.callbacks.append(note)
    try:
        assert not gc.isenabled()  # the automatic collector is off while the runner lives

        def allocate() -> int:
            # Far past every generation's threshold: the automatic collector would run
            # here, on the worker, many times.
            for _ in range(50_000):
                _Cycle()
            return 1

        done: list[int] = []
        runner.submit(allocate, done.append, label="test")
        qtbot.waitUntil(lambda: bool(done), timeout=10_000)
        qtbot.waitUntil(lambda: bool(collected_on), timeout=5_000)  # the GUI thread's timer
    finally:
        gc.callbacks.remove(note)
        runner.shutdown()
    assert collected_on and set(collected_on) == {threading.main_thread().name}
    assert gc.isenabled()  # back on once the runner is shut down


def test_the_timer_collects_what_the_automatic_collector_would(qtbot) -> None:
    collector = GuiThreadCollector()
    collector.start()
    try:
        gc.collect()
        assert collector.collect_due() == 0  # nothing past a threshold: nothing collected
        for _ in range(gc.get_threshold()[0] + 100):
            _Cycle()
        assert collector.collect_due() > 0  # the cycles freed, on this (the GUI) thread
    finally:
        collector.stop()
    assert gc.isenabled()


def test_the_whole_heap_only_once_it_has_grown_by_a_quarter(qtbot, monkeypatch) -> None:
    """The oldest generation is every object the application holds (~40 ms to collect at
    100 k objects: a stall at the desk): collected, as CPython does, once it has grown."""
    monkeypatch.setattr(gui_gc, "OLD_CHECK_S", 0.0)
    collector = GuiThreadCollector()
    collector.start()
    generations: list[int] = []

    def note(phase: str, info: dict) -> None:
        if phase == "start":
            generations.append(info["generation"])

    try:
        for _ in range(gc.get_threshold()[2] + 1):
            gc.collect(1)  # the oldest generation's count past its threshold
        gc.callbacks.append(note)
        collector.collect_due()
        assert 2 not in generations  # as many old objects as at the start: not collected
        kept = [[] for _ in range(gui_gc._old_generation_size() // 3)]
        gc.callbacks.remove(note)
        gc.collect(1)  # the new lists survive into the oldest generation
        gc.callbacks.append(note)
        collector.collect_due()
        assert 2 in generations  # grown by a third: collected
        assert kept  # still held
    finally:
        if note in gc.callbacks:
            gc.callbacks.remove(note)
        collector.stop()
    assert gc.isenabled()
