# Over 500 lines: the ordered list of schema steps, read top to bottom; released steps never change.
"""Schema migrations of the store, applied at every start (sqlite-utils ``Migrations``).

Rules: one function per migration, named ``mNNN_what``; a migration that has been released
is never edited, a new one is added instead. Each runs in its own transaction. Amounts are
TEXT decimals ("25.00"), timestamps TEXT ISO 8601 UTC ("2026-11-22T15:04:05.123456Z").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlite_utils import Database, Migrations

from billing.audit import (
    AuditEntry,
    AuditKind,
    build_entry,
    event_payload,
    noemie_payload,
    payment_payload,
    settlement_payload,
    sha256_hex,
    unmatched_payload,
    unmatched_resolved_payload,
)

logger = logging.getLogger(__name__)

MIGRATIONS = Migrations("sesam-client")

_M001 = [
    """
    CREATE TABLE practitioners (
        id TEXT PRIMARY KEY,                 -- n° de facturation (8) + clé (1)
        billing_number TEXT NOT NULL,
        billing_key TEXT NOT NULL,
        national_id TEXT NOT NULL DEFAULT '',
        last_name TEXT NOT NULL DEFAULT '',
        first_name TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE patients (
        id TEXT PRIMARY KEY,                 -- Beneficiary.patient_key: NIR+clé-naissance-rang
        assure_nir TEXT NOT NULL,
        assure_nir_key TEXT NOT NULL,
        beneficiary_nir TEXT NOT NULL DEFAULT '',
        beneficiary_nir_key TEXT NOT NULL DEFAULT '',
        birth_date TEXT NOT NULL,
        rang TEXT NOT NULL,
        qualite TEXT NOT NULL,
        last_name TEXT NOT NULL DEFAULT '',
        first_name TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE counters (
        practitioner_id TEXT PRIMARY KEY REFERENCES practitioners(id),
        last_fse_number INTEGER NOT NULL DEFAULT 0,
        last_lot_number INTEGER NOT NULL DEFAULT 0,
        lot_closings INTEGER NOT NULL DEFAULT 0  -- how many lots were closed (restore check)
    )
    """,
    """
    CREATE TABLE lots (
        id TEXT PRIMARY KEY,                 -- UUID, also the transmission idempotency key
        practitioner_id TEXT NOT NULL REFERENCES practitioners(id),
        number INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('fse', 'pj')),
        regime TEXT NOT NULL,
        caisse TEXT NOT NULL,
        centre TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('vitale', 'sans_vitale', 'degrade')),
        state TEXT NOT NULL,
        fse_count INTEGER NOT NULL DEFAULT 0,
        oldest_fse_at TEXT,
        created_at TEXT NOT NULL,
        closed_at TEXT,
        signed_der BLOB,
        content_sha256 TEXT,
        updated_at TEXT NOT NULL,
        UNIQUE (practitioner_id, number)
    )
    """,
    "CREATE INDEX lots_open ON lots (practitioner_id, state, regime, caisse, centre, mode)",
    """
    CREATE TABLE fse (
        id INTEGER PRIMARY KEY,
        fse_uuid TEXT NOT NULL UNIQUE,
        practitioner_id TEXT NOT NULL REFERENCES practitioners(id),
        number INTEGER NOT NULL,
        patient_id TEXT NOT NULL REFERENCES patients(id),
        care_date TEXT NOT NULL,
        created_at TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('vitale', 'sans_vitale', 'degrade')),
        degrade_reason TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL,
        regime TEXT NOT NULL,
        caisse TEXT NOT NULL,
        centre TEXT NOT NULL,
        total_fees TEXT NOT NULL,
        amo TEXT NOT NULL,
        participation_forfaitaire TEXT NOT NULL,
        amc TEXT NOT NULL,
        patient_remainder TEXT NOT NULL,
        tiers_payant_amo INTEGER NOT NULL DEFAULT 0,
        tiers_payant_amc INTEGER NOT NULL DEFAULT 0,
        canonical TEXT NOT NULL,             -- the SESAM-FSE document, RFC 8785
        digest TEXT NOT NULL,                -- SHA-256 of the body, hex
        vitale_serial TEXT NOT NULL DEFAULT '',
        vitale_certification TEXT NOT NULL DEFAULT '',
        lot_id TEXT REFERENCES lots(id),
        updated_at TEXT NOT NULL,
        UNIQUE (practitioner_id, number)
    )
    """,
    "CREATE INDEX fse_state ON fse (state)",
    "CREATE INDEX fse_lot ON fse (lot_id)",
    "CREATE INDEX fse_patient ON fse (patient_id, care_date)",
    """
    CREATE TABLE fse_acts (
        id INTEGER PRIMARY KEY,
        fse_id INTEGER NOT NULL REFERENCES fse(id),
        line INTEGER NOT NULL,
        patient_id TEXT NOT NULL REFERENCES patients(id),
        practitioner_id TEXT NOT NULL REFERENCES practitioners(id),
        act_date TEXT NOT NULL,              -- AAAA-MM-JJ
        code TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        coefficient TEXT NOT NULL DEFAULT '',
        overrun_kind TEXT NOT NULL DEFAULT '',  -- '', DE, DA, DP, ED
        fee TEXT NOT NULL,
        UNIQUE (fse_id, line)
    )
    """,
    "CREATE INDEX fse_acts_history ON fse_acts (patient_id, act_date)",
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
    CREATE TABLE outbox (
        id TEXT PRIMARY KEY REFERENCES lots(id),  -- = lot id = idempotency key
        kind TEXT NOT NULL,                  -- 'fse' (FSE lot) or 'pj' (SCOR lot)
        status INTEGER NOT NULL,             -- OutboxStatus
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        claimed_at TEXT,
        claimed_by TEXT,
        last_error TEXT,
        after_id TEXT REFERENCES outbox(id), -- must be sent (and acknowledged) first
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
]


@MIGRATIONS()
def m001_fse_lots_outbox(db: Database) -> None:
    """Practitioners, patients, FSE with acts and events, lots, outbox, counters."""
    for statement in _M001:
        db.execute(statement)


_M_SCOR = [
    """
    CREATE TABLE scor_pj (
        id INTEGER PRIMARY KEY,
        fse_id INTEGER NOT NULL REFERENCES fse(id),
        status TEXT NOT NULL,                -- client.scor.pj.PjStatus
        source TEXT NOT NULL,                -- 'scan:<device>' or 'import:<file name>'
        file_path TEXT,                      -- relative to the data directory; NULL once purged
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        pages INTEGER NOT NULL,
        dpi INTEGER NOT NULL,
        encoding TEXT NOT NULL,              -- 'bitonal' (CCITT G4) or 'grey' (JPEG)
        created_at TEXT NOT NULL,
        checked_at TEXT,                     -- the user looked at it and accepted it
        lot_id TEXT REFERENCES lots(id),     -- the PJ lot (kind 'pj') carrying it
        first_attempt_at TEXT,               -- first transmission attempt of its PJ lot
        last_error TEXT,
        transmitted_at TEXT,                 -- PJ lot acknowledged (ARL PJ positive)
        paper_due_at TEXT,                   -- 5 working days passed: paper duplicata instead
        posted_at TEXT,                      -- paper duplicata posted to the caisse
        purged_at TEXT,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX scor_pj_fse ON scor_pj (fse_id)",
    "CREATE INDEX scor_pj_status ON scor_pj (status)",
    """
    CREATE TABLE scor_purges (
        id INTEGER PRIMARY KEY,
        pj_id INTEGER NOT NULL REFERENCES scor_pj(id),
        fse_id INTEGER NOT NULL REFERENCES fse(id),
        fse_number INTEGER NOT NULL,
        file_path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        pages INTEGER NOT NULL,
        retention_start TEXT NOT NULL,       -- transmission (or posting) the 90 days ran from
        lot_content_cleared INTEGER NOT NULL DEFAULT 0,  -- the PJ lot's signed copy erased too
        purged_at TEXT NOT NULL
    )
    """,
]


