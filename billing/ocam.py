"""What an OCAM's information request names (issue #23, seed 000): which file leaves the
cabinet and to whom. Kept apart from the PDF rendering so that the labels and the CLI can
name them without importing a PDF library."""

from __future__ import annotations

from enum import StrEnum


class OcamDossier(StrEnum):
    """Which file leaves the cabinet."""

    ADMINISTRATIF = "administratif"  # to the OCAM itself
    MEDICAL = "medical"  # only to its consultant, with the patient's consent
    COPIE = "copie_patient"  # the patient's copy of his documents


class OcamProfession(StrEnum):
    """The health professionals the charter lets receive a medical file [000 L13]."""

    DENTISTE = "chirurgien-dentiste"
    MEDECIN = "medecin"
