"""Issue #27: a store of the previous version (journal with hex hashes and recomputable
columns, documents and lots packed with deflate) is converted in place when it is opened
(m020): every FSE, lot, payment and journal entry reads as before, the audit verifies, and
it takes far fewer bytes."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from compaction_support import to_before_compaction
from store_attacker import attacker
from test_audit_books import make_books, verify_cli

from billing.audit import Breach
from client.store import open_store
from client.store.packing import SHIPPED, pack_records, unpack_records


def what_the_user_sees(db: Path) -> dict[str, Any]:
    """Every FSE (document included), lot (the signed bytes), payment and journal entry."""
    store = open_store(db)
    try:
        lots = [r[0] for r in store.db.execute("SELECT id FROM lots ORDER BY id").fetchall()]
        return {
            "fse": [(r.number, r.state, r.canonical, r.lot_id) for r in store.fse_list()],
            "lots": [(lot, store.lot_der(lot)) for lot in lots],
            "payments": store.db.execute("SELECT * FROM payments ORDER BY id").fetchall(),
            "journal": store.audit_entries(),
            "head": store.journal_head(),
            "verify": store.audit_verify().message(),
        }
    finally:
        store.close()


def journal_bytes(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(audit_journal)")]
        total = " + ".join(f"length({c})" for c in columns if c != "seq")
        return int(conn.execute(f"SELECT sum({total}) FROM audit_journal").fetchone()[0])  # noqa: S608
    finally:
        conn.close()


@pytest.mark.sqlite_only  # a SQLite store of before the PostgreSQL backend, converted (m020)
def test_a_store_of_before_is_converted_in_place_and_reads_the_same(
    data_dir: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    made = make_books(data_dir)
    today = what_the_user_sees(made)
    to_before_compaction(made)
    before_bytes = journal_bytes(made)
    conn = sqlite3.connect(made)
    old_columns = [r[1] for r in conn.execute("PRAGMA table_info(audit_journal)")]
    conn.close()
    assert "prev_hash" in old_columns and "payload_sha256" in old_columns

    with caplog.at_level(logging.INFO, logger="client.migrations"):
        converted = what_the_user_sees(made)
    assert converted == today
    assert today["verify"].startswith("Journal d'audit intègre")
    count = len(today["journal"])
    assert f"compactage de audit_journal : {count} / {count}" in caplog.text  # progress shown
    code, out = verify_cli(capsys)
    assert code == 0 and out["nombre_entrees"] == count

    conn = sqlite3.connect(made)
    try:
        assert [r[1] for r in conn.execute("PRAGMA table_info(audit_journal)")] == [
            "seq",
            "record",
            "hash",
        ]
        # 32 raw bytes per entry; the entries a lot transition wrote together in one row.
        sizes = [len(h) for (h,) in conn.execute("SELECT hash FROM audit_journal")]
        assert all(n % 32 == 0 for n in sizes) and sum(sizes) == 32 * count
        assert len(sizes) < count
        assert conn.execute(
            "SELECT count(*) FROM fse WHERE substr(canonical, 1, 2) != x'5a02'"
        ).fetchone() == (0,)
        assert conn.execute(
            "SELECT count(*) FROM lots WHERE signed_der IS NOT NULL "
            "AND substr(signed_der, 1, 2) != x'5a03'"  # without the FSE documents
        ).fetchone() == (0,)
        assert conn.execute(
            "SELECT count(*) FROM noemie_files WHERE substr(content, 1, 2) != x'5a02'"
        ).fetchone() == (0,)
        # The CPS certificate every signed lot carries is kept once.
        assert conn.execute("SELECT count(*) FROM lot_certificates").fetchone() == (1,)
        # The dictionaries the values need are in the store, with their source.
        kept = conn.execute("SELECT dict_id, dictionary FROM packing_dictionaries").fetchall()
        assert sorted(kept) == sorted((d.dict_id, d.data) for d in SHIPPED)
    finally:
        conn.close()
    assert journal_bytes(made) * 3 < before_bytes


@pytest.mark.sqlite_only  # a SQLite store of before the PostgreSQL backend, converted (m020)
def test_an_entry_tampered_with_before_the_conversion_is_still_caught_after(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = make_books(data_dir)
    to_before_compaction(made)
    conn = sqlite3.connect(made, isolation_level=None)
    conn.execute("DROP TRIGGER audit_journal_no_update")
    payload = conn.execute("SELECT payload FROM audit_journal WHERE seq = 4").fetchone()[0]
    forged = json.dumps({**json.loads(payload), "to": "paid"}, separators=(",", ":"))
    conn.execute("UPDATE audit_journal SET payload = ? WHERE seq = 4", [forged])
    conn.close()
    store = open_store(made)  # converted here
    try:
        report = store.audit_verify()
    finally:
        store.close()
    assert (report.breach, report.first_bad_seq) == (Breach.HASH, 4)
    code, out = verify_cli(capsys)
    assert code == 1 and out["premiere_entree_fautive"] == 4


@pytest.mark.sqlite_only  # a SQLite store of before the PostgreSQL backend, converted (m020)
def test_a_conversion_cut_short_leaves_the_store_as_it_was(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = make_books(data_dir)
    today = what_the_user_sees(made)
    to_before_compaction(made)

    def crash(text: str) -> bytes:
        raise RuntimeError("the process dies in the middle of the conversion")

    with monkeypatch.context() as dying:
        dying.setattr("client.store.packing.pack_document", crash)
        with pytest.raises(RuntimeError):
            open_store(made)
    conn = sqlite3.connect(made)
    try:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(audit_journal)")]
        applied = conn.execute(
            "SELECT count(*) FROM _sqlite_migrations WHERE name = 'm020_compact_storage'"
        ).fetchone()[0]
    finally:
        conn.close()
    assert "prev_hash" in columns and applied == 0  # the journal of before, whole
    assert what_the_user_sees(made) == today  # the next opening converts it


def test_an_entry_edited_inside_a_row_of_several_is_caught_at_its_place(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = make_books(data_dir)
    conn = attacker(made, drop=("audit_journal_no_update", "audit_journal_no_delete"))
    seq, record = conn.execute(
        "SELECT seq, record FROM audit_journal WHERE length(hash) > 32 ORDER BY seq LIMIT 1"
    ).fetchone()
    records = unpack_records(record)
    at, kind, fse_id, lot_id, payload = records[1]
    records[1] = (at, kind, fse_id, lot_id, payload.replace('"to":"', '"to":"z'))
    conn.execute("UPDATE audit_journal SET record = ? WHERE seq = ?", [pack_records(records), seq])
    conn.close()
    code, out = verify_cli(capsys)
    assert code == 1 and out["premiere_entree_fautive"] == seq + 1 and out["ecart"] == "hash"
    with attacker(made) as conn:
        conn.execute("DELETE FROM audit_journal WHERE seq = ?", [seq])  # the whole row goes
    code, out = verify_cli(capsys)
    assert code == 1 and out["premiere_entree_fautive"] == seq and out["ecart"] == "sequence"