@MIGRATIONS()
def m002_scor_pj(db: Database) -> None:
    """SCOR: pièces justificatives of dégradé FSE, and the record of purged scans."""
    for statement in _M_SCOR:
        db.execute(statement)


_M_TELETRANSMISSION = [
    """
    CREATE TABLE transmissions (
        lot_id TEXT PRIMARY KEY REFERENCES lots(id),
        first_attempt_at TEXT,               -- first time the sender tried to deliver it
        last_attempt_at TEXT,
        received_at TEXT,                    -- the concentrator confirmed it has the lot
        arl_at TEXT,                         -- ARL processed
        attempts INTEGER NOT NULL DEFAULT 0
    )
    """,
    """
    CREATE TABLE arl (
        lot_id TEXT PRIMARY KEY REFERENCES lots(id),
        arl_id TEXT NOT NULL,
        status TEXT NOT NULL,                -- 'positif' / 'negatif'
        received_at TEXT NOT NULL,           -- reception date stated by the concentrator
        processed_at TEXT NOT NULL,
        fse_count INTEGER NOT NULL,
        motifs TEXT NOT NULL,                -- JSON list of {code, fse, libelle}
        document TEXT NOT NULL,              -- the ARL as received
        duplicates INTEGER NOT NULL DEFAULT 0
    )
    """,
    """
    CREATE TABLE noemie_files (
        sha256 TEXT PRIMARY KEY,
        source TEXT NOT NULL,                -- 'serveur' or 'fichier'
        name TEXT NOT NULL,
        server_seq INTEGER,
        file_number INTEGER NOT NULL,
        emitter TEXT NOT NULL,
        receiver TEXT NOT NULL,
        created_on TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        invoices INTEGER NOT NULL,
        matched INTEGER NOT NULL,
        unmatched INTEGER NOT NULL,
        content BLOB NOT NULL
    )
    """,
    """
    CREATE TABLE payments (
        id INTEGER PRIMARY KEY,
        fse_uuid TEXT NOT NULL,
        noemie_sha256 TEXT NOT NULL REFERENCES noemie_files(sha256),
        outcome TEXT NOT NULL,               -- client.returns.Reconciliation
        virement_ref TEXT NOT NULL DEFAULT '',
        paid_on TEXT,
        billed_amo TEXT NOT NULL,
        billed_amc TEXT NOT NULL,
        paid_amo TEXT NOT NULL,
        paid_amc TEXT NOT NULL,
        motif_code TEXT,
        motif_label TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL,
        UNIQUE (noemie_sha256, fse_uuid)
    )
    """,
    "CREATE INDEX payments_fse ON payments (fse_uuid, id)",
    """
    CREATE TABLE unmatched_payments (
        id INTEGER PRIMARY KEY,
        noemie_sha256 TEXT NOT NULL REFERENCES noemie_files(sha256),
        fse_uuid TEXT NOT NULL,
        lot_id TEXT NOT NULL,
        outcome TEXT NOT NULL,               -- 'P' paid, 'R' rejected (as in the file)
        virement_ref TEXT NOT NULL DEFAULT '',
        paid_on TEXT,
        care_date TEXT NOT NULL,
        paid_amo TEXT NOT NULL,
        paid_amc TEXT NOT NULL,
        motif_code TEXT,
        motif_label TEXT NOT NULL DEFAULT '',
        patient TEXT NOT NULL DEFAULT '',    -- initials and birth date only
        reason TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        resolved_at TEXT,
        UNIQUE (noemie_sha256, fse_uuid)
    )
    """,
    """
    CREATE TABLE alerts_ack (
        key TEXT PRIMARY KEY,
        acked_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE transport_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        lot_id TEXT,
        event TEXT NOT NULL,                 -- 'contact', 'error', 'arl', 'noemie', 'adri'
        detail TEXT NOT NULL DEFAULT ''
    )
    """,
    "CREATE INDEX transport_log_at ON transport_log (at)",
    """
    CREATE TABLE sync_state (
        key TEXT PRIMARY KEY,                -- 'arl_feed', 'noemie_seq', 'last_contact'
        value TEXT NOT NULL
    )
    """,
]


