"""The replay benchmark counts the PostgreSQL server's CPU (finding 63): on the benchmark's
machine the server shares the client's cores, and its work for each lot (9–11 ms of a
50-FSE lot, more than the client's) is what the ratio to the raw replay pays for. On SQLite
that work is the client's own CPU, already counted."""

from __future__ import annotations

import time

from benchmarks.replay import database_cpu_seconds
from client.store import Store


def test_the_database_servers_cpu_is_counted_on_postgresql_only(store: Store) -> None:
    before = database_cpu_seconds(store)
    if store.conn.on_postgres:
        assert before is not None and before > 0
        # Work done by the server only (the store's backend counting), until 100 ms of its
        # CPU show (ticks of 10 ms); missed, the loop runs out of time.
        deadline, spent = time.monotonic() + 10, before
        while spent - before < 0.1:
            assert time.monotonic() < deadline, "the server's CPU did not show"
            store.db.execute("SELECT count(*) FROM generate_series(1, 300000)").fetchone()
            spent = database_cpu_seconds(store) or 0.0
    else:
        assert before is None
