"""The compression dictionaries a store keeps (``packing_dictionaries``, m020): made known to
``client.store.packing`` when the store opens, so that values packed with a dictionary this
version no longer ships stay readable."""

from __future__ import annotations

from typing import TYPE_CHECKING

from client.store.packing import Dictionary, DictionaryKind, register

if TYPE_CHECKING:
    from client.store.lot_bytes import Queryable


def register_stored(db: Queryable) -> int:
    """Register the store's dictionaries; how many it keeps (none before m020)."""
    rows = list(db.query("SELECT dict_id, kind, dictionary, source FROM packing_dictionaries"))
    for row in rows:
        register(
            Dictionary(
                dict_id=int(row["dict_id"]),
                kind=DictionaryKind(row["kind"]),
                data=bytes(row["dictionary"]),
                source=str(row["source"]),
            )
        )
    return len(rows)