@MIGRATIONS()
def m003_teletransmission(db: Database) -> None:
    """Télétransmission: per-lot sending, ARL, NOEMIE files, payments, unmatched payments,
    acknowledged alerts, the transport log and the sync cursors."""
    for statement in _M_TELETRANSMISSION:
        db.execute(statement)


_M_AUDIT = [
    """
    CREATE TABLE audit_journal (
        seq INTEGER PRIMARY KEY,             -- 1, 2, 3... with no gap
        at TEXT NOT NULL,
        kind TEXT NOT NULL,                  -- FseEventKind value or billing.audit.AuditKind
        fse_id TEXT NOT NULL DEFAULT '',     -- FSE UUID ('' for a lot event)
        lot_id TEXT NOT NULL DEFAULT '',     -- lot UUID ('' when none)
        payload TEXT NOT NULL,               -- canonical JSON, no NIR, no names
        payload_sha256 TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE            -- SHA-256 of the canonical entry (billing.audit)
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
    """
    CREATE TRIGGER fse_events_no_update BEFORE UPDATE ON fse_events
    BEGIN SELECT RAISE(ABORT, 'historique des FSE : modification interdite'); END
    """,
    """
    CREATE TRIGGER fse_events_no_delete BEFORE DELETE ON fse_events
    BEGIN SELECT RAISE(ABORT, 'historique des FSE : suppression interdite'); END
    """,
]


@MIGRATIONS()
def m004_audit_journal(db: Database) -> None:
    """Append-only, hash-chained audit journal; the FSE events already recorded open it."""
    for statement in _M_AUDIT:
        db.execute(statement)
    previous: AuditEntry | None = None
    rows = db.execute(
        "SELECT e.id, e.at, e.kind, e.from_state, e.to_state, e.detail, f.fse_uuid, "
        "f.number, f.practitioner_id, f.digest, COALESCE(f.lot_id, '') "
        "FROM fse_events e JOIN fse f ON f.id = e.fse_id ORDER BY e.id"
    ).fetchall()
    for event_id, at, kind, from_state, to_state, detail, uuid, number, pid, digest, lot in rows:
        previous = build_entry(
            previous,
            at=at,
            kind=kind,
            fse_id=uuid,
            lot_id=lot,
            payload=event_payload(
                event_id=event_id,
                fse_number=number,
                practitioner_id=pid,
                kind=kind,
                from_state=from_state,
                to_state=to_state,
                detail=detail,
                fse_digest=digest,
            ),
        )
        db.execute(
            "INSERT INTO audit_journal (seq, at, kind, fse_id, lot_id, payload, "
            "payload_sha256, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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


_M_HAND_MATCHING_DASHBOARD = [
    # Hand reconciliation of an unmatched payment: who did it and with which FSE.
    "ALTER TABLE unmatched_payments ADD COLUMN resolved_by TEXT",
    "ALTER TABLE unmatched_payments ADD COLUMN resolved_fse_uuid TEXT",
    # Dashboard figures per period (client.dashboard): ranges on these columns.
    "CREATE INDEX fse_care_date ON fse (care_date)",
    "CREATE INDEX payments_paid_on ON payments (paid_on)",
    "CREATE INDEX transmissions_last_attempt ON transmissions (last_attempt_at)",
]


@MIGRATIONS()
def m005_hand_matching_dashboard(db: Database) -> None:
    """Unmatched payments matched by hand (who, which FSE); indexes for the dashboard."""
    for statement in _M_HAND_MATCHING_DASHBOARD:
        db.execute(statement)


_M_DASHBOARD_COVERING = [
    # client.dashboard groups these columns in SQL: covering indexes keep the FSE rows
    # (~2 KB each, the canonical document inline) out of the dashboard's reads.
    "CREATE INDEX fse_dashboard ON fse (care_date, state, mode, total_fees, amo, amc)",
    "CREATE INDEX fse_waiting ON fse (state, amo, amc)",
    "CREATE INDEX payments_dashboard ON payments (paid_on, outcome, paid_amo, paid_amc)",
]


@MIGRATIONS()
def m006_dashboard_covering_indexes(db: Database) -> None:
    """Covering indexes for the dashboard's grouped sums (``client.dashboard``)."""
    for statement in _M_DASHBOARD_COVERING:
        db.execute(statement)


_M_MONTH_TOTALS = [
    # The dashboard's sums per month, kept by triggers in the transaction that writes the
    # rows: the dashboard reads a few hundred rows whatever the size of the store (a range
    # of the covering index grows with the FSE of the period: 100 000 in six months of a
    # 1 000 000-FSE store). Rows whose count fell to 0 stay (the queries skip them).
    """
    CREATE TABLE fse_month_totals (
        month TEXT NOT NULL,                 -- substr(care_date, 1, 7): "AAAA-MM"
        mode TEXT NOT NULL,
        state TEXT NOT NULL,
        total_fees TEXT NOT NULL,
        amo TEXT NOT NULL,
        amc TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (month, mode, state, total_fees, amo, amc)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE payment_month_totals (
        month TEXT NOT NULL,                 -- substr(paid_on, 1, 7), '' without a date
        outcome TEXT NOT NULL,
        paid_amo TEXT NOT NULL,
        paid_amc TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (month, outcome, paid_amo, paid_amc)
    ) WITHOUT ROWID
    """,
    """
    INSERT INTO fse_month_totals (month, mode, state, total_fees, amo, amc, n)
    SELECT substr(care_date, 1, 7), mode, state, total_fees, amo, amc, count(*)
    FROM fse GROUP BY 1, 2, 3, 4, 5, 6
    """,
    """
    INSERT INTO payment_month_totals (month, outcome, paid_amo, paid_amc, n)
    SELECT coalesce(substr(paid_on, 1, 7), ''), outcome, paid_amo, paid_amc, count(*)
    FROM payments GROUP BY 1, 2, 3, 4
    """,
    """
    CREATE TRIGGER fse_month_totals_insert AFTER INSERT ON fse BEGIN
        INSERT INTO fse_month_totals (month, mode, state, total_fees, amo, amc, n)
        VALUES (substr(NEW.care_date, 1, 7), NEW.mode, NEW.state, NEW.total_fees, NEW.amo,
                NEW.amc, 1)
        ON CONFLICT (month, mode, state, total_fees, amo, amc) DO UPDATE SET n = n + 1;
    END
    """,
    """
    CREATE TRIGGER fse_month_totals_delete AFTER DELETE ON fse BEGIN
        UPDATE fse_month_totals SET n = n - 1
        WHERE month = substr(OLD.care_date, 1, 7) AND mode = OLD.mode AND state = OLD.state
          AND total_fees = OLD.total_fees AND amo = OLD.amo AND amc = OLD.amc;
    END
    """,
    """
    CREATE TRIGGER fse_month_totals_update
    AFTER UPDATE OF care_date, mode, state, total_fees, amo, amc ON fse BEGIN
        UPDATE fse_month_totals SET n = n - 1
        WHERE month = substr(OLD.care_date, 1, 7) AND mode = OLD.mode AND state = OLD.state
          AND total_fees = OLD.total_fees AND amo = OLD.amo AND amc = OLD.amc;
        INSERT INTO fse_month_totals (month, mode, state, total_fees, amo, amc, n)
        VALUES (substr(NEW.care_date, 1, 7), NEW.mode, NEW.state, NEW.total_fees, NEW.amo,
                NEW.amc, 1)
        ON CONFLICT (month, mode, state, total_fees, amo, amc) DO UPDATE SET n = n + 1;
    END
    """,
    """
    CREATE TRIGGER payment_month_totals_insert AFTER INSERT ON payments BEGIN
        INSERT INTO payment_month_totals (month, outcome, paid_amo, paid_amc, n)
        VALUES (coalesce(substr(NEW.paid_on, 1, 7), ''), NEW.outcome, NEW.paid_amo,
                NEW.paid_amc, 1)
        ON CONFLICT (month, outcome, paid_amo, paid_amc) DO UPDATE SET n = n + 1;
    END
    """,
    """
    CREATE TRIGGER payment_month_totals_delete AFTER DELETE ON payments BEGIN
        UPDATE payment_month_totals SET n = n - 1
        WHERE month = coalesce(substr(OLD.paid_on, 1, 7), '') AND outcome = OLD.outcome
          AND paid_amo = OLD.paid_amo AND paid_amc = OLD.paid_amc;
    END
    """,
    """
    CREATE TRIGGER payment_month_totals_update
    AFTER UPDATE OF paid_on, outcome, paid_amo, paid_amc ON payments BEGIN
        UPDATE payment_month_totals SET n = n - 1
        WHERE month = coalesce(substr(OLD.paid_on, 1, 7), '') AND outcome = OLD.outcome
          AND paid_amo = OLD.paid_amo AND paid_amc = OLD.paid_amc;
        INSERT INTO payment_month_totals (month, outcome, paid_amo, paid_amc, n)
        VALUES (coalesce(substr(NEW.paid_on, 1, 7), ''), NEW.outcome, NEW.paid_amo,
                NEW.paid_amc, 1)
        ON CONFLICT (month, outcome, paid_amo, paid_amc) DO UPDATE SET n = n + 1;
    END
    """,
]


@MIGRATIONS()
def m007_month_totals(db: Database) -> None:
    """The dashboard's sums per month, kept by triggers (``client.dashboard``)."""
    for statement in _M_MONTH_TOTALS:
        db.execute(statement)


def _append_entry(
    db: Database,
    previous: AuditEntry | None,
    at: str,
    kind: str,
    payload: dict[str, Any],
    *,
    fse_id: str = "",
    lot_id: str = "",
) -> AuditEntry:
    entry = build_entry(previous, at=at, kind=kind, fse_id=fse_id, lot_id=lot_id, payload=payload)
    db.execute(
        "INSERT INTO audit_journal (seq, at, kind, fse_id, lot_id, payload, "
        "payload_sha256, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            entry.seq,
            entry.at,
            entry.kind,
            entry.fse_id,
            entry.lot_id,
            entry.payload,
            entry.payload_sha256,
            entry.prev_hash,
            entry.hash,
        ],
    )
    return entry


