"""What the desk keeps between sessions, in the database (migration m015): the reception's
drafts and the favourite buttons; and the import of the side files that held them before.

Works on any part of the store that has the connection (``db``) and its write transaction
(``write()``): the repositories share one connection. A draft's document is the desk's
JSON text, opaque here (``client.desk_records`` reads and writes it).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from client.store.protocol import StoreDatabase
from client.store.rows import parse_db_stamp, stamp

logger = logging.getLogger(__name__)

#: The side files of older versions, beside the database; renamed ``*.imported`` once read.
DRAFTS_DIR_NAME = "brouillons"
FAVOURITES_NAME = "favourites.json"
IMPORTED_SUFFIX = ".imported"


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
        _replace_favourites(store.db, combinations, now)


def _replace_favourites(db: StoreDatabase, combinations: Sequence[str], now: datetime) -> None:
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


def import_side_files(store: StoreConnection, data_dir: Path) -> None:
    """Bring the drafts (``brouillons/*.json``) and ``favourites.json`` of an older version
    into the database, then rename them ``*.imported`` (never deleted). Idempotent: a crash
    between the commit and the rename imports the same again without duplicates (drafts by
    id; favourites only while none were saved in the database)."""
    folder = data_dir / DRAFTS_DIR_NAME
    fav_path = data_dir / FAVOURITES_NAME
    if not folder.is_dir() and not fav_path.is_file():
        return  # the usual case: nothing to read, no transaction taken
    now = datetime.now(UTC)
    with store.write():
        if folder.is_dir():
            _import_drafts(store.db, folder)
        if fav_path.is_file():
            _import_favourites(store.db, fav_path, now)
    for path in (folder, fav_path):
        _set_aside(path)


def _set_aside(path: Path) -> None:
    """Rename ``path`` to a free ``<name>.imported[.N]`` (another process may have done it)."""
    n = 1
    target = path.with_name(path.name + IMPORTED_SUFFIX)
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}{IMPORTED_SUFFIX}.{n}")
    with contextlib.suppress(FileNotFoundError):
        path.rename(target)
        logger.info("side file imported into the store: %s", path.name)


def _import_drafts(db: StoreDatabase, folder: Path) -> None:
    # Oldest first, as the desk listed them (the file's modification time).
    for path in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            logger.warning("draft %s unreadable: left in the imported folder", path.name)
            continue
        if not isinstance(document, dict):
            logger.warning("draft %s is not an object: left in the imported folder", path.name)
            continue
        draft_id = str(document.get("id") or path.stem)
        saved = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        db.execute(
            "INSERT INTO drafts (id, document, saved_at, seq) VALUES "
            "(?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM drafts)) "
            "ON CONFLICT (id) DO NOTHING",
            [draft_id, json.dumps({**document, "id": draft_id}, ensure_ascii=False), stamp(saved)],
        )


def _import_favourites(db: StoreDatabase, path: Path, now: datetime) -> None:
    if db.execute("SELECT 1 FROM favourites_saved").fetchone() is not None:
        return
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        saved = None
    if not isinstance(saved, list) or not all(isinstance(f, str) for f in saved):
        # As before: an unreadable file meant the defaults; it is kept, renamed.
        logger.warning("favourites file unreadable: defaults used")
        return
    _replace_favourites(db, saved, now)
