"""On PostgreSQL, ``sesam audit verify`` reads the journal from the server in chunks
(issue #27): a plain query brings the whole result into the client first, 13 GB for a 1 M
FSE journal. The rows of ``PgDatabase.query_stream`` wait on the server behind a cursor,
and the journal still verifies whole through it. A real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from billing.audit import AuditKind
from client.store import open_store
from client.store.postgres import PgDatabase


def test_the_journal_is_read_from_the_server_in_chunks_and_verifies_whole(
    tmp_path: Path, pg_database: Callable[[], str]
) -> None:
    store = open_store(tmp_path / "sesam.db", database_url=pg_database())
    try:
        now = datetime.now(UTC)
        for n in range(12):
            store.record_audit(AuditKind.RESTORED, now, {"n": n})
        db = store.conn.db
        assert isinstance(db, PgDatabase)
        with store.conn.read():
            stream = db.query_stream("SELECT seq FROM audit_journal ORDER BY seq", chunk=5)
            first = next(stream)
            # The rest waits on the server, behind the stream's cursor.
            cursors = [str(r["name"]) for r in db.query("SELECT name FROM pg_cursors")]
            rest = list(stream)
        assert [first["seq"]] + [r["seq"] for r in rest] == list(range(1, 13))
        assert any(name.startswith("sesam_stream_") for name in cursors), cursors
        report = store.audit_verify()
        assert report.ok, report.message()
        assert report.count == 12
    finally:
        store.close()
