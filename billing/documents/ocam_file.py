"""The files sent on an OCAM's information request, and the patient's copy of his
documents (issue #23, seed 000): a text PDF with who it is for, then one section per billed
act or devis — administrative fields, and the acts only in a medical file or the patient's
own copy. Pure: the client fills the values."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from billing.documents.pdf import PdfPage

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ActRow:
    """One act as the medical file shows it."""

    day: str  # JJ/MM/AAAA
    code: str
    label: str
    amount: str  # « 30,00 EUR »


@dataclass(frozen=True, slots=True)
class FileSection:
    """One billed act (FSE) or devis: its administrative fields, its acts when medical."""

    title: str
    fields: tuple[tuple[str, str], ...]
    acts: tuple[ActRow, ...] = ()


@dataclass(frozen=True, slots=True)
class OcamFile:
    """A whole file: its title, its recipient, its sections and closing notes."""

    title: str
    subtitle: str
    created: date
    recipient: tuple[tuple[str, str], ...]
    sections: tuple[FileSection, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)


def render_ocam_file(doc: OcamFile) -> bytes:
    """The file as a text PDF (its words can be searched and copied)."""
    page = PdfPage(doc.title, created=doc.created)
    page.title(doc.title, doc.subtitle)
    page.section("Destinataire")
    page.fields(list(doc.recipient))
    for section in doc.sections:
        page.section(section.title)
        page.fields(list(section.fields))
        if section.acts:
            page.table(
                ["Date", "Acte", "Libellé", "Montant"],
                [(a.day, a.code, a.label, a.amount) for a in section.acts],
                [24, 30, page.width - 88, 34],
                ["L", "L", "L", "R"],
            )
        page.spacer(2)
    for note in doc.notes:
        page.text(note)
    logger.debug("OCAM file rendered: %d section(s)", len(doc.sections))
    return page.output()