def _rows(db: Database, sql: str) -> list[dict[str, Any]]:
    cursor = db.execute(sql)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


@MIGRATIONS()
def m008_books_in_journal(db: Database) -> None:
    """Issue #17: the journal covers the books. Lots carry the journal head they were
    signed at (also inside the signed content, the anchor the caisse keeps); payments,
    rejections, NOEMIE files and unmatched lines already recorded, and lots whose state
    the journal did not record, are sealed as they stand (from here on they are journaled
    when written)."""
    # The DER as signed, whether it is stored packed (m010) or not (here, not at the top:
    # client.store imports this module while it loads).
    from client.store.packing import unpack_der

    db.execute("ALTER TABLE lots ADD COLUMN journal_seq INTEGER")
    db.execute("ALTER TABLE lots ADD COLUMN journal_head TEXT")
    # FSE numbers handed out whose securing failed: a known, harmless gap in the numbering
    # (client.alerts reports the other gaps: numbers given out, FSE absent).
    db.execute(
        "CREATE TABLE fse_numbers_unused (practitioner_id TEXT NOT NULL, number INTEGER NOT "
        "NULL, at TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (practitioner_id, number))"
    )
    last = _rows(db, "SELECT * FROM audit_journal ORDER BY seq DESC LIMIT 1")
    previous = AuditEntry(**last[0]) if last else None
    lot_level = {
        str(r["lot_id"])
        for r in _rows(
            db,
            "SELECT DISTINCT lot_id FROM audit_journal WHERE kind IN ('lot_signed', 'lot_state')",
        )
    }
    mentioned = {str(r["lot_id"]) for r in _rows(db, "SELECT DISTINCT lot_id FROM audit_journal")}
    for lot in _rows(db, "SELECT * FROM lots WHERE kind = 'fse' ORDER BY rowid"):
        if lot["id"] in lot_level or (lot["state"] == "open" and lot["id"] in mentioned):
            continue
        signed = lot["signed_der"]
        previous = _append_entry(
            db,
            previous,
            str(lot["updated_at"]),
            AuditKind.LOT_STATE.value,
            {
                "lot_number": lot["number"],
                "practitioner": lot["practitioner_id"],
                "state": lot["state"],
                "lot_event": AuditKind.BASELINE.value,
                **(
                    {
                        "content_sha256": lot["content_sha256"],
                        "signed_sha256": sha256_hex(unpack_der(bytes(signed))),
                        "fse_count": lot["fse_count"],
                    }
                    if signed is not None
                    else {}
                ),
            },
            lot_id=str(lot["id"]),
        )
    for row in _rows(db, "SELECT * FROM noemie_files ORDER BY imported_at, sha256"):
        previous = _append_entry(
            db, previous, str(row["imported_at"]), AuditKind.NOEMIE_FILE.value, noemie_payload(row)
        )
    for row in _rows(db, "SELECT * FROM payments ORDER BY id"):
        previous = _append_entry(
            db,
            previous,
            str(row["recorded_at"]),
            AuditKind.PAYMENT.value,
            payment_payload(row),
            fse_id=str(row["fse_uuid"]),
        )
    for row in _rows(db, "SELECT * FROM unmatched_payments ORDER BY id"):
        previous = _append_entry(
            db, previous, str(row["recorded_at"]), AuditKind.UNMATCHED.value, unmatched_payload(row)
        )
        if row["resolved_at"]:
            previous = _append_entry(
                db,
                previous,
                str(row["resolved_at"]),
                AuditKind.UNMATCHED_RESOLVED.value,
                unmatched_resolved_payload(row),
            )


