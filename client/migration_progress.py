"""The progress of a long migration, shown to the user (issue #27: converting an old store
in place takes minutes at 1 M FSE).

The migrations that convert rows by batches call :func:`report` after each batch (their log
line stays); whoever opens the store says where the figures go with :func:`reporting`
(``open_store(path, progress=...)``, the ``sesam`` command for its whole run). The sink is a
context variable: each thread has its own, so the desk's database thread reports to the
desk, and nothing is reported where nobody listens. Standard library only: the store's
opening imports this module and the command line starts light.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import NamedTuple, TextIO


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks a step's words for ``pyside6-lupdate`` (as ``client.labels``); the GUI
    translates them with ``tr()`` where shown."""
    return text


#: The steps' words, as the user reads them after « Mise à jour de la base : ».
STEP_DOCUMENTS_PACKED = QT_TRANSLATE_NOOP("", "compression des documents")
STEP_STORAGE_COMPACTED = QT_TRANSLATE_NOOP("", "compactage des données")
STEP_JOURNAL_COMPACTED = QT_TRANSLATE_NOOP("", "compactage du journal")
STEP_EVENTS_CONVERTED = QT_TRANSLATE_NOOP("", "conversion de l'historique des FSE")
STEP_PAYMENTS_CONVERTED = QT_TRANSLATE_NOOP("", "conversion des paiements")
STEP_JOURNAL_REGROUPED = QT_TRANSLATE_NOOP("", "regroupement du journal")

#: The line shown (status bar, stderr); ``{step}`` one of the steps above.
PROGRESS_TEXT = QT_TRANSLATE_NOOP("", "Mise à jour de la base : {step} {percent} %")


class MigrationProgress(NamedTuple):
    """``done`` of ``total`` rows of one step converted (``step``: its French words).

    A named tuple, not a dataclass: every command imports this module, and a dataclass
    costs ~1 ms to define (issue #27)."""

    step: str
    done: int
    total: int

    @property
    def percent(self) -> int:
        """Whole percent done, 0 to 100 (a step with nothing to do is done)."""
        if self.total <= 0:
            return 100
        return max(0, min(100, self.done * 100 // self.total))

    def text(self) -> str:
        """« Mise à jour de la base : regroupement du journal 42 % »."""
        return PROGRESS_TEXT.format(step=self.step, percent=self.percent)


ProgressSink = Callable[[MigrationProgress], None]

_sink: ContextVar[ProgressSink | None] = ContextVar("migration_progress", default=None)


@contextlib.contextmanager
def reporting(sink: ProgressSink | None) -> Iterator[None]:
    """The migrations run meanwhile (on this thread) report to ``sink``; None: keep the
    sink already set (the command's), if any."""
    if sink is None:
        yield
        return
    token = _sink.set(sink)
    try:
        yield
    finally:
        _sink.reset(token)


def report(step: str, done: int, total: int) -> None:
    """A migration's batch is written: ``done`` of ``total`` rows of ``step``."""
    sink = _sink.get()
    if sink is not None:
        sink(MigrationProgress(step, done, total))


class StderrProgress:
    """The ``sesam`` command's sink: a line on stderr when a step starts and then every
    ``every`` percent (stdout stays the command's answer: its JSON stays clean)."""

    def __init__(self, every: int = 5, stream: TextIO | None = None) -> None:
        self._every = every
        self._stream = stream
        self._last: MigrationProgress | None = None
        self._shown = -1

    def __call__(self, progress: MigrationProgress) -> None:
        last = self._last
        self._last = progress
        new_step = last is None or last.step != progress.step or progress.done < last.done
        due = progress.percent >= min(100, self._shown + self._every) > self._shown
        if not (new_step or due):
            return
        self._shown = progress.percent
        stream = self._stream if self._stream is not None else sys.stderr
        print(progress.text(), file=stream, flush=True)
