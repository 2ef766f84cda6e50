"""Nested writes on the cabinet's PostgreSQL server (issue #27): each savepoint's release
goes with the next savepoint or ends with the transaction — one round trip per nested
write instead of two (an ARL recorded holds three) — and what a nested write undoes or
keeps is the same as before. A real server."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest

from client.store.errors import DatabaseUnavailableError
from client.store.postgres import PgDatabase, connect


@pytest.fixture
def db(pg_database: Callable[[], str]) -> Iterator[PgDatabase]:
    url = pg_database()
    database = PgDatabase(connect(url), url)
    database.execute("CREATE TABLE kept (v INTEGER NOT NULL)")
    try:
        yield database
    finally:
        database.close()


def _kept(db: PgDatabase) -> list[int]:
    return [int(r[0]) for r in db.execute("SELECT v FROM kept ORDER BY v").fetchall()]


def _add(db: PgDatabase, value: int) -> None:
    db.execute("INSERT INTO kept (v) VALUES (?)", [value])


class Refused(Exception):
    """A nested write's failure, caught by its caller."""


def test_a_failed_nested_write_is_undone_alone_and_the_others_kept(db: PgDatabase) -> None:
    db.begin_write()
    with db.atomic():
        _add(db, 1)
    with pytest.raises(Refused), db.atomic():
        _add(db, 2)
        raise Refused
    with db.atomic():
        _add(db, 3)
        with db.atomic():
            _add(db, 4)
    db.conn.commit()
    assert _kept(db) == [1, 3, 4]


def test_a_block_that_fails_after_its_nested_writes_undoes_them_too(db: PgDatabase) -> None:
    db.begin_write()
    with pytest.raises(Refused), db.atomic():
        with db.atomic():
            _add(db, 5)  # ended well, its savepoint not yet released
        raise Refused
    _add(db, 6)
    db.conn.commit()
    assert _kept(db) == [6]


def test_a_rolled_back_transaction_keeps_none_of_its_nested_writes(db: PgDatabase) -> None:
    db.begin_write()
    with db.atomic():
        _add(db, 7)
    db.execute("ROLLBACK")
    db.begin_write()
    with db.atomic():  # no release of the savepoint gone with the last transaction
        _add(db, 8)
    db.conn.commit()
    assert _kept(db) == [8]


def test_nested_writes_cost_one_round_trip_each(
    db: PgDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[bytes] = []
    run = db.conn.run

    def counted(statement: bytes, params: object = None) -> psycopg.Cursor[object]:
        sent.append(statement)
        return run(statement, params)  # type: ignore[arg-type]

    monkeypatch.setattr(db.conn, "run", counted)
    db.begin_write()
    for value in range(50):
        with db.atomic():
            _add(db, value)
    db.conn.commit()
    assert sent[-2:] == [b"INSERT INTO kept (v) VALUES (%s)", b"COMMIT"]
    assert _kept(db) == list(range(50))
    savepoints = [s for s in sent if b"SAVEPOINT" in s]
    # Half the round trips of a SAVEPOINT and a RELEASE each; the server's nesting stays
    # one deep (each released with the next).
    assert len(savepoints) == 50
    assert savepoints[1] == b"RELEASE SAVEPOINT sp1; SAVEPOINT sp2"


def test_a_connection_lost_after_a_nested_write_leaves_the_next_transaction_whole(
    db: PgDatabase,
) -> None:
    db.begin_write()
    with db.atomic():
        _add(db, 9)
    killer = connect(db.url)
    try:
        killer.execute("SELECT pg_terminate_backend(%s)", [db.conn.raw.info.backend_pid])
    finally:
        killer.close()
    with pytest.raises(DatabaseUnavailableError):
        _add(db, 10)
    db.execute("ROLLBACK")  # its owner ends it: the server already rolled it back
    db.begin_write()
    with db.atomic():
        _add(db, 11)
    db.conn.commit()
    assert _kept(db) == [11]
