"""Issue #27 (≤ 3 000 B per FSE on a store written by older versions): the journal rows an
older version wrote one entry each (hash whole) are regrouped at opening (m037) as a store
written today keeps them. The entries, their numbers and hashes read the same, ``sesam
audit verify`` answers the same (also on a journal tampered with before), the journal takes
no more room than a new store's, and a kill midway leaves a store that opens and finishes."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from sqlite_utils import Database
from test_audit_books import make_books, verify_cli

from billing.audit import AuditEntry, ChainReport, verify_chain
from client.store import open_store
from client.store.dictionaries import register_stored
from client.store.journal import read_entries, stored_entry
from client.store.packing import pack_records, unpack_records

_M037 = "m037_journal_rows_regrouped"
_PROTECTING = ("audit_journal_no_update", "audit_journal_no_delete")


def _raw(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db, isolation_level=None)
    register_stored(Database(conn))  # the records unpack with the store's dictionaries
    return conn


def _rows(conn: sqlite3.Connection) -> list[tuple[int, bytes, bytes]]:
    return conn.execute("SELECT seq, record, hash FROM audit_journal ORDER BY seq").fetchall()


def journal_size(db: Path) -> tuple[int, int]:
    """(rows, bytes of record and hash) of the journal."""
    conn = sqlite3.connect(db)
    try:
        count, size = conn.execute(
            "SELECT count(*), sum(length(record) + length(hash)) FROM audit_journal"
        ).fetchone()
        return int(count), int(size)
    finally:
        conn.close()


def to_one_entry_rows(db: Path, *, tamper: str = "") -> tuple[list[AuditEntry], ChainReport]:
    """Rewrite the closed store ``db``'s journal as versions before m029 wrote it (one row
    per entry, its hash whole; m037 not applied), the same entries. ``tamper``: ``"kept"``
    edits entry 5's payload and keeps its hash, ``"forged"`` edits it and writes the hash
    of the edited entry. Returns the entries as read from those rows and what the chain
    answers on them."""
    conn = _raw(db)
    try:
        conn.execute("BEGIN")
        entries = read_entries(_rows(conn))
        for name in _PROTECTING:
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("DELETE FROM audit_journal")
        for entry in entries:
            seq, record, hash_value = stored_entry(entry)
            if tamper and entry.seq == 5:
                [(at, kind, fse_id, lot_id, payload)] = unpack_records(record)
                payload = payload.replace('"number":', '"number":1', 1)
                record = pack_records([(at, kind, fse_id, lot_id, payload)])
                if tamper == "forged":
                    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()
                    forged = dataclasses.replace(entry, payload=payload, payload_sha256=digest)
                    hash_value = bytes.fromhex(forged.computed_hash())
            conn.execute(
                "INSERT INTO audit_journal (seq, record, hash) VALUES (?, ?, ?)",
                [seq, record, hash_value],
            )
        conn.execute(
            "CREATE TRIGGER audit_journal_no_update BEFORE UPDATE ON audit_journal "
            "BEGIN SELECT RAISE(ABORT, 'journal d''audit : modification interdite'); END"
        )
        conn.execute(
            "CREATE TRIGGER audit_journal_no_delete BEFORE DELETE ON audit_journal "
            "BEGIN SELECT RAISE(ABORT, 'journal d''audit : suppression interdite'); END"
        )
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = ?", [_M037])
        conn.execute("COMMIT")
        read = list(read_entries(_rows(conn)))
        return read, verify_chain(read)
    finally:
        conn.close()


@pytest.mark.sqlite_only  # SQLite stores as an older version wrote them
def test_an_old_journal_is_regrouped_and_reads_the_same(
    data_dir: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    made = make_books(data_dir)
    new_rows, new_bytes = journal_size(made)
    store = open_store(made)
    try:
        entries, answer = list(store.journal.audit_entries()), store.audit_verify()
    finally:
        store.close()
    to_one_entry_rows(made)
    old_rows, old_bytes = journal_size(made)
    assert old_rows == len(entries) > new_rows  # the layout of before: one row per entry

    with caplog.at_level(logging.INFO, logger="client.store.journal_rows"):
        store = open_store(made)  # m037 here
    try:
        assert list(store.journal.audit_entries()) == entries  # every field, number and hash
        assert store.audit_verify() == answer and answer.ok
    finally:
        store.close()
    assert f"regroupement du journal d'audit : {old_rows} / {old_rows}" in caplog.text
    rows, size = journal_size(made)
    # As small as a new store's journal: the entries one operation wrote share a row.
    assert rows <= new_rows and size <= new_bytes < old_bytes
    code, out = verify_cli(capsys)
    assert code == 0 and out["conforme"] is True

    # The store goes on: the next entries chain after the regrouped ones.
    store = open_store(made)
    try:
        row = store.fse_list()[0]
        store.record_duplicata(row.id, store.fse_events(row.id)[-1].at, "remis au patient")
        assert store.audit_verify().ok, store.audit_verify().message()
    finally:
        store.close()


@pytest.mark.sqlite_only
@pytest.mark.parametrize("tamper", ["kept", "forged"])
def test_a_journal_tampered_before_is_named_at_the_same_entry_after(
    data_dir: Path, tamper: str, capsys: pytest.CaptureFixture[str]
) -> None:
    made = make_books(data_dir)
    entries, before = to_one_entry_rows(made, tamper=tamper)
    old_rows, _ = journal_size(made)
    assert not before.ok
    # An edited entry is named where it is; a forged hash, at the next entry.
    assert before.first_bad_seq == (5 if tamper == "kept" else 6)
    store = open_store(made)  # m037 here
    try:
        assert store.audit_verify() == before
        # Every entry reads back as stored, its stored hash whole, the tampered ones too.
        assert list(store.journal.audit_entries()) == entries
    finally:
        store.close()
    assert journal_size(made)[0] < old_rows  # regrouped all the same
    code, out = verify_cli(capsys)
    assert code == 1 and f"n° {before.first_bad_seq} " in str(out["message"])


_KILLED_MIDWAY = textwrap.dedent(
    """
    import logging, os, sys
    from client.store import open_store

    class Kill(logging.Handler):
        def emit(self, record):
            if "regroupement" in record.getMessage():
                os._exit(9)  # killed while the rows are being copied

    log = logging.getLogger("client.store.journal_rows")
    log.setLevel(logging.INFO)
    log.addHandler(Kill())
    open_store(sys.argv[1])
    """
)


@pytest.mark.sqlite_only  # SQLite stores as an older version wrote them
def test_a_kill_midway_leaves_a_store_that_opens_and_finishes(data_dir: Path) -> None:
    made = make_books(data_dir)
    store = open_store(made)
    try:
        entries, answer = list(store.journal.audit_entries()), store.audit_verify()
    finally:
        store.close()
    to_one_entry_rows(made)
    old_rows, _ = journal_size(made)
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_MIDWAY, str(made)],
        env={**os.environ, "SESAM_DATA_DIR": str(data_dir)},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == 9, killed.stderr.decode()
    assert journal_size(made)[0] == old_rows  # nothing half-written: the rows of before

    store = open_store(made)  # finishes here
    try:
        assert list(store.journal.audit_entries()) == entries
        assert store.audit_verify() == answer and answer.ok
    finally:
        store.close()
    assert journal_size(made)[0] < old_rows


def test_on_postgresql_too(
    tmp_path: Path, pg_database: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cabinet's database whose journal an older version wrote (one row per entry)."""
    url = pg_database()
    data_dir = tmp_path / "cabinet"
    monkeypatch.setenv("SESAM_DATA_DIR", str(data_dir))
    monkeypatch.setenv("SESAM_DATABASE_URL", url)
    made = make_books(data_dir)
    store = open_store(made)
    try:
        entries, answer = list(store.journal.audit_entries()), store.audit_verify()
    finally:
        store.close()
    with psycopg.connect(url) as conn:  # the rows of before, m037 not applied
        conn.execute("ALTER TABLE audit_journal DISABLE TRIGGER USER")
        conn.execute("DELETE FROM audit_journal")
        for entry in entries:
            conn.execute(
                "INSERT INTO audit_journal (seq, record, hash) VALUES (%s, %s, %s)",
                stored_entry(entry),
            )
        conn.execute("ALTER TABLE audit_journal ENABLE TRIGGER USER")
        conn.execute("DELETE FROM schema_migrations WHERE name = %s", [_M037])
        (old_rows,) = conn.execute("SELECT count(*) FROM audit_journal").fetchone() or (0,)
    assert old_rows == len(entries)

    store = open_store(made)  # m037 here, on the server
    try:
        assert list(store.journal.audit_entries()) == entries
        assert store.audit_verify() == answer and answer.ok
        (rows,) = store.db.execute("SELECT count(*) FROM audit_journal").fetchone()
        assert rows < old_rows
        row = store.fse_list()[0]
        store.record_duplicata(row.id, store.fse_events(row.id)[-1].at, "remis au patient")
        assert store.audit_verify().ok  # the journal still refuses edits, and goes on
        with (
            psycopg.connect(url) as conn,
            pytest.raises(psycopg.Error, match="suppression interdite"),
        ):
            conn.execute("DELETE FROM audit_journal")
    finally:
        store.close()
