"""Issue #27 (≤ 3 000 B per FSE): a store of the previous version (events as text with a rowid
and an index, payments with a UNIQUE index on two texts) is converted in place when it is
opened (m029, m030): every FSE's history, payment and figure reads as before and the audit
verifies. A secured FSE's three journal entries are one row whose inner hashes are kept as
prefixes: an entry edited there is still named at its place, and a forger who rewrites its
prefix is caught at the next entry, as before."""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from compaction_support import to_before_coded_events
from store_attacker import attacker
from test_audit_books import make_books, verify_cli

from billing.audit import AuditEntry
from client.store import StoreError, open_store
from client.store.packing import pack_records, unpack_records

pytestmark = pytest.mark.sqlite_only  # SQLite stores of the previous version, converted


def what_the_user_sees(db: Path) -> dict[str, Any]:
    """Every FSE's history and state, every payment line, the kept figures, the audit."""
    store = open_store(db)
    try:
        figures = {
            t: store.db.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall()  # noqa: S608
            for t in ("payment_month_totals", "fse_status_counts", "remainders")
        }
        return {
            "history": {r.number: (r.state, store.fse_events(r.id)) for r in store.fse_list()},
            "payments": store.db.execute("SELECT * FROM payments ORDER BY id").fetchall(),
            "figures": figures,
            "verify": store.audit_verify().message(),
        }
    finally:
        store.close()


