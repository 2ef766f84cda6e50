"""The start-up check of the Qt binding's reference counting (docs/upstream-faults.md):
the installed binding passes it, a binding that loses references to None, True or False
(as PySide6 6.12.0 did, aborting the interpreter a morning's work later or at exit) is
caught, and the application then refuses to start with a message saying what to do."""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Iterator

import pytest

from ui import app as ui_app
from ui import qt_check
from ui.qt import QApplication, QMessageBox


@pytest.fixture
def qapp() -> QApplication:
    existing = QApplication.instance()
    return existing if isinstance(existing, QApplication) else QApplication([])


@pytest.fixture
def spare_references() -> Iterator[None]:
    """References to None, True and False taken up front, so that a simulated faulty
    binding gives back only what was taken here (the singletons never run out)."""
    calls = qt_check.PROBE_CALLS + 10
    for singleton in (None, True, False):
        for _ in range(calls):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(singleton))
    yield


def _lose(singleton: object) -> None:
    """What a faulty binding does: hands a singleton out without a reference."""
    ctypes.pythonapi.Py_DecRef(ctypes.py_object(singleton))


def test_the_installed_binding_keeps_its_references(qapp: QApplication) -> None:
    drift = qt_check.measure_drift()
    assert not drift.faulty, drift
    assert qt_check.reference_fault() is None


def test_a_binding_losing_none_on_void_calls_is_caught(
    qapp: QApplication, spare_references: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = qt_check._Probe.setObjectName

    def leaky(self: qt_check._Probe, name: str) -> None:
        real(self, name)
        _lose(None)

    monkeypatch.setattr(qt_check._Probe, "setObjectName", leaky)
    before = sys.getrefcount(None)
    drift = qt_check.measure_drift()
    assert drift.none <= -qt_check.PROBE_CALLS and drift.faulty
    assert sys.getrefcount(None) < before  # the spare references paid for it


def test_a_binding_losing_bools_on_signals_refuses_to_start(
    qapp: QApplication, spare_references: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(qt_check, "_discard", _lose)
    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "critical", staticmethod(lambda _p, _t, text: shown.append(text))
    )
    monkeypatch.setattr(ui_app, "build_context", lambda **_kw: pytest.fail("must not start"))

    assert ui_app.main(["--lang", "fr"]) == 1
    (message,) = shown
    assert "perd des références" in message and "scripts/setup.sh" in message
