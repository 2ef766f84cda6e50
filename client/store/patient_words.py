"""The patients' search keys (folded names, NIRs) kept in the store (m033), for the FSE
list's search by patient to find its patients by an index instead of folding every patient
in every process (0.3–0.7 s at 20 000 patients for ``sesam fse list --patient``).

The keys are written with the patient (``People.upsert_person``) and stamped with the
``patients_version`` they stand for: a patient changed another way (a mend by hand, an
older version of the application) leaves them stale, and the search then folds every
patient as before and writes them again.

A key is stored as the hex of its UTF-8 bytes: a prefix's hex is the prefix of its words'
hex, and strings of hex digits sort the same under SQLite's byte order and under any
PostgreSQL collation (a linguistic one ignores spaces and punctuation, which would break a
range over the folded text itself)."""

from __future__ import annotations

from typing import Any

from client.folding import KEY_END, KeyKind, search_keys, stored_key
from client.store.connection import Repository


class PatientWords(Repository):
    """The search keys of the patients, by prefix."""

    def synced(self) -> bool:
        """Do the keys stand for the patients as they are now?"""
        row = self._one(
            "SELECT w.n AS words, v.n AS patients FROM patient_words_version w, "
            "patients_version v WHERE w.id = 1 AND v.id = 1"
        )
        return row is not None and int(row["words"]) == int(row["patients"])

    def starting(self, kind: KeyKind, prefix: str) -> set[str]:
        """The patients one of whose keys of ``kind`` starts with ``prefix``."""
        low = stored_key(prefix)
        return {
            str(r["patient_id"])
            for r in self.db.query(
                "SELECT patient_id FROM patient_words WHERE kind = ? AND word >= ? AND word < ?",
                [int(kind), low, low + KEY_END],
            )
        }

    def count_patients(self) -> int:
        row = self._one("SELECT count(*) AS n FROM patients")
        return int(row["n"]) if row else 0

    def refresh(self, patient_id: str, synced_before: bool) -> None:
        """After a write of patient ``patient_id`` (in its transaction): his keys written
        again when they were good before it, and stamped with the new version."""
        if not synced_before or self.synced():
            return  # stale already (the next search writes them all), or nothing changed
        self.db.execute("DELETE FROM patient_words WHERE patient_id = ?", [patient_id])
        row = self._one(
            "SELECT last_name, first_name, assure_nir, beneficiary_nir FROM patients WHERE id = ?",
            [patient_id],
        )
        if row is not None:
            self._insert(patient_id, row)
        self._stamp()

    def replace_all(self) -> None:
        """Every patient's keys written again (in a write transaction)."""
        self.db.execute("DELETE FROM patient_words")
        rows = list(
            self.db.query(
                "SELECT id, last_name, first_name, assure_nir, beneficiary_nir FROM patients"
            )
        )
        for r in rows:
            self._insert(str(r["id"]), r)
        self._stamp()

    def _insert(self, patient_id: str, row: dict[str, Any]) -> None:
        keys = search_keys(
            str(row["last_name"] or ""),
            str(row["first_name"] or ""),
            str(row["assure_nir"] or ""),
            str(row["beneficiary_nir"] or ""),
        )
        # A set of keys: no duplicate to insert.
        self.db.conn.executemany(
            "INSERT INTO patient_words (kind, word, patient_id) VALUES (?, ?, ?)",
            [[int(k), stored_key(w), patient_id] for k, w in keys if w],
        )

    def _stamp(self) -> None:
        self.db.execute(
            "UPDATE patient_words_version SET n = (SELECT n FROM patients_version WHERE id = 1) "
            "WHERE id = 1"
        )
