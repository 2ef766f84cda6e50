"""Copying a whole store to another backend: a practitioner's SQLite file into the
cabinet's PostgreSQL database (moving in), or back into a SQLite file.

Every table is copied row for row (the same ids, the journal's rows and hashes as they
are), parents before children (foreign keys), in one transaction of the target: a copy cut
short leaves the target as it was. The target must hold no FSE and no journal entry yet
(a new database); both are opened by this version, so their schemas match.

The tables the triggers keep (month totals, counts, remainders…) are found in the
target's own triggers, never listed here: a table a new migration's trigger keeps cannot
be forgotten. The triggers are off while the rows come in (on, they would rewrite the
same few rows once per copied row) and on again before the commit; each table they keep
is then emptied and set to the source's rows, after the tables whose triggers write it
(the counts after the remainders they count). On PostgreSQL the planner's statistics are
gathered after the commit (``ANALYZE``): the first pages are planned on the rows copied.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from client.store.errors import StoreError
from client.store.store import Store

logger = logging.getLogger(__name__)

#: Rows read and written at once.
BATCH = 1000

#: The migration records: each side keeps its own (the same migrations, applied there).
_OWN = ("_sqlite_migrations", "schema_migrations")

#: What a trigger's body writes to (an upsert's ``DO UPDATE SET`` is not a table).
_WRITES = re.compile(
    r"\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|DELETE\s+FROM|UPDATE(?!\s+SET\b))\s+(\w+)",
    re.IGNORECASE,
)

#: Progress: (table, rows copied, rows of the table); then (STATISTICS, 0 then 1, 1).
Progress = Callable[[str, int, int], None]
#: The last step's name on PostgreSQL: the planner's statistics gathered (``ANALYZE``).
STATISTICS = "statistiques"


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


class SchemaMismatchError(StoreError):
    """The two stores' tables differ: one was not made by this version of the software."""

    def __init__(self, table: str) -> None:
        super().__init__(
            f"La table « {table} » de la base d'origine n'a pas d'équivalent dans la base "
            "cible : rien n'a été copié. Les deux bases doivent avoir été ouvertes par la "
            "même version du logiciel : mettez à jour ce poste et recommencez."
        )


def store_tables(store: Store) -> list[str]:
    """Every table of ``store`` but its migration records, by name."""
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


def _triggers(store: Store) -> list[tuple[str, str]]:
    """Each trigger of ``store``: the table it is on and its body (on PostgreSQL, its
    function's)."""
    if store.conn.on_postgres:
        rows = store.db.query(
            "SELECT c.relname AS on_table, p.prosrc AS body FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE NOT t.tgisinternal AND n.nspname = current_schema()"
        )
    else:
        rows = store.db.query(
            "SELECT tbl_name AS on_table, sql AS body FROM sqlite_master WHERE type = 'trigger'"
        )
    return [(str(r["on_table"]), str(r["body"])) for r in rows]


def trigger_writes(store: Store) -> dict[str, set[str]]:
    """The tables the triggers keep, each with the tables whose triggers write it."""
    writers: dict[str, set[str]] = {}
    for on_table, body in _triggers(store):
        # SQLite keeps the whole ``CREATE TRIGGER``: only what follows its BEGIN is done.
        done = re.split(r"\bBEGIN\b", body, maxsplit=1, flags=re.IGNORECASE)[-1]
        for written in _WRITES.findall(done):
            writers.setdefault(written, set()).add(on_table)
    return writers


def _columns(store: Store, table: str) -> list[str]:
    cursor = store.db.execute(f"SELECT * FROM {table} LIMIT 0")  # noqa: S608 - catalog name
    return [str(d[0]) for d in cursor.description or ()]


def _in_order(tables: Iterable[str], before: Callable[[str], set[str]]) -> list[str]:
    """``tables`` with every table after the ones of ``before(table)`` among them."""
    tables = list(tables)
    needs = {t: before(t) & set(tables) for t in tables}
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in ordered and needs[t] <= set(ordered)]
        if not ready:  # a cycle between tables: the rest in name order
            ready = [t for t in tables if t not in ordered]
        ordered.extend(ready)
    return ordered


