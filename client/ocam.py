"""The OCAM's information requests (issue #23; dental charter with the OCAM, seed 000).

The OCAM may verify the devis and the billed acts [000 L8-10]. Their administrative file
goes to the OCAM; the documents are the patient's and the medical file leaves only with his
consent [000 L11], recorded here (who, when, for what, to which OCAM), and only to an
identified health professional, the OCAM's « chirurgien-dentiste consultant » or a médecin
consultant [000 L13, L18, L22]: a name, an RPPS that passes its check, a health profession.
Every file that leaves is logged (what, to whom, when, by whom), in the same transaction as
its writing; the patient may get a copy of all his documents, logged too.

A refusal writes nothing and logs nothing.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from billing.documents.model import format_date
from billing.documents.ocam_file import FileSection, OcamFile, render_ocam_file
from billing.ocam import OcamDossier, OcamProfession
from billing.rpps import rpps_valid
from client.errors import ClientError
from client.labels import OCAM_DOSSIER_LABELS, OCAM_PROFESSION_LABELS
from client.ocam_subjects import (
    Subject,
    SubjectKind,
    devis_subject,
    fse_subject,
    fse_subject_by_uuid,
)
from client.output_files import write_output
from client.store import NotFoundError, Store, parse_db_stamp
from client.store.ocam import ConsentRow, NewSending, SentRow

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
MAX_TEXT = 200  # a name, an organisme, a purpose: a line, not a letter


class RecipientKind(StrEnum):
    """Who a file went to."""

    OCAM = "ocam"
    CONSULTANT = "consultant"
    PATIENT = "patient"


class OcamError(ClientError):
    """An OCAM request cannot be served (French ``str()``: what to do)."""


class OcamRefusedError(OcamError):
    """The file may not leave: no consent, or not to an identified health professional.
    Nothing was written, nothing was logged."""


@dataclass(frozen=True, slots=True)
class Consultant:
    """The health professional who receives a medical file for the OCAM."""

    name: str
    rpps: str
    profession: OcamProfession


@dataclass(frozen=True, slots=True)
class Sending:
    """A file written and logged."""

    log_id: int
    path: Path
    dossier: OcamDossier
    recipient: str
    documents: tuple[str, ...]


def _clean(value: str, what: str) -> str:
    text = " ".join(value.split())[:MAX_TEXT]
    if not text:
        raise OcamError(f"{what} manquant : indiquez-le.")
    return text


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (container without passwd entry)
        return "utilisateur inconnu"


# ------------------------------------------------------------------------------ consents


def check_consultant(name: str, rpps: str, profession: str) -> Consultant:
    """The consultant, identified: a name, a health profession the charter names (a
    chirurgien-dentiste or a médecin consultant [000 L13]), an RPPS that passes its check.

    :raises OcamRefusedError: otherwise, saying what is missing.
    """
    clean = " ".join(name.split())[:MAX_TEXT]
    if not clean:
        raise OcamRefusedError(
            "Dossier médical refusé : le destinataire n'est pas identifié (nom du "
            "chirurgien-dentiste ou du médecin consultant manquant)."
        )
    try:
        kind = OcamProfession(profession.strip().lower())
    except ValueError:
        allowed = ", ".join(OCAM_PROFESSION_LABELS[p] for p in OcamProfession)
        raise OcamRefusedError(
            f"Dossier médical refusé : « {profession} » n'est pas un professionnel de santé "
            f"habilité ; les données médicales ne vont qu'au {allowed} consultant de l'OCAM."
        ) from None
    number = rpps.strip().replace(" ", "")
    if not rpps_valid(number):
        raise OcamRefusedError(
            f"Dossier médical refusé : le n° RPPS « {rpps} » n'est pas valide (11 chiffres, "
            "clé de contrôle) ; demandez à l'OCAM l'identité de son consultant."
        )
    return Consultant(clean, number, kind)


def record_consent(
    store: Store,
    subject: Subject,
    *,
    ocam: str,
    purpose: str,
    given_by: str,
    given_on: date,
    clock: Clock,
    by: str | None = None,
) -> ConsentRow:
    """Record that the patient (or ``given_by``, his representative) consented on
    ``given_on`` to his medical file going to ``ocam``'s consultant, for ``purpose``.

    :raises OcamError: a field is missing, or the date is in the future.
    """
    now = clock()
    if given_on > now.astimezone().date():
        raise OcamError(f"Date du consentement dans le futur ({format_date(given_on)}).")
    with store.write():
        consent_id = store.ocam.add_consent(
            patient_id=subject.patient_id,
            subject=(subject.kind.value, subject.id),
            ocam=_clean(ocam, "Organisme complémentaire"),
            purpose=_clean(purpose, "Objet du consentement"),
            given_by=_clean(given_by, "Auteur du consentement"),
            given_on=given_on.isoformat(),
            recorded_by=by or _login(),
            now=now,
        )
        consent = store.ocam.consent(consent_id)
    assert consent is not None  # noqa: S101 - written just above, same transaction
    logger.info("OCAM consent %d recorded (%s)", consent_id, subject.kind.value)
    return consent


def _consent_for(store: Store, subject: Subject, ocam: str) -> ConsentRow:
    for consent in store.ocam.consents(subject.kind.value, subject.id):
        if consent.ocam.casefold() == ocam.casefold():
            return consent
    raise OcamRefusedError(
        f"Dossier médical refusé : aucun consentement du patient n'est enregistré pour "
        f"transmettre la {subject.title} à « {ocam} ». Recueillez-le d'abord "
        "(sesam ocam consent), ou n'envoyez que le dossier administratif."
    )


# ------------------------------------------------------------------------------ sending


def _write_and_log(
    store: Store, doc: OcamFile, out: Path, sending: NewSending, now: datetime, force: bool
) -> tuple[int, Path]:
    """Write the file and log it in one transaction: a file that cannot be written logs
    nothing; a log that cannot be written leaves no file."""
    data = render_ocam_file(doc)
    sending = replace(sending, sha256=hashlib.sha256(data).hexdigest(), file_name=out.name)
    written: Path | None = None
    try:
        with store.write():
            log_id = store.ocam.log_sending(sending, now)
            written = write_output(out, data, force=force)
    except BaseException:
        if written is not None:  # the log did not commit: the file must not stay
            written.unlink(missing_ok=True)
        raise
    return log_id, written


def export_file(
    store: Store,
    subject: Subject,
    dossier: OcamDossier,
    *,
    ocam: str,
    out: Path,
    clock: Clock,
    consultant: Consultant | None = None,
    by: str | None = None,
    force: bool = False,
) -> Sending:
    """Send the administrative file to ``ocam``, or the medical file to its consultant
    (``check_consultant``) when the patient consented; write it to ``out`` and log it.

    :raises OcamRefusedError: a medical file without consent or without an identified
        health professional (nothing written, nothing logged).
    :raises OcamError: a field is missing.
    :raises client.output_files.OutputPathError: ``out`` cannot be written.
    """
    now = clock()
    ocam = _clean(ocam, "Organisme complémentaire")
    sent_by = by or _login()
    section = FileSection(subject.title, subject.administrative)
    consent: ConsentRow | None = None
    addressed: tuple[tuple[str, str], ...]
    documents: tuple[str, ...]
    if dossier is OcamDossier.ADMINISTRATIF:
        recipient, kind, rpps = ocam, RecipientKind.OCAM, ""
        addressed = (("Organisme complémentaire", ocam),)
        documents = (f"{subject.title} : identité, facture et montants par part",)
    elif dossier is OcamDossier.MEDICAL:
        if consultant is None:
            raise OcamRefusedError(
                "Dossier médical refusé : il ne va qu'au chirurgien-dentiste ou au médecin "
                "consultant de l'OCAM ; indiquez son nom, sa profession et son n° RPPS."
            )
        # Checked again here: a Consultant built by hand is no identification.
        consultant = check_consultant(consultant.name, consultant.rpps, consultant.profession)
        consent = _consent_for(store, subject, ocam)
        recipient, kind, rpps = consultant.name, RecipientKind.CONSULTANT, consultant.rpps
        addressed = (
            ("Consultant", f"{consultant.name} ({OCAM_PROFESSION_LABELS[consultant.profession]})"),
            ("RPPS", consultant.rpps),
            ("Pour l'organisme", ocam),
            (
                "Consentement du patient",
                (
                    f"donné par {consent.given_by} le "
                    f"{format_date(date.fromisoformat(consent.given_on))} : {consent.purpose}"
                ),
            ),
        )
        section = FileSection(subject.title, subject.administrative, subject.acts)
        documents = (
            f"{subject.title} : identité, facture et montants par part",
            f"{subject.title} : actes réalisés ({len(subject.acts)})",
        )
    else:
        raise OcamError("Pour la copie du patient : sesam ocam copy.")
    doc = OcamFile(
        title=f"{OCAM_DOSSIER_LABELS[dossier].upper()} — DEMANDE DE RENSEIGNEMENTS",
        subtitle=f"Établi le {format_date(now.astimezone().date())}",
        created=now.astimezone().date(),
        recipient=addressed,
        sections=(section,),
        notes=(
            (
                "Les pièces sont la propriété du patient. Les données médicales ne sont "
                "transmises qu'à un professionnel de santé identifié, avec son consentement."
            ),
        ),
    )
    sending = NewSending(
        patient_id=subject.patient_id,
        subject_kind=subject.kind.value,
        subject_id=subject.id,
        dossier=dossier.value,
        recipient_kind=kind.value,
        recipient=recipient,
        ocam=ocam,
        recipient_rpps=rpps,
        consent_id=consent.id if consent else None,
        documents="\n".join(documents),
        file_name="",
        sha256="",
        sent_by=sent_by,
    )
    log_id, path = _write_and_log(store, doc, out, sending, now, force)
    logger.info("OCAM file %d written (%s, %s)", log_id, dossier.value, kind.value)
    return Sending(log_id, path, dossier, recipient, documents)


def patient_copy(
    store: Store,
    patient_id: str,
    *,
    out: Path,
    clock: Clock,
    by: str | None = None,
    force: bool = False,
) -> Sending:
    """The patient's copy of all his documents: every billed act with its acts, and what
    was sent about him to whom; written to ``out`` and logged.

    :raises OcamError: no document for this patient.
    """
    now = clock()
    subjects = [fse_subject_by_uuid(store, u) for u in store.ocam.fse_of_patient(patient_id)]
    subjects += [devis_subject(store, d.id) for d in store.devis.devis_of_patient(patient_id)]
    if not subjects:
        raise OcamError("Aucun document pour ce patient dans ce poste.")
    sent = store.ocam.log_of_patient(patient_id)
    sections = [FileSection(s.title, s.administrative, s.acts) for s in subjects]
    if sent:
        sections.append(
            FileSection(
                "Transmissions à des organismes complémentaires",
                tuple((_when(r), _sent_line(r)) for r in sent),
            )
        )
    name = dict(subjects[0].administrative).get("Patient", "")
    doc = OcamFile(
        title="COPIE DE VOS DOCUMENTS",
        subtitle=f"Établie le {format_date(now.astimezone().date())}",
        created=now.astimezone().date(),
        recipient=(("Patient", name),),
        sections=tuple(sections),
        notes=("Ces documents vous appartiennent (charte de bonnes pratiques avec les OCAM).",),
    )
    documents = tuple(f"{s.title} : montants et actes" for s in subjects)
    sending = NewSending(
        patient_id=patient_id,
        subject_kind=SubjectKind.FSE.value,
        subject_id=subjects[-1].id,
        dossier=OcamDossier.COPIE.value,
        recipient_kind=RecipientKind.PATIENT.value,
        recipient=name,
        ocam="",
        recipient_rpps="",
        consent_id=None,
        documents="\n".join(documents),
        file_name="",
        sha256="",
        sent_by=by or _login(),
    )
    log_id, path = _write_and_log(store, doc, out, sending, now, force)
    logger.info("patient copy %d written (%d document(s))", log_id, len(documents))
    return Sending(log_id, path, OcamDossier.COPIE, name, documents)


# ------------------------------------------------------------------------------ the log


def _when(row: SentRow) -> str:
    return parse_db_stamp(row.sent_at).astimezone().strftime("%d/%m/%Y %H:%M")


def _sent_line(row: SentRow) -> str:
    """« dossier médical à DR X (RPPS …) pour MUTUELLE Y, par alice »."""
    to = row.recipient + (f" (RPPS {row.recipient_rpps})" if row.recipient_rpps else "")
    for_ocam = f" pour {row.ocam}" if row.ocam and row.recipient_kind != "ocam" else ""
    label = OCAM_DOSSIER_LABELS[OcamDossier(row.dossier)]
    return f"{label} à {to}{for_ocam}, par {row.sent_by}"


@dataclass(frozen=True, slots=True)
class LogLine:
    """One sending, in words."""

    id: int
    when: str  # JJ/MM/AAAA HH:MM
    text: str
    documents: tuple[str, ...]
    file_name: str
    sha256: str


def sending_log(store: Store, patient_id: str) -> list[LogLine]:
    """What went about a patient to whom, oldest first."""
    return [
        LogLine(
            r.id,
            _when(r),
            _sent_line(r),
            tuple(r.documents.splitlines()),
            r.file_name,
            r.sha256,
        )
        for r in store.ocam.log_of_patient(patient_id)
    ]


__all__ = [
    "Consultant",
    "NotFoundError",
    "OcamDossier",
    "OcamError",
    "OcamProfession",
    "OcamRefusedError",
    "Sending",
    "Subject",
    "SubjectKind",
    "check_consultant",
    "devis_subject",
    "export_file",
    "fse_subject",
    "patient_copy",
    "record_consent",
    "sending_log",
]