@MIGRATIONS()
def m009_fse_lists_by_state(db: Database) -> None:
    """Issue #27: the FSE lists filtered by state come out in number order from an index
    (a page of them reads a page of rows). ``fse_waiting`` (state, amo, amc) already serves
    the lookups by state alone, so ``fse_state`` goes."""
    db.execute("DROP INDEX IF EXISTS fse_state")
    db.execute("CREATE INDEX fse_state_number ON fse (state, practitioner_id, number)")
    # The lots still waiting for their ARL, the refused ones (alerts): a few among all.
    db.execute("CREATE INDEX lots_state ON lots (state)")
    # The SCOR page's dégradé FSE (a few among the store's): only they are in this index.
    db.execute("CREATE INDEX fse_degrade ON fse (practitioner_id, number) WHERE mode = 'degrade'")
    for statement in _M_STATUS_COUNTS:
        db.execute(statement)


#: Rows converted per transaction by ``m010_packed_documents``.
PACK_BATCH = 2000


@MIGRATIONS()
def m010_packed_documents(db: Database) -> None:
    """Issue #27: FSE documents and signed lots compressed (``client.store.packing``; 1.4 KB
    of JSON per FSE, and every document a second time in its signed lot), in batches of
    ``PACK_BATCH`` rows with the progress in the log, in the opening's transaction (a
    conversion cut short leaves the store as it was). The bytes the journal hashes are the
    unpacked ones: ``sesam audit verify`` passes after. The file keeps its size until a
    ``VACUUM``; the pages freed are reused by the next FSE."""
    # Here, not at the top: client.store imports this module while it loads.
    from client.store.packing import pack_der, pack_document

    conn = db.conn
    packers: tuple[tuple[str, str, Callable[[Any], bytes], str], ...] = (
        ("fse", "canonical", pack_document, "typeof(canonical) = 'text'"),
        (
            "lots",
            "signed_der",
            pack_der,
            "signed_der IS NOT NULL AND substr(signed_der, 1, 2) NOT IN (x'5a00', x'5a01')",
        ),
    )
    for table, column, packer, pending in packers:
        total = conn.execute(f"SELECT count(*) FROM {table} WHERE {pending}").fetchone()[0]  # noqa: S608
        done, last = 0, 0
        while True:
            rows = conn.execute(
                f"SELECT rowid, {column} FROM {table} WHERE rowid > ? AND {pending} "  # noqa: S608
                "ORDER BY rowid LIMIT ?",
                [last, PACK_BATCH],
            ).fetchall()
            if not rows:
                break
            conn.executemany(
                f"UPDATE {table} SET {column} = ? WHERE rowid = ?",  # noqa: S608
                [(packer(value), rowid) for rowid, value in rows],
            )
            last, done = rows[-1][0], done + len(rows)
            logger.info("compression de %s.%s : %d / %d", table, column, done, total)


