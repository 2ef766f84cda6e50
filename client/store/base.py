"""Numbers (the counters of FSE, lots and closings), practitioners and patients: two
repositories on the store's shared connection (``client.store.connection``)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from client.store.connection import Repository
from client.store.mapping import columns, row_of
from client.store.numbering import _COUNTER_COLUMNS, InDatabaseNumbering
from client.store.stamps import stamp

if TYPE_CHECKING:
    from billing.fse import Beneficiary, FseBody, PractitionerSituation

logger = logging.getLogger(__name__)


class Numbers(Repository):
    """FSE, lot and closing numbers, per practitioner (see ``client.store``)."""

    def _next(self, practitioner_id: str, kind: str) -> int:
        self._require_transaction()
        column = _COUNTER_COLUMNS[kind]
        if isinstance(self.numbering, InDatabaseNumbering):
            return self._next_in_database(practitioner_id, column)
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

    def _next_in_database(self, practitioner_id: str, column: str) -> int:
        """The next number from the counter row itself, in this transaction (PostgreSQL:
        no witness file; the row stays locked until the transaction ends)."""
        row = self._one(
            f"INSERT INTO counters (practitioner_id, {column}) VALUES (?, 1) "  # noqa: S608
            f"ON CONFLICT (practitioner_id) DO UPDATE SET {column} = counters.{column} + 1 "
            f"RETURNING {column} AS n",
            [practitioner_id],
        )
        if row is None:  # an upsert returns its row
            raise RuntimeError("counters: the upsert returned no row")
        return int(row["n"])

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


class PractitionerRecord(NamedTuple):
    """A practitioner as recorded here."""

    id: str
    national_id: str
    last_name: str
    first_name: str


class People(Repository):
    """Practitioners and patients (health data: never log them)."""

    def practitioner(self, practitioner_id: str) -> PractitionerRecord | None:
        """The practitioner recorded under this id, None when unknown here."""
        row = self._one(
            f"SELECT {columns(PractitionerRecord)} FROM practitioners WHERE id = ?",  # noqa: S608
            [practitioner_id],
        )
        return row_of(PractitionerRecord, row) if row else None

    def assure_names(self, assure_nir: str, assure_nir_key: str) -> tuple[str, str]:
        """(last name, first name) of the assuré as the cabinet recorded him (his own row
        of qualité 00), ("", "") when he was never recorded."""
        found = self.db.execute(
            "SELECT last_name, first_name FROM patients WHERE assure_nir = ? AND "
            "assure_nir_key = ? AND qualite = '00' AND last_name != '' "
            "ORDER BY updated_at DESC LIMIT 1",
            [assure_nir, assure_nir_key],
        ).fetchone()
        return (str(found[0]), str(found[1])) if found is not None else ("", "")

    def upsert_practitioner(self, p: PractitionerSituation, now: datetime) -> str:
        """Record a practitioner (before numbering his FSE); returns its id.

        A remplaçant bills under the replaced practitioner's number: the row stays the
        titulaire's (his identity is never overwritten by the remplaçant's card; left
        blank until the titulaire's own CPS bills here). Who actually signed is in the
        FSE (its replacement group) and in ``cabinet_members`` (role remplaçant)."""
        if p.replacement is not None:
            self.db.execute(
                "INSERT INTO practitioners (id, billing_number, billing_key, national_id, "
                "last_name, first_name, created_at) VALUES (?, ?, ?, '', '', '', ?) "
                "ON CONFLICT (id) DO NOTHING",
                [p.practitioner_id, p.billing_number, p.billing_key, stamp(now)],
            )
            return p.practitioner_id
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
        from client.store.patient_words import PatientWords

        words = PatientWords(self.conn)
        synced = words.synced()
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
        # His search keys, when his names or NIRs changed (m033).
        words.refresh(key, synced)
        return key

    def patient(self, patient_id: str) -> dict[str, Any] | None:
        """The patient row (health data: never log it)."""
        return self._one("SELECT * FROM patients WHERE id = ?", [patient_id])