def _order_by(columns: list[str]) -> str:
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
        if table in store_tables(store) and store.conn.one(f"SELECT 1 AS x FROM {table} LIMIT 1"):  # noqa: S608
            return True
    return False


def copy_store(source: Store, target: Store, where: str, progress: Progress) -> CopyReport:
    """Copy every row of ``source`` into ``target`` (see the module docstring).

    :param where: the target as the user knows it (for the error message).
    :raises TargetNotEmptyError: ``target`` already holds FSE or journal entries.
    :raises SchemaMismatchError: ``source`` has a table or a column ``target`` lacks.
    """
    source_tables = store_tables(source)
    target_tables = set(store_tables(target))
    for table in source_tables:
        if table not in target_tables:
            raise SchemaMismatchError(table)
    writers = trigger_writes(target)
    kept = [t for t in source_tables if t in writers]
    copied: list[tuple[str, int]] = []
    with source.conn.read(), target.write(), _triggers_off(target):
        if _holds_records(target):
            raise TargetNotEmptyError(where)
        parents = {t: _parents(source, t) for t in source_tables}
        ordered = _in_order((t for t in source_tables if t not in writers), parents.__getitem__)
        # Seeded by the migrations (dictionaries, conventions): the source's rows instead.
        for table in reversed(ordered):
            target.db.execute(f"DELETE FROM {table}")  # noqa: S608 - catalog name
        for table in ordered:
            copied.append((table, _copy_table(source, target, table, progress)))
        # Seeded by the migrations: the source's own rows instead, each table after those
        # whose triggers write it (were the triggers on, emptying it would move what they keep).
        for table in _in_order(kept, lambda t: writers[t] | parents[t]):
            target.db.execute(f"DELETE FROM {table}")  # noqa: S608 - catalog name
            copied.append((table, _copy_table(source, target, table, progress)))
        if target.conn.on_postgres:
            _advance_identities(target)
    if target.conn.on_postgres:
        # The planner's statistics of the rows copied, after the commit: without them it
        # plans the first pages on a new table's guesses (autovacuum comes minutes later).
        progress(STATISTICS, 0, 1)
        target.db.execute("ANALYZE")
        progress(STATISTICS, 1, 1)
    return CopyReport(tuple(copied))


@contextlib.contextmanager
def _triggers_off(target: Store) -> Iterator[None]:
    """The target's triggers off for the copy, inside its transaction, then on again before
    its commit (a copy cut short rolls both back: the triggers stay as they were).

    On, they would rewrite the same few rows (counts, month totals) once per copied row:
    PostgreSQL keeps every version of such a row until the commit and walks them at each
    update (a 100k store did not finish in 15 min). Their tables get the source's rows
    after anyway. SQLite has no switch: its triggers are dropped and made again from their
    own ``CREATE TRIGGER`` (its DDL is transactional too).
    """
    if target.conn.on_postgres:
        tables = sorted({table for table, _ in _triggers(target)})
        for table in tables:
            target.db.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        yield
        for table in tables:
            target.db.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        return
    made = [
        (str(r["name"]), str(r["sql"]))
        for r in target.db.query(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        )
    ]
    for name, _ in made:
        target.db.execute(f'DROP TRIGGER "{name}"')
    yield
    for _, sql in made:
        target.db.execute(sql)


def _copy_table(source: Store, target: Store, table: str, progress: Progress) -> int:
    columns = _columns(source, table)
    known = set(_columns(target, table))
    for column in columns:
        if column not in known:
            raise SchemaMismatchError(f"{table}.{column}")
    names = ", ".join(columns)
    total = int((source.conn.one(f"SELECT count(*) AS n FROM {table}") or {"n": 0})["n"])  # noqa: S608
    insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
    cursor = source.db.execute(f"SELECT {names} FROM {table}{_order_by(columns)}")  # noqa: S608
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


def _advance_identities(target: Store) -> None:
    """PostgreSQL numbers the next rows after the ids copied (SQLite does it by itself)."""
    rows = target.db.query(
        "SELECT table_name AS name FROM information_schema.columns WHERE column_name = 'id' "
        "AND is_identity = 'YES' AND table_schema = current_schema()"
    )
    for table in sorted(str(r["name"]) for r in rows):
        target.db.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
            f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
        )
