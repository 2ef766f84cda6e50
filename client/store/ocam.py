"""The OCAM's information requests (issue #23, seed 000): the patient's consents to send
his medical file (who, when, for what, to which OCAM) and the log of every file that left
the cabinet (what, to whom, when, by whom). Rows are only added: a consent or a sending is
never rewritten."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from client.store.connection import Repository
from client.store.mapping import columns, row_of
from client.store.rows import stamp


@dataclass(frozen=True, slots=True)
class ConsentRow:
    """A consent recorded at the cabinet."""

    id: int
    patient_id: str
    subject_kind: str
    subject_id: str
    ocam: str
    purpose: str
    given_by: str
    given_on: str  # AAAA-MM-JJ
    recorded_by: str
    recorded_at: str


@dataclass(frozen=True, slots=True)
class SentRow:
    """A file that left the cabinet, and to whom."""

    id: int
    patient_id: str
    subject_kind: str
    subject_id: str
    dossier: str
    recipient_kind: str
    recipient: str
    ocam: str
    recipient_rpps: str
    consent_id: int | None
    documents: str  # one per line
    file_name: str
    sha256: str
    sent_by: str
    sent_at: str


@dataclass(frozen=True, slots=True)
class NewSending:
    """What :meth:`OcamRequests.log_sending` records."""

    patient_id: str
    subject_kind: str
    subject_id: str
    dossier: str
    recipient_kind: str
    recipient: str
    ocam: str
    recipient_rpps: str
    consent_id: int | None
    documents: str
    file_name: str
    sha256: str
    sent_by: str


class OcamRequests(Repository):
    """Consents and the log of what went to whom."""

    def add_consent(
        self,
        *,
        patient_id: str,
        subject: tuple[str, str],
        ocam: str,
        purpose: str,
        given_by: str,
        given_on: str,
        recorded_by: str,
        now: datetime,
    ) -> int:
        """Record a consent (inside the caller's transaction); its id."""
        self._require_transaction()
        cursor = self.db.execute(
            "INSERT INTO ocam_consents (patient_id, subject_kind, subject_id, ocam, purpose, "
            "given_by, given_on, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [patient_id, *subject, ocam, purpose, given_by, given_on, recorded_by, stamp(now)],
        )
        return int(cursor.lastrowid or 0)

    def consents(self, subject_kind: str, subject_id: str) -> list[ConsentRow]:
        """The consents recorded for a billed act or a devis, latest first."""
        return [
            row_of(ConsentRow, r)
            for r in self.db.query(
                f"SELECT {columns(ConsentRow)} FROM ocam_consents "  # noqa: S608
                "WHERE subject_kind = ? AND subject_id = ? ORDER BY id DESC",
                [subject_kind, subject_id],
            )
        ]

    def consent(self, consent_id: int) -> ConsentRow | None:
        row = self._one(
            f"SELECT {columns(ConsentRow)} FROM ocam_consents WHERE id = ?",  # noqa: S608
            [consent_id],
        )
        return row_of(ConsentRow, row) if row else None

    def log_sending(self, sending: NewSending, now: datetime) -> int:
        """Log a file that left (inside the caller's transaction); its id."""
        self._require_transaction()
        s = sending
        cursor = self.db.execute(
            "INSERT INTO ocam_log (patient_id, subject_kind, subject_id, dossier, "
            "recipient_kind, recipient, ocam, recipient_rpps, consent_id, documents, "
            "file_name, sha256, sent_by, sent_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                s.patient_id,
                s.subject_kind,
                s.subject_id,
                s.dossier,
                s.recipient_kind,
                s.recipient,
                s.ocam,
                s.recipient_rpps,
                s.consent_id,
                s.documents,
                s.file_name,
                s.sha256,
                s.sent_by,
                stamp(now),
            ],
        )
        return int(cursor.lastrowid or 0)

    def log_of_patient(self, patient_id: str) -> list[SentRow]:
        """Everything sent about a patient, oldest first."""
        return [
            row_of(SentRow, r)
            for r in self.db.query(
                f"SELECT {columns(SentRow)} FROM ocam_log WHERE patient_id = ? "  # noqa: S608
                "ORDER BY id",
                [patient_id],
            )
        ]

    def log_of_subject(self, subject_kind: str, subject_id: str) -> list[SentRow]:
        """Everything sent about a billed act or a devis, oldest first."""
        return [
            row_of(SentRow, r)
            for r in self.db.query(
                f"SELECT {columns(SentRow)} FROM ocam_log "  # noqa: S608
                "WHERE subject_kind = ? AND subject_id = ? ORDER BY id",
                [subject_kind, subject_id],
            )
        ]

    def fse_of_patient(self, patient_id: str) -> list[str]:
        """The uuids of the patient's FSE, by care date (``fse_patient`` index)."""
        return [
            str(r["fse_uuid"])
            for r in self.db.query(
                "SELECT fse_uuid FROM fse WHERE patient_id = ? ORDER BY care_date, number",
                [patient_id],
            )
        ]
