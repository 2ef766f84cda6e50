"""A store as the version before issue #27's compaction (m020) left it, made from a store of
today: the journal with its nine columns (hex hashes, the payload's digest, the previous
hash, the UNIQUE index), FSE documents packed with deflate (``Z\\x01``), signed lots with
deflate (``Z\\x00``, holding their FSE documents and certificate), no ``lot_certificates``
nor ``packing_dictionaries``, NOEMIE files as received, m020 not applied."""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path

from sqlite_utils import Database

from client.store.event_codes import read_event
from client.store.journal import read_entries
from client.store.lot_bytes import stored_lot_der
from client.store.packing import DOCUMENT_DICTIONARY_V1, unpack_document, unpack_file
from client.store.stamps import stamp

#: The journal as m004 made it (frozen: the schema of before).
_OLD_JOURNAL = [
    """
    CREATE TABLE audit_journal (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        fse_id TEXT NOT NULL DEFAULT '',
        lot_id TEXT NOT NULL DEFAULT '',
        payload TEXT NOT NULL,
        payload_sha256 TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE
    )
    """,
    """
    CREATE TRIGGER audit_journal_no_update BEFORE UPDATE ON audit_journal
    BEGIN SELECT RAISE(ABORT, 'journal d''audit : modification interdite'); END
    """,
    """
    CREATE TRIGGER audit_journal_no_delete BEFORE DELETE ON audit_journal
    BEGIN SELECT RAISE(ABORT, 'journal d''audit : suppression interdite'); END
    """,
]


def _deflate(data: bytes, zdict: bytes | None) -> bytes:
    if zdict is None:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    else:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zdict)
    return packer.compress(data) + packer.flush()


def to_before_compaction(db: Path) -> None:
    """Rewrite the closed store ``db`` as the previous version kept it (same content)."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("BEGIN")
        rows = conn.execute("SELECT seq, record, hash FROM audit_journal ORDER BY seq")
        entries = read_entries(rows.fetchall())
        conn.execute("DROP TABLE audit_journal")
        for statement in _OLD_JOURNAL:
            conn.execute(statement)
        conn.executemany(
            "INSERT INTO audit_journal VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    e.seq,
                    e.at,
                    e.kind,
                    e.fse_id,
                    e.lot_id,
                    e.payload,
                    e.payload_sha256,
                    e.prev_hash,
                    e.hash,
                )
                for e in entries
            ],
        )
        # The lots with their documents and certificate back inside (read before the
        # documents are rewritten: either form reads).
        lots = [
            (b"Z\x00" + _deflate(stored_lot_der(Database(conn), d), None), i)
            for i, d in conn.execute(
                "SELECT id, signed_der FROM lots WHERE signed_der IS NOT NULL"
            ).fetchall()
        ]
        conn.executemany(
            "UPDATE fse SET canonical = ? WHERE id = ?",
            [
                (b"Z\x01" + _deflate(unpack_document(c).encode(), DOCUMENT_DICTIONARY_V1), i)
                for i, c in conn.execute("SELECT id, canonical FROM fse").fetchall()
            ],
        )
        conn.executemany("UPDATE lots SET signed_der = ? WHERE id = ?", lots)
        conn.executemany(
            "UPDATE noemie_files SET content = ? WHERE sha256 = ?",
            [
                (unpack_file(c), k)
                for k, c in conn.execute("SELECT sha256, content FROM noemie_files").fetchall()
            ],
        )
        conn.execute("DROP TABLE lot_certificates")
        conn.execute("DROP TABLE packing_dictionaries")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm020_compact_storage'")
        _to_text_events(conn)
        conn.execute("COMMIT")
    finally:
        conn.close()


#: ``fse_events`` as m001 made it (frozen: the schema of before m029).
_OLD_EVENTS = [
    """
    CREATE TABLE fse_events (
        id INTEGER PRIMARY KEY,
        fse_id INTEGER NOT NULL REFERENCES fse(id),
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        detail TEXT
    )
    """,
    "CREATE INDEX fse_events_fse ON fse_events (fse_id, id)",
    """
    CREATE TRIGGER fse_events_no_update BEFORE UPDATE ON fse_events
    BEGIN SELECT RAISE(ABORT, 'historique des FSE : modification interdite'); END
    """,
    """
    CREATE TRIGGER fse_events_no_delete BEFORE DELETE ON fse_events
    BEGIN SELECT RAISE(ABORT, 'historique des FSE : suppression interdite'); END
    """,
]


def _to_text_events(conn: sqlite3.Connection) -> None:
    """``fse_events`` back to its text columns with microsecond stamps, m029 not applied."""
    rows = [
        dict(
            zip(("id", "fse_id", "at", "kind", "from_state", "to_state", "detail"), r, strict=True)
        )
        for r in conn.execute(
            "SELECT id, fse_id, at, kind, from_state, to_state, detail FROM fse_events"
        ).fetchall()
    ]
    conn.execute("DROP TABLE fse_events")
    conn.execute("DROP TABLE fse_event_ids")
    for statement in _OLD_EVENTS:
        conn.execute(statement)
    events = [read_event(r) for r in rows]
    conn.executemany(
        "INSERT INTO fse_events VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(e.id, e.fse_id, stamp(e.at), e.kind, e.from_state, e.to_state, e.detail) for e in events],
    )
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm029_coded_fse_events'")


def to_before_coded_events(db: Path) -> None:
    """Rewrite the closed store ``db`` as the version before m029 kept its events."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("BEGIN")
        _to_text_events(conn)
        conn.execute("COMMIT")
    finally:
        conn.close()
