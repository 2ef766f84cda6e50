"""`sesam audit verify` reads the journal as a stream (issue #27): at 1 M FSE its 8 M
entries held as a list took 8 GB. A store of a few hundred real FSE (priced, certified,
signed, sent to the simulated Assurance Maladie over HTTPS, paid or rejected by its NOEMIE
returns) still verifies with the same report, an edit is still named as before, and the
number of journal entries alive at once no longer grows with the journal."""

from __future__ import annotations

import os
import sqlite3
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from am_support import (
    DealtReturnPolicy,
    FakeClock,
    create_fse,
    open_cabinet,
    seeded,
    send_and_fetch_returns,
)

from billing.audit import AuditEntry, Breach
from client.store import Store, open_store
from client.store import journal as journal_module

#: The store is billed once for the module and copied as a file for each test; on the
#: PostgreSQL pass the stream is checked by the audit tests of every store (test_audit_*).
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("SESAM_TEST_POSTGRES", "").strip()),
    reason="un magasin SQLite copié par fichier",
)


@pytest.fixture(scope="module")
def billed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 FSE in lots of 50, sent and settled (some paid in part or rejected), then 20
    more waiting in an open lot: the journal holds every kind of entry a cabinet writes."""
    tmp = tmp_path_factory.mktemp("stream")
    store = open_store(tmp / "sesam.db")
    cabinet = open_cabinet()
    clock = FakeClock()
    create_fse(store, cabinet, 300, clock)
    policy = DealtReturnPolicy(rejected_per_mille=200, partly_paid_per_mille=300)
    send_and_fetch_returns(store, cabinet, clock, tmp / "ledger.sqlite", policy, seeded(5))
    create_fse(store, cabinet, 20, clock)
    store.close()
    return tmp / "sesam.db"


@pytest.fixture
def store(billed: Path, tmp_path: Path) -> Iterator[Store]:
    copy = tmp_path / "sesam.db"
    copy.write_bytes(billed.read_bytes())
    s = open_store(copy)
    yield s
    s.close()


def test_a_real_store_verifies_with_its_whole_journal_counted(store: Store) -> None:
    entries = store.audit_entries()
    assert len(entries) > 2_000  # the lots' entries, the payments, the NOEMIE files...
    report = store.audit_verify()
    assert report.ok, report.message()
    assert report.count == len(entries)
    assert report.head_hash == entries[-1].hash == store.journal_head()[1]
    assert report.message() == (
        f"Journal d'audit intègre : {len(entries)} entrée(s), empreinte finale {entries[-1].hash}."
    )


def _edit(store: Store, sql: str, *params: object) -> None:
    with sqlite3.connect(store.path) as conn:
        conn.execute(sql, params)


def test_an_edited_payment_is_named_as_before(store: Store) -> None:
    _edit(store, "UPDATE payments SET paid_amo = '999.00' WHERE id = 7")
    report = store.audit_verify()
    assert report.breach is Breach.BOOKS
    assert report.detail.startswith("paiement n° 7 (FSE n° ")
    assert "AMO payé « 999.00 » dans le registre" in report.detail
    assert "Ne modifiez plus rien" in report.message()


def test_a_removed_event_is_named_with_its_journal_entry(store: Store) -> None:
    removed = store.db.execute(
        "SELECT e.id, f.number FROM fse_events e JOIN fse f ON f.id = e.fse_id "
        "ORDER BY e.id LIMIT 1 OFFSET 100"
    ).fetchone()
    entry = next(e for e in store.audit_entries() if f'"event":{removed[0]},' in e.payload)
    _edit(store, "DROP TRIGGER fse_events_no_delete")  # what a user with sqlite3 can do
    _edit(store, "DELETE FROM fse_events WHERE id = ?", removed[0])
    report = store.audit_verify()
    assert report.breach is Breach.EVENT
    assert report.detail == f"événement n° {removed[0]} de la FSE n° {removed[1]} (disparu)"
    assert report.first_bad_seq == entry.seq
    assert f"à l'entrée n° {entry.seq} (sur {report.count})" in report.message()


def test_the_entries_alive_at_once_do_not_grow_with_the_journal(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    alive = 0
    most = 0

    def gone() -> None:
        nonlocal alive
        alive -= 1

    class Counted(AuditEntry):
        """An entry that counts the entries alive (built by the journal's reading)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            nonlocal alive, most
            super().__init__(*args, **kwargs)
            alive += 1
            most = max(most, alive)
            weakref.finalize(self, gone)

    monkeypatch.setattr(journal_module, "AuditEntry", Counted)
    total = len(store.audit_entries())  # as a list: every entry alive at once
    assert most == total
    most = 0
    report = store.audit_verify()
    assert report.ok and report.count == total
    assert most <= 3, f"{most} entries of {total} alive at once: the journal is being held"