_M_STATUS_COUNTS = [
    # The reconciliation's counts (queue page, ``sesam returns list``) per FSE state and
    # latest payment line's outcome ('' without one), kept by triggers: counting them from
    # the rows took 255 ms at 100 000 FSE. Payment lines are never updated nor deleted (the
    # journal seals them).
    """
    CREATE TABLE fse_status_counts (
        state TEXT NOT NULL,
        outcome TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (state, outcome)
    ) WITHOUT ROWID
    """,
    """
    INSERT INTO fse_status_counts (state, outcome, n)
    SELECT state, coalesce((
            SELECT p.outcome FROM payments p WHERE p.fse_uuid = f.fse_uuid
            ORDER BY p.id DESC LIMIT 1), ''), count(*) FROM fse f GROUP BY 1, 2
    """,
    """
    CREATE TRIGGER fse_status_counts_insert AFTER INSERT ON fse BEGIN
        INSERT INTO fse_status_counts (state, outcome, n)
        VALUES (NEW.state, coalesce((
            SELECT p.outcome FROM payments p WHERE p.fse_uuid = NEW.fse_uuid
            ORDER BY p.id DESC LIMIT 1), ''), 1)
        ON CONFLICT (state, outcome) DO UPDATE SET n = n + 1;
    END
    """,
    """
    CREATE TRIGGER fse_status_counts_delete AFTER DELETE ON fse BEGIN
        UPDATE fse_status_counts SET n = n - 1
        WHERE state = OLD.state AND outcome = coalesce((
            SELECT p.outcome FROM payments p WHERE p.fse_uuid = OLD.fse_uuid
            ORDER BY p.id DESC LIMIT 1), '');
    END
    """,
    """
    CREATE TRIGGER fse_status_counts_update AFTER UPDATE OF state, fse_uuid ON fse BEGIN
        UPDATE fse_status_counts SET n = n - 1
        WHERE state = OLD.state AND outcome = coalesce((
            SELECT p.outcome FROM payments p WHERE p.fse_uuid = OLD.fse_uuid
            ORDER BY p.id DESC LIMIT 1), '');
        INSERT INTO fse_status_counts (state, outcome, n)
        VALUES (NEW.state, coalesce((
            SELECT p.outcome FROM payments p WHERE p.fse_uuid = NEW.fse_uuid
            ORDER BY p.id DESC LIMIT 1), ''), 1)
        ON CONFLICT (state, outcome) DO UPDATE SET n = n + 1;
    END
    """,
    """
    CREATE TRIGGER fse_status_counts_payment AFTER INSERT ON payments BEGIN
        UPDATE fse_status_counts SET n = n - 1
        WHERE (state, outcome) = (SELECT f.state, coalesce((
            SELECT p.outcome FROM payments p WHERE p.fse_uuid = NEW.fse_uuid AND p.id < NEW.id
            ORDER BY p.id DESC LIMIT 1), '')
                                  FROM fse f WHERE f.fse_uuid = NEW.fse_uuid);
        INSERT INTO fse_status_counts (state, outcome, n)
        SELECT f.state, NEW.outcome, 1 FROM fse f WHERE f.fse_uuid = NEW.fse_uuid
        ON CONFLICT (state, outcome) DO UPDATE SET n = n + 1;
    END
    """,
]


