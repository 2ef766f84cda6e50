"""The desk's devis: the invoice on screen (with the carte Vitale read) priced and kept as
a devis for the patient, its PDF written to the documents folder (``client.devis``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from billing.devis import Devis
from client import desk, documents
from client.context import AppContext
from client.devis import DevisError, create_devis, devis_pdf, input_json
from client.fse_service import CpsSource, VitaleSource
from client.store import Store
from client.usecases.common import CardThreadCertifier, write_document


@dataclass(frozen=True, slots=True)
class DeskDevis:
    """The devis kept and where its PDF was written."""

    devis: Devis
    pdf: Path


def devis_from_invoice(ctx: AppContext, invoice: desk.Invoice, cps: CpsSource) -> DeskDevis:
    """Price the invoice as a devis (nothing secured) and print it; off the GUI thread.

    :raises DevisError: the patient's carte Vitale is not read.
    """
    choice = invoice.patient
    if choice.card is None or choice.source != desk.PatientSource.VITALE:
        raise DevisError("Un devis se fait avec la carte Vitale du patient : insérez-la.")
    # The certifier is never asked: a devis is priced, not secured.
    certifier = CardThreadCertifier(ctx, choice.reader or "", bytes(choice.card.serial))
    vitale = VitaleSource(choice.card, certifier)
    raw = input_json(desk.fse_request(invoice))
    referential = ctx.ensure_referential()
    paper = documents.paper_of(ctx.settings, referential)
    clock = ctx.utc_clock

    def work(store: Store) -> DeskDevis:
        now = clock()
        devis = create_devis(store, referential, raw, cps, vitale, now)
        data = devis_pdf(store, devis.id, paper, now.date())
        return DeskDevis(devis, write_document(ctx, f"devis-{devis.id}.pdf", data))

    return ctx.db.submit(work).result()
