# Over 500 lines: the ordered list of schema steps, read top to bottom; released steps never change.
"""Schema migrations of the store, applied at every start (sqlite-utils ``Migrations``).

Rules: one function per migration, named ``mNNN_what``; a migration that has been released
is never edited, a new one is added instead. Each runs in its own transaction. Amounts are
TEXT decimals ("25.00"), timestamps TEXT ISO 8601 UTC ("2026-11-22T15:04:05.123456Z").
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
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
from client.migration_progress import (
    STEP_DOCUMENTS_PACKED,
    STEP_EVENTS_CONVERTED,
    STEP_JOURNAL_COMPACTED,
    STEP_PAYMENTS_CONVERTED,
    STEP_STORAGE_COMPACTED,
    report,
)

logger = logging.getLogger(__name__)


def _on_postgres(db: Any) -> bool:
    """Whether ``db`` is the store's PostgreSQL database (``client.store.postgres``)."""
    return getattr(db, "dialect", "sqlite") == "postgresql"


class StoreMigrations(Migrations):
    """sqlite-utils' ``Migrations`` on SQLite, unchanged (``_sqlite_migrations``, the
    records of existing stores); on PostgreSQL the same functions, their SQL translated by
    the database (``client.store.dialect``), recorded in ``schema_migrations``."""

    postgres_table = "schema_migrations"

    def apply(self, db: Any, *, stop_before: str | Iterable[str] | None = None) -> None:
        """Apply the pending migrations to ``db``: sqlite-utils' ``Database`` or the
        store's ``PgDatabase`` (the same shape)."""
        super().apply(db, stop_before=stop_before)

    def applied(self, db: Any) -> list[Migrations._AppliedMigration]:
        if not _on_postgres(db):
            return super().applied(db)
        if self.postgres_table not in db.table_names():
            return []
        return [
            self._AppliedMigration(name=row["name"], applied_at=row["applied_at"])
            for row in db.query(
                f"SELECT name, applied_at FROM {self.postgres_table} "  # noqa: S608
                "WHERE migration_set = ? ORDER BY id",
                [self.name],
            )
        ]

    def ensure_migrations_table(self, db: Any) -> None:
        if not _on_postgres(db):
            super().ensure_migrations_table(db)
            return
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {self.postgres_table} (id INTEGER PRIMARY KEY, "
            "migration_set TEXT NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL, "
            "UNIQUE (migration_set, name))"
        )

    def _record_applied(self, db: Any, name: str) -> None:
        if not _on_postgres(db):
            super()._record_applied(db, name)
            return
        db.execute(
            f"INSERT INTO {self.postgres_table} (migration_set, name, applied_at) "  # noqa: S608
            "VALUES (?, ?, ?)",
            [self.name, name, str(datetime.datetime.now(datetime.UTC))],
        )


MIGRATIONS = StoreMigrations("sesam-client")

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


# The journal's rows as they were before m020 (m008, m016 run before it); a migration after
# m020 appends with ``client.store.journal.stored_entry``.
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
    # PostgreSQL has no rowid (its database is new: no lot to seal there).
    order = "created_at, id" if _on_postgres(db) else "rowid"
    for lot in _rows(db, f"SELECT * FROM lots WHERE kind = 'fse' ORDER BY {order}"):  # noqa: S608
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

    if _on_postgres(db):
        # A PostgreSQL store is made by this version (nothing to convert): the documents
        # are written packed, into a bytea column (SQLite keeps bytes in the TEXT column).
        db.execute(
            "ALTER TABLE fse ALTER COLUMN canonical TYPE BYTEA USING convert_to(canonical, 'UTF8')"
        )
        return
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
            report(STEP_DOCUMENTS_PACKED, done, total)


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


