"""Copying a whole store to another backend: a practitioner's SQLite file into the
cabinet's PostgreSQL database (moving in), or back into a SQLite file.

Every table is copied row for row (the same ids, the journal's rows and hashes as they
are), parents before children (foreign keys), in one transaction of the target: a copy cut
short leaves the target as it was. The tables the triggers keep (month totals, status
counts) are then set to the source's own rows. The target must hold no FSE and no journal
entry yet (a new database); both are opened by this version, so their schemas match.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from client.store.errors import StoreError
from client.store.store import Store

logger = logging.getLogger(__name__)

#: Rows read and written at once.
BATCH = 1000

#: Kept by triggers from the other tables: set to the source's rows after the copy.
DERIVED = ("fse_month_totals", "payment_month_totals", "fse_status_counts")

#: The migration records: each side keeps its own (the same migrations, applied there).
_OWN = ("_sqlite_migrations", "schema_migrations")

#: Progress: (table, rows copied, rows of the table).
Progress = Callable[[str, int, int], None]


class TargetNotEmptyError(StoreError):
    """The target already holds FSE or an audit journal: a copy would mix two stores."""

    def __init__(self, where: str) -> None:
        super().__init__(
            f"La base cible ({where}) contient déjà des FSE ou un journal d'audit : rien n'a "
            "été copié. Copiez vers une base neuve (créez-la vide sur le serveur, ou un "
            "dossier de données vide)."
        )


@dataclass(frozen=True, slots=True)
class CopyReport:
    """Rows copied per table, in the order they were copied."""

    rows: tuple[tuple[str, int], ...]

    def count(self, table: str) -> int:
        return dict(self.rows).get(table, 0)


def _tables(store: Store) -> list[str]:
    if store.conn.on_postgres:
        rows = store.db.query(
            "SELECT table_name AS name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    else:
        rows = store.db.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    return sorted(str(r["name"]) for r in rows if str(r["name"]) not in _OWN)


def _parents(store: Store, table: str) -> set[str]:
    """The tables ``table`` refers to by a foreign key."""
    if store.conn.on_postgres:
        rows = store.db.query(
            "SELECT DISTINCT ccu.table_name AS parent FROM information_schema."
            "table_constraints tc JOIN information_schema.constraint_column_usage ccu "
            "ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema "
            "WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_name = ? "
            "AND tc.table_schema = current_schema()",
            [table],
        )
    else:
        rows = store.db.query(
            'SELECT DISTINCT "table" AS parent FROM pragma_foreign_key_list(?)', [table]
        )
    return {str(r["parent"]) for r in rows} - {table}


def _columns(store: Store, table: str) -> list[str]:
    cursor = store.db.execute(f"SELECT * FROM {table} LIMIT 0")  # noqa: S608 - catalog name
    return [str(d[0]) for d in cursor.description or ()]


def _in_order(store: Store, tables: list[str]) -> list[str]:
    """``tables`` with every table after the ones it refers to."""
    parents = {t: _parents(store, t) & set(tables) for t in tables}
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in ordered and parents[t] <= set(ordered)]
        if not ready:  # a cycle between tables: the rest in name order
            ready = [t for t in tables if t not in ordered]
        ordered.extend(ready)
    return ordered


def _order_by(store: Store, table: str, columns: list[str]) -> str:
    """Rows in the order they were written: a table referring to itself (the outbox's
    ``after_id``) needs its earlier rows first."""
    if "id" in columns and "created_at" in columns:
        return " ORDER BY created_at, id"
    if "id" in columns:
        return " ORDER BY id"
    if "seq" in columns:
        return " ORDER BY seq"
    return ""


def _holds_records(store: Store) -> bool:
    for table in ("fse", "audit_journal"):
        if table in _tables(store) and store.conn.one(f"SELECT 1 AS x FROM {table} LIMIT 1"):  # noqa: S608
            return True
    return False


def copy_store(source: Store, target: Store, where: str, progress: Progress) -> CopyReport:
    """Copy every row of ``source`` into ``target`` (see the module docstring).

    :param where: the target as the user knows it (for the error message).
    :raises TargetNotEmptyError: ``target`` already holds FSE or journal entries.
    """
    target_tables = set(_tables(target))
    tables = [t for t in _in_order(source, _tables(source)) if t in target_tables]
    copied: list[tuple[str, int]] = []
    with source.conn.read(), target.write():
        if _holds_records(target):
            raise TargetNotEmptyError(where)
        # Seeded by the migrations (dictionaries, conventions): the source's rows instead.
        for table in reversed(tables):
            target.db.execute(f"DELETE FROM {table}")  # noqa: S608 - catalog name
        for table in tables:
            if table not in DERIVED:
                copied.append((table, _copy_table(source, target, table, progress)))
        # The triggers filled them while the rows came in: the source's own rows instead.
        for table in DERIVED:
            if table in tables:
                target.db.execute(f"DELETE FROM {table}")  # noqa: S608 - constant name
                copied.append((table, _copy_table(source, target, table, progress)))
        if target.conn.on_postgres:
            _advance_identities(target, tables)
    return CopyReport(tuple(copied))


def _copy_table(source: Store, target: Store, table: str, progress: Progress) -> int:
    columns = [c for c in _columns(source, table) if c in set(_columns(target, table))]
    names = ", ".join(columns)
    total = int((source.conn.one(f"SELECT count(*) AS n FROM {table}") or {"n": 0})["n"])  # noqa: S608
    insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
    cursor = source.db.execute(
        f"SELECT {names} FROM {table}{_order_by(source, table, columns)}"  # noqa: S608
    )
    done = 0
    progress(table, 0, total)
    while True:  # by batches: a SQLite source is read as it is written (a big store)
        batch: list[Any] = [tuple(r) for r in cursor.fetchmany(BATCH)]
        if not batch:
            break
        target.db.conn.executemany(insert, batch)
        done += len(batch)
        progress(table, done, total)
    logger.info("copy: %s, %d rows", table, done)
    return done


def _advance_identities(target: Store, tables: list[str]) -> None:
    """PostgreSQL numbers the next rows after the ids copied (SQLite does it by itself)."""
    for table in tables:
        if table in target.db.conn.identity_tables():  # type: ignore[attr-defined]
            target.db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
            )
