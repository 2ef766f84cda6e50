"""The bordereau of a day's lots: one line per lot (invoice and PJ lots), with totals."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.documents.model import ZERO, Practitioner, format_amount, format_date
from billing.documents.pdf import PdfPage

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LotLine:
    """One lot of the day as the bordereau lists it."""

    numero: str
    kind: str  # "fse", "dégradé" or "pj"
    destinataire: str  # organisme destinataire
    nb_factures: int
    montant: Decimal
    statut: str  # "en attente", "envoyé", "ARL positif"...


@dataclass(frozen=True, slots=True)
class Bordereau:
    """A day's lots for one practitioner."""

    practitioner: Practitioner
    jour: date
    lots: tuple[LotLine, ...]

    @property
    def total(self) -> Decimal:
        return sum((lot.montant for lot in self.lots), ZERO)

    @property
    def nb_factures(self) -> int:
        return sum(lot.nb_factures for lot in self.lots if lot.kind != "pj")


_KIND_LABEL = {
    "fse": "FSE",
    "degrade": "FSE dégradées",
    "dégradé": "FSE dégradées",
    "pj": "PJ SCOR",
}


def kind_label(kind: str) -> str:
    """How a lot kind is printed."""
    return _KIND_LABEL.get(kind, kind)


def render_bordereau(bordereau: Bordereau) -> bytes:
    """The bordereau as a PDF (a day without lots prints an explicit empty bordereau)."""
    page = PdfPage("BORDEREAU DES LOTS", created=bordereau.jour)
    page.title("BORDEREAU DES LOTS", f"Journée du {format_date(bordereau.jour)}")
    doctor = bordereau.practitioner
    page.fields([("Praticien", doctor.display_name), ("Identifiant", doctor.numero_am)])
    rows: Sequence[Sequence[str]] = [
        (
            lot.numero,
            kind_label(lot.kind),
            lot.destinataire,
            str(lot.nb_factures),
            format_amount(lot.montant) if lot.kind != "pj" else "-",
            lot.statut,
        )
        for lot in bordereau.lots
    ]
    page.section("Lots")
    page.table(
        ["N° de lot", "Type", "Destinataire", "Factures", "Montant", "Statut"],
        rows,
        [28, 30, 42, 18, 32, page.width - 150],
        ["L", "L", "L", "R", "R", "L"],
    )
    if not bordereau.lots:
        page.text("Aucun lot pour cette journée.")
    page.spacer(2)
    page.text(
        f"{len(bordereau.lots)} lot(s), {bordereau.nb_factures} facture(s), "
        f"montant total {format_amount(bordereau.total)}",
        bold=True,
    )
    page.signature_boxes(["Signature du praticien"], height=22)
    logger.debug("bordereau rendered: %d lot(s)", len(bordereau.lots))
    return page.output()
