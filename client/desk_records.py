"""The reception's drafts and the desk's favourites, kept in the store (``client.store.kept``).

Both go through the database thread (``StoreRunner``: ``client.context.DbWorker``, or one
store already open): nothing of the desk is kept in side files any more, so a shared store
(issue #26) holds all of it and a backup copies it with the FSE.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from client.errors import ClientError
from client.store import Store, kept

logger = logging.getLogger(__name__)

T = TypeVar("T")


class StoreRunner(Protocol):
    """Runs ``fn(store)`` where the store's connection lives and returns its result."""

    def call(self, fn: Callable[[Store], T]) -> T: ...


class OneStore:
    """A ``StoreRunner`` over a store opened on the calling thread (CLI, tests)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def call(self, fn: Callable[[Store], T]) -> T:
        return fn(self.store)


class DraftBook:
    """Invoices prepared at the reception, waiting for the practitioner's CPS.

    A draft is the desk's document (``ui.services.save_draft`` builds it, the invoice panel
    reads it back), kept whole as JSON in the ``drafts`` table with its ``id``.
    """

    def __init__(self, runner: StoreRunner) -> None:
        self.runner = runner

    def save(self, draft: dict[str, Any], draft_id: str | None = None) -> str:
        """Write (or overwrite) a draft in one transaction; returns its id."""
        draft_id = draft_id or uuid.uuid4().hex[:12]
        document = json.dumps({**draft, "id": draft_id}, ensure_ascii=False)
        now = datetime.now(UTC)
        self.runner.call(lambda store: kept.save_draft(store, draft_id, document, now))
        return draft_id

    def list(self) -> list[dict[str, Any]]:
        """Every waiting draft, oldest first."""
        found: list[dict[str, Any]] = []
        for row in self.runner.call(kept.drafts):
            try:
                document = json.loads(row.document)
            except ValueError:
                logger.warning("draft %s unreadable: skipped", row.id)
                continue
            if isinstance(document, dict):
                found.append(document)
        return found

    def delete(self, draft_id: str) -> None:
        """Forget a draft (secured, or abandoned)."""
        self.runner.call(lambda store: kept.delete_draft(store, draft_id))


def saved_favourites(runner: StoreRunner) -> tuple[str, ...] | None:
    """The favourites the user saved (« G+MEG » each), None when he never did or the store
    cannot be read (the desk then shows the default ones: it must open in any case)."""
    try:
        return runner.call(kept.favourites)
    except (ClientError, OSError, sqlite3.Error):
        logger.warning("favourites unreadable: defaults used", exc_info=True)
        return None


def keep_favourites(runner: StoreRunner, combinations: Sequence[str]) -> None:
    """Replace the favourites by ``combinations``."""
    now = datetime.now(UTC)
    runner.call(lambda store: kept.save_favourites(store, combinations, now))