@MIGRATIONS()
def m011_fse_settlements(db: Database) -> None:
    """Issue #19: how the patient paid at the desk (« Réglé par » espèces, chèque, carte) and
    the amount collected, kept with the FSE so that a receipt reprinted later says it too.
    One row per FSE, none when the desk recorded nothing (the CLI, older FSE)."""
    db.execute(
        """
        CREATE TABLE fse_settlements (
            fse_id INTEGER PRIMARY KEY REFERENCES fse(id),
            means TEXT NOT NULL CHECK (means IN ('especes', 'cheque', 'carte')),
            amount TEXT NOT NULL,              -- Decimal text, euros, 2 decimals
            recorded_at TEXT NOT NULL
        )
        """
    )


@MIGRATIONS()
def m012_fse_search(db: Database) -> None:
    """Issue #20: the FSE list filtered by one state (« État »), newest care first, read
    from an index in its order (a page reads a page of rows, even for a rare state)."""
    db.execute("CREATE INDEX fse_state_care ON fse (state, care_date)")


@MIGRATIONS()
def m013_remainder_closures(db: Database) -> None:
    """Issue #20: the user closes the unpaid remainder of a partly paid or rejected FSE with
    a reason (« perte acceptée » or « réclamé à la caisse », a claim that may later become a
    loss: rows are appended, the latest counts). Journaled with each row (``client.
    settlement``); ``payments_outcome`` finds the partly paid and rejected FSE among all."""
    db.execute(
        """
        CREATE TABLE remainder_closures (
            id INTEGER PRIMARY KEY,
            fse_uuid TEXT NOT NULL,
            motif TEXT NOT NULL CHECK (motif IN ('perte', 'reclame')),
            amount TEXT NOT NULL,              -- Decimal text, the remainder closed
            comment TEXT NOT NULL DEFAULT '',
            closed_at TEXT NOT NULL,
            closed_by TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX remainder_closures_fse ON remainder_closures (fse_uuid, id)")
    db.execute("CREATE INDEX payments_outcome ON payments (outcome, fse_uuid)")
    # Their FSE's state without reading its row (~2 KB, the document inline).
    db.execute("CREATE INDEX fse_uuid_state ON fse (fse_uuid, state)")


@MIGRATIONS()
def m014_fse_rectifications(db: Database) -> None:
    """Issue #20: an FSE rectificative replaces a rejected (or ARL-refused) FSE. The link,
    read both ways: one rectificative per original, each FSE in one link at most. The
    original becomes ``rectified`` and leaves the totals; the rectificative's document
    names the original (``body.rectifies``), so the journal seals the link too."""
    db.execute(
        """
        CREATE TABLE fse_rectifications (
            original_id INTEGER PRIMARY KEY REFERENCES fse(id),
            rectificative_id INTEGER NOT NULL UNIQUE REFERENCES fse(id),
            at TEXT NOT NULL
        )
        """
    )


@MIGRATIONS()
def m015_desk_records(db: Database) -> None:
    """Issue #18 (for #26, a shared PostgreSQL store): what the desk keeps lives in the
    database, no longer in side files. ``drafts``: the invoices prepared at the reception
    (the desk's document, JSON, health data), listed by ``seq`` (last saved last);
    ``favourites``: the favourite buttons, one combination of acts (« G+MEG ») per
    position, used once ``favourites_saved`` has its row (an emptied list stays empty).
    Existing ``brouillons/*.json`` and ``favourites.json`` are imported at opening
    (``client.store.kept``)."""
    db.execute(
        """
        CREATE TABLE drafts (
            id TEXT PRIMARY KEY,
            document TEXT NOT NULL,          -- JSON object, the desk's draft
            saved_at TEXT NOT NULL,
            seq INTEGER NOT NULL UNIQUE
        )
        """
    )
    db.execute(
        """
        CREATE TABLE favourites (
            position INTEGER PRIMARY KEY,
            combination TEXT NOT NULL        -- act codes joined by « + »
        )
        """
    )
    db.execute(
        """
        CREATE TABLE favourites_saved (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            saved_at TEXT NOT NULL
        )
        """
    )


@MIGRATIONS()
def m016_settlements_in_journal(db: Database) -> None:
    """Issue #18: what the patient paid at the desk (m011) is journaled from now on, so
    ``audit verify`` checks the « encaissé » figures. The settlements recorded before are
    sealed as they stand (one entry each, at their recording time), as m008 did for the
    payments."""
    last = _rows(db, "SELECT * FROM audit_journal ORDER BY seq DESC LIMIT 1")
    previous = AuditEntry(**last[0]) if last else None
    for row in _rows(
        db,
        "SELECT f.fse_uuid, s.means, s.amount, s.recorded_at FROM fse_settlements s "
        "JOIN fse f ON f.id = s.fse_id ORDER BY s.recorded_at, s.fse_id",
    ):
        previous = _append_entry(
            db,
            previous,
            str(row["recorded_at"]),
            AuditKind.SETTLEMENT.value,
            settlement_payload(row),
            fse_id=str(row["fse_uuid"]),
        )
