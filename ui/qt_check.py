"""A start-up check of the Qt binding's reference counting (docs/upstream-faults.md).

PySide6 / shiboken6 6.12.0 gave back ``None`` without a reference from every wrapped method
returning nothing, and lost references to ``True``/``False`` on every ``Signal(bool)``
emitted: the interpreter aborts (``Fatal Python error: none_dealloc`` / ``bool_dealloc``)
once they run out, a morning's work later or at exit. The version is pinned, but an
unlocked install (``pip install -e .``) or a future release could bring such a fault back:
the application measures it before its window opens, in a few hundred calls (milliseconds), and
refuses to start with a message that says what to install, rather than abort later with
unsaved work.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from client.labels import QT_REFERENCE_FAULT
from ui.qt import QObject, Signal, qVersion

#: Calls of each kind made by the probe; a faulty binding loses one reference per call.
PROBE_CALLS = 200
#: References that may go missing over the probe without a fault (other threads' work).
TOLERANCE = 20


@dataclass(frozen=True, slots=True)
class ReferenceDrift:
    """References to the singletons lost (negative) or kept (positive) over the probe."""

    none: int
    true: int
    false: int

    @property
    def faulty(self) -> bool:
        return min(self.none, self.true, self.false) < -TOLERANCE


class _Probe(QObject):
    flag = Signal(bool)


def _discard(_value: bool) -> None:
    pass


def _counts() -> tuple[int, int, int]:
    return sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)


def measure_drift(calls: int = PROBE_CALLS) -> ReferenceDrift:
    """Call a ``void`` Qt method and emit a ``Signal(bool)`` with both values ``calls`` times
    each; how the references to None, True and False moved."""
    probe = _Probe()
    probe.flag.connect(_discard)  # keeps nothing: a kept value would hide a lost one
    probe.flag.emit(True)  # the first call of each kind may cache things: not counted
    probe.setObjectName("sonde")
    before = _counts()
    for _ in range(calls):
        probe.setObjectName("sonde")
        probe.flag.emit(True)
        probe.flag.emit(False)
    after = _counts()
    probe.flag.disconnect()
    probe.deleteLater()
    return ReferenceDrift(*(a - b for a, b in zip(after, before, strict=True)))


def reference_fault() -> str | None:
    """What to tell the user when the installed Qt binding loses references (None: sound)."""
    drift = measure_drift()
    if not drift.faulty:
        return None
    return QT_REFERENCE_FAULT.format(version=qVersion())