_M022 = [
    # Issue #23. The caisse's payment lines say what it did with each part (the AMC's own
    # payments of its part, gestion séparée, are ``amc_payments``, m018). The part states
    # of NOEMIE 198 / 199: 'P' paid, 'R' rejected, 'D' deferred, ' ' not
    # processed by this payer (the AMC part in gestion séparée); '' when not detailed.
    "ALTER TABLE payments ADD COLUMN amo_state TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE payments ADD COLUMN amc_state TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE payments ADD COLUMN amc_number TEXT NOT NULL DEFAULT ''",
    # The AMC parts the caisse left to their AMC (client.remainders.late_amc_parts).
    "CREATE INDEX IF NOT EXISTS payments_amc_left ON payments (amc_state, fse_uuid)",
    # The OCAM's information requests (seed 000): the patient's consents (who, when, for
    # what) and the log of every file that left (what, to whom, when, by whom).
    """
    CREATE TABLE ocam_consents (
        id INTEGER PRIMARY KEY,
        patient_id TEXT NOT NULL,
        subject_kind TEXT NOT NULL,          -- 'fse' or 'devis'
        subject_id TEXT NOT NULL,            -- the FSE's uuid, the devis' id
        ocam TEXT NOT NULL,                  -- the organisme the patient agrees to inform
        purpose TEXT NOT NULL,               -- what for, as the patient agreed
        given_by TEXT NOT NULL,              -- the patient, or his legal representative
        given_on TEXT NOT NULL,              -- AAAA-MM-JJ
        recorded_by TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS ocam_consents_subject ON ocam_consents (subject_kind, subject_id)",
    """
    CREATE TABLE ocam_log (
        id INTEGER PRIMARY KEY,
        patient_id TEXT NOT NULL,
        subject_kind TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        dossier TEXT NOT NULL,               -- 'administratif', 'medical', 'copie_patient'
        recipient_kind TEXT NOT NULL,        -- 'ocam', 'consultant', 'patient'
        recipient TEXT NOT NULL,
        ocam TEXT NOT NULL DEFAULT '',
        recipient_rpps TEXT NOT NULL DEFAULT '',
        consent_id INTEGER REFERENCES ocam_consents(id),
        documents TEXT NOT NULL,             -- what the file holds, one line each
        file_name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        sent_by TEXT NOT NULL,
        sent_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS ocam_log_patient ON ocam_log (patient_id, id)",
    "CREATE INDEX IF NOT EXISTS ocam_log_subject ON ocam_log (subject_kind, subject_id, id)",
]


# From here on the steps run in the order of this file, which is the order they landed in,
# not the order of their numbers (a number is only a name). Each depends only on the steps
# above it.


@MIGRATIONS()
def m022_ocam_requests(db: Database) -> None:
    """Issue #23: payment lines keep the NOEMIE part states (198 / 199), so each part is
    reconciled on its own; the OCAM's requests: consents and log."""
    for sql in _M022:
        db.execute(sql)


_M018 = [
    """
    CREATE TABLE amc_engagements (
        id INTEGER PRIMARY KEY,
        asked_at TEXT NOT NULL,
        amc TEXT NOT NULL,                   -- n° AMC (8)
        member TEXT NOT NULL,                -- n° d'adhérent
        care_date TEXT NOT NULL,
        amount TEXT NOT NULL,                -- AMC part asked
        practitioner_id TEXT NOT NULL,
        outcome TEXT NOT NULL,               -- client.amc.engagement.Outcome
        number TEXT NOT NULL DEFAULT '',     -- the agreement number when granted
        gestion TEXT NOT NULL DEFAULT '',    -- unique | separee, when granted
        motif TEXT NOT NULL DEFAULT '',      -- the refusal's code, or why it failed
        fse_uuid TEXT                        -- the FSE secured under it
    )
    """,
    "CREATE INDEX IF NOT EXISTS amc_engagements_fse ON amc_engagements (fse_uuid)",
    """
    CREATE TABLE amc_dre_lots (
        id TEXT PRIMARY KEY,                 -- UUID, the idempotency key
        number INTEGER NOT NULL,             -- per practitioner and AMC
        amc TEXT NOT NULL,
        practitioner_id TEXT NOT NULL,
        closed_at TEXT NOT NULL,
        content_sha256 TEXT NOT NULL,
        signed_der BLOB NOT NULL,
        status TEXT NOT NULL,                -- its own outbox: client.amc.dre.DreStatus
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        last_error TEXT NOT NULL DEFAULT '',
        ack BLOB,
        ack_at TEXT,
        UNIQUE (practitioner_id, amc, number)
    )
    """,
    "CREATE INDEX IF NOT EXISTS amc_dre_lots_status ON amc_dre_lots (status, next_attempt_at)",
    """
    CREATE TABLE amc_dre_items (
        fse_uuid TEXT PRIMARY KEY,           -- one DRE per FSE
        lot_id TEXT NOT NULL REFERENCES amc_dre_lots(id),
        engagement TEXT NOT NULL,
        amount TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE amc_payments (
        id INTEGER PRIMARY KEY,
        return_id TEXT NOT NULL UNIQUE,      -- the AMC's id of the return
        fse_uuid TEXT NOT NULL UNIQUE,       -- one answer per DRE: a second is a duplicate
        lot_id TEXT NOT NULL,
        engagement TEXT NOT NULL,
        outcome TEXT NOT NULL,               -- paye | rejete
        billed_amc TEXT NOT NULL,
        paid_amc TEXT NOT NULL,
        paid_on TEXT NOT NULL,
        virement_ref TEXT NOT NULL DEFAULT '',
        motif_code TEXT NOT NULL DEFAULT '',
        motif_label TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE amc_feed (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_seq INTEGER NOT NULL
    )
    """,
]


@MIGRATIONS()
def m018_amc_dre(db: Database) -> None:
    """Issue #23: the AMC's online engagements, the DRE lots of gestion séparée (their own
    outbox: status, attempts, acknowledgement) and the AMC's payments and rejections."""
    for sql in _M018:
        db.execute(sql)


_M020_BEFORE = [
    """
    CREATE TABLE audit_journal_compact (
        seq INTEGER PRIMARY KEY,             -- 1, 2, 3... with no gap
        record BLOB NOT NULL,                -- at, kind, fse_id, lot_id, payload, packed
        hash BLOB NOT NULL                   -- SHA-256 of the canonical entry, 32 bytes
    )
    """,
    """
    CREATE TABLE lot_certificates (
        sha256 BLOB PRIMARY KEY,             -- SHA-256 of the certificate
        certificate BLOB NOT NULL            -- DER, cut out of every signed lot carrying it
    )
    """,
]
_M020_AFTER = [
    "ALTER TABLE audit_journal_compact RENAME TO audit_journal",
    """
    CREATE TRIGGER audit_journal_no_update BEFORE UPDATE ON audit_journal
    BEGIN SELECT RAISE(ABORT, 'journal d''audit : modification interdite'); END
    """,
    """
    CREATE TRIGGER audit_journal_no_delete BEFORE DELETE ON audit_journal
    BEGIN SELECT RAISE(ABORT, 'journal d''audit : suppression interdite'); END
    """,
    """
    CREATE TABLE packing_dictionaries (
        dict_id INTEGER PRIMARY KEY,         -- the id zstd writes in every frame packed with it
        kind TEXT NOT NULL,                  -- document | journal
        dictionary BLOB NOT NULL,            -- never edited: the values packed with it need it
        source TEXT NOT NULL,                -- what it was trained on
        added_at TEXT NOT NULL
    )
    """,
]


def _m020_convert(
    db: Database,
    table: str,
    columns: str,
    convert: Callable[[tuple[Any, ...]], tuple[Any, ...] | None],
    write: str,
) -> None:
    """Rows of ``table`` read in ``rowid`` order by batches of ``PACK_BATCH``, converted and
    written with ``write`` (None: left as they are), the progress in the log."""
    conn = db.conn
    total = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
    done, last = 0, 0
    while True:
        rows = conn.execute(
            f"SELECT rowid, {columns} FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?",  # noqa: S608
            [last, PACK_BATCH],
        ).fetchall()
        if not rows:
            return
        conn.executemany(write, [c for c in (convert(r) for r in rows) if c is not None])
        last, done = rows[-1][0], done + len(rows)
        logger.info("compactage de %s : %d / %d", table, done, total)
        report(STEP_STORAGE_COMPACTED, done, total)


@MIGRATIONS()
def m020_compact_storage(db: Database) -> None:
    """Issue #27 (≤ 3 KB per FSE): the audit journal keeps per entry its ``seq``, its fields
    packed in one ``record`` and its hash as 32 raw bytes; the payload's digest and the
    previous hash, recomputable, are rebuilt on reading, and the UNIQUE index on the hex hash
    goes (``seq`` orders the chain). FSE documents and signed lots are packed with zstd and a
    trained dictionary (``client.store.packing``), the dictionaries kept in
    ``packing_dictionaries``; a signed FSE lot no longer holds a second copy of its FSE
    documents (``client.store.lot_bytes``: put back on reading, checked by a hash); the
    NOEMIE files received are compressed.
    Converted in place, by batches, progress in the log, in the opening's transaction (cut
    short, the store stays as it was); the hashes are unchanged: ``sesam audit verify``
    passes after as before, and fails where it failed."""
    # Here, not at the top: client.store imports this module while it loads.
    from client.store.lot_bytes import packed_lot
    from client.store.packing import (
        SHIPPED,
        is_current,
        is_lot,
        pack_der,
        pack_document,
        pack_file,
        unpack_der,
    )

    for statement in _M020_BEFORE:
        db.execute(statement)
    if _on_postgres(db):
        # A PostgreSQL store is made by this version: its journal is empty, nothing to
        # convert; the trigger functions of the table dropped go with it.
        db.execute("DROP TABLE audit_journal")
        for name in ("audit_journal_no_update", "audit_journal_no_delete"):
            db.execute(f"DROP FUNCTION IF EXISTS {name}_fn()")
    else:

        def document(r: tuple[Any, ...]) -> tuple[Any, ...] | None:
            rowid, stored = r
            if is_current(stored):
                return None
            try:
                return pack_document(_m020_document(stored)), rowid
            except ValueError:
                return None  # damaged: left as found, ``sesam audit verify`` names the FSE

        def lot(r: tuple[Any, ...]) -> tuple[Any, ...] | None:
            rowid, lot_id, kind, stored = r
            if stored is None or is_lot(stored):
                return None
            try:
                der = unpack_der(stored)
            except ValueError:
                return None  # damaged: left as found, ``sesam audit verify`` names the lot
            # An FSE lot without the documents its FSE rows hold (a PJ lot holds none).
            return (packed_lot(db, lot_id, der) if kind == "fse" else pack_der(der)), rowid

        _m020_journal(db)
        db.execute("DROP TABLE audit_journal")
        _m020_convert(
            db, "fse", "canonical", document, "UPDATE fse SET canonical = ? WHERE rowid = ?"
        )
        _m020_convert(
            db,
            "lots",
            "id, kind, signed_der",
            lot,
            "UPDATE lots SET signed_der = ? WHERE rowid = ?",
        )

        def received(r: tuple[Any, ...]) -> tuple[Any, ...] | None:
            rowid, stored = r
            return None if is_current(stored) else (pack_file(bytes(stored)), rowid)

        _m020_convert(
            db,
            "noemie_files",
            "content",
            received,
            "UPDATE noemie_files SET content = ? WHERE rowid = ?",
        )
    for statement in _M020_AFTER:
        db.execute(statement)
    added = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for shipped in SHIPPED:
        db.execute(
            "INSERT INTO packing_dictionaries (dict_id, kind, dictionary, source, added_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [shipped.dict_id, shipped.kind.value, shipped.data, shipped.source, added],
        )


def _m020_fields(raw: list[bytes | None]) -> tuple[str, str, str, str, str] | None:
    """An entry's fields read as bytes, as text; None when they are not text or hold a
    separator (damaged, or put there outside the software)."""
    try:
        at, kind, fse_id, lot_id, payload = (bytes(f or b"").decode("utf-8") for f in raw)
    except UnicodeDecodeError:
        return None
    fields = (at, kind, fse_id, lot_id, payload)
    return None if any("\x1e" in f or "\x1f" in f for f in fields) else fields


def _m020_journal(db: Database) -> None:
    """The journal's rows into ``audit_journal_compact``: the entries a lot transition wrote
    together (same time, kind and lot, following seqs) in one row, as the software writes
    them now; an entry damaged kept as its bytes, which do not unpack, so that ``sesam audit
    verify`` names it as before."""
    from client.store.packing import pack_records

    conn = db.conn
    total = conn.execute("SELECT count(*) FROM audit_journal").fetchone()[0]
    insert = "INSERT INTO audit_journal_compact (seq, record, hash) VALUES (?, ?, ?)"
    group: list[tuple[int, tuple[str, str, str, str, str], bytes]] = []

    def flush() -> None:
        if group:
            records = [fields for _, fields, _ in group]
            hashes = b"".join(h for *_, h in group)
            conn.execute(insert, [group[0][0], pack_records(records), hashes])
            group.clear()

    raw = ", ".join(
        f"CAST({c} AS BLOB)" for c in ("at", "kind", "fse_id", "lot_id", "payload", "hash")
    )
    done, last = 0, 0
    while True:
        rows = conn.execute(
            f"SELECT seq, {raw} FROM audit_journal WHERE seq > ? ORDER BY seq LIMIT ?",  # noqa: S608
            [last, PACK_BATCH],
        ).fetchall()
        if not rows:
            break
        for seq, *columns, hash_raw in rows:
            fields = _m020_fields(columns)
            try:
                hash_bytes = bytes.fromhex(bytes(hash_raw or b"").decode("ascii"))
            except (UnicodeDecodeError, ValueError):
                hash_bytes = b""
            if fields is None or len(hash_bytes) != 32:
                flush()  # kept as found: verify names the entry
                kept = b"\x1f".join(bytes(c or b"") for c in columns)
                conn.execute(insert, [seq, kept, hash_raw or b""])
                continue
            together = (
                group
                and fields[2]
                and fields[3]
                and group[-1][0] == seq - 1
                and group[-1][1][0::3] == fields[0::3]  # same time and lot
                and group[-1][1][1] == fields[1]  # same kind
            )
            if not together:
                flush()
            group.append((seq, fields, hash_bytes))
        last, done = rows[-1][0], done + len(rows)
        logger.info("compactage de audit_journal : %d / %d", done, total)
        report(STEP_JOURNAL_COMPACTED, done, total)
    flush()


def _m020_document(stored: Any) -> str:
    from client.store.packing import unpack_document

    return unpack_document(stored if isinstance(stored, str | bytes) else str(stored))


_M017 = [
    # Issue #23. The AMC conventions the cabinet has (seeded from
    # billing/tariffs/amc-conventions.json, then edited by the user): without one, no AMC
    # part is priced and nothing goes to that AMC.
    """
    CREATE TABLE amc_conventions (
        amc_number TEXT PRIMARY KEY,         -- n° AMC, 8 digits (card tag A2/80)
        name TEXT NOT NULL,
        convention TEXT NOT NULL,            -- the convention's reference
        tiers_payant INTEGER NOT NULL,       -- 1: the cabinet may bill the AMC part in TP
        updated_at TEXT NOT NULL
    )
    """,
    # Devis (dental care, any act with a dépassement): the priced quote, per patient,
    # turned into an FSE (fse_uuid) when the care is done.
    """
    CREATE TABLE devis (
        id TEXT PRIMARY KEY,                 -- « DV-AAAA-NNNNN »
        patient_id TEXT NOT NULL,
        patient_name TEXT NOT NULL,
        practitioner_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        care_date TEXT NOT NULL,             -- planned, AAAA-MM-JJ
        valid_until TEXT NOT NULL,           -- AAAA-MM-JJ
        state TEXT NOT NULL,                 -- 'ouvert', 'facture', 'abandonne'
        request TEXT NOT NULL,               -- the sesam price JSON that priced it
        total_fees TEXT NOT NULL,
        amo TEXT NOT NULL,
        amc TEXT NOT NULL,
        patient_remainder TEXT NOT NULL,
        amc_number TEXT NOT NULL DEFAULT '',
        amc_contract TEXT NOT NULL DEFAULT '',
        referential_version TEXT NOT NULL,
        fse_uuid TEXT,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS devis_patient ON devis (patient_id, created_at)",
    """
    CREATE TABLE devis_lines (
        devis_id TEXT NOT NULL REFERENCES devis(id),
        line INTEGER NOT NULL,
        code TEXT NOT NULL,
        label TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        amount TEXT NOT NULL,
        reimbursement_base TEXT NOT NULL,
        amo TEXT NOT NULL,
        amc TEXT NOT NULL,
        overrun TEXT NOT NULL,
        PRIMARY KEY (devis_id, line)
    )
    """,
]


@MIGRATIONS()
def m017_amc_conventions(db: Database) -> None:
    """Issue #23: the AMC conventions table (seeded) and the devis with their lines."""
    from billing.amc import load_convention_seed

    for sql in _M017:
        db.execute(sql)
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # as stamp()
    for seed in load_convention_seed():
        db.execute(
            "INSERT INTO amc_conventions (amc_number, name, convention, tiers_payant, "
            "updated_at) VALUES (?, ?, ?, ?, ?)",
            [seed.amc_number, seed.name, seed.convention, int(seed.tiers_payant), now],
        )


# Issue #27: the unpaid remainders kept as their rows change (the dashboard and the alerts
# walked every partly paid and rejected FSE's payment lines: 24 000 at 100 000 FSE, 0.1 s).
# ``remainders``: the latest payment line of each FSE paid or rejected whose outcome leaves
# money unpaid, with the motif of its latest closure ('' when none); ``remainder_counts``:
# those rows counted per closure, outcome and amounts (what the totals sum). Written out in
# full, as every migration: frozen text.
_M021 = [
    """
    CREATE TABLE remainders (
        fse_uuid TEXT PRIMARY KEY,
        payment_id INTEGER NOT NULL,         -- its latest payment line
        outcome TEXT NOT NULL,
        billed_amo TEXT NOT NULL,
        billed_amc TEXT NOT NULL,
        paid_amo TEXT NOT NULL,
        paid_amc TEXT NOT NULL,
        closed TEXT NOT NULL DEFAULT ''      -- latest closure's motif, '' when none
    )
    """,
    "CREATE INDEX remainders_closed ON remainders (closed, payment_id)",
    """
    CREATE TABLE remainder_counts (
        closed TEXT NOT NULL,
        outcome TEXT NOT NULL,
        billed_amo TEXT NOT NULL,
        billed_amc TEXT NOT NULL,
        paid_amo TEXT NOT NULL,
        paid_amc TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (closed, outcome, billed_amo, billed_amc, paid_amo, paid_amc)
    )
    """,
    """
    CREATE TRIGGER remainder_counts_insert AFTER INSERT ON remainders BEGIN
        INSERT INTO remainder_counts (closed, outcome, billed_amo, billed_amc, paid_amo,
            paid_amc, n)
        VALUES (NEW.closed, NEW.outcome, NEW.billed_amo, NEW.billed_amc, NEW.paid_amo,
            NEW.paid_amc, 1)
        ON CONFLICT (closed, outcome, billed_amo, billed_amc, paid_amo, paid_amc)
        DO UPDATE SET n = n + 1;
    END
    """,
    """
    CREATE TRIGGER remainder_counts_delete AFTER DELETE ON remainders BEGIN
        UPDATE remainder_counts SET n = n - 1
        WHERE closed = OLD.closed AND outcome = OLD.outcome AND billed_amo = OLD.billed_amo
          AND billed_amc = OLD.billed_amc AND paid_amo = OLD.paid_amo
          AND paid_amc = OLD.paid_amc;
    END
    """,
    """
    CREATE TRIGGER remainder_counts_update AFTER UPDATE ON remainders BEGIN
        UPDATE remainder_counts SET n = n - 1
        WHERE closed = OLD.closed AND outcome = OLD.outcome AND billed_amo = OLD.billed_amo
          AND billed_amc = OLD.billed_amc AND paid_amo = OLD.paid_amo
          AND paid_amc = OLD.paid_amc;
        INSERT INTO remainder_counts (closed, outcome, billed_amo, billed_amc, paid_amo,
            paid_amc, n)
        VALUES (NEW.closed, NEW.outcome, NEW.billed_amo, NEW.billed_amc, NEW.paid_amo,
            NEW.paid_amc, 1)
        ON CONFLICT (closed, outcome, billed_amo, billed_amc, paid_amo, paid_amc)
        DO UPDATE SET n = n + 1;
    END
    """,
    # The remainders of the store as it is (the triggers above count them).
    """
    INSERT INTO remainders (fse_uuid, payment_id, outcome, billed_amo, billed_amc, paid_amo,
        paid_amc, closed)
    SELECT p.fse_uuid, p.id, p.outcome, p.billed_amo, p.billed_amc, p.paid_amo, p.paid_amc,
        coalesce((SELECT c.motif FROM remainder_closures c WHERE c.fse_uuid = p.fse_uuid
                  ORDER BY c.id DESC LIMIT 1), '')
    FROM payments p JOIN fse f ON f.fse_uuid = p.fse_uuid
    WHERE p.outcome IN ('payee_partiellement', 'rejetee') AND f.state IN ('paid', 'rejected')
      AND p.id = (SELECT max(q.id) FROM payments q WHERE q.fse_uuid = p.fse_uuid)
    """,
    # A new payment line replaces the FSE's latest (ids grow: the new line is the latest).
    """
    CREATE TRIGGER remainders_payment AFTER INSERT ON payments BEGIN
        DELETE FROM remainders WHERE fse_uuid = NEW.fse_uuid
            AND NEW.id = (SELECT max(q.id) FROM payments q WHERE q.fse_uuid = NEW.fse_uuid);
        INSERT INTO remainders (fse_uuid, payment_id, outcome, billed_amo, billed_amc,
            paid_amo, paid_amc, closed)
        SELECT NEW.fse_uuid, NEW.id, NEW.outcome, NEW.billed_amo, NEW.billed_amc,
            NEW.paid_amo, NEW.paid_amc,
            coalesce((SELECT c.motif FROM remainder_closures c WHERE c.fse_uuid = NEW.fse_uuid
                      ORDER BY c.id DESC LIMIT 1), '')
        FROM fse f WHERE f.fse_uuid = NEW.fse_uuid AND f.state IN ('paid', 'rejected')
            AND NEW.outcome IN ('payee_partiellement', 'rejetee')
            AND NEW.id = (SELECT max(q.id) FROM payments q WHERE q.fse_uuid = NEW.fse_uuid);
    END
    """,
    """
    CREATE TRIGGER remainders_fse_insert AFTER INSERT ON fse BEGIN
        INSERT INTO remainders (fse_uuid, payment_id, outcome, billed_amo, billed_amc,
            paid_amo, paid_amc, closed)
        SELECT p.fse_uuid, p.id, p.outcome, p.billed_amo, p.billed_amc, p.paid_amo,
            p.paid_amc,
            coalesce((SELECT c.motif FROM remainder_closures c WHERE c.fse_uuid = p.fse_uuid
                      ORDER BY c.id DESC LIMIT 1), '')
        FROM payments p
        WHERE p.id = (SELECT max(q.id) FROM payments q WHERE q.fse_uuid = NEW.fse_uuid)
            AND p.outcome IN ('payee_partiellement', 'rejetee')
            AND NEW.state IN ('paid', 'rejected');
    END
    """,
    # Paid or rejected, then rectified (any change of state): read again.
    """
    CREATE TRIGGER remainders_fse_update AFTER UPDATE OF state, fse_uuid ON fse BEGIN
        DELETE FROM remainders WHERE fse_uuid = OLD.fse_uuid;
        INSERT INTO remainders (fse_uuid, payment_id, outcome, billed_amo, billed_amc,
            paid_amo, paid_amc, closed)
        SELECT p.fse_uuid, p.id, p.outcome, p.billed_amo, p.billed_amc, p.paid_amo,
            p.paid_amc,
            coalesce((SELECT c.motif FROM remainder_closures c WHERE c.fse_uuid = p.fse_uuid
                      ORDER BY c.id DESC LIMIT 1), '')
        FROM payments p
        WHERE p.id = (SELECT max(q.id) FROM payments q WHERE q.fse_uuid = NEW.fse_uuid)
            AND p.outcome IN ('payee_partiellement', 'rejetee')
            AND NEW.state IN ('paid', 'rejected');
    END
    """,
    """
    CREATE TRIGGER remainders_fse_delete AFTER DELETE ON fse BEGIN
        DELETE FROM remainders WHERE fse_uuid = OLD.fse_uuid;
    END
    """,
    # Closures are appended, the latest counts.
    """
    CREATE TRIGGER remainders_closure AFTER INSERT ON remainder_closures BEGIN
        UPDATE remainders SET closed = NEW.motif WHERE fse_uuid = NEW.fse_uuid;
    END
    """,
    # The gap check (issue #17, every start and the dashboard's alerts) counted a
    # practitioner's FSE and signed lots: a walk of an index as long as his history.
    """
    CREATE TABLE fse_counts (
        practitioner_id TEXT PRIMARY KEY,
        n INTEGER NOT NULL
    )
    """,
    """
    INSERT INTO fse_counts (practitioner_id, n)
    SELECT practitioner_id, count(*) FROM fse GROUP BY practitioner_id
    """,
    """
    CREATE TRIGGER fse_counts_insert AFTER INSERT ON fse BEGIN
        INSERT INTO fse_counts (practitioner_id, n) VALUES (NEW.practitioner_id, 1)
        ON CONFLICT (practitioner_id) DO UPDATE SET n = n + 1;
    END
    """,
    """
    CREATE TRIGGER fse_counts_delete AFTER DELETE ON fse BEGIN
        UPDATE fse_counts SET n = n - 1 WHERE practitioner_id = OLD.practitioner_id;
    END
    """,
    """
    CREATE TRIGGER fse_counts_update AFTER UPDATE OF practitioner_id ON fse BEGIN
        UPDATE fse_counts SET n = n - 1 WHERE practitioner_id = OLD.practitioner_id;
        INSERT INTO fse_counts (practitioner_id, n) VALUES (NEW.practitioner_id, 1)
        ON CONFLICT (practitioner_id) DO UPDATE SET n = n + 1;
    END
    """,
    # The signed lots of a practitioner counted from an index alone.
    "CREATE INDEX IF NOT EXISTS lots_signed ON lots (practitioner_id, kind, closed_at)",
    # The FSE list's patient search folds every patient's names in Python (accents): it
    # keeps them folded until a patient changes, which this number tells.
    """
    CREATE TABLE patients_version (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        n INTEGER NOT NULL
    )
    """,
    "INSERT INTO patients_version (id, n) VALUES (1, 0)",
    """
    CREATE TRIGGER patients_version_insert AFTER INSERT ON patients BEGIN
        UPDATE patients_version SET n = n + 1 WHERE id = 1;
    END
    """,
    """
    CREATE TRIGGER patients_version_update
    AFTER UPDATE OF id, last_name, first_name, assure_nir, beneficiary_nir ON patients BEGIN
        UPDATE patients_version SET n = n + 1 WHERE id = 1;
    END
    """,
    """
    CREATE TRIGGER patients_version_delete AFTER DELETE ON patients BEGIN
        UPDATE patients_version SET n = n + 1 WHERE id = 1;
    END
    """,
]


@MIGRATIONS()
def m021_fast_pages(db: Database) -> None:
    """Issue #27: the unpaid remainders (dashboard, alerts) and each practitioner's FSE
    count (the gap check) kept by triggers in the transaction that writes payments, FSE and
    closures, rather than read from every row; filled from the store as it is. An index
    counts the signed lots; a number tells when a patient changed (the search's cache)."""
    for sql in _M021:
        db.execute(sql)


@MIGRATIONS()
def m019_apcv(db: Database) -> None:
    """Issue #24: an FSE secured « ApCV » (the application carte Vitale) names its session.
    The ``mode`` column keeps the lot family (``vitale``: a secured FSE with the garantie de
    paiement, in the secured lots); the session tells the ApCV FSE apart in the lists, the
    receipts and the dashboard's share by mode."""
    db.execute("ALTER TABLE fse ADD COLUMN apcv_session TEXT NOT NULL DEFAULT ''")
    db.execute("CREATE INDEX IF NOT EXISTS fse_apcv ON fse (care_date, apcv_session)")


@MIGRATIONS()
def m023_cabinet(db: Database) -> None:
    """Issue #26: a cabinet's posts on one server. ``fse_number_reservations``: an FSE
    number handed out and not yet stored, with the post that took it (a post killed while
    the card signs leaves its row: the gap has its reason, ``sesam numbers gaps``);
    ``cabinet_members``: who works for which practitioner (a receptionist's CPE, a
    remplaçant's CPS) — the scope of what each card sees; a draft may be addressed to the
    practitioner who will sign it, prepared by a receptionist's card."""
    db.execute(
        "CREATE TABLE fse_number_reservations (practitioner_id TEXT NOT NULL, "
        "number INTEGER NOT NULL, post TEXT NOT NULL, at TEXT NOT NULL, "
        "PRIMARY KEY (practitioner_id, number))"
    )
    db.execute(
        "CREATE TABLE cabinet_members (member_id TEXT NOT NULL, practitioner_id TEXT NOT "
        "NULL, role TEXT NOT NULL, since TEXT NOT NULL, PRIMARY KEY (member_id, practitioner_id))"
    )
    db.execute("ALTER TABLE drafts ADD COLUMN addressed_to TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE drafts ADD COLUMN prepared_by TEXT NOT NULL DEFAULT ''")
    db.execute("CREATE INDEX IF NOT EXISTS drafts_addressed ON drafts (addressed_to, seq)")
    if _on_postgres(db):
        # The server itself hides another practitioner's FSE, lots and payments from a
        # connection that says who is looking (``Cabinet.look_as``); one that says nothing
        # (the sender, the returns' import, the audit) sees everything.
        for sql in _M023_ROW_SECURITY:
            db.execute(sql)


_SEEN = "coalesce(current_setting('sesam.practitioners', true), '') = ''"
_M023_ROW_SECURITY = [
    *(
        f"ALTER TABLE {table} {action} ROW LEVEL SECURITY"
        for table in ("fse", "lots", "payments")
        for action in ("ENABLE", "FORCE")
    ),
    *(
        f"CREATE POLICY {table}_seen ON {table} USING ({_SEEN} OR practitioner_id = ANY "
        "(string_to_array(current_setting('sesam.practitioners', true), ',')))"
        for table in ("fse", "lots")
    ),
    (
        f"CREATE POLICY payments_seen ON payments USING ({_SEEN} OR EXISTS "  # noqa: S608
        "(SELECT 1 FROM fse f WHERE f.fse_uuid = payments.fse_uuid))"
    ),
]


# Issue #26: the dashboard's month totals per practitioner, so that each card's dashboard
# sums only its practitioners' rows (the scope is a WHERE on ``practitioner_id``). The
# totals are derived: rebuilt from ``fse`` and ``payments`` as they stand, and the m007
# triggers replaced by ones that also keep the practitioner (a payment's is its FSE's;
# '' for a line whose FSE is not stored here). Written out in full: frozen text.
_M024_TRIGGERS = (
    ("fse_month_totals_insert", "fse"),
    ("fse_month_totals_delete", "fse"),
    ("fse_month_totals_update", "fse"),
    ("payment_month_totals_insert", "payments"),
    ("payment_month_totals_delete", "payments"),
    ("payment_month_totals_update", "payments"),
)
_M024 = [
    """
    CREATE TABLE fse_month_totals_scoped (
        month TEXT NOT NULL,                 -- substr(care_date, 1, 7): "AAAA-MM"
        practitioner_id TEXT NOT NULL,
        mode TEXT NOT NULL,
        state TEXT NOT NULL,
        total_fees TEXT NOT NULL,
        amo TEXT NOT NULL,
        amc TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (month, practitioner_id, mode, state, total_fees, amo, amc)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE payment_month_totals_scoped (
        month TEXT NOT NULL,                 -- substr(paid_on, 1, 7), '' without a date
        practitioner_id TEXT NOT NULL,       -- the FSE's, '' when it is not stored here
        outcome TEXT NOT NULL,
        paid_amo TEXT NOT NULL,
        paid_amc TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (month, practitioner_id, outcome, paid_amo, paid_amc)
    ) WITHOUT ROWID
    """,
    """
    INSERT INTO fse_month_totals_scoped (month, practitioner_id, mode, state, total_fees,
        amo, amc, n)
    SELECT substr(care_date, 1, 7), practitioner_id, mode, state, total_fees, amo, amc,
        count(*)
    FROM fse GROUP BY 1, 2, 3, 4, 5, 6, 7
    """,
    """
    INSERT INTO payment_month_totals_scoped (month, practitioner_id, outcome, paid_amo,
        paid_amc, n)
    SELECT coalesce(substr(p.paid_on, 1, 7), ''), coalesce(f.practitioner_id, ''),
        p.outcome, p.paid_amo, p.paid_amc, count(*)
    FROM payments p LEFT JOIN fse f ON f.fse_uuid = p.fse_uuid GROUP BY 1, 2, 3, 4, 5
    """,
    "DROP TABLE fse_month_totals",
    "DROP TABLE payment_month_totals",
    "ALTER TABLE fse_month_totals_scoped RENAME TO fse_month_totals",
    "ALTER TABLE payment_month_totals_scoped RENAME TO payment_month_totals",
    """
    CREATE TRIGGER fse_month_totals_insert AFTER INSERT ON fse BEGIN
        INSERT INTO fse_month_totals (month, practitioner_id, mode, state, total_fees, amo,
            amc, n)
        VALUES (substr(NEW.care_date, 1, 7), NEW.practitioner_id, NEW.mode, NEW.state,
                NEW.total_fees, NEW.amo, NEW.amc, 1)
        ON CONFLICT (month, practitioner_id, mode, state, total_fees, amo, amc)
        DO UPDATE SET n = n + 1;
    END
    """,
    """
    CREATE TRIGGER fse_month_totals_delete AFTER DELETE ON fse BEGIN
        UPDATE fse_month_totals SET n = n - 1
        WHERE month = substr(OLD.care_date, 1, 7) AND practitioner_id = OLD.practitioner_id
          AND mode = OLD.mode AND state = OLD.state AND total_fees = OLD.total_fees
          AND amo = OLD.amo AND amc = OLD.amc;
    END
    """,
    """
    CREATE TRIGGER fse_month_totals_update
    AFTER UPDATE OF care_date, practitioner_id, mode, state, total_fees, amo, amc ON fse BEGIN
        UPDATE fse_month_totals SET n = n - 1
        WHERE month = substr(OLD.care_date, 1, 7) AND practitioner_id = OLD.practitioner_id
          AND mode = OLD.mode AND state = OLD.state AND total_fees = OLD.total_fees
          AND amo = OLD.amo AND amc = OLD.amc;
        INSERT INTO fse_month_totals (month, practitioner_id, mode, state, total_fees, amo,
            amc, n)
        VALUES (substr(NEW.care_date, 1, 7), NEW.practitioner_id, NEW.mode, NEW.state,
                NEW.total_fees, NEW.amo, NEW.amc, 1)
        ON CONFLICT (month, practitioner_id, mode, state, total_fees, amo, amc)
        DO UPDATE SET n = n + 1;
    END
    """,
    """
    CREATE TRIGGER payment_month_totals_insert AFTER INSERT ON payments BEGIN
        INSERT INTO payment_month_totals (month, practitioner_id, outcome, paid_amo,
            paid_amc, n)
        VALUES (coalesce(substr(NEW.paid_on, 1, 7), ''),
                coalesce((SELECT f.practitioner_id FROM fse f
                WHERE f.fse_uuid = NEW.fse_uuid), ''), NEW.outcome, NEW.paid_amo,
                NEW.paid_amc, 1)
        ON CONFLICT (month, practitioner_id, outcome, paid_amo, paid_amc)
        DO UPDATE SET n = n + 1;
    END
    """,
    """
    CREATE TRIGGER payment_month_totals_delete AFTER DELETE ON payments BEGIN
        UPDATE payment_month_totals SET n = n - 1
        WHERE month = coalesce(substr(OLD.paid_on, 1, 7), '')
          AND practitioner_id = coalesce((SELECT f.practitioner_id FROM fse f
                WHERE f.fse_uuid = OLD.fse_uuid), '')
          AND outcome = OLD.outcome AND paid_amo = OLD.paid_amo AND paid_amc = OLD.paid_amc;
    END
    """,
    """
    CREATE TRIGGER payment_month_totals_update
    AFTER UPDATE OF paid_on, outcome, paid_amo, paid_amc ON payments BEGIN
        UPDATE payment_month_totals SET n = n - 1
        WHERE month = coalesce(substr(OLD.paid_on, 1, 7), '')
          AND practitioner_id = coalesce((SELECT f.practitioner_id FROM fse f
                WHERE f.fse_uuid = OLD.fse_uuid), '')
          AND outcome = OLD.outcome AND paid_amo = OLD.paid_amo AND paid_amc = OLD.paid_amc;
        INSERT INTO payment_month_totals (month, practitioner_id, outcome, paid_amo,
            paid_amc, n)
        VALUES (coalesce(substr(NEW.paid_on, 1, 7), ''),
                coalesce((SELECT f.practitioner_id FROM fse f
                WHERE f.fse_uuid = NEW.fse_uuid), ''), NEW.outcome, NEW.paid_amo,
                NEW.paid_amc, 1)
        ON CONFLICT (month, practitioner_id, outcome, paid_amo, paid_amc)
        DO UPDATE SET n = n + 1;
    END
    """,
]


@MIGRATIONS()
def m024_scoped_totals(db: Database) -> None:
    """Issue #26: the dashboard's month totals per practitioner (each card's dashboard sums
    its practitioners' rows), rebuilt from the FSE and payments as they stand; the triggers
    that keep them replaced (on PostgreSQL each is a function and a trigger)."""
    for name, table in _M024_TRIGGERS:
        if _on_postgres(db):
            db.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            db.execute(f"DROP FUNCTION IF EXISTS {name}_fn()")
        else:
            db.execute(f"DROP TRIGGER IF EXISTS {name}")
    for sql in _M024:
        db.execute(sql)


#: Issue #27: indexes whose queries another index serves as well, each one repeating the
#: first columns of an index the same queries use (the plans of the pages and listings are
#: checked by tests/reliability/test_pruned_indexes.py).
M027_PRUNED_INDEXES = (
    "fse_care_date",  # (care_date): fse_apcv (care_date, apcv_session), fse_dashboard
    "payments_paid_on",  # (paid_on): payments_dashboard (paid_on, outcome, paid_amo, paid_amc)
    "fse_uuid_state",  # (fse_uuid, state): the UNIQUE fse_uuid, then the row by its rowid
)


@MIGRATIONS()
def m027_pruned_indexes(db: Database) -> None:
    """Issue #27: three indexes no query needs are dropped (~120 B per FSE of the
    3 000 B goal). Nothing to convert: the freed pages take the next rows (``VACUUM``
    gives them back to the disk)."""
    for name in M027_PRUNED_INDEXES:
        db.execute(f"DROP INDEX IF EXISTS {name}")


# Issue #23: what an AMC did not pay of its part (gestion séparée: a DRE paid short or
# rejected, ``amc_payments``) kept as the caisse's remainders are (m021): ``amc_remainders``,
# one row per FSE whose AMC part is unpaid in part or in full, with the motif of the FSE's
# latest closure ('' when none: a closure closes the FSE's whole remainder, the caisse's
# and the AMC's); ``amc_remainder_counts``: those rows counted per practitioner, closure,
# outcome and amounts (what each card's dashboard sums). Outcomes are the caisse's words
# (``Reconciliation``).
# Written out in full, as every migration: frozen text.
_M025 = [
    """
    CREATE TABLE amc_remainders (
        fse_uuid TEXT PRIMARY KEY,
        amc_payment_id INTEGER NOT NULL,     -- its amc_payments line
        practitioner_id TEXT NOT NULL,       -- its FSE's (each card sees its own)
        outcome TEXT NOT NULL,               -- payee_partiellement | rejetee
        billed_amc TEXT NOT NULL,
        paid_amc TEXT NOT NULL,
        closed TEXT NOT NULL DEFAULT ''      -- latest closure's motif, '' when none
    )
    """,
    "CREATE INDEX IF NOT EXISTS amc_remainders_closed ON amc_remainders (closed, amc_payment_id)",
    """
    CREATE TABLE amc_remainder_counts (
        practitioner_id TEXT NOT NULL,
        closed TEXT NOT NULL,
        outcome TEXT NOT NULL,
        billed_amc TEXT NOT NULL,
        paid_amc TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (practitioner_id, closed, outcome, billed_amc, paid_amc)
    )
    """,
    """
    CREATE TRIGGER amc_remainder_counts_insert AFTER INSERT ON amc_remainders BEGIN
        INSERT INTO amc_remainder_counts (practitioner_id, closed, outcome, billed_amc,
            paid_amc, n)
        VALUES (NEW.practitioner_id, NEW.closed, NEW.outcome, NEW.billed_amc, NEW.paid_amc, 1)
        ON CONFLICT (practitioner_id, closed, outcome, billed_amc, paid_amc)
        DO UPDATE SET n = n + 1;
    END
    """,
    """
    CREATE TRIGGER amc_remainder_counts_delete AFTER DELETE ON amc_remainders BEGIN
        UPDATE amc_remainder_counts SET n = n - 1
        WHERE practitioner_id = OLD.practitioner_id AND closed = OLD.closed
          AND outcome = OLD.outcome AND billed_amc = OLD.billed_amc
          AND paid_amc = OLD.paid_amc;
    END
    """,
    """
    CREATE TRIGGER amc_remainder_counts_update AFTER UPDATE ON amc_remainders BEGIN
        UPDATE amc_remainder_counts SET n = n - 1
        WHERE practitioner_id = OLD.practitioner_id AND closed = OLD.closed
          AND outcome = OLD.outcome AND billed_amc = OLD.billed_amc
          AND paid_amc = OLD.paid_amc;
        INSERT INTO amc_remainder_counts (practitioner_id, closed, outcome, billed_amc,
            paid_amc, n)
        VALUES (NEW.practitioner_id, NEW.closed, NEW.outcome, NEW.billed_amc, NEW.paid_amc, 1)
        ON CONFLICT (practitioner_id, closed, outcome, billed_amc, paid_amc)
        DO UPDATE SET n = n + 1;
    END
    """,
    # The AMC's answers already recorded (the triggers above count them).
    """
    INSERT INTO amc_remainders (fse_uuid, amc_payment_id, practitioner_id, outcome,
        billed_amc, paid_amc, closed)
    SELECT m.fse_uuid, m.id, f.practitioner_id,
        CASE WHEN m.outcome = 'rejete' THEN 'rejetee' ELSE 'payee_partiellement' END,
        m.billed_amc, m.paid_amc,
        coalesce((SELECT c.motif FROM remainder_closures c WHERE c.fse_uuid = m.fse_uuid
                  ORDER BY c.id DESC LIMIT 1), '')
    FROM amc_payments m JOIN fse f ON f.fse_uuid = m.fse_uuid
    WHERE (m.outcome = 'rejete' OR m.paid_amc <> m.billed_amc)
      AND f.state NOT IN ('cancelled', 'rectified')
    """,
    # One answer per DRE (amc_payments.fse_uuid is unique): an insert is the FSE's answer.
    """
    CREATE TRIGGER amc_remainders_payment AFTER INSERT ON amc_payments BEGIN
        INSERT INTO amc_remainders (fse_uuid, amc_payment_id, practitioner_id, outcome,
            billed_amc, paid_amc, closed)
        SELECT NEW.fse_uuid, NEW.id, f.practitioner_id,
            CASE WHEN NEW.outcome = 'rejete' THEN 'rejetee' ELSE 'payee_partiellement' END,
            NEW.billed_amc, NEW.paid_amc,
            coalesce((SELECT c.motif FROM remainder_closures c WHERE c.fse_uuid = NEW.fse_uuid
                      ORDER BY c.id DESC LIMIT 1), '')
        FROM fse f WHERE f.fse_uuid = NEW.fse_uuid
            AND f.state NOT IN ('cancelled', 'rectified')
            AND (NEW.outcome = 'rejete' OR NEW.paid_amc <> NEW.billed_amc);
    END
    """,
    # Rectified (its rectificative bills the care again) or cancelled: nothing is owed.
    """
    CREATE TRIGGER amc_remainders_fse_update AFTER UPDATE OF state ON fse BEGIN
        DELETE FROM amc_remainders WHERE fse_uuid = OLD.fse_uuid
            AND NEW.state IN ('cancelled', 'rectified');
    END
    """,
    """
    CREATE TRIGGER amc_remainders_fse_delete AFTER DELETE ON fse BEGIN
        DELETE FROM amc_remainders WHERE fse_uuid = OLD.fse_uuid;
    END
    """,
    # Closures are appended, the latest counts (for the caisse's remainder and this one).
    """
    CREATE TRIGGER amc_remainders_closure AFTER INSERT ON remainder_closures BEGIN
        UPDATE amc_remainders SET closed = NEW.motif WHERE fse_uuid = NEW.fse_uuid;
    END
    """,
]


@MIGRATIONS()
def m025_amc_remainders(db: Database) -> None:
    """Issue #23: what an AMC paid short or rejected (gestion séparée) enters the unpaid
    remainders — their list, their closing with a reason and the dashboard's totals — kept
    by triggers as the caisse's are (m021), filled from the AMC's answers recorded; and the
    payment delay of each AMC convention, which the user edits with it."""
    for sql in _M025:
        db.execute(sql)
    # Its payment delay per convention (the late-AMC alert): NULL, the file's default.
    db.execute("ALTER TABLE amc_conventions ADD COLUMN delay_days INTEGER")


# Issue #26: the unpaid remainders per practitioner, so that each card's dashboard and
# alerts count only its practitioners' (the scope is a WHERE on ``practitioner_id``).
# ``remainders`` gains its FSE's practitioner, filled from ``fse``; ``remainder_counts`` is
# rebuilt with it from ``remainders``; m021's triggers that write both are replaced (the
# same SQL on both backends). Written out in full: frozen text.
_M026_TRIGGERS = (
    ("remainder_counts_insert", "remainders"),
    ("remainder_counts_delete", "remainders"),
    ("remainder_counts_update", "remainders"),
    ("remainders_payment", "payments"),
    ("remainders_fse_insert", "fse"),
    ("remainders_fse_update", "fse"),
)
_M026 = [
    "ALTER TABLE remainders ADD COLUMN practitioner_id TEXT NOT NULL DEFAULT ''",
    """
    UPDATE remainders SET practitioner_id = coalesce((SELECT f.practitioner_id FROM fse f
        WHERE f.fse_uuid = remainders.fse_uuid), '')
    """,
    (
        "CREATE INDEX IF NOT EXISTS remainders_practitioner ON remainders (practitioner_id, "
        "closed, payment_id)"
    ),
    """
    CREATE TABLE remainder_counts_scoped (
        closed TEXT NOT NULL,
        practitioner_id TEXT NOT NULL,
        outcome TEXT NOT NULL,
        billed_amo TEXT NOT NULL,
        billed_amc TEXT NOT NULL,
        paid_amo TEXT NOT NULL,
        paid_amc TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (closed, practitioner_id, outcome, billed_amo, billed_amc, paid_amo,
            paid_amc)
    )
    """,
    """
    INSERT INTO remainder_counts_scoped (closed, practitioner_id, outcome, billed_amo,
        billed_amc, paid_amo, paid_amc, n)
    SELECT closed, practitioner_id, outcome, billed_amo, billed_amc, paid_amo, paid_amc,
        count(*)
    FROM remainders GROUP BY closed, practitioner_id, outcome, billed_amo, billed_amc,
        paid_amo, paid_amc
    """,
    "DROP TABLE remainder_counts",
    "ALTER TABLE remainder_counts_scoped RENAME TO remainder_counts",
    """
    CREATE TRIGGER remainder_counts_insert AFTER INSERT ON remainders BEGIN
        INSERT INTO remainder_counts (closed, practitioner_id, outcome, billed_amo,
            billed_amc, paid_amo, paid_amc, n)
        VALUES (NEW.closed, NEW.practitioner_id, NEW.outcome, NEW.billed_amo,
            NEW.billed_amc, NEW.paid_amo, NEW.paid_amc, 1)
        ON CONFLICT (closed, practitioner_id, outcome, billed_amo, billed_amc, paid_amo,
            paid_amc)
        DO UPDATE SET n = n + 1;
    END
    """,
    """
    CREATE TRIGGER remainder_counts_delete AFTER DELETE ON remainders BEGIN
        UPDATE remainder_counts SET n = n - 1
        WHERE closed = OLD.closed AND practitioner_id = OLD.practitioner_id
          AND outcome = OLD.outcome AND billed_amo = OLD.billed_amo
          AND billed_amc = OLD.billed_amc AND paid_amo = OLD.paid_amo
          AND paid_amc = OLD.paid_amc;
    END
    """,
    """
    CREATE TRIGGER remainder_counts_update AFTER UPDATE ON remainders BEGIN
        UPDATE remainder_counts SET n = n - 1
        WHERE closed = OLD.closed AND practitioner_id = OLD.practitioner_id
          AND outcome = OLD.outcome AND billed_amo = OLD.billed_amo
          AND billed_amc = OLD.billed_amc AND paid_amo = OLD.paid_amo
          AND paid_amc = OLD.paid_amc;
        INSERT INTO remainder_counts (closed, practitioner_id, outcome, billed_amo,
            billed_amc, paid_amo, paid_amc, n)
        VALUES (NEW.closed, NEW.practitioner_id, NEW.outcome, NEW.billed_amo,
            NEW.billed_amc, NEW.paid_amo, NEW.paid_amc, 1)
        ON CONFLICT (closed, practitioner_id, outcome, billed_amo, billed_amc, paid_amo,
            paid_amc)
        DO UPDATE SET n = n + 1;
    END
    """,
    """
    CREATE TRIGGER remainders_payment AFTER INSERT ON payments BEGIN
        DELETE FROM remainders WHERE fse_uuid = NEW.fse_uuid
            AND NEW.id = (SELECT max(q.id) FROM payments q WHERE q.fse_uuid = NEW.fse_uuid);
        INSERT INTO remainders (fse_uuid, payment_id, outcome, billed_amo, billed_amc,
            paid_amo, paid_amc, closed, practitioner_id)
        SELECT NEW.fse_uuid, NEW.id, NEW.outcome, NEW.billed_amo, NEW.billed_amc,
            NEW.paid_amo, NEW.paid_amc,
            coalesce((SELECT c.motif FROM remainder_closures c WHERE c.fse_uuid = NEW.fse_uuid
                      ORDER BY c.id DESC LIMIT 1), ''), f.practitioner_id
        FROM fse f WHERE f.fse_uuid = NEW.fse_uuid AND f.state IN ('paid', 'rejected')
            AND NEW.outcome IN ('payee_partiellement', 'rejetee')
            AND NEW.id = (SELECT max(q.id) FROM payments q WHERE q.fse_uuid = NEW.fse_uuid);
    END
    """,
    """
    CREATE TRIGGER remainders_fse_insert AFTER INSERT ON fse BEGIN
        INSERT INTO remainders (fse_uuid, payment_id, outcome, billed_amo, billed_amc,
            paid_amo, paid_amc, closed, practitioner_id)
        SELECT p.fse_uuid, p.id, p.outcome, p.billed_amo, p.billed_amc, p.paid_amo,
            p.paid_amc,
            coalesce((SELECT c.motif FROM remainder_closures c WHERE c.fse_uuid = p.fse_uuid
                      ORDER BY c.id DESC LIMIT 1), ''), NEW.practitioner_id
        FROM payments p
        WHERE p.id = (SELECT max(q.id) FROM payments q WHERE q.fse_uuid = NEW.fse_uuid)
            AND p.outcome IN ('payee_partiellement', 'rejetee')
            AND NEW.state IN ('paid', 'rejected');
    END
    """,
    """
    CREATE TRIGGER remainders_fse_update AFTER UPDATE OF state, fse_uuid ON fse BEGIN
        DELETE FROM remainders WHERE fse_uuid = OLD.fse_uuid;
        INSERT INTO remainders (fse_uuid, payment_id, outcome, billed_amo, billed_amc,
            paid_amo, paid_amc, closed, practitioner_id)
        SELECT p.fse_uuid, p.id, p.outcome, p.billed_amo, p.billed_amc, p.paid_amo,
            p.paid_amc,
            coalesce((SELECT c.motif FROM remainder_closures c WHERE c.fse_uuid = p.fse_uuid
                      ORDER BY c.id DESC LIMIT 1), ''), NEW.practitioner_id
        FROM payments p
        WHERE p.id = (SELECT max(q.id) FROM payments q WHERE q.fse_uuid = NEW.fse_uuid)
            AND p.outcome IN ('payee_partiellement', 'rejetee')
            AND NEW.state IN ('paid', 'rejected');
    END
    """,
]


@MIGRATIONS()
def m026_scoped_remainders(db: Database) -> None:
    """Issue #26: the unpaid remainders and their counts per practitioner (each card's
    dashboard and alerts count its practitioners' own), converted in place from the
    store as it stands; the triggers that keep them replaced (on PostgreSQL each is a
    function and a trigger)."""
    for name, table in _M026_TRIGGERS:
        if _on_postgres(db):
            db.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            db.execute(f"DROP FUNCTION IF EXISTS {name}_fn()")
        else:
            db.execute(f"DROP TRIGGER IF EXISTS {name}")
    for sql in _M026:
        db.execute(sql)


# Issue #27 (≤ 3 000 B per FSE): an FSE's history keyed by (its row id, the event's number),
# without a rowid nor a second index; kind and states as the integer codes of
# ``client.store.event_codes``, the time as integer seconds UTC. ``id`` stays the number
# the event's journal entry names (``"event"``): ``fse_event_ids`` hands out the next ones.
# Written out in full, as every migration: frozen text.
_M029 = [
    """
    CREATE TABLE fse_events_coded (
        fse_id INTEGER NOT NULL REFERENCES fse(id),
        id INTEGER NOT NULL,                 -- the event's number, named by its journal entry
        at INTEGER NOT NULL,                 -- seconds since 1970-01-01 UTC
        kind INTEGER NOT NULL,               -- client.store.event_codes.KIND_CODES
        from_state INTEGER,                  -- client.store.event_codes.STATE_CODES
        to_state INTEGER NOT NULL,
        detail TEXT,
        PRIMARY KEY (fse_id, id)
    ) WITHOUT ROWID
    """,
    "CREATE TABLE fse_event_ids (last INTEGER NOT NULL)",
]
_M029_AFTER = [
    "ALTER TABLE fse_events_coded RENAME TO fse_events",
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
def m029_coded_fse_events(db: Database) -> None:
    """Issue #27: ``fse_events`` integer-coded and keyed by (FSE, event) — 640 → ~310 B per
    FSE. Converted in place by batches, the progress in the log (``conversion de
    fse_events : n / total``), in the opening's transaction (cut short, the store stays as
    it was). The events' numbers, kinds, states and details are kept as they were: the
    journal's entries still name them, ``sesam audit verify`` passes after as before and
    fails where it failed (a value that is no known state is kept as its text)."""
    from client.store.event_codes import KIND_CODES, STATE_CODES, at_moment

    states = {s.value: c for s, c in STATE_CODES.items()}
    kinds = {k.value: c for k, c in KIND_CODES.items()}
    for statement in _M029:
        db.execute(statement)
    conn = db.conn
    total = conn.execute("SELECT count(*) FROM fse_events").fetchone()[0]

    def coded(row: tuple[Any, ...]) -> tuple[Any, ...]:
        event_id, fse_id, at, kind, from_state, to_state, detail = row
        try:
            seconds: Any = int(at_moment(at).timestamp())
        except ValueError:
            seconds = at  # damaged: kept as found
        return (
            fse_id,
            event_id,
            seconds,
            kinds.get(kind, kind),
            states.get(from_state, from_state),
            states.get(to_state, to_state),
            detail,
        )

    done, last = 0, 0
    while True:
        rows = conn.execute(
            "SELECT id, fse_id, at, kind, from_state, to_state, detail FROM fse_events "
            "WHERE id > ? ORDER BY id LIMIT ?",
            [last, PACK_BATCH],
        ).fetchall()
        if not rows:
            break
        conn.executemany(
            "INSERT INTO fse_events_coded (fse_id, id, at, kind, from_state, to_state, "
            "detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [coded(tuple(r)) for r in rows],
        )
        last, done = rows[-1][0], done + len(rows)
        logger.info("conversion de fse_events : %d / %d", done, total)
        report(STEP_EVENTS_CONVERTED, done, total)
    if last:  # a new store numbers its first event when it writes it (``Journal``)
        conn.execute("INSERT INTO fse_event_ids (last) VALUES (?)", [last])
    db.execute("DROP TABLE fse_events")
    if _on_postgres(db):
        for name in ("fse_events_no_update", "fse_events_no_delete"):
            db.execute(f"DROP FUNCTION IF EXISTS {name}_fn()")
    for statement in _M029_AFTER:
        db.execute(statement)


#: What counts an FSE in the FSE list's totals: 0 hidden (draft, cancelled), 1 listed but
#: billed again elsewhere (rectified: 0 €), 2 listed and counted (``client.store.search``).
_M032_BUCKET = (
    "CASE WHEN {t}.state IN ('draft', 'cancelled') THEN 0 "
    "WHEN {t}.state = 'rectified' THEN 1 ELSE 2 END"
)
_M032_LISTED = "CASE WHEN {t}.state IN ('draft', 'cancelled') THEN 0 ELSE 1 END"
_M032_CENTS = (
    "CASE WHEN {t}.state IN ('draft', 'cancelled', 'rectified') THEN 0 "
    "ELSE CAST(round(CAST({t}.total_fees AS REAL) * 100) AS INTEGER) END"
)
#: An update that moves an FSE's contribution (most state changes do not: sent →
#: acknowledged → paid stay in bucket 2, and the trigger's statements stop at this test).
_M032_MOVED = (
    f"(OLD.patient_id <> NEW.patient_id OR OLD.practitioner_id <> NEW.practitioner_id "
    f"OR OLD.total_fees <> NEW.total_fees "
    f"OR {_M032_BUCKET.format(t='OLD')} <> {_M032_BUCKET.format(t='NEW')})"
)
_M032_ADD = (
    "INSERT INTO patient_fse_totals (patient_id, practitioner_id, listed, cents) "
    "SELECT NEW.patient_id, NEW.practitioner_id, "
    f"{_M032_LISTED.format(t='NEW')}, {_M032_CENTS.format(t='NEW')} WHERE {{when}} "
    "ON CONFLICT (patient_id, practitioner_id) DO UPDATE SET "
    "listed = patient_fse_totals.listed + excluded.listed, "
    "cents = patient_fse_totals.cents + excluded.cents;"
)
_M032_REMOVE = (
    f"UPDATE patient_fse_totals SET listed = listed - {_M032_LISTED.format(t='OLD')}, "  # noqa: S608
    f"cents = cents - {_M032_CENTS.format(t='OLD')} "
    "WHERE patient_id = OLD.patient_id AND practitioner_id = OLD.practitioner_id AND {when};"
)
_M032 = [
    # The FSE list searched by patient counted every FSE of the patients found (445 ms at
    # 1M FSE for a fifth of them): their count and total kept per patient and practitioner.
    """
    CREATE TABLE patient_fse_totals (
        patient_id TEXT NOT NULL,
        practitioner_id TEXT NOT NULL,
        listed INTEGER NOT NULL,
        cents INTEGER NOT NULL,
        PRIMARY KEY (patient_id, practitioner_id)
    )
    """,
    (
        "INSERT INTO patient_fse_totals (patient_id, practitioner_id, listed, cents) "  # noqa: S608
        f"SELECT f.patient_id, f.practitioner_id, sum({_M032_LISTED.format(t='f')}), "
        f"sum({_M032_CENTS.format(t='f')}) FROM fse f GROUP BY f.patient_id, f.practitioner_id"
    ),
    (
        "CREATE TRIGGER patient_fse_totals_insert AFTER INSERT ON fse BEGIN "
        f"{_M032_ADD.format(when='1 = 1')} END"
    ),
    (
        "CREATE TRIGGER patient_fse_totals_delete AFTER DELETE ON fse BEGIN "
        f"{_M032_REMOVE.format(when='1 = 1')} END"
    ),
    (
        "CREATE TRIGGER patient_fse_totals_update "
        "AFTER UPDATE OF state, patient_id, practitioner_id, total_fees ON fse BEGIN "
        f"{_M032_REMOVE.format(when=_M032_MOVED)} {_M032_ADD.format(when=_M032_MOVED)} END"
    ),
    # The gap check counted a practitioner's signed lots (100 000 index rows at 1M FSE).
    """
    CREATE TABLE lot_signed_counts (
        practitioner_id TEXT PRIMARY KEY,
        n INTEGER NOT NULL
    )
    """,
    (
        "INSERT INTO lot_signed_counts (practitioner_id, n) SELECT practitioner_id, count(*) "
        "FROM lots WHERE kind = 'fse' AND closed_at IS NOT NULL GROUP BY practitioner_id"
    ),
    """
    CREATE TRIGGER lot_signed_counts_insert AFTER INSERT ON lots BEGIN
        INSERT INTO lot_signed_counts (practitioner_id, n)
        SELECT NEW.practitioner_id, 1 WHERE NEW.kind = 'fse' AND NEW.closed_at IS NOT NULL
        ON CONFLICT (practitioner_id) DO UPDATE SET n = n + 1;
    END
    """,
    """
    CREATE TRIGGER lot_signed_counts_delete AFTER DELETE ON lots BEGIN
        UPDATE lot_signed_counts SET n = n - 1 WHERE practitioner_id = OLD.practitioner_id
            AND OLD.kind = 'fse' AND OLD.closed_at IS NOT NULL;
    END
    """,
    """
    CREATE TRIGGER lot_signed_counts_update
    AFTER UPDATE OF practitioner_id, kind, closed_at ON lots BEGIN
        UPDATE lot_signed_counts SET n = n - 1 WHERE practitioner_id = OLD.practitioner_id
            AND OLD.kind = 'fse' AND OLD.closed_at IS NOT NULL;
        INSERT INTO lot_signed_counts (practitioner_id, n)
        SELECT NEW.practitioner_id, 1 WHERE NEW.kind = 'fse' AND NEW.closed_at IS NOT NULL
        ON CONFLICT (practitioner_id) DO UPDATE SET n = n + 1;
    END
    """,
    # The dashboard's guarantee alert counted the acknowledged Vitale FSE through the rows
    # of every waiting FSE, and its ApCV share walked six months of care dates: partial
    # indexes that hold only those FSE (a few thousand rows, none in most stores). The
    # state and mode lead, so that the planner prefers it to ``fse_state_care`` (state=?).
    (
        "CREATE INDEX IF NOT EXISTS fse_guarantee ON fse (state, mode, lot_id, practitioner_id) "
        "WHERE state = 'acknowledged' AND mode = 'vitale'"
    ),
    (
        "CREATE INDEX IF NOT EXISTS fse_apcv_only ON fse (care_date, state, practitioner_id) "
        "WHERE apcv_session <> ''"
    ),
]


#: The FSE list's search keeps the patients folded until this number changes (m021): it
#: changed at every FSE, the FSE's upsert of its patient naming the columns unchanged, and the
#: next search folded every patient again (0.3–0.5 s at 20 000 patients). Only a change now.
_M032_NAMES = " OR ".join(
    f"coalesce(OLD.{c}, '') <> coalesce(NEW.{c}, '')"
    for c in ("id", "last_name", "first_name", "assure_nir", "beneficiary_nir")
)
_M032_VERSION = (
    "CREATE TRIGGER patients_version_update "  # noqa: S608
    "AFTER UPDATE OF id, last_name, first_name, assure_nir, beneficiary_nir ON patients BEGIN "
    f"UPDATE patients_version SET n = n + 1 WHERE id = 1 AND ({_M032_NAMES}); END"
)


@MIGRATIONS()
def m032_fast_pages_1m(db: Database) -> None:
    """Issue #27, the pages at 1M FSE: the FSE list's count and total per patient and the
    signed lots per practitioner kept by triggers (filled from the store as it is); the
    acknowledged Vitale FSE and the ApCV FSE in partial indexes of their own; the patients'
    version moved by a change of a name or NIR only."""
    for sql in _M032:
        db.execute(sql)
    if _on_postgres(db):
        db.execute("DROP TRIGGER IF EXISTS patients_version_update ON patients")
        db.execute("DROP FUNCTION IF EXISTS patients_version_update_fn()")
    else:
        db.execute("DROP TRIGGER IF EXISTS patients_version_update")
    db.execute(_M032_VERSION)


@MIGRATIONS()
def m030_payments_without_text_unique(db: Database) -> None:
    """Issue #27: ``payments`` loses its UNIQUE (noemie_sha256, fse_uuid), an index of ~120 B
    per FSE on two texts (a hex SHA-256 and a uuid) that only kept a file from paying an FSE
    twice: ``Returns.insert_payment`` checks that on ``payments_fse`` in the same
    transaction (a NOEMIE file is imported once: ``noemie_files`` is keyed by its hash).
    On SQLite the table is copied without the constraint, by batches, the progress in the
    log (``conversion de payments : n / total``), its indexes and triggers made again as
    they stood; on PostgreSQL the constraint is dropped."""
    import re

    if _on_postgres(db):
        for (name,) in db.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'payments'::regclass "
            "AND contype = 'u'"
        ).fetchall():
            db.execute(f"ALTER TABLE payments DROP CONSTRAINT {name}")
        return
    conn = db.conn
    (table_sql,) = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'payments'"
    ).fetchone()
    kept = [
        sql
        for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'payments' "
            "AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY rowid"
        ).fetchall()
    ]
    unique = re.compile(r",\s*UNIQUE\s*\(\s*noemie_sha256\s*,\s*fse_uuid\s*\)", re.IGNORECASE)
    new_sql, found = unique.subn("", table_sql)
    if not found:
        return  # not there (a store made without it): nothing to do
    new_sql = re.sub(r"^\s*CREATE TABLE\s+\"?payments\"?", "CREATE TABLE payments_copy", new_sql)
    conn.execute(new_sql)
    columns = ", ".join(r[1] for r in conn.execute("PRAGMA table_info(payments)").fetchall())
    total = conn.execute("SELECT count(*) FROM payments").fetchone()[0]
    done, last = 0, -1
    while True:
        batch = conn.execute(
            f"SELECT id FROM payments WHERE id > ? ORDER BY id LIMIT {PACK_BATCH}",  # noqa: S608
            [last],
        ).fetchall()
        if not batch:
            break
        conn.execute(
            f"INSERT INTO payments_copy ({columns}) SELECT {columns} FROM payments "  # noqa: S608
            "WHERE id > ? AND id <= ?",
            [last, batch[-1][0]],
        )
        last, done = batch[-1][0], done + len(batch)
        logger.info("conversion de payments : %d / %d", done, total)
        report(STEP_PAYMENTS_CONVERTED, done, total)
    conn.execute("DROP TABLE payments")  # its indexes and triggers with it
    # The triggers of other tables name ``payments``: renamed without their check, they
    # name the copy, which is what they meant.
    conn.execute("PRAGMA legacy_alter_table = ON")
    try:
        conn.execute("ALTER TABLE payments_copy RENAME TO payments")
    finally:
        conn.execute("PRAGMA legacy_alter_table = OFF")
    for sql in kept:
        conn.execute(sql)


