"""The Qt calls the desktop application makes with or returning a bool lose no reference to
True, False or None (issue #27, ``bool_dealloc``; docs/upstream-faults.md).

Beyond the start-up probe (``ui.qt_check``: a ``void`` call and a ``Signal(bool)``), each
kind of bool crossing between Python and C++ that the pages use is repeated: bool arguments
(``setChecked``, ``setEnabled``, ``setVisible``, ``blockSignals``), bool results
(``isChecked``, ``isVisible``, ``QThread.wait``), bools emitted by Qt itself into Python
slots (``toggled``, ``clicked``, ``triggered``), Python overrides whose bool Qt converts
(``eventFilter``, ``canFetchMore``, ``filterAcceptsRow``, a model's ``data``), bools through
``QSettings`` and across threads in queued signals.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QSettings,
    QSortFilterProxyModel,
    QThread,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import QApplication, QCheckBox, QPushButton, QWidget

from ui.qt import Qt

CALLS = 500
#: 6.11.3 keeps a few references per connect (docs/upstream-faults.md): gains are harmless.
LOSS_TOLERANCE = 5


def _counts() -> tuple[int, int, int]:
    QCoreApplication.processEvents()
    gc.collect()
    return sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)


def lost(call: Callable[[], object], calls: int = CALLS) -> tuple[int, int, int]:
    """References to (True, False, None) lost over ``calls`` calls (0: none lost)."""
    call()
    before = _counts()
    for _ in range(calls):
        call()
    after = _counts()
    return tuple(max(0, b - a) for a, b in zip(after, before, strict=True))  # type: ignore[return-value]


class _Flags(QObject):
    flag = Signal(bool)
    value = Signal(object)


class _BoolModel(QAbstractTableModel):
    """Answers bools to Qt: ``canFetchMore`` and a check-state-like role."""

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else 4

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 1

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        return index.row() % 2 == 0

    def canFetchMore(self, parent: QModelIndex) -> bool:
        return not parent.isValid()


class _Proxy(QSortFilterProxyModel):
    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:
        return source_row % 2 == 0


class _KeyEater(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        return event.type() == QEvent.Type.KeyPress


class _Worker(QThread):
    done = Signal(bool)

    def run(self) -> None:
        self.done.emit(True)
        self.done.emit(False)


def _no_loss(losses: dict[str, tuple[int, int, int]]) -> dict[str, tuple[int, int, int]]:
    return {name: loss for name, loss in losses.items() if max(loss) > LOSS_TOLERANCE}


def test_widget_bool_calls_and_qt_emitted_bools_lose_no_singleton(qapp: QApplication) -> None:
    box = QCheckBox("Tiers payant")
    button = QPushButton("Envoyer")
    button.setCheckable(True)
    action = QAction("Mode dégradé")
    action.setCheckable(True)
    widget = QWidget()
    received: list[bool] = []
    box.toggled.connect(lambda checked: received.append(checked) or received.clear())
    button.clicked.connect(lambda checked: received.append(checked) or received.clear())
    action.triggered.connect(lambda checked: received.append(checked) or received.clear())

    def toggle() -> None:
        box.setChecked(not box.isChecked())

    losses = {
        "setChecked + toggled(bool) + isChecked": toggle,
        "click + clicked(bool)": button.click,
        "QAction.trigger + triggered(bool)": action.trigger,
        "setEnabled / isEnabled": lambda: (
            (widget.setEnabled(False), widget.setEnabled(True)) and widget.isEnabled()
        ),
        "setVisible / isVisible / isHidden": lambda: (
            (widget.setVisible(False), widget.isVisible()) and widget.isHidden()
        ),
        "blockSignals / signalsBlocked": lambda: (
            (box.blockSignals(True), box.blockSignals(False)) and box.signalsBlocked()
        ),
    }
    measured = {name: lost(call) for name, call in losses.items()}
    assert _no_loss(measured) == {}


def test_overrides_returning_bools_lose_no_singleton(qapp: QApplication) -> None:
    model = _BoolModel()
    proxy = _Proxy()
    proxy.setSourceModel(model)
    target = QWidget()
    eater = _KeyEater()
    target.installEventFilter(eater)
    key = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier)
    role = Qt.ItemDataRole.CheckStateRole

    losses = {
        "eventFilter -> bool, sendEvent -> bool": lambda: QApplication.sendEvent(target, key),
        "canFetchMore (through the proxy)": lambda: proxy.canFetchMore(QModelIndex()),
        "filterAcceptsRow (invalidate)": proxy.invalidate,
        "data -> bool": lambda: [model.index(r, 0).data(role) for r in range(4)],
        "proxy data -> bool": lambda: proxy.index(0, 0).data(role),
    }
    measured = {name: lost(call) for name, call in losses.items()}
    assert _no_loss(measured) == {}


def test_settings_timers_threads_and_signals_lose_no_singleton(
    qapp: QApplication, tmp_path: Path
) -> None:
    settings = QSettings(str(tmp_path / "sesam.ini"), QSettings.Format.IniFormat)
    flags = _Flags()
    kept: list[object] = []
    flags.flag.connect(lambda value: kept.append(value) or kept.clear())
    flags.value.connect(lambda value: kept.append(value) or kept.clear())
    timer = QTimer()
    timer.setSingleShot(True)

    def settings_round() -> None:
        settings.setValue("impression/recto_verso", True)
        settings.setValue("envoi/auto", False)
        settings.value("impression/recto_verso", False, type=bool)
        settings.value("envoi/auto", type=bool)
        settings.value("absent", True, type=bool)
        settings.contains("envoi/auto")

    def timer_round() -> None:
        timer.start(1000)
        timer.isActive()
        timer.isSingleShot()
        timer.stop()
        QTimer.singleShot(0, lambda: None)

    def worker_round() -> None:
        worker = _Worker()
        worker.done.connect(lambda value: kept.append(value) or kept.clear())
        worker.start()
        assert worker.wait(5000)
        worker.isFinished()
        worker.isRunning()
        QCoreApplication.processEvents()  # the queued done(bool) delivered
        worker.deleteLater()

    losses = {
        "QSettings bools (value(..., type=bool))": lost(settings_round),
        "QTimer": lost(timer_round),
        "Signal(bool) / Signal(object) with bools": lost(
            lambda: (flags.flag.emit(True), flags.flag.emit(False), flags.value.emit(True))
        ),
        "QThread emitting Signal(bool), wait -> bool": lost(worker_round, calls=60),
    }
    assert _no_loss(losses) == {}
