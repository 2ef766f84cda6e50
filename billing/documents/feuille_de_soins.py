"""The feuille de soins in the cerfa layout (soins médicaux), printable as PDF.

What it carries and where each rule comes from (convention médicale, seed 002):
the responsible physician in the structure field followed by the executant when a
salaried or replacing practitioner performed the acts [L4402-4408]; "DE" next to the
amount of an act with a dépassement for exigence particulière [L264]; "ED" after the
amount received for entente directe [L1786]; "acte gratuit" for free care [L4396]; tiers
payant boxes; signature boxes for the practitioner (exécution de l'acte / attestation du
paiement des honoraires) and for the patient [L4398, L4404].
"""

from __future__ import annotations

import logging

from billing.documents.model import CareSheet, format_amount, format_date
from billing.documents.pdf import PdfPage

logger = logging.getLogger(__name__)

TITLE = "FEUILLE DE SOINS"
SUBTITLE = "Soins médicaux - art. L.161-33 et R.161-40 et suivants du code de la sécurité sociale"
DEGRADE_BANNER = (
    "Feuille de soins établie en parallèle d'une FSE transmise en mode SESAM « dégradé » "
    "(sans carte Vitale) : à faire signer par le patient puis à numériser (SCOR)."
)


def amount_cell(act_montant: str, *, gratuit: bool, depassement_exigence: bool) -> str:
    """What the amount column shows for one act: the amount with "DE", or "acte gratuit"."""
    if gratuit:
        return "acte gratuit"
    return f"{act_montant} DE" if depassement_exigence else act_montant


def letterhead(page: PdfPage, sheet: CareSheet) -> None:
    """The cabinet's name, address and phone above the title (when set in the settings)."""
    if sheet.letterhead is not None:
        page.letterhead(sheet.letterhead.lines())


def render_body(page: PdfPage, sheet: CareSheet) -> None:
    """Draw the identification, acts, payment and tiers payant parts (shared with the duplicata)."""
    patient = sheet.patient
    page.section("Personne recevant les soins")
    rows = [
        ("Nom et prénom", patient.display_name),
        ("N° d'immatriculation", patient.nir),
        ("Date de naissance", patient.date_naissance),
        ("Organisme d'affiliation", patient.organisme),
    ]
    page.fields(rows)
    if not patient.is_assure:
        page.section("Assuré(e) (si la personne recevant les soins n'est pas l'assuré(e))")
        # An assuré whose name the cabinet never recorded: a blank to fill in by hand.
        page.fields(
            [
                ("Nom et prénom", patient.assure_display_name),
                ("N° d'immatriculation", patient.assure_nir),
            ]
        )

    page.section("Identification du médecin")
    doctor = sheet.practitioner
    ident: list[tuple[str, str]] = []
    if sheet.structure is not None:
        ident.append(("Structure", f"{sheet.structure.nom} - n° {sheet.structure.numero}"))
        if sheet.structure.adresse:
            ident.append(("Adresse de la structure", sheet.structure.adresse))
    ident += [
        ("Médecin responsable" if sheet.executant else "Nom et prénom", doctor.display_name),
        ("Identifiant", doctor.numero_am + (f" - RPPS {doctor.rpps}" if doctor.rpps else "")),
    ]
    if doctor.specialite:
        ident.append(("Spécialité", doctor.specialite))
    if doctor.adresse:
        ident.append(("Adresse", doctor.adresse))
    if sheet.executant is not None:
        executant = sheet.executant.practitioner
        ident.append(
            (
                f"Exécutant ({sheet.executant.role.value})",
                f"{executant.display_name} - n° {executant.numero_am}"
                + (f" - RPPS {executant.rpps}" if executant.rpps else ""),
            )
        )
    page.fields(ident)

    page.section("Actes effectués")
    acts_rows = [
        (
            format_date(act.date),
            act.code,
            act.libelle,
            amount_cell(
                format_amount(act.montant),
                gratuit=act.gratuit,
                depassement_exigence=act.depassement_exigence,
            ),
            "",
        )
        for act in sheet.acts
    ]
    page.table(
        ["Date", "Code de l'acte", "Libellé", "Montant des honoraires", "Exécution de l'acte"],
        acts_rows,
        [22, 22, 72, 36, page.width - 152],
        ["C", "L", "L", "R", "L"],
        row_height=7,
    )
    page.spacer(1)
    page.text(f"Montant total des honoraires : {format_amount(sheet.total)}", bold=True)
    if sheet.montant_recu is not None:
        received = format_amount(sheet.montant_recu)
        page.text(
            f"Montant des honoraires perçus : {received}"
            + (" ED" if sheet.entente_directe else ""),
            bold=True,
        )

    page.section("Paiement - tiers payant")
    page.checkbox(sheet.tiers_payant_amo, "L'assuré n'a pas payé la part obligatoire")
    page.checkbox(sheet.tiers_payant_amc, "L'assuré n'a pas payé la part complémentaire")
    if sheet.tiers_payant_amc and sheet.organisme_complementaire:
        page.text(f"Organisme complémentaire : {sheet.organisme_complementaire}")
    for note in sheet.notes:
        page.text(note)


def render_feuille_de_soins(sheet: CareSheet) -> bytes:
    """The cerfa-layout feuille de soins of one invoice, as a PDF."""
    page = PdfPage(TITLE, created=sheet.date_emission)
    letterhead(page, sheet)
    page.title(TITLE, SUBTITLE)
    if sheet.degrade:
        page.banner(DEGRADE_BANNER)
    if sheet.numero_fse:
        ref = f"Référence de la facture : {sheet.numero_fse}"
        page.text(ref + (f" - lot {sheet.numero_lot}" if sheet.numero_lot else ""))
    render_body(page, sheet)
    page.section("Signatures")
    page.signature_boxes(
        [
            "Signature du médecin - attestation du paiement des honoraires"
            + (" (médecin responsable)" if sheet.executant else ""),
            "Signature de l'assuré(e)",
        ]
    )
    page.text(f"Date : {format_date(sheet.date_emission)}")
    logger.debug("feuille de soins rendered: %d act(s)", len(sheet.acts))
    return page.output()