def to_payments_with_unique(db: Path) -> None:
    """``payments`` as m001 made it (UNIQUE (noemie_sha256, fse_uuid)), m030 not applied."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("BEGIN")
        (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'payments'").fetchone()
        kept = [
            r[0]
            for r in conn.execute(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'payments' "
                "AND type IN ('index', 'trigger') AND sql IS NOT NULL"
            )
        ]
        with_unique = re.sub(r"\)\s*$", ", UNIQUE (noemie_sha256, fse_uuid))", sql.strip())
        conn.execute(with_unique.replace("payments", "payments_old", 1))
        conn.execute("INSERT INTO payments_old SELECT * FROM payments")
        conn.execute("DROP TABLE payments")
        conn.execute("PRAGMA legacy_alter_table = ON")
        conn.execute("ALTER TABLE payments_old RENAME TO payments")
        for statement in kept:
            conn.execute(statement)
        conn.execute(
            "DELETE FROM _sqlite_migrations WHERE name = 'm030_payments_without_text_unique'"
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


def indexes(db: Path, table: str) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[1] for r in conn.execute(f"PRAGMA index_list({table})")]
    finally:
        conn.close()


def test_a_store_of_before_is_converted_in_place_and_reads_the_same(
    data_dir: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    made = make_books(data_dir)
    today = what_the_user_sees(made)
    to_before_coded_events(made)
    to_payments_with_unique(made)
    assert "fse_events_fse" in indexes(made, "fse_events")
    assert "sqlite_autoindex_payments_1" in indexes(made, "payments")

    with caplog.at_level(logging.INFO, logger="client.migrations"):
        converted = what_the_user_sees(made)
    # The events' times are kept to the second (the journal keeps them to the microsecond).
    assert converted == today
    assert today["verify"].startswith("Journal d'audit intègre")
    events = sum(len(h) for _, h in today["history"].values())
    assert f"conversion de fse_events : {events} / {events}" in caplog.text  # progress shown
    lines = len(today["payments"])
    assert f"conversion de payments : {lines} / {lines}" in caplog.text
    code, out = verify_cli(capsys)
    assert code == 0 and out["conforme"] is True
    # No second index on the history, no index on the two texts of a payment.
    assert "fse_events_fse" not in indexes(made, "fse_events")
    assert "sqlite_autoindex_payments_1" not in indexes(made, "payments")

    # The store goes on: the next events are numbered after the converted ones.
    store = open_store(made)
    try:
        row = store.fse_list()[0]
        store.record_duplicata(row.id, store.fse_events(row.id)[-1].at, "remis au patient")
        assert store.fse_events(row.id)[-1].detail == "remis au patient"
        assert store.audit_verify().ok, store.audit_verify().message()
    finally:
        store.close()


def test_an_event_edited_before_the_conversion_is_still_caught_after(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = make_books(data_dir)
    to_before_coded_events(made)
    with attacker(made, drop=("fse_events_no_update",)) as conn:
        conn.execute("UPDATE fse_events SET detail = 'mode degrade' WHERE id = 2")
    code, out = verify_cli(capsys)  # converted here
    assert code == 1 and out["conforme"] is False
    assert "événement n° 2" in str(out["message"])


def test_a_file_pays_an_fse_once(data_dir: Path) -> None:
    made = make_books(data_dir)
    store = open_store(made)
    try:
        paid = store.db.execute(
            "SELECT fse_uuid, noemie_sha256 FROM payments ORDER BY id LIMIT 1"
        ).fetchone()
        before = store.db.execute("SELECT count(*) FROM payments").fetchone()[0]
        line: dict[str, Any] = {
            "fse_uuid": paid[0],
            "noemie_sha256": paid[1],
            "outcome": "payee",
            "virement_ref": "VIR-2",
            "paid_on": None,
            "billed": (0, 0),
            "paid": (0, 0),
            "motif_code": None,
            "motif_label": "",
            "now": store.fse_events(store.fse_list()[0].id)[-1].at,
        }
        with store.write():
            assert store.returns.insert_payment(**line, or_ignore=True) is None
        with pytest.raises(StoreError, match="déjà donné un paiement"), store.write():
            store.returns.insert_payment(**line)
        assert store.db.execute("SELECT count(*) FROM payments").fetchone()[0] == before
        assert store.audit_verify().ok
    finally:
        store.close()


def _secured_row(conn: Any) -> tuple[int, bytes, bytes]:
    """The first journal row of a secured FSE (created, secured, lot member)."""
    for seq, record, hashes in conn.execute(
        "SELECT seq, record, hash FROM audit_journal ORDER BY seq"
    ).fetchall():
        kinds = [r[1] for r in unpack_records(record)]
        if kinds == ["created", "secured", "lot_member"]:
            return int(seq), bytes(record), bytes(hashes)
    raise AssertionError("no secured FSE's row")


def test_a_secured_fse_is_one_row_with_its_inner_hashes_shortened(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = make_books(data_dir)
    store = open_store(made)
    try:
        entries = {e.seq: e for e in store.audit_entries()}
    finally:
        store.close()
    conn = attacker(made, drop=("audit_journal_no_update",))
    seq, record, hashes = _secured_row(conn)
    # Two 8-byte prefixes and the last hash whole: 41 bytes instead of 96.
    assert len(hashes) == 1 + 2 * 8 + 32
    assert hashes[1:9] == bytes.fromhex(entries[seq].hash)[:8]
    assert hashes[-32:] == bytes.fromhex(entries[seq + 2].hash)

    # The secured entry edited and its prefix rewritten to match: the next entry, chained
    # to the hash of before, no longer gives its own.
    records = unpack_records(record)
    at, kind, fse_id, lot_id, payload = records[1]
    forged = payload.replace('"to":"', '"to":"z')
    assert forged != payload
    records[1] = (at, kind, fse_id, lot_id, forged)
    target = entries[seq + 1]
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
    rewritten = hashes[:9] + bytes.fromhex(rehashed)[:8] + hashes[17:]
    conn.execute(
        "UPDATE audit_journal SET record = ?, hash = ? WHERE seq = ?",
        [pack_records(records), rewritten, seq],
    )
    code, out = verify_cli(capsys)
    assert code == 1 and out["premiere_entree_fautive"] == seq + 2 and out["ecart"] == "hash"

    # Left with its prefix of before, the edited entry is named at its own place.
    conn.execute("UPDATE audit_journal SET hash = ? WHERE seq = ?", [hashes, seq])
    conn.close()
    code, out = verify_cli(capsys)
    assert code == 1 and out["premiere_entree_fautive"] == seq + 1 and out["ecart"] == "hash"
