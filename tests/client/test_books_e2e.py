"""Issue #17, end to end: lots sent over mTLS to the testbed concentrator, ARL fetched,
NOEMIE returns imported from the server (payments, partial payments, rejections): the
verification finds the books and the journal in agreement, every payment journaled, and a
payment's amount edited afterwards is named."""

from __future__ import annotations

from am_support import FakeClock, client_settings, close_lots, create_fse, open_cabinet, seeded
from store_attacker import attacker

from client.returns import fetch_arls, fetch_noemie
from client.sender import Sender
from client.store import Store
from client.transport import HttpsTransport
from testbed.am.server import AmServer


def test_books_agree_with_the_journal_after_real_returns(store: Store, am: AmServer) -> None:
    clock = FakeClock()
    cabinet = open_cabinet()
    create_fse(store, cabinet, 12, clock, lot_size=5)
    close_lots(store, cabinet, clock)
    settings = client_settings(am.url)
    transport = HttpsTransport(settings)
    assert Sender(store, transport, settings=settings, clock=clock, rng=seeded(1)).run().complete
    fetch_arls(store, transport, clock())
    reports = fetch_noemie(store, transport, clock())
    assert sum(r.paid + r.partly_paid + r.rejected for r in reports) == 12
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
