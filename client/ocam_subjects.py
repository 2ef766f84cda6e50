"""What an OCAM asks about (issue #23, seed 000 L8-10): a billed act (its FSE) or a devis,
as their files show them — administrative fields (identity, invoice or quote, parts) and,
apart, the acts (medical data)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from billing.devis import Devis
from billing.documents.model import CareSheet, format_amount, format_date
from billing.documents.ocam_file import ActRow
from client.documents import load_care_sheet
from client.labels import FSE_STATE_LABELS
from client.store import Store


class SubjectKind(StrEnum):
    """What the OCAM asks about."""

    FSE = "fse"  # a billed act (its FSE)
    DEVIS = "devis"


@dataclass(frozen=True, slots=True)
class Subject:
    """A billed act (FSE) or a devis, as its files show it."""

    kind: SubjectKind
    id: str  # the FSE's uuid, the devis' id
    patient_id: str
    title: str  # « FSE n° 12 du 03/11/2026 »
    administrative: tuple[tuple[str, str], ...]
    acts: tuple[ActRow, ...]


def _euros(amount: Decimal | None) -> str:
    """As the OCAM's PDF file prints it (``format_amount``): « 1 234,50 EUR »."""
    return "" if amount is None else format_amount(amount)


def _fse_fields(sheet: CareSheet, state_label: str) -> tuple[tuple[str, str], ...]:
    p, doctor = sheet.patient, sheet.practitioner
    fields = [
        ("Patient", p.display_name),
        ("Date de naissance", p.date_naissance),
        ("N° d'immatriculation", p.nir),
        ("Organisme d'affiliation", p.organisme),
    ]
    if not p.is_assure:
        fields.append(("Assuré", f"{p.assure_display_name} {p.assure_nir}".strip()))
    fields += [
        ("Praticien", doctor.display_name),
        ("N° Assurance Maladie", doctor.numero_am),
        ("RPPS du praticien", doctor.rpps),
        ("Facture", f"FSE n° {sheet.numero_fse} du {format_date(sheet.date_emission)}"),
        ("Honoraires", _euros(sheet.total)),
        ("Part Assurance Maladie", _euros(sheet.part_amo)),
        ("Part complémentaire", _euros(sheet.part_amc)),
        (
            "Tiers payant",
            ", ".join(
                x
                for x, on in (("AMO", sheet.tiers_payant_amo), ("AMC", sheet.tiers_payant_amc))
                if on
            )
            or "non",
        ),
        ("État de la facture", state_label),
    ]
    return tuple(fields)


def fse_subject(store: Store, number: int, practitioner_id: str | None = None) -> Subject:
    """The billed act of FSE ``number``.

    :raises NotFoundError: no such FSE.
    """
    row = store.fse_by_number(number, practitioner_id)
    sheet = load_care_sheet(store, number, row.practitioner_id)
    acts = tuple(
        ActRow(format_date(a.date), a.code, a.libelle, _euros(a.montant)) for a in sheet.acts
    )
    return Subject(
        kind=SubjectKind.FSE,
        id=row.fse_uuid,
        patient_id=row.patient_id,
        title=f"FSE n° {row.number} du {format_date(row.care_date)}",
        administrative=_fse_fields(sheet, FSE_STATE_LABELS[row.state]),
        acts=acts,
    )


def fse_subject_by_uuid(store: Store, fse_uuid: str) -> Subject:
    row = store.fse_by_uuid(fse_uuid)
    return fse_subject(store, row.number, row.practitioner_id)


def devis_subject(store: Store, devis_id: str) -> Subject:
    """A devis kept for the patient.

    :raises NotFoundError: no such devis.
    """
    devis: Devis = store.devis.devis(devis_id)
    fields = (
        ("Patient", devis.patient_name),
        ("Devis", f"n° {devis.id} du {format_date(devis.created_at.date())}"),
        ("Soins prévus le", format_date(devis.care_date)),
        ("Valable jusqu'au", format_date(devis.valid_until)),
        ("Honoraires", _euros(devis.total_fees)),
        ("Part Assurance Maladie", _euros(devis.amo)),
        ("Part complémentaire", _euros(devis.amc)),
        ("Reste à charge", _euros(devis.patient_remainder)),
        (
            "Contrat complémentaire",
            " ".join(x for x in (devis.amc_number, devis.amc_contract) if x),
        ),
    )
    acts = tuple(
        ActRow(format_date(devis.care_date), line.code, line.label, _euros(line.amount))
        for line in devis.lines
    )
    return Subject(
        kind=SubjectKind.DEVIS,
        id=devis.id,
        patient_id=devis.patient_id,
        title=f"Devis n° {devis.id}",
        administrative=fields,
        acts=acts,
    )
