"""What the patient paid at the desk (``fse_settlements``) is in the audit journal: every
recording (a correction too) is journaled in its transaction, `sesam audit verify` names a
settlement edited, added or removed by plain SQL, and a store from before (m016) verifies
once migrated."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from compaction_support import to_before_compaction
from reliability_support import Clock, create_fses
from store_attacker import attacker

from billing.audit import AuditKind, build_entry
from client.cli import main
from client.store import open_store
from client.store.journal import read_entries


@pytest.fixture
def settled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three FSE: n° 1 paid in cash, n° 2 by card then corrected to a cheque, n° 3 nothing."""
    data = tmp_path / "data"
    monkeypatch.setenv("SESAM_DATA_DIR", str(data))
    store = open_store(data / "sesam.db")
    try:
        clock = Clock()
        rows = create_fses(store, 3, clock)
        clock.advance(minutes=1)
        store.record_settlement(rows[0].id, "especes", Decimal("26.5"), clock.now)
        store.record_settlement(rows[1].id, "carte", Decimal("10.00"), clock.now)
        clock.advance(minutes=1)
        store.record_settlement(rows[1].id, "cheque", Decimal("12.00"), clock.now)
        assert store.audit_verify().ok, store.audit_verify().message()
    finally:
        store.close()
    return data / "sesam.db"


def verify_cli(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code = main(["audit", "verify", "--json"])
    return code, json.loads(capsys.readouterr().out)


def edit(db: Path, *sql: str) -> None:
    with attacker(db) as conn:
        for statement in sql:
            conn.execute(statement)


def test_every_recording_is_journaled_the_last_one_stands(settled: Path) -> None:
    with attacker(settled) as conn:
        rows = conn.execute("SELECT seq, record, hash FROM audit_journal ORDER BY seq")
        payloads = [
            json.loads(e.payload)
            for e in read_entries(rows.fetchall())
            if e.kind == AuditKind.SETTLEMENT.value
        ]
    assert [(p["means"], p["collected"]) for p in payloads] == [
        ("especes", "26.50"),
        ("carte", "10.00"),
        ("cheque", "12.00"),
    ]
    # No personal data: the FSE's UUID, the means, amounts and a timestamp.
    assert all(set(p) == {"fse", "means", "collected", "recorded_at"} for p in payloads)


def test_an_untouched_store_passes(settled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = verify_cli(capsys)
    assert code == 0 and out["conforme"] is True, out["message"]


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        (
            "UPDATE fse_settlements SET amount = '99.00' WHERE fse_id = 1",
            (
                "règlement au cabinet de la FSE n° 1 : montant encaissé « 99.00 » dans le "
                "registre, « 26.50 » selon le journal"
            ),
        ),
        (
            "UPDATE fse_settlements SET means = 'carte' WHERE fse_id = 2",
            "règlement au cabinet de la FSE n° 2 : moyen de paiement",
        ),
        (
            "DELETE FROM fse_settlements WHERE fse_id = 2",
            "règlement au cabinet de la FSE n° 2 : supprimé du registre",
        ),
        (
            "INSERT INTO fse_settlements VALUES (3, 'especes', '5.00', '2026-11-20 10:00:00')",
            "règlement au cabinet de la FSE n° 3 : absent du journal",
        ),
    ],
)
def test_an_edit_of_a_settlement_is_named(
    settled: Path, capsys: pytest.CaptureFixture[str], sql: str, named: str
) -> None:
    edit(settled, sql)
    code, out = verify_cli(capsys)
    assert code == 1 and out["conforme"] is False and out["ecart"] == "books"
    assert named in str(out["message"]), out["message"]


@pytest.mark.sqlite_only  # a SQLite store of before the PostgreSQL backend (m016, m020)
def test_a_store_from_before_m016_verifies_after_migrating(
    settled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The previous version recorded settlements without journaling them: the migration
    seals them as they stand, and an edit after it is caught."""
    to_before_compaction(settled)  # the journal of before its compaction (m020)
    conn = sqlite3.connect(settled, isolation_level=None)
    for name in ("audit_journal_no_update", "audit_journal_no_delete"):
        conn.execute(f"DROP TRIGGER {name}")
    kept = conn.execute(
        "SELECT at, kind, fse_id, lot_id, payload FROM audit_journal WHERE kind != ? ORDER BY seq",
        [AuditKind.SETTLEMENT.value],
    ).fetchall()
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
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm016_settlements_in_journal'")
    conn.close()
    code, out = verify_cli(capsys)
    assert code == 0, out["message"]
    edit(settled, "UPDATE fse_settlements SET amount = '1.00' WHERE fse_id = 2")
    code, out = verify_cli(capsys)
    assert code == 1 and "règlement au cabinet de la FSE n° 2" in str(out["message"])
