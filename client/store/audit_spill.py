"""What ``sesam audit verify`` keeps of the journal between its pass over it and the
comparison with the books, kept out of memory (issue #27): at 1 M FSE the events, the FSE's
journaled facts and the payments' payloads held in Python took ~0.85 GB (finding 34).

A private temporary SQLite database (``sqlite3.connect("")``: a file SQLite creates, never
named, and removes when the connection closes), written in batches, read by key or in key
order; its page cache is bounded, the rest stays on disk. It holds what the journal already
holds (payloads without personal data: numbers, states, digests, amounts), only for the
duration of one verification, on either backend of the store."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

#: Rows held before they are written, all tables together (a few hundred KB at most).
_BATCH = 1000
#: The temporary database's page cache, in KiB (SQLite's negative ``cache_size``).
_CACHE_KIB = 16384


class Spill:
    """Tables of (key, first place, value, first value), the last value of a key standing
    (as a dict's), its place and first value those of its first write."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("", isolation_level=None)
        self._db.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("BEGIN")
        self._tables: set[str] = set()
        self._pending: dict[str, list[tuple[Any, int, Any, Any]]] = {}
        self._held = 0
        self._place = 0

    def close(self) -> None:
        self._db.close()

    def _table(self, name: str) -> str:
        if name not in self._tables:
            if not name.isidentifier():
                raise ValueError(name)
            # No type on the key: an integer and a text stay distinct, as in a dict.
            self._db.execute(f"CREATE TABLE {name} (k PRIMARY KEY, place INTEGER, v, first)")
            self._tables.add(name)
        return name

    def put(self, name: str, key: Any, value: Any, first: Any = None) -> int:
        """Write ``value`` for ``key`` (``first``: kept from the key's first write); its
        place in the order of writes."""
        self._place += 1
        batch = self._pending.setdefault(self._table(name), [])
        batch.append((key, self._place, value, first))
        self._held += 1
        if self._held >= _BATCH:
            for pending in list(self._pending):
                self._flush(pending)
            self._held = 0
        return self._place

    def _flush(self, name: str) -> None:
        batch = self._pending.pop(name, None)
        if batch:
            self._db.executemany(
                f"INSERT INTO {name} VALUES (?, ?, ?, ?) "  # noqa: S608 - own table
                "ON CONFLICT (k) DO UPDATE SET v = excluded.v",
                batch,
            )

    def _ready(self, name: str) -> bool:
        self._flush(name)
        return name in self._tables

    def get(self, name: str, key: Any) -> tuple[int, Any, Any] | None:
        """(place, value, first) of ``key``; None when never written."""
        if not self._ready(name):
            return None
        row = self._db.execute(
            f"SELECT place, v, first FROM {name} WHERE k = ?",  # noqa: S608
            [key],
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2])

    def count(self, *names: str) -> int:
        """How many keys the tables ``names`` hold together."""
        ready = [n for n in names if self._ready(n)]
        if not ready:
            return 0
        union = " UNION ".join(f"SELECT k FROM {n}" for n in ready)  # noqa: S608 - own tables
        counted = self._db.execute(f"SELECT COUNT(*) FROM ({union})")  # noqa: S608
        return int(counted.fetchone()[0])

    def by_place(self, *names: str) -> Iterator[Any]:
        """The keys of the tables ``names``, in the order of their first write."""
        ready = [n for n in names if self._ready(n)]
        if not ready:
            return iter(())
        union = " UNION ALL ".join(f"SELECT k, place FROM {n}" for n in ready)  # noqa: S608
        rows = self._db.execute(
            f"SELECT k FROM ({union}) GROUP BY k ORDER BY MIN(place)"  # noqa: S608
        )
        return (r[0] for r in rows)

    def by_key(self, name: str) -> Iterator[tuple[Any, Any]]:
        """(key, value) in key order."""
        if not self._ready(name):
            return iter(())
        return iter(self._db.execute(f"SELECT k, v FROM {name} ORDER BY k"))  # noqa: S608
