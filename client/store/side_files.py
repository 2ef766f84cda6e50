"""The side files of older versions, beside the database: the reception's drafts
(``brouillons/*.json``) and ``favourites.json``, brought into the store (``kept``) at its
opening and renamed ``*.imported``. Apart from ``kept``: every opening looks for them, and
they are almost never there (issue #27: a listing defines none of kept's row types)."""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from client.store.stamps import stamp

if TYPE_CHECKING:
    from client.store.kept import StoreConnection
    from client.store.protocol import StoreDatabase

logger = logging.getLogger(__name__)

#: Renamed ``*.imported`` once read.
DRAFTS_DIR_NAME = "brouillons"
FAVOURITES_NAME = "favourites.json"
IMPORTED_SUFFIX = ".imported"


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
    from client.store.kept import replace_favourites

    replace_favourites(db, saved, now)
