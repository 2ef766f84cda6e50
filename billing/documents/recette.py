"""The recette (journal of a period) on paper: the cabinet, the period, its FSE and how each
patient paid, the money collected by payment means, what is still « à encaisser » and the
tiers payant parts expected from the caisses, per practitioner when several. A text PDF
(searchable, read back with ``pdftotext``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.documents.model import format_amount, format_date
from billing.documents.pdf import Align, PdfPage

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SheetLine:
    """One FSE of the journal."""

    number: str
    care_date: date
    patient: str
    total: Decimal
    amo: Decimal
    amc: Decimal
    patient_part: Decimal
    paid_by: str  # « espèces », « non renseigné », « rien à payer »…


@dataclass(frozen=True, slots=True)
class SheetTotals:
    """A block of totals: a caption and (label, amount) rows, then (means, count, amount)."""

    caption: str
    rows: tuple[tuple[str, Decimal], ...]
    by_means: tuple[tuple[str, int, Decimal], ...] = ()


@dataclass(frozen=True, slots=True)
class SheetSection:
    """The FSE of one practitioner (or of all when one bills here) and their totals."""

    caption: str
    lines: tuple[SheetLine, ...]
    totals: SheetTotals


@dataclass(frozen=True, slots=True)
class RecetteSheet:
    """What the recette prints; built by ``client.recette``."""

    cabinet: str
    period: str  # « du 05/12/2026 » / « du 01/12/2026 au 05/12/2026 »
    printed_on: date
    sections: tuple[SheetSection, ...]  # one per practitioner
    grand_total: SheetTotals | None = None  # over the sections, when there are several
    notes: tuple[str, ...] = ()
    empty: str = ""  # « Aucune FSE … » when there is none


_HEADERS = ("N°", "Date", "Patient", "Total", "Part AMO", "Part AMC", "Part patient", "Réglé")
_ALIGNS: tuple[Align, ...] = ("R", "C", "L", "R", "R", "R", "R", "L")


def _lines(page: PdfPage, lines: tuple[SheetLine, ...]) -> None:
    fixed = (14.0, 20.0, 22.0, 20.0, 20.0, 20.0, 26.0)
    page.table(
        _HEADERS,
        [
            (
                line.number,
                format_date(line.care_date),
                line.patient,
                format_amount(line.total),
                format_amount(line.amo),
                format_amount(line.amc),
                format_amount(line.patient_part),
                line.paid_by,
            )
            for line in lines
        ],
        [fixed[0], fixed[1], page.width - sum(fixed), *fixed[2:]],
        _ALIGNS,
    )


def _totals(page: PdfPage, block: SheetTotals) -> None:
    page.text(block.caption, bold=True)
    page.fields([(label, format_amount(amount)) for label, amount in block.rows])
    if block.by_means:
        page.table(
            ["Encaissé par", "FSE", "Montant"],
            [(label, str(count), format_amount(amount)) for label, count, amount in block.by_means],
            [60, 20, 40],
            ["L", "R", "R"],
        )
    page.spacer(3)


def render_recette(sheet: RecetteSheet) -> bytes:
    """The recette as a PDF."""
    page = PdfPage("RECETTE", created=sheet.printed_on)
    page.title(sheet.cabinet or "Cabinet", f"Recette {sheet.period}")
    page.text(f"Édité le {format_date(sheet.printed_on)}", size=8, align="R")
    for note in sheet.notes:
        page.text(note, size=8)
    if not sheet.sections:
        page.section("FSE de la période")
        page.text(sheet.empty or "Aucune FSE sur la période.")
    for section in sheet.sections:
        page.section(section.caption)
        _lines(page, section.lines)
        page.spacer(2)
        _totals(page, section.totals)
    if sheet.grand_total is not None:
        page.section("Tous praticiens")
        _totals(page, sheet.grand_total)
    logger.debug("recette rendered: %d section(s)", len(sheet.sections))
    return page.output()
