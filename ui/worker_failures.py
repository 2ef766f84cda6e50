"""Background workers that stopped on an error: never in silence (issue #17).

The sender, the returns import, scanning and the backup run off the GUI thread. When one
of them stops on an error, its page calls ``WorkerFailures.report``: the failure is shown
in French in the status bar (what failed, what to do), listed on the diagnostics page, and
the page offers the action again (or the worker is started again by its timer).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from client.errors import ClientError
from client.messages import describe
from client.store import StorageError
from ui.errors import is_silent, message_for
from ui.qt import QObject, Signal

logger = logging.getLogger(__name__)

#: What each worker is, for the user.
WORKERS = {
    "envoi": "Envoi des lots",
    "retours": "Relève des retours (ARL, NOEMIE)",
    "numerisation": "Numérisation des pièces justificatives",
    "sauvegarde": "Sauvegarde de la base",
}

#: What to do once it stopped.
ACTIONS = {
    "envoi": "Relancez l'envoi (F9, page File d'attente) ; les lots restent en file, rien "
    "n'est perdu.",
    "retours": "Relancez la relève (F10, page File d'attente) ; les retours restent chez "
    "l'Assurance Maladie.",
    "numerisation": "Recommencez la numérisation (page SCOR) ; la FSE attend sa pièce.",
    "sauvegarde": "La sauvegarde sera retentée dans une heure ; vérifiez la place sur le "
    "disque et le dossier des données.",
}

_ADVICE = " Si l'erreur revient, exportez le dossier de support (page Diagnostic)."


class WorkerVanishedError(ClientError):
    """A worker thread ended without reporting its outcome."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} : arrêt sans compte rendu (la tâche s'est terminée seule).")


def is_breakdown(exc: BaseException) -> bool:
    """Not the user's input refused (a blurred scan, a wrong file) but the worker broken:
    the disk or the store failing, or anything unexpected."""
    if isinstance(exc, StorageError | OSError):
        return True
    return not is_silent(exc) and describe(exc) is None


@dataclass(frozen=True, slots=True)
class WorkerFailure:
    """One stop of a background worker, as the user reads it."""

    worker: str  # key of WORKERS
    at: dt.datetime
    message: str  # what failed (French)
    action: str  # what to do (French)

    def text(self) -> str:
        """One line: when, which worker, what failed, what to do."""
        return (
            f"{self.at:%d/%m/%Y %H:%M:%S} — {WORKERS[self.worker]} arrêtée : {self.message} "
            f"→ {self.action}"
        )


class WorkerFailures(QObject):
    """The failures of this session, newest last; ``changed`` after each report."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.items: list[WorkerFailure] = []
        #: The workers stopped now (their last failure), until they succeed again.
        self.active: dict[str, WorkerFailure] = {}

    def report(self, worker: str, exc: BaseException) -> WorkerFailure | None:
        """Record that ``worker`` stopped on ``exc`` (None for a cancellation)."""
        if is_silent(exc):
            return None
        logger.error("background worker %s stopped", worker, exc_info=exc)
        failure = WorkerFailure(
            worker=worker,
            at=dt.datetime.now().astimezone(),
            message=message_for(exc),
            action=ACTIONS[worker] + _ADVICE,
        )
        self.items.append(failure)
        del self.items[:-50]  # a worker failing in a loop must not fill the memory
        self.active[worker] = failure
        self.changed.emit()
        return failure

    def recovered(self, worker: str) -> None:
        """``worker`` did its work again: no longer shown as stopped (still listed)."""
        if self.active.pop(worker, None) is not None:
            self.changed.emit()

    def lines(self) -> list[str]:
        """For the diagnostics page, newest first."""
        return [f.text() for f in reversed(self.items)]
