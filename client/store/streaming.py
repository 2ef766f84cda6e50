"""Long reads as streams: the rows of a query in chunks, never all in memory at once.

On SQLite the cursor already yields rows as it reads them. On PostgreSQL a plain query
brings its whole result into the client first (13 GB for a 1 M FSE journal, issue #27):
``PgDatabase.query_stream`` reads it through a server-side cursor instead, in chunks. Used
by the checks that go through a whole table (``sesam audit verify``), inside their read
transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from billing.money_text import count_fr

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


T = TypeVar("T")


def counted(
    items: Iterable[T], what: str, say: Callable[[str], None] | None, every: int
) -> Iterable[T]:
    """``items``, saying « 1 000 000 <what> » to ``say`` every ``every`` of them (a long
    pass told to the user who waits); ``items`` itself when no one listens."""
    if say is None:
        return items

    def counting() -> Iterator[T]:
        for n, item in enumerate(items, 1):
            if n % every == 0:
                say(f"  {count_fr(n)} {what}")
            yield item

    return counting()
