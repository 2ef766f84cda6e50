"""What the store uses of its database, typed once for both backends.

``StoreDatabase`` is the part of sqlite-utils' ``Database`` (on SQLite) that the
repositories, the migrations' runner and the copy call; ``client.store.postgres.PgDatabase``
offers the same on PostgreSQL. Both satisfy it structurally (no base class to inherit):
mypy checks every repository against this protocol, not against either backend, so a call
only one of them answers is a type error rather than a crash on the other backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable


class StoreCursor(Protocol):
    """A statement's result: ``sqlite3.Cursor`` or ``PgCursor``."""

    @property
    def description(self) -> Sequence[Sequence[Any]] | None: ...

    @property
    def rowcount(self) -> int: ...

    @property
    def lastrowid(self) -> int | None: ...

    def fetchone(self) -> Any: ...

    def fetchmany(self, size: int) -> list[Any]: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class StoreConnection(Protocol):
    """The driver's connection: ``sqlite3.Connection`` or ``PgConnection``."""

    @property
    def in_transaction(self) -> bool: ...

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> StoreCursor: ...

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]], /) -> StoreCursor: ...

    def commit(self) -> None: ...


class StoreDatabase(Protocol):
    """The store's database: sqlite-utils' ``Database`` or ``PgDatabase``."""

    @property
    def conn(self) -> StoreConnection: ...

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> StoreCursor: ...

    def query(self, sql: str, params: Sequence[Any] | None = None) -> Iterator[dict[str, Any]]: ...

    def atomic(self) -> AbstractContextManager[object]: ...

    def close(self) -> None: ...


@runtime_checkable
class ServerTransactions(Protocol):
    """What a database server adds (``PgDatabase``): the store opens its transactions
    through these rather than with SQLite's ``BEGIN IMMEDIATE``."""

    def begin_write(self) -> None: ...

    def begin_read(self) -> None: ...
