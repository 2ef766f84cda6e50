"""The paper duplicata of an FSE whose télétransmission failed twice (convention 002 L4297-4303).

It mentions the motif of its issue and the references of the FSE that was not
transmitted (FSE and lot numbers). Without dispense d'avance des frais the physician signs
it and gives it to the patient; with tiers payant (total or partial) he sends it to the
patient's caisse, signed by himself and by the patient, or states that the patient could
not sign.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from billing.documents.feuille_de_soins import SUBTITLE, letterhead, render_body
from billing.documents.model import CareSheet, format_date
from billing.documents.pdf import PdfPage
from billing.errors import BillingError

logger = logging.getLogger(__name__)

PATIENT_COULD_NOT_SIGN = "L'assuré n'a pas pu signer la feuille de soins."


class DuplicataDestination(enum.Enum):
    """Where the signed duplicata goes."""

    ASSURE = "assuré"  # no dispense d'avance des frais: handed to the patient
    CAISSE = "caisse"  # tiers payant: sent by the physician to the caisse d'affiliation


class DuplicataError(BillingError):
    """A duplicata cannot be issued as asked; ``str()`` says why, in French."""


@dataclass(frozen=True, slots=True)
class Duplicata:
    """A duplicata request: the sheet, the motif, and whether the patient could sign."""

    sheet: CareSheet
    motif: str
    patient_could_not_sign: bool = False

    @property
    def destination(self) -> DuplicataDestination:
        return duplicata_destination(self.sheet)


def duplicata_destination(sheet: CareSheet) -> DuplicataDestination:
    """To the patient without tiers payant, to the caisse with it (total or partial)."""
    return DuplicataDestination.CAISSE if sheet.tiers_payant else DuplicataDestination.ASSURE


def _check(duplicata: Duplicata) -> None:
    if not duplicata.motif.strip():
        raise DuplicataError("Indiquez le motif de délivrance du duplicata (il doit y figurer).")
    if not duplicata.sheet.numero_fse or not duplicata.sheet.numero_lot:
        raise DuplicataError(
            "Le duplicata doit mentionner les numéros de FSE et de lot : cette facture n'a pas "
            "encore de lot. Fermez le lot, puis imprimez le duplicata."
        )
    if duplicata.patient_could_not_sign and duplicata.destination is DuplicataDestination.ASSURE:
        raise DuplicataError(
            "La mention « l'assuré n'a pas pu signer » ne concerne que le duplicata adressé à la "
            "caisse (tiers payant). Sans tiers payant, le duplicata est remis à l'assuré."
        )


def render_duplicata(duplicata: Duplicata) -> bytes:
    """The duplicata as a PDF.

    :raises DuplicataError: missing motif or FSE/lot numbers, or "could not sign" without
        tiers payant.
    """
    _check(duplicata)
    sheet = duplicata.sheet
    page = PdfPage("DUPLICATA - FEUILLE DE SOINS", created=sheet.date_emission)
    letterhead(page, sheet)
    page.title("DUPLICATA DE FEUILLE DE SOINS ÉLECTRONIQUE", SUBTITLE)
    page.banner(
        f"Duplicata de la FSE n° {sheet.numero_fse} - lot n° {sheet.numero_lot} "
        "(feuille de soins électronique non transmise)"
    )
    page.fields(
        [
            ("Motif de délivrance", duplicata.motif),
            ("N° de FSE", sheet.numero_fse),
            ("N° de lot", sheet.numero_lot),
            ("Date des soins", format_date(min(a.date for a in sheet.acts)) if sheet.acts else ""),
        ]
    )
    render_body(page, sheet)
    page.section("Destination du duplicata")
    if duplicata.destination is DuplicataDestination.ASSURE:
        page.text(
            "Sans dispense d'avance des frais : duplicata signé par le médecin et remis "
            "à l'assuré, qui l'adresse à sa caisse.",
            bold=True,
        )
        labels = ["Signature du médecin"]
    else:
        caisse = sheet.patient.organisme or "caisse d'affiliation de l'assuré"
        page.text(
            "Avec dispense d'avance des frais (tiers payant) : duplicata adressé par le médecin à "
            f"la caisse d'affiliation de l'assuré ({caisse}).",
            bold=True,
        )
        if duplicata.patient_could_not_sign:
            page.text(PATIENT_COULD_NOT_SIGN, bold=True)
            labels = ["Signature du médecin"]
        else:
            labels = ["Signature du médecin", "Signature de l'assuré(e)"]
    page.section("Signatures")
    page.signature_boxes(labels)
    page.text(f"Date : {format_date(sheet.date_emission)}")
    logger.debug("duplicata rendered, destination %s", duplicata.destination.name)
    return page.output()
