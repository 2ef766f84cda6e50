"""A devis: the quote given before dental care or any act with a dépassement, priced by the
same pricing as the FSE (AMO, AMC by the contract's rule, the patient's remainder), kept
per patient and turned into an FSE when the care is done; printed as a text PDF with the
paper helpers of the receipts.

Pure: the store (``client.store.devis``) keeps it, ``client.devis`` makes and bills it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from billing.documents.model import Letterhead, format_amount, format_date
from billing.documents.pdf import PdfPage
from billing.pricing import PricedInvoice

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")


class DevisState(StrEnum):
    """Where a devis stands (stored values)."""

    OPEN = "ouvert"  # given to the patient, care not done yet
    BILLED = "facture"  # the care was done: its FSE is ``fse_uuid``
    ABANDONED = "abandonne"


DEVIS_STATE_LABELS = {
    DevisState.OPEN: "ouvert",
    DevisState.BILLED: "facturé",
    DevisState.ABANDONED: "abandonné",
}


@dataclass(frozen=True, slots=True)
class DevisLine:
    """One act of the devis with its parts."""

    code: str
    label: str
    quantity: int
    amount: Decimal  # fees, dépassement included
    reimbursement_base: Decimal
    amo: Decimal  # before the participation forfaitaire (taken on the total)
    amc: Decimal
    overrun: Decimal

    @property
    def patient(self) -> Decimal:
        return self.amount - self.amo - self.amc


@dataclass(frozen=True, slots=True)
class Devis:
    """A devis as kept: ``amo + amc + patient_remainder == total_fees``."""

    id: str
    patient_id: str
    patient_name: str
    practitioner_id: str
    created_at: datetime
    care_date: date  # planned
    valid_until: date
    state: DevisState
    lines: tuple[DevisLine, ...]
    total_fees: Decimal
    amo: Decimal
    amc: Decimal
    patient_remainder: Decimal
    referential_version: str
    request: str  # the ``sesam fse create`` input that priced it (JSON), billed as it is
    amc_number: str = ""
    amc_contract: str = ""
    fse_uuid: str | None = None


def devis_lines(priced: PricedInvoice) -> tuple[DevisLine, ...]:
    """The lines of a priced invoice as the devis keeps them."""
    return tuple(
        DevisLine(
            code=line.code,
            label=line.label,
            quantity=line.quantity,
            amount=line.amount,
            reimbursement_base=line.reimbursement_base,
            amo=line.amo_amount,
            amc=line.amc_amount,
            overrun=line.overrun_amount,
        )
        for line in priced.lines
    )


@dataclass(frozen=True, slots=True)
class DevisPaper:
    """Who gives the devis, as printed."""

    practitioner: str  # « Dr Jean MARTIN »
    numero_am: str
    letterhead: Letterhead | None = None
    amc_name: str = ""  # the complémentaire's name in the conventions table


def render_devis(devis: Devis, paper: DevisPaper, *, printed: date) -> bytes:
    """The devis as a text PDF (its figures are text: searchable, readable aloud)."""
    page = PdfPage(f"DEVIS {devis.id}", created=printed)
    if paper.letterhead is not None:
        page.letterhead(paper.letterhead.lines())
    page.title("DEVIS", f"n° {devis.id}")
    page.fields(
        [
            ("Praticien", paper.practitioner),
            ("Identifiant", paper.numero_am),
            ("Patient", devis.patient_name),
            ("Établi le", format_date(devis.created_at.date())),
            ("Soins prévus le", format_date(devis.care_date)),
            ("Valable jusqu'au", format_date(devis.valid_until)),
        ]
    )
    page.section("Actes prévus")
    widths: list[float] = [20, 62, 22, 22, 22, 22]
    widths.append(page.width - sum(widths))
    page.table(
        ["Code", "Libellé", "Honoraires", "dont dépass.", "Part AMO", "Part AMC", "Reste"],
        [
            (
                line.code if line.quantity == 1 else f"{line.code} x{line.quantity}",
                line.label,
                format_amount(line.amount),
                format_amount(line.overrun) if line.overrun else "",
                format_amount(line.amo),
                format_amount(line.amc),
                format_amount(line.patient),
            )
            for line in devis.lines
        ],
        widths,
        ["L", "L", "R", "R", "R", "R", "R"],
    )
    page.spacer(2)
    page.text(f"Total des honoraires : {format_amount(devis.total_fees)}", bold=True)
    page.text(
        "Part remboursable par l'Assurance Maladie (participation forfaitaire déduite) : "
        + format_amount(devis.amo)
    )
    if devis.amc_number:
        who = paper.amc_name or f"n° AMC {devis.amc_number}"
        page.text(
            f"Part estimée de la complémentaire ({who}, garantie {devis.amc_contract}) : "
            + format_amount(devis.amc)
        )
    else:
        page.text("Part de la complémentaire : non calculée (pas de convention connue).")
    pf = sum((line.amo for line in devis.lines), ZERO) - devis.amo
    if pf > 0:  # the lines show the AMO part before it: say where the difference went
        page.text(f"dont participation forfaitaire, à la charge du patient : {format_amount(pf)}")
    page.text(f"Reste à la charge du patient : {format_amount(devis.patient_remainder)}", bold=True)
    page.text(
        "Les parts sont estimées aux tarifs en vigueur à la date du devis "
        f"(référentiel {devis.referential_version}) ; la part de la complémentaire dépend de "
        "son contrat et de ce qu'elle a déjà remboursé dans l'année."
    )
    page.signature_boxes(["Signature du praticien", "Bon pour accord du patient"], height=24)
    logger.debug("devis rendered")
    return page.output()
