"""Rows written in a batch on the cabinet's PostgreSQL server (a lot's FSE events, a store
moved with ``sesam store copy``) go through COPY rather than a statement per row (issue
#27): they must read back exactly as a statement per row would store them, and a text the
server refuses must be refused the same way, nothing of the batch kept. A real server."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from client.store.postgres import PgConnection, UnstorableTextError, connect


def _connection(url: str) -> PgConnection:
    conn = PgConnection(connect(url), url)
    conn.execute("CREATE TABLE batch (a INTEGER, b TEXT, c BYTEA, d REAL)")
    return conn


def test_a_batch_reads_back_as_written(pg_database: Callable[[], str]) -> None:
    conn = _connection(pg_database())
    rows = [
        (1, "motif\tlibellé \\ « fin »\n", b"\x00\x01\\DER", 0.1),
        (True, None, None, 1e-300),  # a flag stored as 1, as SQLite does
        (3, "", b"", 2.5),
    ]
    try:
        conn.executemany("INSERT INTO batch (a, b, c, d) VALUES (?, ?, ?, ?)", rows)

        stored = conn.execute("SELECT a, b, c, d FROM batch ORDER BY a, d").fetchall()
        assert stored == [
            (1, None, None, 1e-300),
            (1, "motif\tlibellé \\ « fin »\n", b"\x00\x01\\DER", 0.1),
            (3, "", b"", 2.5),
        ]
    finally:
        conn.close()


def test_a_nul_character_refuses_the_whole_batch_in_french(
    pg_database: Callable[[], str],
) -> None:
    conn = _connection(pg_database())
    try:
        with pytest.raises(UnstorableTextError, match="caractère nul"):
            conn.executemany("INSERT INTO batch (a, b) VALUES (?, ?)", [(1, "ok"), (2, "a\x00b")])

        assert conn.execute("SELECT count(*) FROM batch").fetchone() == (0,)
    finally:
        conn.close()
