"""The local store: FSE, lots, outbox and numbering in one SQLite file (sqlite-utils).

Opening (``open_store``) creates the data directory (0700) and the database file (0600,
and its ``-wal``/``-shm`` companions), sets ``journal_mode=WAL``, ``synchronous=FULL``,
``foreign_keys=ON``, ``busy_timeout``, applies the migrations (``client.migrations``) and
raises the number counters to the high-water mark kept outside the database.

Threads: a ``Store`` wraps one ``sqlite3`` connection, which is bound to the thread that
opened it. Open one ``Store`` per thread (``open_store(same path)``); the application does
all its writes from one database thread (``client.context.DbWorker``). Several processes
may share the file: writes take the database lock first (``BEGIN IMMEDIATE``).

Numbering: FSE and lot numbers are counted per practitioner in ``counters``. Before the
transaction that uses a new number commits, the number is written and fsynced to
``numbering.json`` next to the database; every new number is 1 + the max of the database
counter and that file. So a number handed out is never handed out again, even when an
older copy of the database is restored or the process dies between the two writes (a
number can be skipped, never reused).
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import IntEnum
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from billing.audit import (
    AuditEntry,
    AuditKind,
    Breach,
    ChainReport,
    build_entry,
    event_payload,
    sha256_hex,
    verify_chain,
)
from billing.canonical import parse_canonical
from billing.errors import BillingError
from billing.fse import (
    Fse,
    FseBody,
    PractitionerSituation,
    decimal_text,
    fse_from_document,
    money,
)
from billing.fse_states import FseEventKind, FseState, check_duplicata, check_transition
from billing.lot import DEFAULT_RULES, KIND_FSE, LotRules, LotState
from client.config import DATA_DIR_ENV, data_dir
from client.durable import replace_file
from client.errors import ClientError
from client.migrations import MIGRATIONS

logger = logging.getLogger(__name__)

DB_NAME = "sesam.db"
NUMBERING_NAME = "numbering.json"
BUSY_TIMEOUT_MS = 10_000


class OutboxStatus(IntEnum):
    """Status of an outbox row (one row per lot, id = lot id)."""

    PENDING = 0  # due for sending at next_attempt_at
    IN_FLIGHT = 1  # claimed by a sender
    DONE = 2  # the concentrator took it
    FAILED = 3  # permanent failure, needs the user
    HELD = 4  # the lot is still open: not to be sent yet


class StoreError(ClientError):
    """Base of the store's errors (French ``str()``)."""


class NotFoundError(StoreError):
    """No FSE or lot with that number / id."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} introuvable.")
        self.what = what


class AmbiguousError(StoreError):
    """A number that several practitioners use: the practitioner must be given."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} : plusieurs praticiens ont ce numéro, précisez le praticien.")
        self.what = what


class StorageError(StoreError):
    """The disk refused a read or a write; nothing half-written was kept (rolled back)."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class DiskFullError(StorageError):
    """No space left on the disk that holds the data directory."""

    def __init__(self, path: Path | None = None) -> None:
        super().__init__(
            f"Le disque des données ({path or 'dossier de données'}) est plein : rien n'a été "
            "enregistré, les FSE déjà enregistrées sont intactes. Libérez de la place (ou "
            "déplacez les anciennes sauvegardes) puis recommencez.",
            path,
        )


class ReadOnlyStorageError(StorageError):
    """The data directory (or the database file) cannot be written."""

    def __init__(self, path: Path | None = None) -> None:
        super().__init__(
            f"Le dossier de données ({path or 'dossier de données'}) est en lecture seule : "
            "rien n'a été enregistré. Vérifiez que le disque n'est pas protégé en écriture "
            "ou monté en lecture seule et que vous avez les droits sur ce dossier, puis "
            "recommencez.",
            path,
        )


class DiskIOError(StorageError):
    """The disk reported an input/output error."""

    def __init__(self, path: Path | None = None) -> None:
        super().__init__(
            f"Erreur d'entrée/sortie sur le disque des données ({path or 'dossier de données'}) "
            ": rien n'a été enregistré. Vérifiez le disque (sauvegardez-le), puis recommencez.",
            path,
        )


_SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN = 8, 10, 13, 14


def storage_error(exc: BaseException, path: Path | None) -> StorageError | None:
    """The typed disk error behind an ``OSError`` or a ``sqlite3.Error``, or None."""
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return DiskFullError(path)
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return ReadOnlyStorageError(path)
        if exc.errno == errno.EIO:
            return DiskIOError(path)
        return None
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        if primary == _SQLITE_FULL:
            return DiskFullError(path)
        if primary in (_SQLITE_READONLY, _SQLITE_CANTOPEN):
            return ReadOnlyStorageError(path)
        if primary == _SQLITE_IOERR:
            return DiskIOError(path)
    return None


def stamp(moment: datetime) -> str:
    """Database timestamp: ISO 8601 UTC with microseconds and ``Z`` (sorts as text)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_db_stamp(text: str) -> datetime:
    """Inverse of ``stamp`` (``fromisoformat``: C, 25 times faster than ``strptime``; a lot's
    FSE rows carry three stamps each)."""
    if len(text) != 27 or not text.endswith("Z"):
        raise ValueError(f"horodatage de base inattendu : {text!r}")
    return datetime.fromisoformat(text)


# --- rows ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FseRow:
    """One stored FSE with its current state and lot."""

    id: int
    fse_uuid: str
    practitioner_id: str
    number: int
    patient_id: str
    care_date: date
    created_at: datetime
    mode: str
    degrade_reason: str
    state: FseState
    regime: str
    caisse: str
    centre: str
    total_fees: Decimal
    amo: Decimal
    participation_forfaitaire: Decimal
    amc: Decimal
    patient_remainder: Decimal
    tiers_payant_amo: bool
    tiers_payant_amc: bool
    canonical: str
    digest: str
    vitale_serial: str
    vitale_certification: str
    lot_id: str | None

    def fse(self) -> Fse:
        """The FSE document read back (digest checked)."""
        return fse_from_document(parse_canonical(self.canonical.encode("utf-8")))


