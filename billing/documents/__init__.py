"""Printable documents (PDF): feuille de soins, duplicata, quittance, bordereau. Pure, no Qt."""

from __future__ import annotations

from billing.documents.bordereau import Bordereau, LotLine, render_bordereau
from billing.documents.duplicata import (
    PATIENT_COULD_NOT_SIGN,
    Duplicata,
    DuplicataDestination,
    DuplicataError,
    duplicata_destination,
    render_duplicata,
)
from billing.documents.feuille_de_soins import render_feuille_de_soins
from billing.documents.model import (
    ActLine,
    CareSheet,
    Executant,
    ExecutantRole,
    Letterhead,
    Patient,
    Practitioner,
    Structure,
    civility,
    format_amount,
    format_nir,
)
from billing.documents.receipt import Receipt, render_receipt

__all__ = [
    "PATIENT_COULD_NOT_SIGN",
    "ActLine",
    "Bordereau",
    "CareSheet",
    "Duplicata",
    "DuplicataDestination",
    "DuplicataError",
    "Executant",
    "ExecutantRole",
    "Letterhead",
    "LotLine",
    "Patient",
    "Practitioner",
    "Receipt",
    "Structure",
    "civility",
    "duplicata_destination",
    "format_amount",
    "format_nir",
    "render_bordereau",
    "render_duplicata",
    "render_feuille_de_soins",
    "render_receipt",
]
