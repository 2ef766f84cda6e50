"""Issue #17: `sesam audit verify` checks the books, not only the journal. Every fact the
user reads (an FSE's state and amounts, each payment and its amounts, each lot's state,
each outbox entry, the NOEMIE files) is recomputed from the journal and compared; a plain
edit of any of them (sqlite3, psql) is named (FSE or lot, and the field) and exits non-zero; a cut
tail of the journal is caught through the journal head each signed lot carries. An
untouched store passes, also after a crash, and while another process bills."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from compaction_support import to_before_compaction
from reliability_support import Clock, cards, fse_input
from store_attacker import Attacker
from store_attacker import attacker as raw_attacker

from billing.audit import build_entry
from billing.fse_states import FseEventKind, FseState
from billing.lot_states import LotState
from billing.noemie import (
    InvoiceOutcome,
    NoemieFile,
    NoemieInvoice,
    NoemiePayment,
    NoemieRejects,
    build_noemie,
)
from client.cli import main
from client.fse_service import FseService
from client.returns import import_noemie
from client.store import Store, open_store

CARE = (date.today() - timedelta(days=2)).isoformat()


def books(store: Store) -> None:
    """Five FSE: four in a signed, sent, acknowledged lot, then one paid, one partly paid,
    one rejected (with NOEMIE files, one line matching nothing here); a fifth in an open lot;
    a second signed lot waiting in the outbox."""
    clock = Clock()
    c = cards()
    service = FseService(store, clock=clock)
    rows = [service.create(fse_input(i % 5, day=CARE), c.cps, c.vitale) for i in range(4)]
    [closed] = service.close_lots(c.session, c.cps, all_lots=True)
    lot_id = closed.lot.id
    clock.advance(minutes=1)
    store.lot_transition(lot_id, LotState.SENT, FseState.SENT, FseEventKind.SENT, clock.now)
    store.lot_transition(
        lot_id, LotState.ACKNOWLEDGED, FseState.ACKNOWLEDGED, FseEventKind.ARL_POSITIVE, clock.now
    )
    today = date.today()

    def invoice(row: object, outcome: InvoiceOutcome, amo: Decimal, amc: Decimal) -> NoemieInvoice:
        return NoemieInvoice(
            row.fse_uuid,  # type: ignore[attr-defined]
            lot_id,
            row.care_date,  # type: ignore[attr-defined]
            outcome,
            amo,
            amc,
            motif_code="R01" if outcome is InvoiceOutcome.REJECTED else None,
            motif_label="Assuré inconnu" if outcome is InvoiceOutcome.REJECTED else "",
        )

    stray = NoemieInvoice(
        "5b4c9a3e-1111-4222-8333-444455556666",
        lot_id,
        today,
        InvoiceOutcome.PAID,
        Decimal("26.50"),
        Decimal("0.00"),
    )
    paid = NoemiePayment(
        "VIR0001",
        today,
        (
            invoice(rows[0], InvoiceOutcome.PAID, rows[0].amo, rows[0].amc),
            invoice(rows[1], InvoiceOutcome.PAID, rows[1].amo - Decimal("1.00"), rows[1].amc),
            stray,
        ),
    )
    rejected = NoemieRejects(
        today, (invoice(rows[2], InvoiceOutcome.REJECTED, Decimal(0), Decimal(0)),)
    )
    clock.advance(minutes=1)
    data = build_noemie(
        NoemieFile("AMSIMUL01", "123456789", 11, today, payments=(paid,), rejects=(rejected,))
    )
    report = import_noemie(store, data, clock.now, name="RSP11")
    assert (report.paid, report.partly_paid, report.rejected, report.unmatched) == (1, 1, 1, 1)
    clock.advance(minutes=1)
    service.create(fse_input(0, day=CARE), c.cps, c.vitale)
    service.close_lots(c.session, c.cps, all_lots=True)
    clock.advance(minutes=1)
    service.create(fse_input(1, day=CARE), c.cps, c.vitale)


@pytest.fixture
def made(data_dir: Path) -> Path:
    return make_books(data_dir)


def make_books(data_dir: Path) -> Path:
    store = open_store(data_dir / "sesam.db")
    try:
        books(store)
        assert store.audit_verify().ok, store.audit_verify().message()
    finally:
        store.close()
    return data_dir / "sesam.db"


def verify_cli(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code = main(["audit", "verify", "--json"])
    return code, json.loads(capsys.readouterr().out)


def edit(db: Path, *sql: str, foreign_keys: bool = True) -> None:
    """What a user with sqlite3 or psql does: a plain edit, no trigger dropped."""
    with raw_attacker(db) as conn:
        if not foreign_keys:
            conn.foreign_keys_off()
        for statement in sql:
            conn.execute(statement)


def test_an_untouched_store_passes(made: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = verify_cli(capsys)
    assert code == 0 and out["conforme"] is True, out["message"]


_EXTRA_PAYMENT = (
    "INSERT INTO payments (fse_uuid, noemie_sha256, outcome, billed_amo, billed_amc, "
    "paid_amo, paid_amc, recorded_at) SELECT fse_uuid, 'ff', outcome, "
    "billed_amo, billed_amc, '500.00', paid_amc, recorded_at FROM payments WHERE id = 1"
)


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        ("UPDATE fse SET total_fees = '9999.00' WHERE number = 2", "FSE n° 2 : montant total"),
        ("UPDATE fse SET state = 'paid' WHERE number = 4", "FSE n° 4 : état"),
        ("UPDATE fse SET amo = '0.00' WHERE number = 1", "FSE n° 1 : part AMO"),
        ("UPDATE fse_acts SET fee = '99.00' WHERE fse_id = 1", "FSE n° 1 : actes"),
        ("UPDATE payments SET paid_amo = '250.00' WHERE id = 1", "paiement n° 1 (FSE n° 1)"),
        ("DELETE FROM payments WHERE id = 2", "paiement n° 2 (FSE n° 2) : supprimé"),
        (_EXTRA_PAYMENT, "paiement n° 4 : absent du journal"),
        ("DELETE FROM fse WHERE number = 4", "FSE n° 4 (disparu)"),
        ("UPDATE lots SET state = 'open' WHERE number = 1", "lot n° 1 : état"),
        ("DELETE FROM outbox", "absent de la file d'envoi"),
        ("DELETE FROM noemie_files", "fichier NOEMIE"),
        ("DELETE FROM unmatched_payments", "retour non rapproché n° 1 : supprimé"),
        (
            "UPDATE lots SET signed_der = substr(signed_der, 2) WHERE number = 1",
            "lot n° 1 : lot signé modifié",
        ),
        ("UPDATE fse SET lot_id = NULL WHERE number = 5", "FSE n° 5 : lot"),
    ],
)
def test_an_edit_of_the_books_is_named(
    made: Path, capsys: pytest.CaptureFixture[str], sql: str, named: str
) -> None:
    edit(made, sql, foreign_keys=False)
    code, out = verify_cli(capsys)
    assert code == 1 and out["conforme"] is False
    assert out["ecart"] in ("books", "event")  # a removed FSE takes its events with it
    assert named in str(out["message"]), out["message"]
    assert "restaurez" in str(out["message"])


def attacker(db: Path) -> Attacker:
    return raw_attacker(db, drop=("audit_journal_no_update", "audit_journal_no_delete"))


def test_a_cut_tail_is_caught_through_the_signed_lots_anchor(
    made: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = attacker(made)
    anchors = [r[0] for r in conn.execute("SELECT journal_seq FROM lots WHERE journal_seq > 0")]
    assert len(anchors) == 2  # both signed lots carry the journal head they were signed at
    # Cut the journal from the newest anchor on: the chain left is whole, only the anchor
    # inside the signed lot (which the caisse keeps) tells that entries are gone.
    # (From the row that keeps the anchor's entry: a secured FSE's entries share one row.)
    conn.execute(
        "DELETE FROM audit_journal WHERE seq >= "
        "(SELECT max(seq) FROM audit_journal WHERE seq <= ?)",
        [max(anchors)],
    )
    conn.close()
    code, out = verify_cli(capsys)
    assert code == 1
    assert "lot n° 2 : signé quand le journal comptait" in str(out["message"]), out["message"]
    assert "journal tronqué" in str(out["message"])


def test_the_last_entries_cut_are_caught(made: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conn = attacker(made)
    top = conn.execute("SELECT max(seq) FROM audit_journal").fetchone()[0]
    conn.execute("DELETE FROM audit_journal WHERE seq > ?", [top - 3])
    conn.close()
    code, out = verify_cli(capsys)
    assert code == 1 and out["conforme"] is False


def test_a_store_passes_after_a_crash_and_a_restart(
    made: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    worker = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("books_billing_worker.py")), str(made)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None
    for _ in range(3):  # let it commit a few FSE, then kill it mid-way
        assert worker.stdout.readline().startswith("fse")
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(30)
    code, out = verify_cli(capsys)
    assert code == 0, out["message"]


def test_verify_beside_active_billing_never_cries_wolf(made: Path) -> None:
    worker = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("books_billing_worker.py")), str(made)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None
        assert worker.stdout.readline().startswith("fse")
        deadline = time.monotonic() + 8
        runs = 0
        while time.monotonic() < deadline:
            store = open_store(made)
            try:
                report = store.audit_verify()
            finally:
                store.close()
            assert report.ok, report.message()
            runs += 1
        assert runs >= 3
        assert worker.poll() is None, "the billing process stopped"
    finally:
        worker.kill()
        worker.wait(30)
    store = open_store(made)
    try:
        assert len(store.fse_list()) > 6  # it did bill meanwhile
    finally:
        store.close()


@pytest.mark.sqlite_only  # a SQLite store of before the PostgreSQL backend (m008, m020)
def test_a_store_from_before_the_books_journal_verifies_after_migrating(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store of the previous version: lots signed without an anchor, payments, NOEMIE
    files and unmatched lines never journaled. The migration seals them as they stand; the
    store verifies, and an edit after it is caught."""
    with monkeypatch.context() as old_version:
        old_version.setattr(Store, "journal_head", lambda self: None)
        made = make_books(data_dir)
    to_before_compaction(made)  # and of before the journal's compaction (m020)
    conn = attacker(made)
    kept = conn.execute(
        "SELECT at, kind, fse_id, lot_id, payload FROM audit_journal WHERE kind NOT IN "
        "('payment', 'noemie_file', 'unmatched_payment', 'unmatched_resolved') ORDER BY seq"
    ).fetchall()
    assert len(kept) < conn.execute("SELECT count(*) FROM audit_journal").fetchone()[0]
    conn.execute("DELETE FROM audit_journal")
    previous = None
    for at, kind, fse_id, lot_id, payload in kept:  # the chain the old version would have
        previous = build_entry(
            previous, at=at, kind=kind, fse_id=fse_id, lot_id=lot_id, payload=json.loads(payload)
        )
        conn.execute(
            "INSERT INTO audit_journal VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                previous.seq,
                previous.at,
                previous.kind,
                previous.fse_id,
                previous.lot_id,
                previous.payload,
                previous.payload_sha256,
                previous.prev_hash,
                previous.hash,
            ],
        )
    conn.execute("DROP TABLE fse_numbers_unused")
    conn.execute("ALTER TABLE lots DROP COLUMN journal_seq")
    conn.execute("ALTER TABLE lots DROP COLUMN journal_head")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm008_books_in_journal'")
    conn.close()
    code, out = verify_cli(capsys)
    assert code == 0, out["message"]
    edit(made, "UPDATE payments SET paid_amc = '7.00' WHERE id = 1")
    code, out = verify_cli(capsys)
    assert code == 1 and "paiement n° 1 (FSE n° 1) : AMC payé" in str(out["message"])


def test_verify_reads_without_writing(made: Path) -> None:
    """The verification is a read: one read transaction, no lock kept after it."""
    store = open_store(made)
    try:
        assert store.audit_verify().ok
        assert not store.db.conn.in_transaction
    finally:
        store.close()