#: An FSE amount column in whole cents (the stored two-decimal texts: exact).
_M033_CENTS = "CAST(round(CAST({c} AS REAL) * 100) AS INTEGER)"
_M033_SUMS = ", ".join(
    f"coalesce(sum({_M033_CENTS.format(c=f'f.{c}')}), 0)" for c in ("total_fees", "amo", "amc")
)
_M033_UPSERT = (
    "ON CONFLICT (practitioner_id, status) DO UPDATE SET "
    "lots = outbox_totals.lots + excluded.lots, fse = outbox_totals.fse + excluded.fse, "
    "total_cents = outbox_totals.total_cents + excluded.total_cents, "
    "amo_cents = outbox_totals.amo_cents + excluded.amo_cents, "
    "amc_cents = outbox_totals.amc_cents + excluded.amc_cents;"
)
_M033_COLUMNS = "practitioner_id, status, lots, fse, total_cents, amo_cents, amc_cents"
#: A lot (``{r}`` = the outbox row NEW or OLD) with its FSE, added to its status.
_M033_LOT_IN = (
    f"INSERT INTO outbox_totals ({_M033_COLUMNS}) "  # noqa: S608
    f"SELECT l.practitioner_id, {{r}}.status, 1, count(f.id), {_M033_SUMS} "
    "FROM lots l LEFT JOIN fse f ON f.lot_id = l.id WHERE l.id = {r}.id AND {when} "
    f"GROUP BY l.practitioner_id {_M033_UPSERT}"
)
#: The same taken out of its status.
_M033_LOT_OUT = (
    "UPDATE outbox_totals SET lots = lots - 1, "  # noqa: S608
    "fse = fse - (SELECT count(*) FROM fse f WHERE f.lot_id = OLD.id), "
    + ", ".join(
        f"{c}_cents = {c}_cents - (SELECT coalesce(sum({_M033_CENTS.format(c=f'f.{m}')}), 0) "  # noqa: S608
        "FROM fse f WHERE f.lot_id = OLD.id)"
        for c, m in (("total", "total_fees"), ("amo", "amo"), ("amc", "amc"))
    )
    + " WHERE status = OLD.status AND practitioner_id = "
    "(SELECT practitioner_id FROM lots WHERE id = OLD.id) AND {when};"
)
#: An FSE (``NEW``) added to the status of its lot's outbox row (none: no row).
_M033_FSE_IN = (
    f"INSERT INTO outbox_totals ({_M033_COLUMNS}) "  # noqa: S608
    "SELECT l.practitioner_id, o.status, 0, 1, "
    + ", ".join(_M033_CENTS.format(c=f"NEW.{c}") for c in ("total_fees", "amo", "amc"))
    + " FROM outbox o JOIN lots l ON l.id = o.id WHERE o.id = NEW.lot_id AND {when} "
    f"{_M033_UPSERT}"
)
_M033_FSE_OUT = (
    "UPDATE outbox_totals SET fse = fse - 1, "  # noqa: S608
    + ", ".join(
        f"{c}_cents = {c}_cents - {_M033_CENTS.format(c=f'OLD.{m}')}"
        for c, m in (("total", "total_fees"), ("amo", "amo"), ("amc", "amc"))
    )
    + " WHERE status = (SELECT status FROM outbox WHERE id = OLD.lot_id) AND practitioner_id = "
    "(SELECT practitioner_id FROM lots WHERE id = OLD.lot_id) AND {when};"
)
_M033_FSE_MOVED = (
    "(coalesce(OLD.lot_id, '') <> coalesce(NEW.lot_id, '') OR OLD.total_fees <> NEW.total_fees "
    "OR OLD.amo <> NEW.amo OR OLD.amc <> NEW.amc)"
)
_M033 = [
    # ``sesam queue status`` summed the FSE of every lot of the outbox per status (2.3–2.8 s
    # at 1M FSE): the lots, FSE and amounts kept per practitioner and outbox status.
    """
    CREATE TABLE outbox_totals (
        practitioner_id TEXT NOT NULL,
        status INTEGER NOT NULL,
        lots INTEGER NOT NULL,
        fse INTEGER NOT NULL,
        total_cents INTEGER NOT NULL,
        amo_cents INTEGER NOT NULL,
        amc_cents INTEGER NOT NULL,
        PRIMARY KEY (practitioner_id, status)
    )
    """,
    (
        f"INSERT INTO outbox_totals ({_M033_COLUMNS}) "  # noqa: S608
        f"SELECT l.practitioner_id, o.status, count(DISTINCT o.id), count(f.id), {_M033_SUMS} "
        "FROM outbox o JOIN lots l ON l.id = o.id LEFT JOIN fse f ON f.lot_id = o.id "
        "GROUP BY l.practitioner_id, o.status"
    ),
    (
        "CREATE TRIGGER outbox_totals_insert AFTER INSERT ON outbox BEGIN "
        f"{_M033_LOT_IN.format(r='NEW', when='1 = 1')} END"
    ),
    (
        "CREATE TRIGGER outbox_totals_delete AFTER DELETE ON outbox BEGIN "
        f"{_M033_LOT_OUT.format(when='1 = 1')} END"
    ),
    (
        # A lot moves when its status changes (a claim or a retry's bookkeeping that writes
        # the same status moves nothing).
        "CREATE TRIGGER outbox_totals_update AFTER UPDATE OF status ON outbox BEGIN "
        f"{_M033_LOT_OUT.format(when='OLD.status <> NEW.status')} "
        f"{_M033_LOT_IN.format(r='NEW', when='OLD.status <> NEW.status')} END"
    ),
    (
        "CREATE TRIGGER outbox_totals_fse_insert AFTER INSERT ON fse BEGIN "
        f"{_M033_FSE_IN.format(when='1 = 1')} END"
    ),
    (
        "CREATE TRIGGER outbox_totals_fse_delete AFTER DELETE ON fse BEGIN "
        f"{_M033_FSE_OUT.format(when='1 = 1')} END"
    ),
    (
        "CREATE TRIGGER outbox_totals_fse_update "
        "AFTER UPDATE OF lot_id, total_fees, amo, amc ON fse BEGIN "
        f"{_M033_FSE_OUT.format(when=_M033_FSE_MOVED)} "
        f"{_M033_FSE_IN.format(when=_M033_FSE_MOVED)} END"
    ),
]