@dataclass(frozen=True, slots=True)
class LotRow:
    """One lot (open, closed and signed, sent, ...)."""

    id: str
    practitioner_id: str
    number: int
    kind: str
    regime: str
    caisse: str
    centre: str
    mode: str
    state: LotState
    fse_count: int
    oldest_fse_at: datetime | None
    created_at: datetime
    closed_at: datetime | None
    content_sha256: str | None
    signed: bool

    @property
    def organism(self) -> str:
        return f"{self.regime}-{self.caisse}-{self.centre}"


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One outbox row: what the sender drains."""

    id: str
    kind: str
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime | None
    claimed_at: datetime | None
    claimed_by: str | None
    last_error: str | None
    after_id: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class EventRow:
    """One recorded transition of an FSE."""

    at: datetime
    kind: FseEventKind
    from_state: FseState | None
    to_state: FseState
    detail: str | None


@dataclass(frozen=True, slots=True)
class HistoryAct:
    """One act billed for a patient (for the billing rules' history queries)."""

    fse_number: int
    practitioner_id: str
    act_date: date
    code: str
    quantity: int
    coefficient: Decimal
    overrun_kind: str
    fee: Decimal


def _opt_stamp(value: Any) -> datetime | None:
    return parse_db_stamp(value) if value else None


def _fse_row(r: dict[str, Any]) -> FseRow:
    return FseRow(
        id=r["id"],
        fse_uuid=r["fse_uuid"],
        practitioner_id=r["practitioner_id"],
        number=r["number"],
        patient_id=r["patient_id"],
        care_date=date.fromisoformat(r["care_date"]),
        created_at=parse_db_stamp(r["created_at"]),
        mode=r["mode"],
        degrade_reason=r["degrade_reason"],
        state=FseState(r["state"]),
        regime=r["regime"],
        caisse=r["caisse"],
        centre=r["centre"],
        total_fees=Decimal(r["total_fees"]),
        amo=Decimal(r["amo"]),
        participation_forfaitaire=Decimal(r["participation_forfaitaire"]),
        amc=Decimal(r["amc"]),
        patient_remainder=Decimal(r["patient_remainder"]),
        tiers_payant_amo=bool(r["tiers_payant_amo"]),
        tiers_payant_amc=bool(r["tiers_payant_amc"]),
        canonical=r["canonical"],
        digest=r["digest"],
        vitale_serial=r["vitale_serial"],
        vitale_certification=r["vitale_certification"],
        lot_id=r["lot_id"],
    )


def _lot_row(r: dict[str, Any]) -> LotRow:
    return LotRow(
        id=r["id"],
        practitioner_id=r["practitioner_id"],
        number=r["number"],
        kind=r["kind"],
        regime=r["regime"],
        caisse=r["caisse"],
        centre=r["centre"],
        mode=r["mode"],
        state=LotState(r["state"]),
        fse_count=r["fse_count"],
        oldest_fse_at=_opt_stamp(r["oldest_fse_at"]),
        created_at=parse_db_stamp(r["created_at"]),
        closed_at=_opt_stamp(r["closed_at"]),
        content_sha256=r["content_sha256"],
        signed=bool(r["signed"]),
    )


def _outbox_row(r: dict[str, Any]) -> OutboxRow:
    return OutboxRow(
        id=r["id"],
        kind=r["kind"],
        status=OutboxStatus(r["status"]),
        attempts=r["attempts"],
        next_attempt_at=_opt_stamp(r["next_attempt_at"]),
        claimed_at=_opt_stamp(r["claimed_at"]),
        claimed_by=r["claimed_by"],
        last_error=r["last_error"],
        after_id=r["after_id"],
        created_at=parse_db_stamp(r["created_at"]),
        updated_at=parse_db_stamp(r["updated_at"]),
    )


def _audit_entry(r: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        seq=r["seq"],
        at=r["at"],
        kind=r["kind"],
        fse_id=r["fse_id"],
        lot_id=r["lot_id"],
        payload=r["payload"],
        payload_sha256=r["payload_sha256"],
        prev_hash=r["prev_hash"],
        hash=r["hash"],
    )


def _event_breach(report: ChainReport, entry: AuditEntry | None, what: str) -> ChainReport:
    return ChainReport(
        count=report.count,
        head_hash=report.head_hash,
        first_bad_index=entry.seq - 1 if entry else None,
        first_bad_seq=entry.seq if entry else None,
        breach=Breach.EVENT,
        detail=what,
    )


def _document_matches(canonical: str, digest: str) -> bool:
    """The stored FSE document still parses, checks its own digest and has ``digest``."""
    try:
        fse = fse_from_document(parse_canonical(canonical.encode("utf-8")))
    except (BillingError, ValueError, KeyError, TypeError):
        return False
    return fse.digest.hex() == digest


_LOT_COLUMNS = (
    "id, practitioner_id, number, kind, regime, caisse, centre, mode, state, fse_count, "
    "oldest_fse_at, created_at, closed_at, content_sha256, signed_der IS NOT NULL AS signed"
)


# --- numbering high-water mark ----------------------------------------------------------

#: Counters kept per practitioner, in ``counters`` and in ``numbering.json``.
_COUNTER_COLUMNS = {"fse": "last_fse_number", "lot": "last_lot_number", "closing": "lot_closings"}


class Numbering:
    """``numbering.json``: the highest FSE and lot numbers ever handed out, per practitioner.

    Format: ``{"version": 1, "practitioners": {"<id>": {"fse": N, "lot": M, "closing": C}}}``
    where C counts the lots closed (a database behind C is an older copy whose open lots
    may have been closed and sent since: they are renewed at opening).
    Written atomically (temporary file, fsync, rename, fsync of the directory).
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict[str, dict[str, int]]:
        """The marks on disk ({} when the file does not exist yet)."""
        try:
            raw = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise StoreError(
                f"Le fichier de numérotation {self.path} est illisible : restaurez-le ou "
                "contactez le support (les numéros de FSE ne doivent jamais être réutilisés)."
            ) from exc
        marks = raw.get("practitioners", {}) if isinstance(raw, dict) else {}
        return {
            str(pid): {kind: int(v.get(kind, 0)) for kind in _COUNTER_COLUMNS}
            for pid, v in marks.items()
            if isinstance(v, dict)
        }

    def mark(self, practitioner_id: str, kind: str, value: int) -> None:
        """Record that ``value`` was handed out (only ever raises the mark)."""
        marks = self.read()
        entry = marks.setdefault(practitioner_id, dict.fromkeys(_COUNTER_COLUMNS, 0))
        if entry[kind] >= value:
            return
        entry[kind] = value
        data = json.dumps({"version": 1, "practitioners": marks}, sort_keys=True).encode()
        replace_file(self.path, data)


# --- the store ----------------------------------------------------------------------------


class Store:
    """Typed access to the database. One per thread (see the module docstring)."""

    def __init__(self, db: Database, path: Path, numbering: Numbering) -> None:
        self.db = db
        self.path = path
        self.numbering = numbering

    # --- plumbing -----------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[Store]:
        """One write transaction (``BEGIN IMMEDIATE``: takes the write lock up front).

        Nested calls join the outer transaction through a savepoint.
        """
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield self
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            self._raise_storage(exc)
            raise
        try:
            yield self
        except BaseException as exc:
            self._rollback()
            self._raise_storage(exc)
            raise
        try:
            conn.execute("COMMIT")
        except BaseException as exc:
            self._rollback()
            self._raise_storage(exc)
            raise

    def _rollback(self) -> None:
        conn = self.db.conn
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                # SQLite rolls back by itself after some I/O errors; the original error
                # is what the user must see.
                logger.warning("rollback failed after a write error", exc_info=True)

    def _raise_storage(self, exc: BaseException) -> None:
        typed = storage_error(exc, self.path.parent)
        if typed is not None and typed is not exc:
            logger.error("store write failed: %s", type(exc).__name__)
            raise typed from exc

    def _one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        rows = list(self.db.query(sql, params))
        return rows[0] if rows else None

    def _require_transaction(self) -> None:
        if not self.db.conn.in_transaction:
            raise RuntimeError("this store method must run inside Store.write()")

    def integrity_check(self) -> str:
        """``PRAGMA integrity_check``: "ok" when the file is sound."""
        row = self.db.execute("PRAGMA integrity_check").fetchone()
        return str(row[0])

    # --- numbering ----------------------------------------------------------------------
    def _next(self, practitioner_id: str, kind: str) -> int:
        self._require_transaction()
        column = _COUNTER_COLUMNS[kind]
        row = self._one(
            f"SELECT {column} AS n FROM counters WHERE practitioner_id = ?",  # noqa: S608
            [practitioner_id],
        )
        in_db = int(row["n"]) if row else 0
        on_disk = self.numbering.read().get(practitioner_id, {}).get(kind, 0)
        number = max(in_db, on_disk) + 1
        # The mark reaches the disk before the transaction that uses the number commits.
        self.numbering.mark(practitioner_id, kind, number)
        self.db.execute(
            f"INSERT INTO counters (practitioner_id, {column}) VALUES (?, ?) "  # noqa: S608
            f"ON CONFLICT (practitioner_id) DO UPDATE SET {column} = excluded.{column}",
            [practitioner_id, number],
        )
        return number

    def next_fse_number(self, practitioner_id: str) -> int:
        """Hand out the next FSE number of a practitioner (inside ``write()``)."""
        return self._next(practitioner_id, "fse")

    def next_lot_number(self, practitioner_id: str) -> int:
        """Hand out the next lot number of a practitioner (inside ``write()``)."""
        return self._next(practitioner_id, "lot")

    def counters(self, practitioner_id: str) -> tuple[int, int]:
        """(last FSE number, last lot number) recorded in the database."""
        row = self._one(
            "SELECT last_fse_number, last_lot_number FROM counters WHERE practitioner_id = ?",
            [practitioner_id],
        )
        return (row["last_fse_number"], row["last_lot_number"]) if row else (0, 0)

    def reconcile_counters(self) -> None:
        """Raise every counter to the max of itself, the numbers in use and numbering.json."""
        marks = self.numbering.read()
        with self.write():
            ids = {r["id"] for r in self.db.query("SELECT id FROM practitioners")}
            for pid in sorted(ids | set(marks)):
                if pid not in ids:
                    # A practitioner known only to the high-water mark (older DB restored).
                    self.db.execute(
                        "INSERT INTO practitioners (id, billing_number, billing_key, created_at) "
                        "VALUES (?, ?, ?, ?)",
                        [pid, pid[:-1], pid[-1:], stamp(datetime.now(UTC))],
                    )
                used = self._one(
                    "SELECT (SELECT COALESCE(MAX(number), 0) FROM fse WHERE practitioner_id = ?)"
                    " AS fse, (SELECT COALESCE(MAX(number), 0) FROM lots "
                    "WHERE practitioner_id = ?) AS lot",
                    [pid, pid],
                ) or {"fse": 0, "lot": 0}
                last_fse, last_lot = self.counters(pid)
                closings = self._closings(pid)
                mark = marks.get(pid, {})
                fse_n = max(last_fse, used["fse"], mark.get("fse", 0))
                lot_n = max(last_lot, used["lot"], mark.get("lot", 0))
                closing_n = max(closings, mark.get("closing", 0))
                self.db.execute(
                    "INSERT INTO counters (practitioner_id, last_fse_number, last_lot_number, "
                    "lot_closings) VALUES (?, ?, ?, ?) ON CONFLICT (practitioner_id) DO UPDATE "
                    "SET last_fse_number = excluded.last_fse_number, "
                    "last_lot_number = excluded.last_lot_number, "
                    "lot_closings = excluded.lot_closings",
                    [pid, fse_n, lot_n, closing_n],
                )
                if mark.get("lot", 0) > max(last_lot, used["lot"]) or closing_n > closings:
                    self._renew_open_lots(pid)

    def _closings(self, practitioner_id: str) -> int:
        row = self._one(
            "SELECT lot_closings FROM counters WHERE practitioner_id = ?", [practitioner_id]
        )
        return int(row["lot_closings"]) if row else 0

    def _renew_open_lots(self, practitioner_id: str) -> None:
        """Lots were numbered after this database was written (restored copy, or a crash
        right after numbering): its open lots may have been closed and sent since, under
        the same id. Void them and put their FSE in new lots with new ids and numbers."""
        now = datetime.now(UTC)
        for lot in self.lots(state=LotState.OPEN, practitioner_id=practitioner_id):
            logger.warning("lot n° %d renewed: numbering is ahead of the database", lot.number)
            self.db.execute("DELETE FROM outbox WHERE id = ?", [lot.id])
            self.db.execute(
                "UPDATE lots SET state = ?, fse_count = 0, updated_at = ? WHERE id = ?",
                [LotState.VOIDED.value, stamp(now), lot.id],
            )
            self._journal_lot(lot.id, now, AuditKind.LOT_STATE, lot_event="renewed")
            for fse in self.fse_list(lot_id=lot.id):
                self.db.execute("UPDATE fse SET lot_id = NULL WHERE id = ?", [fse.id])
                self._event(
                    fse.id,
                    now,
                    FseEventKind.LOT_REOPENED,
                    fse.state,
                    fse.state,
                    f"lot n° {lot.number} remplacé (base restaurée ou arrêt brutal)",
                )
                self._assign_to_open_lot(fse.id, now, DEFAULT_RULES)

    # --- practitioners and patients -----------------------------------------------------
    def upsert_practitioner(self, p: PractitionerSituation, now: datetime) -> str:
        """Record a practitioner (before numbering his FSE); returns its id."""
        self.db.execute(
            "INSERT INTO practitioners (id, billing_number, billing_key, national_id, "
            "last_name, first_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET national_id = excluded.national_id, "
            "last_name = excluded.last_name, first_name = excluded.first_name",
            [
                p.practitioner_id,
                p.billing_number,
                p.billing_key,
                p.national_id,
                p.last_name,
                p.first_name,
                stamp(now),
            ],
        )
        return p.practitioner_id

    def upsert_patient(self, body: FseBody, last_name: str, first_name: str, now: datetime) -> str:
        """Record the bénéficiaire of an FSE (health data); returns the patient key."""
        b = body.beneficiary
        key = b.patient_key
        self.db.execute(
            "INSERT INTO patients (id, assure_nir, assure_nir_key, beneficiary_nir, "
            "beneficiary_nir_key, birth_date, rang, qualite, last_name, first_name, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET beneficiary_nir = excluded.beneficiary_nir, "
            "beneficiary_nir_key = excluded.beneficiary_nir_key, qualite = excluded.qualite, "
            "last_name = CASE WHEN excluded.last_name != '' THEN excluded.last_name "
            "ELSE patients.last_name END, "
            "first_name = CASE WHEN excluded.first_name != '' THEN excluded.first_name "
            "ELSE patients.first_name END, updated_at = excluded.updated_at",
            [
                key,
                b.assure_nir,
                b.assure_nir_key,
                b.beneficiary_nir,
                b.beneficiary_nir_key,
                b.birth_date,
                b.rang,
                b.qualite,
                last_name,
                first_name,
                stamp(now),
                stamp(now),
            ],
        )
        return key

    def patient(self, patient_id: str) -> dict[str, Any] | None:
        """The patient row (health data: never log it)."""
        return self._one("SELECT * FROM patients WHERE id = ?", [patient_id])

    # --- FSE ------------------------------------------------------------------------------
    def insert_fse(
        self,
        fse: Fse,
        *,
        patient_names: tuple[str, str],
        now: datetime,
        rules: LotRules,
    ) -> FseRow:
        """Store a secured FSE: practitioner, patient, FSE, acts, events, open lot, outbox.

        Must run inside ``write()``; the FSE's number was handed out by
        ``next_fse_number`` (in an earlier transaction, or this one).
        """
        self._require_transaction()
        body = fse.body
        pid = self.upsert_practitioner(body.practitioner, now)
        patient_id = self.upsert_patient(body, patient_names[0], patient_names[1], now)
        amounts = body.amounts.to_document()
        cursor = self.db.execute(
            "INSERT INTO fse (fse_uuid, practitioner_id, number, patient_id, care_date, "
            "created_at, mode, degrade_reason, state, regime, caisse, centre, total_fees, amo, "
            "participation_forfaitaire, amc, patient_remainder, tiers_payant_amo, "
            "tiers_payant_amc, canonical, digest, vitale_serial, vitale_certification, "
            "lot_id, updated_at) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
            [
                body.fse_id,
                pid,
                body.number,
                patient_id,
                body.care_date.isoformat(),
                stamp(body.created_at),
                body.mode.value,
                body.degrade_reason,
                FseState.SECURED.value,
                body.organism.regime,
                body.organism.caisse,
                body.organism.centre,
                amounts["total_fees"],
                amounts["amo"],
                amounts["participation_forfaitaire"],
                amounts["amc"],
                amounts["patient_remainder"],
                int(body.tiers_payant.amo),
                int(body.tiers_payant.amc),
                fse.canonical().decode("utf-8"),
                fse.digest.hex(),
                body.vitale_serial,
                fse.certification.hex(),
                stamp(now),
            ],
        )
        fse_id = int(cursor.lastrowid or 0)
        for line, act in enumerate(body.acts, start=1):
            self.db.execute(
                "INSERT INTO fse_acts (fse_id, line, patient_id, practitioner_id, act_date, "
                "code, quantity, coefficient, overrun_kind, fee) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    fse_id,
                    line,
                    patient_id,
                    pid,
                    act.date.isoformat(),
                    act.code,
                    act.quantity,
                    decimal_text(act.coefficient),
                    act.overrun_kind,
                    money(act.fee),
                ],
            )
        self._event(fse_id, now, FseEventKind.CREATED, None, FseState.DRAFT, None)
        self._event(
            fse_id,
            now,
            FseEventKind.SECURED,
            FseState.DRAFT,
            FseState.SECURED,
            f"mode {body.mode.value}"
            + (f" : {body.degrade_reason}" if body.degrade_reason else ""),
        )
        self._assign_to_open_lot(fse_id, now, rules)
        row = self._fse_by_id(fse_id)
        return row

    def _event(
        self,
        fse_id: int,
        at: datetime,
        kind: FseEventKind,
        from_state: FseState | None,
        to_state: FseState,
        detail: str | None,
    ) -> None:
        cursor = self.db.execute(
            "INSERT INTO fse_events (fse_id, at, kind, from_state, to_state, detail) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                fse_id,
                stamp(at),
                kind.value,
                from_state.value if from_state else None,
                to_state.value,
                detail,
            ],
        )
        fse = self._one(
            "SELECT fse_uuid, number, practitioner_id, digest, COALESCE(lot_id, '') AS lot "
            "FROM fse WHERE id = ?",
            [fse_id],
        )
        if fse is None:
            raise NotFoundError(f"FSE (id interne {fse_id})")
        # Same transaction as the event: both are written or neither is.
        self._journal(
            at,
            kind.value,
            fse_id=fse["fse_uuid"],
            lot_id=fse["lot"],
            payload=event_payload(
                event_id=int(cursor.lastrowid or 0),
                fse_number=fse["number"],
                practitioner_id=fse["practitioner_id"],
                kind=kind.value,
                from_state=from_state.value if from_state else None,
                to_state=to_state.value,
                detail=detail,
                fse_digest=fse["digest"],
            ),
        )

    def _lot_events(
        self,
        moved: list[FseRow],
        at: datetime,
        kind: FseEventKind,
        to_state: FseState,
        detail: str,
    ) -> None:
        """``_event`` for every FSE of a lot at once: one insert of the events, one of their
        journal entries (chained in Python), in the caller's transaction."""
        self._require_transaction()
        if not moved:
            return
        # fse_events.id is an INTEGER PRIMARY KEY without AUTOINCREMENT: SQLite would give
        # these same ids (max + 1, ...) to one insert at a time.
        top = self._one("SELECT COALESCE(MAX(id), 0) AS top FROM fse_events")
        first_id = int(top["top"]) + 1 if top else 1
        when = stamp(at)
        self.db.conn.executemany(
            "INSERT INTO fse_events (id, fse_id, at, kind, from_state, to_state, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (first_id + i, fse.id, when, kind.value, fse.state.value, to_state.value, detail)
                for i, fse in enumerate(moved)
            ],
        )
        last = self._one("SELECT * FROM audit_journal ORDER BY seq DESC LIMIT 1")
        previous = _audit_entry(last) if last else None
        entries = []
        for i, fse in enumerate(moved):
            previous = build_entry(
                previous,
                at=when,
                kind=kind.value,
                fse_id=fse.fse_uuid,
                lot_id=fse.lot_id or "",
                payload=event_payload(
                    event_id=first_id + i,
                    fse_number=fse.number,
                    practitioner_id=fse.practitioner_id,
                    kind=kind.value,
                    from_state=fse.state.value,
                    to_state=to_state.value,
                    detail=detail,
                    fse_digest=fse.digest,
                ),
            )
            entries.append(previous)
        self.db.conn.executemany(
            "INSERT INTO audit_journal (seq, at, kind, fse_id, lot_id, payload, "
            "payload_sha256, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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

    # --- audit journal ----------------------------------------------------------------------
    def _journal(
        self,
        at: datetime,
        kind: str,
        *,
        fse_id: str = "",
        lot_id: str = "",
        payload: dict[str, Any],
    ) -> AuditEntry:
        """Append one entry to the audit journal (inside the event's own transaction)."""
        self._require_transaction()
        last = self._one("SELECT * FROM audit_journal ORDER BY seq DESC LIMIT 1")
        entry = build_entry(
            _audit_entry(last) if last else None,
            at=stamp(at),
            kind=kind,
            fse_id=fse_id,
            lot_id=lot_id,
            payload=payload,
        )
        self.db.execute(
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

    def _journal_lot(self, lot_id: str, at: datetime, kind: AuditKind, **extra: Any) -> None:
        lot = self.lot_by_id(lot_id)
        self._journal(
            at,
            kind.value,
            lot_id=lot_id,
            payload={
                "lot_number": lot.number,
                "practitioner": lot.practitioner_id,
                "state": lot.state.value,
                **extra,
            },
        )

    def record_audit(self, kind: AuditKind, now: datetime, payload: dict[str, Any]) -> None:
        """Journal an event that concerns no FSE nor lot (a restore, for instance)."""
        with self.write():
            self._journal(now, kind.value, payload=payload)

    def audit_entries(self) -> list[AuditEntry]:
        """The whole audit journal, in order."""
        return [_audit_entry(r) for r in self.db.query("SELECT * FROM audit_journal ORDER BY seq")]

    def audit_verify(self) -> ChainReport:
        """Verify the chain, then that every FSE event is journaled as it stands now.

        The second part catches an edited or removed ``fse_events`` row, and an FSE document
        changed after it was secured (its digest no longer the one journaled).
        """
        entries = self.audit_entries()
        report = verify_chain(entries)
        if not report.ok:
            return report
        by_event: dict[int, AuditEntry] = {}
        for journaled in entries:
            event = json.loads(journaled.payload).get("event")
            if isinstance(event, int):
                by_event[event] = journaled
        seen: set[int] = set()
        rows = self.db.query(
            "SELECT e.id, e.kind, e.from_state, e.to_state, e.detail, f.fse_uuid, f.number, "
            "f.practitioner_id, f.digest, f.canonical FROM fse_events e "
            "JOIN fse f ON f.id = e.fse_id ORDER BY e.id"
        )
        for r in rows:
            entry = by_event.get(r["id"])
            expected = event_payload(
                event_id=r["id"],
                fse_number=r["number"],
                practitioner_id=r["practitioner_id"],
                kind=r["kind"],
                from_state=r["from_state"],
                to_state=r["to_state"],
                detail=r["detail"],
                fse_digest=r["digest"],
            )
            if (
                entry is None
                or entry.fse_id != r["fse_uuid"]
                or json.loads(entry.payload) != expected
            ):
                return _event_breach(
                    report, entry, f"événement n° {r['id']} de la FSE n° {r['number']}"
                )
            if r["kind"] == FseEventKind.SECURED.value and not _document_matches(
                r["canonical"], r["digest"]
            ):
                return _event_breach(report, entry, f"document de la FSE n° {r['number']}")
            seen.add(r["id"])
        for event_id, entry in by_event.items():
            if event_id not in seen:
                return _event_breach(report, entry, f"événement n° {event_id} (disparu)")
        return report

    def _assign_to_open_lot(self, fse_id: int, now: datetime, rules: LotRules) -> str:
        """Put a secured FSE in the open lot of its (practitioner, organism, mode)."""
        fse = self._fse_by_id(fse_id)
        open_lot = self._one(
            "SELECT id FROM lots WHERE practitioner_id = ? AND kind = ? AND state = ? "
            "AND regime = ? AND caisse = ? AND centre = ? AND mode = ? AND fse_count < ? "
            "ORDER BY number LIMIT 1",
            [
                fse.practitioner_id,
                KIND_FSE,
                LotState.OPEN.value,
                fse.regime,
                fse.caisse,
                fse.centre,
                fse.mode,
                rules.max_fse,
            ],
        )
        if open_lot is None:
            lot_id = str(uuid.uuid4())
            number = self.next_lot_number(fse.practitioner_id)
            self.db.execute(
                "INSERT INTO lots (id, practitioner_id, number, kind, regime, caisse, centre, "
                "mode, state, fse_count, oldest_fse_at, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?)",
                [
                    lot_id,
                    fse.practitioner_id,
                    number,
                    KIND_FSE,
                    fse.regime,
                    fse.caisse,
                    fse.centre,
                    fse.mode,
                    LotState.OPEN.value,
                    stamp(now),
                    stamp(now),
                ],
            )
            self.db.execute(
                "INSERT INTO outbox (id, kind, status, attempts, created_at, updated_at) "
                "VALUES (?, ?, ?, 0, ?, ?)",
                [lot_id, KIND_FSE, int(OutboxStatus.HELD), stamp(now), stamp(now)],
            )
        else:
            lot_id = open_lot["id"]
        self.db.execute("UPDATE fse SET lot_id = ? WHERE id = ?", [lot_id, fse_id])
        self._refresh_lot(lot_id, now)
        lot = self.lot_by_id(lot_id)
        self._journal(
            now,
            AuditKind.LOT_MEMBER.value,
            fse_id=fse.fse_uuid,
            lot_id=lot_id,
            payload={
                "number": fse.number,
                "practitioner": fse.practitioner_id,
                "lot_number": lot.number,
            },
        )
        return lot_id

    def _refresh_lot(self, lot_id: str, now: datetime) -> None:
        self.db.execute(
            "UPDATE lots SET fse_count = (SELECT COUNT(*) FROM fse WHERE lot_id = lots.id), "
            "oldest_fse_at = (SELECT MIN(created_at) FROM fse WHERE lot_id = lots.id), "
            "updated_at = ? WHERE id = ?",
            [stamp(now), lot_id],
        )

    def _fse_by_id(self, fse_id: int) -> FseRow:
        row = self._one("SELECT * FROM fse WHERE id = ?", [fse_id])
        if row is None:
            raise NotFoundError(f"FSE (id interne {fse_id})")
        return _fse_row(row)

    def fse_by_number(self, number: int, practitioner_id: str | None = None) -> FseRow:
        """The FSE with this number (of this practitioner when several bill here).

        :raises NotFoundError: no such FSE.
        :raises AmbiguousError: several practitioners have an FSE with this number.
        """
        if practitioner_id is None:
            rows = list(self.db.query("SELECT * FROM fse WHERE number = ?", [number]))
        else:
            rows = list(
                self.db.query(
                    "SELECT * FROM fse WHERE number = ? AND practitioner_id = ?",
                    [number, practitioner_id],
                )
            )
        if not rows:
            raise NotFoundError(f"FSE n° {number}")
        if len(rows) > 1:
            raise AmbiguousError(f"FSE n° {number}")
        return _fse_row(rows[0])

    def fse_by_uuid(self, fse_uuid: str) -> FseRow:
        """The FSE with this wire identifier (ARL, NOEMIE)."""
        row = self._one("SELECT * FROM fse WHERE fse_uuid = ?", [fse_uuid])
        if row is None:
            raise NotFoundError(f"FSE {fse_uuid}")
        return _fse_row(row)

    def fse_list(
        self,
        state: FseState | None = None,
        practitioner_id: str | None = None,
        lot_id: str | None = None,
    ) -> list[FseRow]:
        """FSE in number order, optionally filtered."""
        clause, params = _where(
            state=state.value if state else None, practitioner_id=practitioner_id, lot_id=lot_id
        )
        return [
            _fse_row(r)
            for r in self.db.query(
                f"SELECT * FROM fse{clause} ORDER BY practitioner_id, number",  # noqa: S608
                params,
            )
        ]

    def fse_events(self, fse_id: int) -> list[EventRow]:
        """Every transition of an FSE, oldest first."""
        return [
            EventRow(
                at=parse_db_stamp(r["at"]),
                kind=FseEventKind(r["kind"]),
                from_state=FseState(r["from_state"]) if r["from_state"] else None,
                to_state=FseState(r["to_state"]),
                detail=r["detail"],
            )
            for r in self.db.query(
                "SELECT * FROM fse_events WHERE fse_id = ? ORDER BY id", [fse_id]
            )
        ]

    def transition_fse(
        self,
        fse_id: int,
        to_state: FseState,
        kind: FseEventKind,
        now: datetime,
        detail: str | None = None,
    ) -> FseRow:
        """Move one FSE to ``to_state`` (checked by the state machine) and record the event."""
        with self.write():
            row = self._fse_by_id(fse_id)
            check_transition(row.state, to_state, row.number)
            self.db.execute(
                "UPDATE fse SET state = ?, updated_at = ? WHERE id = ?",
                [to_state.value, stamp(now), fse_id],
            )
            self._event(fse_id, now, kind, row.state, to_state, detail)
            return self._fse_by_id(fse_id)

    def record_duplicata(self, fse_id: int, now: datetime, detail: str | None = None) -> None:
        """Record that a duplicata of the FSE was issued (the state does not change)."""
        with self.write():
            row = self._fse_by_id(fse_id)
            check_duplicata(row.state, row.number)
            self._event(fse_id, now, FseEventKind.DUPLICATA, row.state, row.state, detail)

    def cancel_fse(self, fse_id: int, now: datetime, reason: str, rules: LotRules) -> FseRow:
        """Cancel an FSE that has not left: out of its open lot, or its closed lot voided.

        When the FSE sits in a closed (signed, unsent) lot, that lot is voided (state
        ``voided``, outbox row removed, signed DER kept for the record) and its other FSE go
        back to ``secured`` in an open lot, to be signed again in a new lot.
        :raises FseStateError: the FSE was sent already (or is cancelled).
        :raises StoreError: its lot is being sent right now.
        """
        with self.write():
            row = self._fse_by_id(fse_id)
            check_transition(row.state, FseState.CANCELLED, row.number)
            lot_id = row.lot_id
            if row.state is FseState.IN_LOT and lot_id is not None:
                outbox = self.outbox_get(lot_id)
                if outbox is None or outbox.status is not OutboxStatus.PENDING:
                    raise StoreError(
                        f"La FSE n° {row.number} est dans un lot en cours d'envoi : "
                        "annulation impossible."
                    )
                self.db.execute("DELETE FROM outbox WHERE id = ?", [lot_id])
                self.db.execute(
                    "UPDATE lots SET state = ?, updated_at = ? WHERE id = ?",
                    [LotState.VOIDED.value, stamp(now), lot_id],
                )
                self._journal_lot(lot_id, now, AuditKind.LOT_STATE, lot_event="voided")
                for other in self.fse_list(lot_id=lot_id):
                    if other.id == fse_id:
                        continue
                    check_transition(other.state, FseState.SECURED, other.number)
                    self.db.execute(
                        "UPDATE fse SET state = ?, lot_id = NULL, updated_at = ? WHERE id = ?",
                        [FseState.SECURED.value, stamp(now), other.id],
                    )
                    self._event(
                        other.id,
                        now,
                        FseEventKind.LOT_REOPENED,
                        other.state,
                        FseState.SECURED,
                        f"lot n° {self.lot_by_id(lot_id).number} annulé (FSE n° {row.number})",
                    )
                    self._assign_to_open_lot(other.id, now, rules)
            self.db.execute(
                "UPDATE fse SET state = ?, lot_id = NULL, updated_at = ? WHERE id = ?",
                [FseState.CANCELLED.value, stamp(now), fse_id],
            )
            self._event(fse_id, now, FseEventKind.CANCELLED, row.state, FseState.CANCELLED, reason)
            if lot_id is not None and row.state is not FseState.IN_LOT:
                self._refresh_lot(lot_id, now)
            return self._fse_by_id(fse_id)

    def history(self, patient_key: str, since: date, until: date) -> list[HistoryAct]:
        """Acts billed for a bénéficiaire between two dates (inclusive), cancelled FSE left out."""
        return [
            HistoryAct(
                fse_number=r["number"],
                practitioner_id=r["practitioner_id"],
                act_date=date.fromisoformat(r["act_date"]),
                code=r["code"],
                quantity=r["quantity"],
                coefficient=Decimal(r["coefficient"]),
                overrun_kind=r["overrun_kind"],
                fee=Decimal(r["fee"]),
            )
            for r in self.db.query(
                "SELECT f.number, a.practitioner_id, a.act_date, a.code, a.quantity, "
                "a.coefficient, a.overrun_kind, a.fee "
                "FROM fse_acts a JOIN fse f ON f.id = a.fse_id "
                "WHERE a.patient_id = ? AND a.act_date BETWEEN ? AND ? AND f.state != ? "
                "ORDER BY a.act_date, f.number, a.line",
                [patient_key, since.isoformat(), until.isoformat(), FseState.CANCELLED.value],
            )
        ]

    # --- lots -----------------------------------------------------------------------------
    def lots(
        self,
        state: LotState | None = None,
        practitioner_id: str | None = None,
        kind: str | None = None,
    ) -> list[LotRow]:
        """Lots in number order, optionally filtered."""
        clause, params = _where(
            state=state.value if state else None, practitioner_id=practitioner_id, kind=kind
        )
        return [
            _lot_row(r)
            for r in self.db.query(
                f"SELECT {_LOT_COLUMNS} FROM lots{clause} "  # noqa: S608
                "ORDER BY practitioner_id, number",
                params,
            )
        ]

    def lot_by_id(self, lot_id: str) -> LotRow:
        """The lot with this UUID."""
        row = self._one(f"SELECT {_LOT_COLUMNS} FROM lots WHERE id = ?", [lot_id])  # noqa: S608
        if row is None:
            raise NotFoundError(f"Lot {lot_id}")
        return _lot_row(row)

    def lot_by_number(self, number: int, practitioner_id: str | None = None) -> LotRow:
        """The lot with this number (of this practitioner when several bill here)."""
        rows = [
            r
            for r in self.db.query(
                f"SELECT {_LOT_COLUMNS} FROM lots WHERE number = ?",  # noqa: S608
                [number],
            )
            if practitioner_id is None or r["practitioner_id"] == practitioner_id
        ]
        if not rows:
            raise NotFoundError(f"Lot n° {number}")
        if len(rows) > 1:
            raise AmbiguousError(f"Lot n° {number}")
        return _lot_row(rows[0])

    def lot_der(self, lot_id: str) -> bytes | None:
        """The signed lot (CMS SignedData, DER), None while the lot is open."""
        row = self._one("SELECT signed_der FROM lots WHERE id = ?", [lot_id])
        if row is None:
            raise NotFoundError(f"Lot {lot_id}")
        der = row["signed_der"]
        return bytes(der) if der is not None else None

    def close_lot(
        self,
        lot_id: str,
        *,
        now: datetime,
        content_sha256: str,
        signed_der: bytes,
    ) -> LotRow:
        """Record a lot as closed and signed: its FSE go ``in_lot``, its outbox row PENDING.

        Must run inside ``write()`` together with the reading of the FSE that were signed.
        """
        self._require_transaction()
        lot = self.lot_by_id(lot_id)
        if lot.state is not LotState.OPEN:
            raise StoreError(f"Le lot n° {lot.number} n'est plus ouvert.")
        # Counted on disk before commit: a restored older database will not reuse this lot.
        self._next(lot.practitioner_id, "closing")
        self.db.execute(
            "UPDATE lots SET state = ?, closed_at = ?, signed_der = ?, content_sha256 = ?, "
            "updated_at = ? WHERE id = ?",
            [LotState.CLOSED.value, stamp(now), signed_der, content_sha256, stamp(now), lot_id],
        )
        for fse in self.fse_list(lot_id=lot_id):
            check_transition(fse.state, FseState.IN_LOT, fse.number)
            self.db.execute(
                "UPDATE fse SET state = ?, updated_at = ? WHERE id = ?",
                [FseState.IN_LOT.value, stamp(now), fse.id],
            )
            self._event(
                fse.id,
                now,
                FseEventKind.LOT_CLOSED,
                fse.state,
                FseState.IN_LOT,
                f"lot n° {lot.number}",
            )
        self.db.execute(
            "UPDATE outbox SET status = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?",
            [int(OutboxStatus.PENDING), stamp(now), stamp(now), lot_id],
        )
        self._journal_lot(
            lot_id,
            now,
            AuditKind.LOT_SIGNED,
            content_sha256=content_sha256,
            signed_sha256=sha256_hex(signed_der),
            fse_count=lot.fse_count,
        )
        return self.lot_by_id(lot_id)

    def lot_transition(
        self,
        lot_id: str,
        lot_state: LotState,
        fse_state: FseState,
        kind: FseEventKind,
        now: datetime,
        detail: str | None = None,
    ) -> LotRow:
        """Move a lot and all its FSE (sent, ARL positive/negative), recording each event.

        For the transmission side: ``lot_transition(id, LotState.SENT, FseState.SENT,
        FseEventKind.SENT, now)``, then ``ACKNOWLEDGED``/``ARL_POSITIVE`` or
        ``REFUSED``/``ARL_NEGATIVE``.
        """
        with self.write():
            lot = self.lot_by_id(lot_id)
            moved = [f for f in self.fse_list(lot_id=lot_id) if f.state is not FseState.CANCELLED]
            for fse in moved:
                check_transition(fse.state, fse_state, fse.number)
            self.db.conn.executemany(
                "UPDATE fse SET state = ?, updated_at = ? WHERE id = ?",
                [(fse_state.value, stamp(now), fse.id) for fse in moved],
            )
            self._lot_events(moved, now, kind, fse_state, detail or f"lot n° {lot.number}")
            self.db.execute(
                "UPDATE lots SET state = ?, updated_at = ? WHERE id = ?",
                [lot_state.value, stamp(now), lot_id],
            )
            self._journal_lot(lot_id, now, AuditKind.LOT_STATE, lot_event=kind.value)
            return self.lot_by_id(lot_id)

    # --- outbox ---------------------------------------------------------------------------
    def outbox_get(self, outbox_id: str) -> OutboxRow | None:
        """The outbox row of a lot (None once removed)."""
        row = self._one("SELECT * FROM outbox WHERE id = ?", [outbox_id])
        return _outbox_row(row) if row else None

    def outbox_rows(self, status: OutboxStatus | None = None) -> list[OutboxRow]:
        """Outbox rows, oldest first, optionally of one status."""
        if status is None:
            rows = self.db.query("SELECT * FROM outbox ORDER BY created_at, id")
        else:
            rows = self.db.query(
                "SELECT * FROM outbox WHERE status = ? ORDER BY created_at, id", [int(status)]
            )
        return [_outbox_row(r) for r in rows]

    def outbox_claim(self, worker: str, now: datetime) -> OutboxRow | None:
        """Claim the oldest due PENDING row whose ``after_id`` (if any) is DONE."""
        with self.write():
            row = self._one(
                "UPDATE outbox SET status = ?, claimed_at = ?, claimed_by = ?, updated_at = ? "
                "WHERE id = (SELECT o.id FROM outbox o WHERE o.status = ? "
                "AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?) "
                "AND (o.after_id IS NULL OR EXISTS (SELECT 1 FROM outbox a "
                "WHERE a.id = o.after_id AND a.status = ?)) "
                "ORDER BY o.next_attempt_at, o.created_at, o.id LIMIT 1) RETURNING *",
                [
                    int(OutboxStatus.IN_FLIGHT),
                    stamp(now),
                    worker,
                    stamp(now),
                    int(OutboxStatus.PENDING),
                    stamp(now),
                    int(OutboxStatus.DONE),
                ],
            )
            return _outbox_row(row) if row else None

    def _outbox_set(self, outbox_id: str, sql: str, params: list[Any]) -> None:
        with self.write():
            cursor = self.db.execute(sql + " WHERE id = ?", [*params, outbox_id])
            if cursor.rowcount != 1:
                raise NotFoundError(f"Ligne d'envoi {outbox_id}")

    def outbox_ack(self, outbox_id: str, now: datetime) -> None:
        """The concentrator took it: DONE."""
        self._outbox_set(
            outbox_id,
            "UPDATE outbox SET status = ?, claimed_at = NULL, claimed_by = NULL, updated_at = ?",
            [int(OutboxStatus.DONE), stamp(now)],
        )

    def outbox_nack(
        self, outbox_id: str, error: str, next_attempt_at: datetime, now: datetime
    ) -> None:
        """A retryable failure: back to PENDING, one more try, not before ``next_attempt_at``."""
        self._outbox_set(
            outbox_id,
            "UPDATE outbox SET status = ?, attempts = attempts + 1, next_attempt_at = ?, "
            "last_error = ?, claimed_at = NULL, claimed_by = NULL, updated_at = ?",
            [int(OutboxStatus.PENDING), stamp(next_attempt_at), error, stamp(now)],
        )

    def outbox_fail(self, outbox_id: str, error: str, now: datetime) -> None:
        """A permanent failure: FAILED with the error, for the user to see."""
        self._outbox_set(
            outbox_id,
            "UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ?, "
            "claimed_at = NULL, claimed_by = NULL, updated_at = ?",
            [int(OutboxStatus.FAILED), error, stamp(now)],
        )

    def outbox_retry(self, outbox_id: str, now: datetime) -> None:
        """Put a FAILED (or sent and refused) row back to PENDING now."""
        self._outbox_set(
            outbox_id,
            "UPDATE outbox SET status = ?, next_attempt_at = ?, updated_at = ?",
            [int(OutboxStatus.PENDING), stamp(now), stamp(now)],
        )

    def outbox_reset_stale(self, older_than: datetime, now: datetime) -> int:
        """IN_FLIGHT rows claimed before ``older_than`` go back to PENDING; returns how many."""
        with self.write():
            cursor = self.db.execute(
                "UPDATE outbox SET status = ?, claimed_at = NULL, claimed_by = NULL, "
                "updated_at = ? WHERE status = ? AND claimed_at < ?",
                [
                    int(OutboxStatus.PENDING),
                    stamp(now),
                    int(OutboxStatus.IN_FLIGHT),
                    stamp(older_than),
                ],
            )
            return int(cursor.rowcount)


# --- opening ------------------------------------------------------------------------------


def _private_file(path: Path) -> None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    path.chmod(0o600)


def default_path() -> Path:
    """``<data dir>/sesam.db``."""
    return data_dir() / DB_NAME


def _where(**filters: str | None) -> tuple[str, list[str]]:
    """A ``WHERE`` clause of equalities on the filters given (None = no filter); the
    column names come from the callers' keywords, the values are parameters."""
    given = {column: value for column, value in filters.items() if value is not None}
    clause = " AND ".join(f"{column} = ?" for column in given)
    return (f" WHERE {clause}" if clause else ""), list(given.values())


def open_store(path: Path | str | None = None) -> Store:
    """Open (creating and migrating if needed) the store; see the module docstring.

    :param path: the database file; default ``client.config.data_dir() / "sesam.db"``.
    """
    try:
        return _open(path)
    except (OSError, sqlite3.Error) as exc:
        where = Path(path).parent if path is not None else _data_dir_path()
        typed = storage_error(exc, where)
        if typed is None:
            raise
        raise typed from exc


def _data_dir_path() -> Path | None:
    """Where the data directory is, without creating it (for error messages)."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) if override else None


def _open(path: Path | str | None) -> Store:
    db_path = Path(path) if path is not None else default_path()
    if not db_path.parent.exists():
        db_path.parent.mkdir(parents=True, mode=0o700)
    _private_file(db_path)
    conn = sqlite3.connect(str(db_path), timeout=BUSY_TIMEOUT_MS / 1000)
    db = Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA foreign_keys = ON")
    for suffix in ("-wal", "-shm"):
        companion = db_path.with_name(db_path.name + suffix)
        if companion.exists():
            companion.chmod(0o600)
    store = Store(db, db_path, Numbering(db_path.parent / NUMBERING_NAME))
    with store.write():  # two processes starting together must not both migrate
        MIGRATIONS.apply(db)
    store.reconcile_counters()
    logger.info("store opened: %s", db_path)
    return store
