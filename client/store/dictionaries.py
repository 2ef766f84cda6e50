"""The compression dictionaries a store keeps (``packing_dictionaries``, m020): noted when
the store opens, made known to ``client.store.packing`` when a value packed with one this
version no longer ships is read, so that it stays readable.

Noted, not loaded: a listing opens the store and never unpacks a value, and loading means
importing zstd and the packing module (issue #27)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple, Protocol


class Queryable(Protocol):
    """Where the rows are read from: a store's database (either backend)."""

    def query(self, sql: str) -> Iterable[Mapping[str, Any]]: ...


class StoredDictionary(NamedTuple):
    """A row of ``packing_dictionaries`` as read (checked when ``packing`` loads it)."""

    dict_id: int
    kind: str
    data: bytes
    source: str


_LOCK = threading.Lock()
#: The dictionaries read from the stores this process opened, by ``dict_id``.
_STORED: dict[int, StoredDictionary] = {}


def register_stored(db: Queryable) -> int:
    """Note the store's dictionaries; how many it keeps (none before m020)."""
    rows = list(db.query("SELECT dict_id, kind, dictionary, source FROM packing_dictionaries"))
    with _LOCK:
        for row in rows:
            dict_id = int(row["dict_id"])
            _STORED.setdefault(
                dict_id,
                StoredDictionary(
                    dict_id, str(row["kind"]), bytes(row["dictionary"]), str(row["source"])
                ),
            )
    return len(rows)


def stored(dict_id: int) -> StoredDictionary | None:
    """The dictionary ``dict_id`` as a store opened by this process keeps it, if one does."""
    with _LOCK:
        return _STORED.get(dict_id)