_M033_WORDS = [
    # ``sesam fse list --patient`` folded every patient in every process (0.3–0.7 s at
    # 20 000 patients): their search keys kept (``client.store.patient_words``), stamped
    # with the ``patients_version`` they stand for.
    """
    CREATE TABLE patient_words (
        kind INTEGER NOT NULL,
        word TEXT NOT NULL,
        patient_id TEXT NOT NULL,
        PRIMARY KEY (kind, word, patient_id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS patient_words_patient ON patient_words (patient_id)",
    """
    CREATE TABLE patient_words_version (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        n INTEGER NOT NULL
    )
    """,
]


#: The outcome of FSE ``{t}``'s latest payment line ('' before any).
_M033_OUTCOME = (
    "coalesce((SELECT p.outcome FROM payments p WHERE p.fse_uuid = {t}.fse_uuid "
    "ORDER BY p.id DESC LIMIT 1), '')"
)
_M033_OUTCOME_ADD = (
    "INSERT INTO fse_outcome_totals (practitioner_id, state, outcome, n, cents) "  # noqa: S608
    "VALUES (NEW.practitioner_id, NEW.state, "
    f"{_M033_OUTCOME.format(t='NEW')}, 1, {_M033_CENTS.format(c='NEW.total_fees')}) "
    "ON CONFLICT (practitioner_id, state, outcome) DO UPDATE SET "
    "n = fse_outcome_totals.n + excluded.n, cents = fse_outcome_totals.cents + excluded.cents;"
)
_M033_OUTCOME_REMOVE = (
    f"UPDATE fse_outcome_totals SET n = n - 1, cents = cents - "  # noqa: S608
    f"{_M033_CENTS.format(c='OLD.total_fees')} WHERE practitioner_id = OLD.practitioner_id "
    f"AND state = OLD.state AND outcome = {_M033_OUTCOME.format(t='OLD')};"
)
_M033_OUTCOMES = [
    # ``sesam fse list --paiement X`` counted and summed the FSE whose latest payment line
    # says X by testing each paid or rejected FSE (1.4–1.8 s at 1M FSE): the count and the
    # cents per practitioner, state and latest outcome, kept as ``fse_status_counts`` keeps
    # its counts (payment lines are never updated nor deleted).
    """
    CREATE TABLE fse_outcome_totals (
        practitioner_id TEXT NOT NULL,
        state TEXT NOT NULL,
        outcome TEXT NOT NULL,
        n INTEGER NOT NULL,
        cents INTEGER NOT NULL,
        PRIMARY KEY (practitioner_id, state, outcome)
    )
    """,
    (
        "INSERT INTO fse_outcome_totals (practitioner_id, state, outcome, n, cents) "  # noqa: S608
        f"SELECT f.practitioner_id, f.state, {_M033_OUTCOME.format(t='f')}, count(*), "
        f"sum({_M033_CENTS.format(c='f.total_fees')}) FROM fse f GROUP BY 1, 2, 3"
    ),
    f"CREATE TRIGGER fse_outcome_totals_insert AFTER INSERT ON fse BEGIN {_M033_OUTCOME_ADD} END",
    (
        "CREATE TRIGGER fse_outcome_totals_delete AFTER DELETE ON fse BEGIN "
        f"{_M033_OUTCOME_REMOVE} END"
    ),
    (
        "CREATE TRIGGER fse_outcome_totals_update "
        "AFTER UPDATE OF state, fse_uuid, practitioner_id, total_fees ON fse BEGIN "
        f"{_M033_OUTCOME_REMOVE} {_M033_OUTCOME_ADD} END"
    ),
    (
        "CREATE TRIGGER fse_outcome_totals_payment AFTER INSERT ON payments BEGIN "  # noqa: S608
        "UPDATE fse_outcome_totals SET n = n - 1, cents = cents - "
        f"(SELECT {_M033_CENTS.format(c='f.total_fees')} FROM fse f "
        "WHERE f.fse_uuid = NEW.fse_uuid) "
        "WHERE (practitioner_id, state, outcome) = (SELECT f.practitioner_id, f.state, "
        "coalesce((SELECT p.outcome FROM payments p WHERE p.fse_uuid = NEW.fse_uuid "
        "AND p.id < NEW.id ORDER BY p.id DESC LIMIT 1), '') "
        "FROM fse f WHERE f.fse_uuid = NEW.fse_uuid); "
        "INSERT INTO fse_outcome_totals (practitioner_id, state, outcome, n, cents) "
        f"SELECT f.practitioner_id, f.state, NEW.outcome, 1, "
        f"{_M033_CENTS.format(c='f.total_fees')} FROM fse f WHERE f.fse_uuid = NEW.fse_uuid "
        "ON CONFLICT (practitioner_id, state, outcome) DO UPDATE SET "
        "n = fse_outcome_totals.n + excluded.n, "
        "cents = fse_outcome_totals.cents + excluded.cents; END"
    ),
]


@MIGRATIONS()
def m033_outbox_totals(db: Database) -> None:
    """Issue #27, the last listing commands at 1M FSE: the lots, FSE and amounts per
    practitioner and outbox status kept by triggers on ``outbox`` and ``fse`` (``sesam
    queue status``; filled from the store as it is: one pass over the outbox's FSE); the
    FSE's count and cents per practitioner, state and latest payment outcome (``sesam fse
    list --paiement``; one pass over the FSE); the patients' search keys (``sesam fse list
    --patient``; filled from the patients)."""
    from client.folding import search_keys, stored_key

    for sql in _M033 + _M033_OUTCOMES + _M033_WORDS:
        db.execute(sql)
    rows = db.execute(
        "SELECT id, last_name, first_name, assure_nir, beneficiary_nir FROM patients"
    ).fetchall()
    db.conn.executemany(
        "INSERT INTO patient_words (kind, word, patient_id) VALUES (?, ?, ?)",
        [
            [int(kind), stored_key(word), pid]
            for pid, last, first, assure, beneficiary in rows
            for kind, word in search_keys(last or "", first or "", assure or "", beneficiary or "")
            if word
        ],
    )
    db.execute(
        "INSERT INTO patient_words_version (id, n) SELECT 1, n FROM patients_version WHERE id = 1"
    )


#: Issue #27, the ARL of a lot: a state change fired every ``AFTER UPDATE OF state`` trigger
#: on each FSE, those whose body then did nothing too (sent → acknowledged leaves the
#: remainders, the AMC remainders and the patient's totals as they are: ~0.15 ms of a lot's
#: 50-row write). The same bodies, fired only ``WHEN`` they can change something. The
#: remainders: a row exists only for an FSE paid or rejected (every writer checks it, and
#: any state change deletes it), so a change between two other states has none to touch.
_M034_TRIGGERS = (
    ("remainders_fse_update", "fse"),
    ("amc_remainders_fse_update", "fse"),
    ("patient_fse_totals_update", "fse"),
)
_M034 = [
    """
    CREATE TRIGGER remainders_fse_update AFTER UPDATE OF state, fse_uuid ON fse
    WHEN (OLD.state IN ('paid', 'rejected') OR NEW.state IN ('paid', 'rejected')
        OR OLD.fse_uuid <> NEW.fse_uuid) BEGIN
        DELETE FROM remainders WHERE fse_uuid = OLD.fse_uuid;
        INSERT INTO remainders (fse_uuid, payment_id, outcome, billed_amo, billed_amc,
            paid_amo, paid_amc, closed, practitioner_id)
        SELECT p.fse_uuid, p.id, p.outcome, p.billed_amo, p.billed_amc, p.paid_amo,
            p.paid_amc,
            coalesce((SELECT c.motif FROM remainder_closures c WHERE c.fse_uuid = p.fse_uuid
                      ORDER BY c.id DESC LIMIT 1), ''), NEW.practitioner_id
        FROM payments p
        WHERE p.id = (SELECT max(q.id) FROM payments q WHERE q.fse_uuid = NEW.fse_uuid)
            AND p.outcome IN ('payee_partiellement', 'rejetee')
            AND NEW.state IN ('paid', 'rejected');
    END
    """,
    # Rectified (its rectificative bills the care again) or cancelled: nothing is owed.
    """
    CREATE TRIGGER amc_remainders_fse_update AFTER UPDATE OF state ON fse
    WHEN (NEW.state IN ('cancelled', 'rectified')) BEGIN
        DELETE FROM amc_remainders WHERE fse_uuid = OLD.fse_uuid;
    END
    """,
    (
        "CREATE TRIGGER patient_fse_totals_update "
        "AFTER UPDATE OF state, patient_id, practitioner_id, total_fees ON fse "
        f"WHEN {_M032_MOVED} BEGIN "
        f"{_M032_REMOVE.format(when='1 = 1')} {_M032_ADD.format(when='1 = 1')} END"
    ),
]


@MIGRATIONS()
def m034_triggers_when_they_change_something(db: Database) -> None:
    """Issue #27, recording an ARL: three ``AFTER UPDATE`` triggers on ``fse`` fired only
    when their body can change something (the same bodies; nothing to recount)."""
    for name, table in _M034_TRIGGERS:
        if _on_postgres(db):
            db.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            db.execute(f"DROP FUNCTION IF EXISTS {name}_fn()")
        else:
            db.execute(f"DROP TRIGGER IF EXISTS {name}")
    for sql in _M034:
        db.execute(sql)


#: Issue #27, recording an ARL ≤ 3 ms: a lot's state change (in_lot → acknowledged, 50 FSE)
#: rewrote the entries of every index holding ``state``. Three of them no page or listing
#: needs (plans and times checked at 1M FSE, docs/performance.md finding 37):
#: ``fse_waiting`` (the waiting amounts come from the month totals), ``fse_state_number``
#: (``fse_state_care`` serves ``state = ?``), ``fse_dashboard`` (the dashboard's few days
#: outside the month totals and the list's count over dates read ``fse_apcv``'s care dates,
#: then the rows: 2.4 → 3.3 ms and 14 → 17 ms at 1M).
M035_DROPPED_INDEXES = ("fse_waiting", "fse_state_number", "fse_dashboard")


@MIGRATIONS()
def m035_state_indexes_pruned(db: Database) -> None:
    """Issue #27: three indexes holding ``fse.state`` dropped (a lot's ARL rewrote their
    entries; ~0.4 ms of its 3 ms). Nothing to convert (1–4 s each at 1M FSE): the freed
    pages take the next rows (``sesam store compact`` gives them back to the disk)."""
    for name in M035_DROPPED_INDEXES:
        db.execute(f"DROP INDEX IF EXISTS {name}")


_M037_BEFORE = [
    """
    CREATE TABLE audit_journal_regrouped (
        seq INTEGER PRIMARY KEY,             -- the row's first entry; 1, 2, 3... with no gap
        record BLOB NOT NULL,                -- the entries' fields, packed together
        hash BLOB NOT NULL                   -- their hashes (client.store.journal)
    )
    """,
]
_M037_AFTER = [
    "ALTER TABLE audit_journal_regrouped RENAME TO audit_journal",
    """
    CREATE TRIGGER audit_journal_no_update BEFORE UPDATE ON audit_journal
    BEGIN SELECT RAISE(ABORT, 'journal d''audit : modification interdite'); END
    """,
    """
    CREATE TRIGGER audit_journal_no_delete BEFORE DELETE ON audit_journal
    BEGIN SELECT RAISE(ABORT, 'journal d''audit : suppression interdite'); END
    """,
]


@MIGRATIONS()
def m037_journal_rows_regrouped(db: Database) -> None:
    """Issue #27 (≤ 3 000 B per FSE on a store written by older versions): the journal's
    rows of one entry that one operation wrote together (a secured FSE's three entries, a
    NOEMIE file's) regrouped in one row as this version writes them (the every-state 1M
    store: 1 314 → 767 B per FSE, its unchained hashes kept whole; ~575 B when chained).
    Copied into a new table by batches, the progress in the log (``regroupement du journal
    d'audit : n / total``), in the opening's transaction: killed midway, the store is left
    as it was and the next opening starts again. Entries, ``seq`` and hashes are
    unchanged (``client.store.journal_rows``): ``sesam audit verify`` answers as before.
    The pages freed go back to the file's free list (``sesam store compact`` returns them)."""
    from client.store.dictionaries import register_stored
    from client.store.journal_rows import regroup_journal

    register_stored(db)  # the records unpack with them (registered after the migrations)
    for statement in _M037_BEFORE:
        db.execute(statement)
    done = regroup_journal(db.conn, PACK_BATCH)
    logger.info(
        "journal d'audit regroupé : %d lignes → %d (%d entrées)",
        done.rows_before,
        done.rows_after,
        done.entries,
    )
    db.execute("DROP TABLE audit_journal")
    if _on_postgres(db):  # the table's trigger functions do not go with it
        for name in ("audit_journal_no_update", "audit_journal_no_delete"):
            db.execute(f"DROP FUNCTION IF EXISTS {name}_fn()")
    for statement in _M037_AFTER:
        db.execute(statement)


#: Issue #27, recording an ARL ≤ 3 ms: the three count triggers a state change must follow,
#: fired once per FSE (~0.4 ms of a 50-FSE lot's ARL), held while a lot's FSE move together
#: (``client.store.lots``: the lot's row in ``fse_counts_held``, the counts then adjusted by
#: grouped statements, same transaction). SQLite only: PostgreSQL's ``WHEN`` takes no
#: subquery, its triggers stay as they are (the table exists there too, always empty; m041
#: makes them statement triggers there).
M039_HELD_TRIGGERS = (
    "fse_status_counts_update",
    "fse_month_totals_update",
    "fse_outcome_totals_update",
)


@MIGRATIONS()
def m039_lot_counts_grouped(db: Database) -> None:
    """Issue #27: ``fse_counts_held`` and, on SQLite, the three count triggers of a state
    change recreated with the same bodies and ``WHEN NOT EXISTS (SELECT 1 FROM
    fse_counts_held)`` (their text as the store holds it: nothing else changes; nothing to
    recount)."""
    import re

    db.execute("CREATE TABLE IF NOT EXISTS fse_counts_held (lot_id TEXT PRIMARY KEY)")
    if _on_postgres(db):
        return
    for name in M039_HELD_TRIGGERS:
        row = db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", [name]
        ).fetchone()
        if row is None:
            raise RuntimeError(f"m039: trigger {name} missing")
        held, found = re.subn(
            r"\bON fse\s+BEGIN\b",
            "ON fse WHEN NOT EXISTS (SELECT 1 FROM fse_counts_held) BEGIN",
            row[0],
            count=1,
        )
        if found != 1:
            raise RuntimeError(f"m039: trigger {name} not of the expected form")
        db.execute(f"DROP TRIGGER {name}")
        db.execute(held)


