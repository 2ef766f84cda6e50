"""Long reads as streams: the rows of a query in chunks, never all in memory at once.

On SQLite the cursor already yields rows as it reads them. On PostgreSQL a plain query
brings its whole result into the client first (13 GB for a 1 M FSE journal, issue #27):
``PgDatabase.query_stream`` reads it through a server-side cursor instead, in chunks. Used
by the checks that go through a whole table (``sesam audit verify``), inside their read
transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from client.store.protocol import StoreDatabase


@runtime_checkable
class StreamingDatabase(Protocol):
    """A database that reads a long result in chunks (``PgDatabase``)."""

    def query_stream(
        self, sql: str, params: Sequence[Any] | None = None
    ) -> Iterator[dict[str, Any]]: ...


def stream_rows(
    db: StoreDatabase, sql: str, params: Sequence[Any] | None = None
) -> Iterator[dict[str, Any]]:
    """The rows of ``sql`` as a stream on either backend."""
    if isinstance(db, StreamingDatabase):
        return db.query_stream(sql, params)
    return db.query(sql, params)
