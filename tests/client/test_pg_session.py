"""The store's sessions on the cabinet's PostgreSQL server (issue #27): no JIT compiling of
its short reads (5-40 ms for a 10 ms alerts query at 1M FSE) nor parallel workers (20-30 ms
to start for a 3 ms screenful of the FSE list), the cabinet's own URL options
kept; a write transaction opened with the writers' lock in one round trip, and given back
when the lock cannot be had. A real server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psycopg
import pytest

from client.store.errors import DatabaseUnavailableError
from client.store.postgres import WRITE_LOCK_KEY, PgDatabase, connect


def test_sessions_do_not_jit_and_keep_the_urls_options(pg_database: Callable[[], str]) -> None:
    url = pg_database()
    plain = connect(url)
    with_options = connect(f"{url}?options=-c%20work_mem%3D8MB")
    try:
        assert plain.execute("SHOW jit").fetchone() == ("off",)
        assert with_options.execute("SHOW jit").fetchone() == ("off",)
        # No parallel workers for a screenful (their start cost 10x the read at 1M FSE).
        assert plain.execute("SHOW max_parallel_workers_per_gather").fetchone() == ("0",)
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


def _cancel_once_waiting(url: str, conn: psycopg.Connection[object]) -> None:
    """Cancel ``conn``'s request once the server shows it waiting for the writers' lock."""
    pid = conn.info.backend_pid
    watcher = connect(url)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            row = watcher.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                "AND pid = %s",
                [pid],
            ).fetchone()
            if row is not None and row[0]:
                conn.cancel_safe()
                return
            time.sleep(0.02)
    finally:
        watcher.close()


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
        # Its wait ended from the client (a cancel once the server shows it waiting on the
        # lock), not by ``lock_timeout``: the server's timers do not fire under the date
        # passes' faketime, and the user's wait ends the same way (a cancelled request).
        canceller = threading.Thread(
            target=_cancel_once_waiting, args=(url, waiting.conn.raw), daemon=True
        )
        canceller.start()
        with pytest.raises(DatabaseUnavailableError):  # the store's word for a cut request
            waiting.begin_write()
        canceller.join(timeout=30)
        # Given back: the next write of this session starts a transaction of its own.
        assert not waiting.conn.in_transaction
        holder.conn.run(b"COMMIT")
        waiting.begin_write()
        assert waiting.conn.in_transaction
        waiting.conn.run(b"ROLLBACK")
    finally:
        holder.close()
        waiting.close()
