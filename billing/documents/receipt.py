"""The patient's receipt (quittance) for the fees he paid."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from billing.documents.feuille_de_soins import amount_cell, letterhead
from billing.documents.model import ZERO, CareSheet, civility, format_amount, format_date
from billing.documents.pdf import PdfPage

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Receipt:
    """A quittance: the sheet it acknowledges, its number and how the patient paid."""

    sheet: CareSheet
    numero: str
    mode_paiement: str = ""  # "espèces", "chèque", "carte bancaire"; "" = not collected yet

    @property
    def paid_by_patient(self) -> Decimal:
        """What the patient handed over: the amount received, else the whole total."""
        if self.sheet.montant_recu is not None:
            return self.sheet.montant_recu
        return self.sheet.total


def payer_phrase(sheet: CareSheet) -> str:
    """Who paid, for whom: « M. DURAND Paul pour DURAND Emma » when the patient is not the
    assuré (a child's care is paid by the parent), « Mme LEFÈVRE Zoé » otherwise."""
    patient = sheet.patient
    if patient.is_assure:
        return f"{civility(patient.nir)} {patient.display_name}".strip()
    if patient.assure_display_name:
        payer = f"{civility(patient.assure_nir)} {patient.assure_display_name}".strip()
        return f"{payer} pour {patient.display_name}"
    return f"l'assuré(e) pour {patient.display_name}"


def _tiers_payant_line(sheet: CareSheet, paid: Decimal) -> str:
    parts = [
        (label, amount)
        for label, on, amount in (
            ("la part obligatoire", sheet.tiers_payant_amo, sheet.part_amo),
            ("la part complémentaire", sheet.tiers_payant_amc, sheet.part_amc),
        )
        if on
    ]
    known = all(amount is not None for _, amount in parts)
    if known:  # a part of zero (no complémentaire) was not "left unpaid": not listed
        parts = [(label, amount) for label, amount in parts if amount] or parts[:1]
        text = " et ".join(f"{label} ({format_amount(amount or ZERO)})" for label, amount in parts)
    else:  # amounts not priced separately: what the patient did not pay, in one sum
        text = " et ".join(label for label, _ in parts) + f" ({format_amount(sheet.total - paid)})"
    if len(parts) > 1:
        return (
            f"Tiers payant : {text} n'ont pas été payées par le patient ; elles sont versées "
            "directement au praticien."
        )
    return (
        f"Tiers payant : {text} n'a pas été payée par le patient ; elle est versée directement "
        "au praticien."
    )


def render_receipt(receipt: Receipt) -> bytes:
    """The quittance as a PDF."""
    sheet = receipt.sheet
    patient = sheet.patient
    page = PdfPage("QUITTANCE", created=sheet.date_emission)
    letterhead(page, sheet)
    page.title("QUITTANCE", f"Reçu n° {receipt.numero}")
    doctor = sheet.practitioner
    rows = [("Praticien", doctor.display_name), ("Identifiant", doctor.numero_am)]
    address = sheet.structure.adresse if sheet.structure and sheet.structure.adresse else ""
    if address or doctor.adresse:
        rows.append(("Adresse", address or doctor.adresse))
    rows.append(("Patient", patient.display_name))
    if not patient.is_assure:
        rows.append(("Assuré(e)", patient.assure_display_name or "non renseigné"))
    rows.append(("Date", format_date(sheet.date_emission)))
    if sheet.apcv:
        rows.append(("FSE", "sécurisée par l'application carte Vitale (ApCV)"))
    if sheet.teleconsultation:
        rows.append(("Soins", "Téléconsultation (à distance)"))
    page.fields(rows)
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
        [24, 24, 100, page.width - 148],
        ["C", "L", "L", "R"],
    )
    page.spacer(2)
    page.text(f"Total des honoraires : {format_amount(sheet.total)}", bold=True)
    if sheet.part_amo is not None:
        page.text(
            "dont part remboursable par l'Assurance Maladie : " + format_amount(sheet.part_amo)
        )
    if sheet.part_amc:
        page.text(
            "dont part remboursable par la complémentaire santé : " + format_amount(sheet.part_amc)
        )
    paid = receipt.paid_by_patient
    ed = " ED" if sheet.entente_directe else ""
    if paid <= 0:
        page.text("Rien n'est à régler par le patient.", bold=True)
    elif receipt.mode_paiement:
        page.text(
            f"Réglé par le patient : {format_amount(paid)}{ed} - mode de règlement : "
            f"{receipt.mode_paiement}",
            bold=True,
        )
        page.text(
            f"Je soussigné(e) {doctor.display_name} reconnais avoir reçu de "
            f"{payer_phrase(sheet)} la somme de {format_amount(paid)}{ed} "
            f"({receipt.mode_paiement}) en règlement des actes ci-dessus."
        )
    else:  # nothing recorded at the desk: the receipt must not say it was received
        page.text(
            f"À régler par le patient : {format_amount(paid)}{ed} - mode de règlement : "
            "à encaisser",
            bold=True,
        )
        page.text(f"Payeur : {payer_phrase(sheet)}.")
    if sheet.tiers_payant:
        page.text(_tiers_payant_line(sheet, paid))
    page.signature_boxes(["Signature du praticien"], height=24)
    logger.debug("receipt rendered")
    return page.output()
