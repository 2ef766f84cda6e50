"""Issue #17, end to end: lots sent over mTLS to the testbed concentrator, ARL fetched,
NOEMIE returns imported from the server (payments, partial payments, rejections): the
verification finds the books and the journal in agreement, every payment journaled, and a
payment's amount edited afterwards is named."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from am_support import FakeClock, client_settings, close_lots, create_fse, open_cabinet, seeded
from store_attacker import attacker

import client.store.audit_check
import client.store.books
import client.store.journal
from client.returns import fetch_arls, fetch_noemie
from client.sender import Sender
from client.store import Store
from client.transport import HttpsTransport
from testbed.am.server import AmServer


def _billed_and_returned(store: Store, am: AmServer, count: int) -> int:
    """``count`` FSE sent in lots of 5, their ARL and NOEMIE returns fetched; the FSE the
    returns settled."""
    clock = FakeClock()
    cabinet = open_cabinet()
    create_fse(store, cabinet, count, clock, lot_size=5)
    close_lots(store, cabinet, clock)
    settings = client_settings(am.url)
    transport = HttpsTransport(settings)
    assert Sender(store, transport, settings=settings, clock=clock, rng=seeded(1)).run().complete
    fetch_arls(store, transport, clock())
    reports = fetch_noemie(store, transport, clock())
    return sum(r.paid + r.partly_paid + r.rejected for r in reports)


def test_books_agree_with_the_journal_after_real_returns(store: Store, am: AmServer) -> None:
    assert _billed_and_returned(store, am, 12) == 12
    report = store.audit_verify()
    assert report.ok, report.message()
    payments = store.db.execute("SELECT count(*) FROM payments").fetchone()[0]
    journaled = sum(1 for e in store.audit_entries() if e.kind == "payment")
    assert payments == journaled == 12

    with attacker(store.path) as edit:  # outside the software
        edit.execute("UPDATE payments SET paid_amo = '0.01' WHERE id = 3")
    report = store.audit_verify()
    assert not report.ok
    assert "paiement n° 3 (FSE n° " in report.message() and "AMO payé" in report.message()


def test_the_verification_reads_whole_tables_as_streams(
    store: Store, am: AmServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #27: on PostgreSQL a plain query brings its whole result into the process (the
    signed lots and the NOEMIE files of a 1M store: 138 + 44 MB). Every read of the
    verification that is not a stream picks rows by a condition or a limit."""
    assert _billed_and_returned(store, am, 8) == 8
    streamed: list[str] = []
    plain: list[str] = []

    def streaming(original: Callable[..., Iterator[dict[str, Any]]]) -> Callable[..., Any]:
        def spy(db: Any, sql: str, params: Any = None) -> Iterator[dict[str, Any]]:
            streamed.append(sql)
            return original(db, sql, params)

        return spy

    for module in (client.store.books, client.store.audit_check, client.store.journal):
        monkeypatch.setattr(module, "stream_rows", streaming(module.stream_rows))
    query = store.db.query

    def plain_query(sql: str, params: Any = None) -> Any:
        if sql not in streamed:
            plain.append(sql)
        return query(sql, params)

    monkeypatch.setattr(store.db, "query", plain_query)
    report = store.audit_verify()
    assert report.ok, report.message()
    assert any("signed_der FROM lots" in sql for sql in streamed)
    assert any("FROM noemie_files" in sql for sql in streamed)
    assert any("FROM audit_journal ORDER BY seq" in sql for sql in streamed)
    whole = [sql for sql in plain if " WHERE " not in sql and " LIMIT " not in sql]
    assert plain and whole == []