#: Issue #27, a lot's claim and its ARL (two status changes per lot): ``outbox_totals_update``
#: read the lot's FSE five times (four correlated sums to take them out of the old status,
#: a join to add them to the new one; 53 µs a change for 50 FSE, each way). The same change
#: from one read of the lot: its sums, once taken out (-1) and once added (+1) by one upsert,
#: and the trigger fired only when the status changes (a retry's bookkeeping writes the
#: same one).
_M040_LOT_SUMS = ", ".join(
    f"coalesce(sum({_M033_CENTS.format(c=f'f.{m}')}), 0) AS {c}_cents"
    for c, m in (("total", "total_fees"), ("amo", "amo"), ("amc", "amc"))
)
_M040_OUTBOX_TOTALS_UPDATE = (
    "CREATE TRIGGER outbox_totals_update AFTER UPDATE OF status ON outbox "  # noqa: S608
    "WHEN (OLD.status <> NEW.status) BEGIN "
    f"INSERT INTO outbox_totals ({_M033_COLUMNS}) "
    "SELECT a.practitioner_id, m.status, m.sign, m.sign * a.n, m.sign * a.total_cents, "
    "m.sign * a.amo_cents, m.sign * a.amc_cents "
    f"FROM (SELECT l.practitioner_id AS practitioner_id, count(f.id) AS n, {_M040_LOT_SUMS} "
    "FROM lots l LEFT JOIN fse f ON f.lot_id = l.id WHERE l.id = NEW.id "
    "GROUP BY l.practitioner_id) a "
    "CROSS JOIN (SELECT OLD.status AS status, -1 AS sign UNION ALL SELECT NEW.status, 1) m "
    f"WHERE 1 = 1 {_M033_UPSERT} END"
)


