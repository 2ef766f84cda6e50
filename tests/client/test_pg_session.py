"""The store's sessions on the cabinet's PostgreSQL server (issue #27): no JIT compiling of
its short reads (5-40 ms for a 10 ms alerts query at 1M FSE), the cabinet's own URL options
kept; a write transaction opened with the writers' lock in one round trip, and given back
when the lock cannot be had. A real server."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest

from client.store.postgres import WRITE_LOCK_KEY, PgDatabase, connect


def test_sessions_do_not_jit_and_keep_the_urls_options(pg_database: Callable[[], str]) -> None:
    url = pg_database()
    plain = connect(url)
    with_options = connect(f"{url}?options=-c%20work_mem%3D8MB")
    try:
        assert plain.execute("SHOW jit").fetchone() == ("off",)
        assert with_options.execute("SHOW jit").fetchone() == ("off",)
        assert with_options.execute("SHOW work_mem").fetchone() == ("8MB",)
    finally:
        plain.close()
        with_options.close()


def _holds_write_lock(conn: psycopg.Connection[object], pid: int) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = %s "
        "AND objid = %s",
        [pid, WRITE_LOCK_KEY],
    ).fetchone()
    return row is not None and row[0] == 1


def test_a_write_transaction_holds_the_writers_lock_until_it_ends(
    pg_database: Callable[[], str],
) -> None:
    url = pg_database()
    db = PgDatabase(connect(url), url)
    watcher = connect(url)
    try:
        pid = db.conn.raw.info.backend_pid
        db.begin_write()
        assert db.conn.in_transaction
        assert _holds_write_lock(watcher, pid)
        db.conn.run(b"COMMIT")
        assert not db.conn.in_transaction
        assert not _holds_write_lock(watcher, pid)
    finally:
        db.close()
        watcher.close()


def test_a_writer_that_cannot_get_the_lock_leaves_no_transaction_open(
    pg_database: Callable[[], str],
) -> None:
    url = pg_database()
    holder = PgDatabase(connect(url), url)
    waiting = PgDatabase(connect(url), url)
    try:
        holder.begin_write()
        waiting.conn.run(b"SET lock_timeout = '100ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            waiting.begin_write()
        # Given back: the next write of this session starts a transaction of its own.
        assert not waiting.conn.in_transaction
        holder.conn.run(b"COMMIT")
        waiting.begin_write()
        assert waiting.conn.in_transaction
        waiting.conn.run(b"ROLLBACK")
    finally:
        holder.close()
        waiting.close()
