"""The patient's receipt (quittance) for the fees he paid."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from billing.documents.feuille_de_soins import amount_cell
from billing.documents.model import CareSheet, format_amount, format_date
from billing.documents.pdf import PdfPage

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Receipt:
    """A quittance: the sheet it acknowledges, its number and how the patient paid."""

    sheet: CareSheet
    numero: str
    mode_paiement: str = ""  # "espèces", "chèque", "carte bancaire"...

    @property
    def paid_by_patient(self) -> Decimal:
        """What the patient handed over: the amount received, else the whole total."""
        if self.sheet.montant_recu is not None:
            return self.sheet.montant_recu
        return self.sheet.total


def render_receipt(receipt: Receipt) -> bytes:
    """The quittance as a PDF."""
    sheet = receipt.sheet
    page = PdfPage("QUITTANCE", created=sheet.date_emission)
    page.title("QUITTANCE", f"Reçu n° {receipt.numero}")
    doctor = sheet.practitioner
    page.fields(
        [
            ("Praticien", doctor.display_name),
            ("Identifiant", doctor.numero_am),
            ("Adresse", sheet.structure.adresse if sheet.structure else doctor.adresse),
            ("Patient", sheet.patient.display_name),
            ("Date", format_date(sheet.date_emission)),
        ]
    )
    page.section("Actes")
    page.table(
        ["Date", "Code", "Libellé", "Montant"],
        [
            (
                format_date(a.date),
                a.code,
                a.libelle,
                amount_cell(
                    format_amount(a.montant),
                    gratuit=a.gratuit,
                    depassement_exigence=a.depassement_exigence,
                ),
            )
            for a in sheet.acts
        ],
        [26, 40, 70, page.width - 136],
        ["C", "L", "L", "R"],
    )
    page.spacer(2)
    page.text(f"Total des honoraires : {format_amount(sheet.total)}", bold=True)
    paid = receipt.paid_by_patient
    page.text(
        f"Je soussigné(e) {doctor.display_name} reconnais avoir reçu de "
        f"{sheet.patient.display_name} la somme de {format_amount(paid)}"
        + (" ED" if sheet.entente_directe else "")
        + (f" ({receipt.mode_paiement})" if receipt.mode_paiement else "")
        + " en règlement des actes ci-dessus.",
    )
    if sheet.tiers_payant:
        rest = sheet.total - paid
        parts = " et ".join(
            p
            for p, on in (
                ("la part obligatoire", sheet.tiers_payant_amo),
                ("la part complémentaire", sheet.tiers_payant_amc),
            )
            if on
        )
        page.text(
            f"Tiers payant : {parts} ({format_amount(rest)}) n'ont pas été payées par le patient."
            if sheet.tiers_payant_amo and sheet.tiers_payant_amc
            else f"Tiers payant : {parts} ({format_amount(rest)}) n'a pas été payée par le patient."
        )
    page.signature_boxes(["Signature du praticien"], height=24)
    logger.debug("receipt rendered")
    return page.output()