@MIGRATIONS()
def m040_outbox_totals_one_read(db: Database) -> None:
    """Issue #27: ``outbox_totals_update`` recreated to read the lot's FSE once per status
    change (53 → 26 µs for a 50-FSE lot; twice per lot sent). Same sums: nothing to
    recount."""
    if _on_postgres(db):
        db.execute("DROP TRIGGER IF EXISTS outbox_totals_update ON outbox")
        db.execute("DROP FUNCTION IF EXISTS outbox_totals_update_fn()")
    else:
        db.execute("DROP TRIGGER IF EXISTS outbox_totals_update")
    db.execute(_M040_OUTBOX_TOTALS_UPDATE)


#: Issue #27, the PostgreSQL replay (finding 63): the server spent 9–11 ms of CPU per 50-FSE
#: lot, ~2.5 of them in the three count triggers a state change fires once per FSE (two
#: statements each). On PostgreSQL they become statement triggers that read the statement's
#: changed rows from its transition tables and adjust each count once per group: the same
#: sums (each row: −1 at its old key, +1 at its new one; a row whose key did not change
#: nets nothing), no round trip more for the post. PostgreSQL refuses transition tables on
#: a trigger with a column list: it fires on every ``UPDATE`` of ``fse`` and takes only the
#: rows whose key moved. SQLite keeps m039's row triggers (no transition tables there).
_M041_CHANGED = "FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {changed}"
_M041_OUTCOME = (
    "coalesce((SELECT p.outcome FROM payments p WHERE p.fse_uuid = {row}.fse_uuid "
    "ORDER BY p.id DESC LIMIT 1), '')"
)
_M041_CENTS = "CAST(round(CAST({row}.total_fees AS DOUBLE PRECISION) * 100) AS BIGINT)"
_M041_STATUS_CHANGED = "o.state <> n.state OR o.fse_uuid <> n.fse_uuid"
_M041_MONTH_CHANGED = (
    "substr(o.care_date, 1, 7) <> substr(n.care_date, 1, 7) "
    "OR o.practitioner_id <> n.practitioner_id OR o.mode <> n.mode OR o.state <> n.state "
    "OR o.total_fees <> n.total_fees OR o.amo <> n.amo OR o.amc <> n.amc"
)
_M041_OUTCOME_CHANGED = (
    "o.state <> n.state OR o.fse_uuid <> n.fse_uuid OR o.practitioner_id <> n.practitioner_id "
    "OR o.total_fees <> n.total_fees"
)
_M041_BODIES = {
    "fse_status_counts_update": (
        "UPDATE fse_status_counts s SET n = s.n - g.k FROM ("  # noqa: S608 - constants
        f"SELECT o.state AS state, {_M041_OUTCOME.format(row='o')} AS outcome, count(*) AS k "
        f"{_M041_CHANGED.format(changed=_M041_STATUS_CHANGED)} GROUP BY 1, 2) g "
        "WHERE s.state = g.state AND s.outcome = g.outcome; "
        "INSERT INTO fse_status_counts (state, outcome, n) "
        f"SELECT n.state, {_M041_OUTCOME.format(row='n')}, count(*) "
        f"{_M041_CHANGED.format(changed=_M041_STATUS_CHANGED)} GROUP BY 1, 2 "
        "ON CONFLICT (state, outcome) DO UPDATE SET n = fse_status_counts.n + excluded.n;"
    ),
    "fse_month_totals_update": (
        "UPDATE fse_month_totals t SET n = t.n - g.k FROM ("  # noqa: S608 - constants
        "SELECT substr(o.care_date, 1, 7) AS month, o.practitioner_id AS practitioner_id, "
        "o.mode AS mode, o.state AS state, o.total_fees AS total_fees, o.amo AS amo, "
        f"o.amc AS amc, count(*) AS k {_M041_CHANGED.format(changed=_M041_MONTH_CHANGED)} "
        "GROUP BY 1, 2, 3, 4, 5, 6, 7) g "
        "WHERE t.month = g.month AND t.practitioner_id = g.practitioner_id "
        "AND t.mode = g.mode AND t.state = g.state AND t.total_fees = g.total_fees "
        "AND t.amo = g.amo AND t.amc = g.amc; "
        "INSERT INTO fse_month_totals (month, practitioner_id, mode, state, total_fees, amo, "
        "amc, n) SELECT substr(n.care_date, 1, 7), n.practitioner_id, n.mode, n.state, "
        f"n.total_fees, n.amo, n.amc, count(*) "
        f"{_M041_CHANGED.format(changed=_M041_MONTH_CHANGED)} GROUP BY 1, 2, 3, 4, 5, 6, 7 "
        "ON CONFLICT (month, practitioner_id, mode, state, total_fees, amo, amc) "
        "DO UPDATE SET n = fse_month_totals.n + excluded.n;"
    ),
    "fse_outcome_totals_update": (
        "UPDATE fse_outcome_totals t SET n = t.n - g.k, cents = t.cents - g.cents FROM ("  # noqa: S608 - constants
        "SELECT o.practitioner_id AS practitioner_id, o.state AS state, "
        f"{_M041_OUTCOME.format(row='o')} AS outcome, count(*) AS k, "
        f"sum({_M041_CENTS.format(row='o')}) AS cents "
        f"{_M041_CHANGED.format(changed=_M041_OUTCOME_CHANGED)} GROUP BY 1, 2, 3) g "
        "WHERE t.practitioner_id = g.practitioner_id AND t.state = g.state "
        "AND t.outcome = g.outcome; "
        "INSERT INTO fse_outcome_totals (practitioner_id, state, outcome, n, cents) "
        f"SELECT n.practitioner_id, n.state, {_M041_OUTCOME.format(row='n')}, count(*), "
        f"sum({_M041_CENTS.format(row='n')}) "
        f"{_M041_CHANGED.format(changed=_M041_OUTCOME_CHANGED)} GROUP BY 1, 2, 3 "
        "ON CONFLICT (practitioner_id, state, outcome) DO UPDATE SET "
        "n = fse_outcome_totals.n + excluded.n, "
        "cents = fse_outcome_totals.cents + excluded.cents;"
    ),
}


@MIGRATIONS()
def m041_count_triggers_per_statement_on_postgres(db: Database) -> None:
    """Issue #27 (finding 63): on PostgreSQL, the three count triggers of a state change fired
    once per ``UPDATE`` statement instead of once per FSE (``_M041_BODIES``); the counts are
    the same sums, nothing to recount. Nothing on SQLite."""
    if not _on_postgres(db):
        return
    pg: Any = db  # the store's PgDatabase: its SQL sent as written (PostgreSQL's own)
    for name, body in _M041_BODIES.items():
        pg.conn.run(f"DROP TRIGGER {name} ON fse".encode())
        pg.conn.run(
            f"CREATE OR REPLACE FUNCTION {name}_fn() RETURNS trigger LANGUAGE plpgsql "
            f"AS $body$ BEGIN {body} RETURN NULL; END $body$".encode()
        )
        pg.conn.run(
            f"CREATE TRIGGER {name} AFTER UPDATE ON fse REFERENCING OLD TABLE AS old_rows "
            f"NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}_fn()".encode()
        )
