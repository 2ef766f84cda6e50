"""The audit journal: every FSE and lot event is chained in the same transaction as the
event, the triggers refuse UPDATE/DELETE, and an attacker who drops them to edit, remove or
swap entries (or the events they record) is caught at the first bad entry."""

from __future__ import annotations

import hashlib
import itertools
import json
import sqlite3
from pathlib import Path

import pytest
from compaction_support import to_before_compaction
from reliability_support import Clock, cards, fse_input, personal_data
from store_attacker import REFUSED, Attacker
from store_attacker import attacker as raw_attacker

from billing.audit import GENESIS, AuditEntry, Breach, build_entry, verify_chain
from billing.fse_states import FseEventKind, FseState
from billing.lot_states import LotState
from client.cli import main
from client.fse_service import FseService
from client.store import Store, open_store
from client.store.event_codes import STATE_CODES
from client.store.packing import pack_document, pack_record, unpack_document


def full_life(store: Store) -> None:
    """Three FSE through every kind of event: lot, signature, sending, ARL, payment,
    rejection, duplicata, cancellation."""
    clock = Clock()
    c = cards()
    service = FseService(store, clock=clock)
    rows = [service.create(fse_input(i), c.cps, c.vitale) for i in range(3)]
    clock.advance(minutes=5)
    service.cancel(rows[2].number, "erreur de saisie DURAND")
    [closed] = service.close_lots(c.session, c.cps, all_lots=True)
    lot_id = closed.lot.id
    store.lot_transition(lot_id, LotState.SENT, FseState.SENT, FseEventKind.SENT, clock.now)
    store.lot_transition(
        lot_id, LotState.ACKNOWLEDGED, FseState.ACKNOWLEDGED, FseEventKind.ARL_POSITIVE, clock.now
    )
    store.transition_fse(rows[0].id, FseState.PAID, FseEventKind.PAID, clock.now, "virement")
    store.transition_fse(rows[1].id, FseState.REJECTED, FseEventKind.REJECTED, clock.now, "motif")
    store.record_duplicata(rows[0].id, clock.now, "remis au patient")


def _record(entry: AuditEntry, payload: str) -> bytes:
    """The journal row's record of ``entry`` with another payload, as an attacker packs it."""
    return pack_record(entry.at, entry.kind, entry.fse_id, entry.lot_id, payload)


def single_entry_rows(conn: Attacker) -> list[int]:
    """The seqs of the journal rows that keep one entry each (a secured FSE's three entries,
    a lot's, share one row: issue #27), for the attacks that cut or swap one entry."""
    rows = conn.execute("SELECT seq, hash FROM audit_journal ORDER BY seq").fetchall()
    return [int(seq) for seq, hashes in rows if len(hashes) == 32]


def attacker(db: Path) -> Attacker:
    """A raw connection to the store's database with the protecting triggers dropped."""
    return raw_attacker(
        db,
        drop=(
            "audit_journal_no_update",
            "audit_journal_no_delete",
            "fse_events_no_update",
            "fse_events_no_delete",
        ),
    )


