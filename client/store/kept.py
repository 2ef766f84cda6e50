"""What the desk keeps between sessions, in the database (migration m015): the reception's
drafts and the favourite buttons (the side files that held them before: ``side_files``).

Works on any part of the store that has the connection (``db``) and its write transaction
(``write()``): the repositories share one connection. A draft's document is the desk's
JSON text, opaque here (``client.desk_records`` reads and writes it).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from client.store.protocol import StoreDatabase
from client.store.stamps import parse_db_stamp, stamp


class StoreConnection(Protocol):
    """The part of the store this module needs."""

    @property
    def db(self) -> StoreDatabase: ...

    def write(self) -> AbstractContextManager[object]: ...


@dataclass(frozen=True, slots=True)
class StoredDraft:
    """One invoice prepared at the reception (health data: never log the document)."""

    id: str
    document: str  # JSON object
    saved_at: datetime


def save_draft(store: StoreConnection, draft_id: str, document: str, now: datetime) -> None:
    """Write (or overwrite) a draft; it becomes the last of the list."""
    with store.write():
        store.db.execute(
            "INSERT INTO drafts (id, document, saved_at, seq) VALUES "
            "(?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM drafts)) "
            "ON CONFLICT (id) DO UPDATE SET document = excluded.document, "
            "saved_at = excluded.saved_at, seq = excluded.seq",
            [draft_id, document, stamp(now)],
        )


def drafts(store: StoreConnection) -> list[StoredDraft]:
    """Every waiting draft, the least recently saved first."""
    rows = store.db.execute("SELECT id, document, saved_at FROM drafts ORDER BY seq").fetchall()
    return [StoredDraft(str(i), str(doc), parse_db_stamp(str(at))) for i, doc, at in rows]


def delete_draft(store: StoreConnection, draft_id: str) -> None:
    """Forget a draft (secured, or abandoned); nothing when it is gone already."""
    with store.write():
        store.db.execute("DELETE FROM drafts WHERE id = ?", [draft_id])


def favourites(store: StoreConnection) -> tuple[str, ...] | None:
    """The favourites as saved (« G+MEG » each), or None when never saved (defaults)."""
    if store.db.execute("SELECT 1 FROM favourites_saved").fetchone() is None:
        return None
    rows = store.db.execute("SELECT combination FROM favourites ORDER BY position").fetchall()
    return tuple(str(r[0]) for r in rows)


def save_favourites(store: StoreConnection, combinations: Sequence[str], now: datetime) -> None:
    """Replace the favourites (all at once: the list the user typed)."""
    with store.write():
        replace_favourites(store.db, combinations, now)


def replace_favourites(db: StoreDatabase, combinations: Sequence[str], now: datetime) -> None:
    db.execute("DELETE FROM favourites")
    db.conn.executemany(
        "INSERT INTO favourites (position, combination) VALUES (?, ?)",
        list(enumerate(combinations)),
    )
    db.execute(
        "INSERT INTO favourites_saved (id, saved_at) VALUES (1, ?) "
        "ON CONFLICT (id) DO UPDATE SET saved_at = excluded.saved_at",
        [stamp(now)],
    )
