"""The AMC's engagement asked before the database work (issue #23): the desk's database
thread never waits on the complémentaire.

The desk prepares the engagement query on the database thread (pricing, convention), asks
the AMC on its own thread (:func:`ask_ahead`, short timeout), then secures the FSE on the
database thread with the answer already known (:class:`AskedAhead`, the gate's ``api``):
the gate keeps what was asked and answered in the same way as when it asks itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Protocol, TypeVar

from client.amc.transport import AmcError, EngagementAnswer, EngagementQuery, Engager
from client.labels import AMC_ASKING
from client.store import Store

T = TypeVar("T")

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AskedAhead:
    """The AMC's answer (or failure) to one query, asked beforehand; replayed to the gate.

    A query that differs from the one asked (the FSE changed in between) is not answered
    from here: no engagement, the patient pays the AMC part."""

    query: EngagementQuery
    answer: EngagementAnswer | None = None
    error: AmcError | None = None

    def engage(self, query: EngagementQuery) -> EngagementAnswer:
        if query != self.query:
            raise AmcError(
                "la facture a changé pendant la demande d'accord à la complémentaire.",
                retryable=True,
            )
        if self.error is not None:
            raise self.error
        if self.answer is None:  # neither: never built so (ask_ahead)
            raise AmcError("pas de réponse de la complémentaire.", retryable=True)
        return self.answer


class NotAsked:
    """The gate's ``api`` when nothing was asked ahead: a convention added while the FSE
    was being secured is not asked now (the database thread does not go on the network)."""

    def engage(self, query: EngagementQuery) -> EngagementAnswer:
        raise AmcError(
            "la complémentaire n'a pas été interrogée (convention ajoutée pendant la "
            "sécurisation).",
            retryable=True,
        )


NOT_ASKED = NotAsked()


def ask_ahead(api: Engager, query: EngagementQuery) -> AskedAhead:
    """Ask the AMC now, on the caller's thread (never the database thread); a failure is
    kept as the answer (the gate then records the AMC unreachable)."""
    try:
        return AskedAhead(query, answer=api.engage(query))
    except AmcError as exc:
        logger.info("AMC engagement asked ahead: no answer (%s)", type(exc).__name__)
        return AskedAhead(query, error=exc)


class DatabaseThread(Protocol):
    """The desk's database worker (``client.context.DbWorker``)."""

    def submit(self, fn: Callable[[Store], T], /) -> Future[T]: ...


def engagement_ahead(
    db: DatabaseThread,
    query: Callable[[Store], EngagementQuery | None],
    api: Engager,
    on_progress: Callable[[str], None] | None = None,
) -> Engager:
    """The gate's ``api`` for securing on the database thread: the ``query`` made there
    (one short job), the AMC asked here meanwhile (the database thread is free), said by
    ``on_progress``. :data:`NOT_ASKED` when there is nothing to ask."""
    asked = db.submit(query).result()
    if asked is None:
        return NOT_ASKED
    if on_progress is not None:
        on_progress(AMC_ASKING)
    return ask_ahead(api, asked)