def verify_cli(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object], str]:
    code = main(["audit", "verify", "--json"])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def test_every_event_is_journaled_and_the_chain_verifies(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    full_life(store)
    entries = store.audit_entries()
    kinds = [e.kind for e in entries]
    for wanted in (
        "created",
        "secured",
        "lot_member",
        "lot_signed",
        "lot_closed",
        "sent",
        "lot_state",
        "arl_positive",
        "paid",
        "rejected",
        "cancelled",
        "duplicata",
    ):
        assert wanted in kinds, wanted
    events = store.db.execute("SELECT COUNT(*) FROM fse_events").fetchone()[0]
    assert sum(1 for e in entries if "event" in json.loads(e.payload)) == events
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    report = store.audit_verify()
    assert report.ok and report.count == len(entries) and report.head_hash == entries[-1].hash
    code, out, _ = verify_cli(capsys)
    assert code == 0 and out["conforme"] is True and out["nombre_entrees"] == len(entries)


def test_the_verification_says_each_step_as_it_starts(
    store: Store, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 1 M FSE ``sesam audit verify`` takes a quarter of an hour: the user is told each
    step, and a count in the long ones, on stderr; stdout keeps the verdict."""
    from client.store import audit_check

    full_life(store)
    entries = store.audit_entries()
    monkeypatch.setattr(audit_check, "PROGRESS_EVERY", 5)  # 1 000 000 at the desk
    monkeypatch.setattr(audit_check, "LOTS_EVERY", 1)  # 10 000 at the desk
    monkeypatch.setattr(audit_check, "FSE_EVERY", 2)  # 100 000 at the desk
    said: list[str] = []
    report = store.audit_verify(said.append)
    assert report.ok, report.message()
    steps = [s for s in said if not s.startswith("  ")]
    assert steps == [
        "Chaînage des entrées du journal…",
        f"Ancres des lots signés ({len(entries)} entrées chaînées)…",
        "Relecture des entrées…",
        "Historique des FSE comparé au journal…",
        "FSE, lots, envois, paiements et retours comparés au journal…",
    ]
    chained = [s for s in said if s.endswith("entrées chaînées")]
    assert chained == [f"  {n} entrées chaînées" for n in range(5, len(entries) + 1, 5)]
    assert said.index(chained[-1]) < said.index(steps[1])  # counted while it chains
    assert any(s.endswith("entrées relues") for s in said)
    lots = said[said.index(steps[1]) + 1 : said.index(steps[2])]  # each signature checked
    assert lots and all(s.endswith(" lots signés vérifiés") for s in lots)
    assert said[said.index(steps[4]) + 1 :] == ["  2 FSE comparées"]  # 3 FSE, said every 2

    code, out, err = verify_cli(capsys)
    assert code == 0 and out["conforme"] is True  # stdout: the JSON alone
    assert err.startswith("Vérification du journal d'audit…\n  Chaînage des entrées")
    assert "  FSE, lots, envois, paiements et retours comparés au journal…" in err


def test_a_breach_stops_the_steps_where_it_is_found(store: Store) -> None:
    full_life(store)
    target = store.audit_entries()[6]
    conn = attacker(store.path)
    conn.execute(
        "UPDATE audit_journal SET record = ? WHERE seq = ?",
        [_record(target, target.payload.replace('"number":', '"number":9')), target.seq],
    )
    conn.close()
    said: list[str] = []
    report = store.audit_verify(said.append)
    assert report.breach == Breach.HASH
    assert said == ["Chaînage des entrées du journal…"]  # nothing said past the breach


def test_the_journal_holds_no_nir_nor_name(store: Store) -> None:
    full_life(store)
    # The journal's records are packed (issue #27): what they hold, read back.
    text = "\n".join(
        f"{e.at}|{e.kind}|{e.fse_id}|{e.lot_id}|{e.payload}" for e in store.audit_entries()
    )
    leaked = {secret for secret in personal_data() if secret in text}
    assert not leaked
    # The cancellation reason named a patient: only its digest is journaled.
    assert "DURAND" not in text


def test_triggers_refuse_update_and_delete(store: Store) -> None:
    full_life(store)
    for sql, params in (
        ("UPDATE audit_journal SET record = ? WHERE seq = 1", [b"\x00"]),
        ("DELETE FROM audit_journal WHERE seq = 1", []),
        ("UPDATE fse_events SET detail = 'x' WHERE id = 1", []),
        ("DELETE FROM fse_events WHERE id = 1", []),
    ):
        with pytest.raises(REFUSED, match="interdite"):
            store.db.execute(sql, params)
    assert store.audit_verify().ok


def test_a_failed_transaction_journals_nothing(store: Store) -> None:
    full_life(store)
    before = len(store.audit_entries())
    row = store.fse_list(state=FseState.PAID)[0]
    with pytest.raises(RuntimeError), store.write():
        store.record_duplicata(row.id, Clock().now, "duplicata")
        raise RuntimeError("the process fails before the commit")
    assert len(store.audit_entries()) == before
    assert store.audit_verify().ok


def test_an_edited_payload_is_detected_at_its_entry(
    store: Store, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    full_life(store)
    target = store.audit_entries()[6]
    conn = attacker(store.path)
    forged = target.payload.replace('"number":', '"number":9')
    assert forged != target.payload
    conn.execute(
        "UPDATE audit_journal SET record = ? WHERE seq = ?", [_record(target, forged), target.seq]
    )
    conn.close()
    report = store.audit_verify()
    # The payload's digest is recomputed on reading (issue #27): the entry's hash breaks.
    assert (report.breach, report.first_bad_seq) == (Breach.HASH, target.seq)
    code, out, err = verify_cli(capsys)
    assert code == 1 and out["premiere_entree_fautive"] == target.seq
    assert f"entrée n° {target.seq}" in err and "altéré" in err


def test_an_edited_payload_with_its_hash_recomputed_is_detected_at_the_next_entry(
    store: Store,
) -> None:
    full_life(store)
    conn = attacker(store.path)
    single = single_entry_rows(conn)
    target = next(e for e in store.audit_entries()[4:] if e.seq in single)
    forged = target.payload.replace('"to":"', '"to":"z')
    assert forged != target.payload
    rehashed = AuditEntry(
        seq=target.seq,
        at=target.at,
        kind=target.kind,
        fse_id=target.fse_id,
        lot_id=target.lot_id,
        payload=forged,
        payload_sha256=hashlib.sha256(forged.encode()).hexdigest(),
        prev_hash=target.prev_hash,
        hash="",
    ).computed_hash()
    conn.execute(
        "UPDATE audit_journal SET record = ?, hash = ? WHERE seq = ?",
        [_record(target, forged), bytes.fromhex(rehashed), target.seq],
    )
    conn.close()
    report = store.audit_verify()
    # The next entry was chained to the hash of before: it no longer gives its own hash.
    assert (report.breach, report.first_bad_seq) == (Breach.HASH, target.seq + 1)


def test_a_removed_entry_is_detected(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    full_life(store)
    conn = attacker(store.path)
    removed = next(seq for seq in single_entry_rows(conn) if seq >= 5)
    conn.execute("DELETE FROM audit_journal WHERE seq = ?", [removed])
    conn.close()
    report = store.audit_verify()
    assert (report.breach, report.first_bad_seq) == (Breach.SEQUENCE, removed)
    code, _out, err = verify_cli(capsys)
    assert code == 1 and f"entrée n° {removed}" in err


def test_two_swapped_entries_are_detected(store: Store) -> None:
    full_life(store)
    conn = attacker(store.path)
    single = single_entry_rows(conn)
    first, second = next((x, y) for x, y in itertools.pairwise(single) if y == x + 1)
    a = conn.execute("SELECT record, hash FROM audit_journal WHERE seq = ?", [first]).fetchone()
    b = conn.execute("SELECT record, hash FROM audit_journal WHERE seq = ?", [second]).fetchone()
    conn.execute("UPDATE audit_journal SET record = ?, hash = ? WHERE seq = ?", [*a, second])
    conn.execute("UPDATE audit_journal SET record = ?, hash = ? WHERE seq = ?", [*b, first])
    conn.close()
    report = store.audit_verify()
    assert (report.breach, report.first_bad_seq) == (Breach.HASH, first)


def test_an_edited_or_removed_fse_event_is_detected(store: Store) -> None:
    full_life(store)
    conn = attacker(store.path)
    # The state is kept as its code (m029): « paid » put in place of « secured ».
    conn.execute("UPDATE fse_events SET to_state = ? WHERE id = 2", [STATE_CODES[FseState.PAID]])
    conn.close()
    report = store.audit_verify()
    assert report.breach is Breach.EVENT and report.first_bad_seq is not None
    entry = store.audit_entries()[report.first_bad_seq - 1]
    assert json.loads(entry.payload)["event"] == 2


def test_a_removed_fse_event_is_detected(store: Store) -> None:
    full_life(store)
    conn = attacker(store.path)
    last = conn.execute("SELECT MAX(id) FROM fse_events").fetchone()[0]
    conn.execute("DELETE FROM fse_events WHERE id = ?", [last])
    conn.close()
    report = store.audit_verify()
    assert report.breach is Breach.EVENT and "disparu" in report.message()


def test_an_fse_document_changed_after_securing_is_detected(store: Store) -> None:
    full_life(store)
    row = store.fse_list()[0]
    conn = attacker(store.path)
    # The document as the store keeps it (compressed, issue #27), edited and packed again.
    stored = conn.execute("SELECT canonical FROM fse WHERE id = ?", [row.id]).fetchone()[0]
    edited = unpack_document(stored).replace('"G"', '"C"')
    assert edited != unpack_document(stored)
    conn.execute("UPDATE fse SET canonical = ? WHERE id = ?", [pack_document(edited), row.id])
    conn.close()
    report = store.audit_verify()
    assert report.breach is Breach.EVENT and f"FSE n° {row.number}" in report.message()


def test_a_damaged_compressed_fse_document_is_detected(store: Store) -> None:
    full_life(store)
    row = store.fse_list()[0]
    conn = attacker(store.path)
    stored = conn.execute("SELECT canonical FROM fse WHERE id = ?", [row.id]).fetchone()[0]
    conn.execute("UPDATE fse SET canonical = ? WHERE id = ?", [stored[:-6], row.id])
    conn.close()
    report = store.audit_verify()
    assert report.breach is Breach.EVENT and f"FSE n° {row.number}" in report.message()


@pytest.mark.sqlite_only  # a SQLite store of before the PostgreSQL backend (m004 to m020)
def test_an_existing_database_gets_its_history_journaled_by_the_migration(
    store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Lots signed before they carried the journal's head (no anchor in the signed content).
    monkeypatch.setattr(Store, "journal_head", lambda self: None)
    full_life(store)
    events = store.db.execute("SELECT COUNT(*) FROM fse_events").fetchone()[0]
    store.close()
    to_before_compaction(data_dir / "sesam.db")  # a store of before m020 ...
    conn = attacker(data_dir / "sesam.db")  # ... and of before the journal
    conn.execute("DROP TABLE audit_journal")
    # ... and before the books were journaled (m008): its columns and table go too.
    conn.execute("DROP TABLE fse_numbers_unused")
    conn.execute("ALTER TABLE lots DROP COLUMN journal_seq")
    conn.execute("ALTER TABLE lots DROP COLUMN journal_head")
    conn.execute(
        "DELETE FROM _sqlite_migrations WHERE name IN ('m004_audit_journal', "
        "'m008_books_in_journal')"
    )
    conn.close()
    reopened = open_store(data_dir / "sesam.db")
    try:
        lots = reopened.db.execute("SELECT COUNT(*) FROM lots").fetchone()[0]
        # m004 journals the events, m008 seals the lots the events did not cover.
        assert len(reopened.audit_entries()) == events + lots
        report = reopened.audit_verify()
        assert report.ok, report.message()
        with pytest.raises(sqlite3.IntegrityError):
            reopened.db.execute("DELETE FROM fse_events")
    finally:
        reopened.close()


def test_pure_chain_reports_the_first_bad_index() -> None:
    chain: list[AuditEntry] = []
    for i in range(5):
        chain.append(
            build_entry(
                chain[-1] if chain else None,
                at=f"2026-11-20T10:00:0{i}.000000Z",
                kind="created",
                fse_id=f"f{i}",
                payload={"n": i},
            )
        )
    assert verify_chain(chain).ok
    assert verify_chain(chain[:2] + chain[3:]).first_bad_index == 2
    assert verify_chain([chain[1], chain[0], *chain[2:]]).first_bad_index == 0
    assert verify_chain(list(reversed(chain))).breach is Breach.SEQUENCE
