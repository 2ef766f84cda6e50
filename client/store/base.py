"""The connection, its transactions, the numbering, practitioners and patients: the
layer every other part of the store builds on."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from sqlite_utils import Database

from billing.fse import Beneficiary, FseBody, PractitionerSituation
from client import presence
from client.store.errors import storage_error
from client.store.numbering import _COUNTER_COLUMNS, Numbering
from client.store.rows import stamp

logger = logging.getLogger(__name__)


class StoreBase:
    """The connection and its transactions, numbers, practitioners and patients."""

    _presence = False  # this store holds a share of the presence lock (client.presence)
    read_only = False  # opened for reading only: the disk refuses writes (store.fallback)

    def __init__(self, db: Database, path: Path, numbering: Numbering) -> None:
        self.db = db
        self.path = path
        self.numbering = numbering

    def close(self) -> None:
        """Close the connection (and this store's share of the presence lock)."""
        self.db.close()
        if self._presence:
            self._presence = False
            presence.release(self.path)

    @contextlib.contextmanager
    def write(self) -> Iterator[Self]:
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
        return self.upsert_person(body.beneficiary, last_name, first_name, now)

    def upsert_person(self, b: Beneficiary, last_name: str, first_name: str, now: datetime) -> str:
        """Record a person of a carte Vitale (health data): the bénéficiaire of an FSE, or the
        assuré read with a child's card (his name goes on the receipt and the feuille de
        soins, ``client.documents``); returns the patient key."""
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
