"""Securing an FSE from the desk: price it with the patient's history, have the carte
Vitale certify it, store it with its lot and outbox row, print what was asked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from billing.pricing import PricedInvoice
from billing.pricing import price as billing_price
from billing.request import HistoryEntry
from cardio.cps import CpsIdentity, Situation
from client import amc_pricing, desk, documents
from client.amc.ahead import NOT_ASKED, engagement_ahead
from client.amc.engagement import OnlineEngagement
from client.amc.transport import EngagementQuery, Engager
from client.apcv import SessionSigner, check_session_for
from client.context import AppContext
from client.fse_service import CpsSource, FseInput, FseService, VitaleSource
from client.store import Store
from client.store.rows import FseRow
from client.usecases.common import CardThreadCertifier, write_document

#: How many years of acts the pricing rules look back on (with a margin for leap years).
HISTORY_DAYS = 3 * 366


def cps_source(identity: CpsIdentity, situations: tuple[Situation, ...]) -> CpsSource:
    """The CPS as the FSE service reads it (holder and situations as read with the PIN)."""
    return CpsSource(identity, tuple(situations))


def price(ctx: AppContext, request: desk.Invoice) -> PricedInvoice:
    """Price with the acts history of the patient (the database thread reads it)."""
    key = request.patient.store_key()
    draft = desk.pricing_draft(request)
    referential = ctx.ensure_referential()

    def work(store: Store) -> PricedInvoice:
        history: tuple[HistoryEntry, ...] = ()
        if key is not None:
            since = request.care_date - dt.timedelta(days=HISTORY_DAYS)
            history = tuple(
                HistoryEntry(date=h.act_date, code=h.code.strip().upper(), quantity=h.quantity)
                for h in store.history(key, since, request.care_date)
            )
        pricing = draft.complete(history=history)
        contract = request.patient.amc_contract(request.care_date)
        if contract is not None and key is not None and not pricing.patient.c2s:
            decision = amc_pricing.decide(
                store.amc_conventions,
                contract,
                patient_id=key,
                care=request.care_date,
                service=amc_pricing.service_of(pricing.practitioner.specialty, referential),
            )
            if decision.coverage is not None:
                pricing = replace(pricing, amc=decision.coverage)
        return billing_price(pricing, referential)

    return ctx.db.submit(work).result()


def codes_billed_on(ctx: AppContext, request: desk.Invoice) -> set[str]:
    """Codes already on a secured FSE of this patient on the date of care."""
    key = request.patient.store_key()
    if key is None:
        return set()
    day = request.care_date

    def work(store: Store) -> set[str]:
        return {h.code.upper() for h in store.history(key, day, day)}

    return ctx.db.submit(work).result()


@dataclass(frozen=True, slots=True)
class SecureRequest:
    """One FSE to secure: the invoice, the practitioner's CPS as read, the prepared
    invoice it came from (forgotten once secured) and whether to print a receipt."""

    invoice: desk.Invoice
    cps: CpsSource
    draft_id: str | None = None
    print_receipt: bool = False
    #: Told what is being done while it lasts (« Demande d'accord à la complémentaire… »),
    #: from the calling thread.
    on_progress: Callable[[str], None] | None = None


@dataclass(frozen=True, slots=True)
class Secured:
    """The FSE as stored, the documents written, and what the patient pays now."""

    fse: FseRow
    patient_name: str
    payment: desk.PaymentMode
    to_collect: Decimal
    documents: list[Path] = field(default_factory=list)
    #: What the complémentaire answered (engagement granted, refused, unreachable), in
    #: French for the screen; empty when no AMC was concerned.
    amc_notice: str = ""


def payment_mode(fse_request: FseInput) -> desk.PaymentMode:
    """The payment mode the FSE says (its tiers payant), whatever the screen showed."""
    if not fse_request.tiers_payant.amo:
        return desk.PaymentMode.DIRECT
    if fse_request.tiers_payant.amc:
        return desk.PaymentMode.TIERS_PAYANT_AMO_AMC
    return desk.PaymentMode.TIERS_PAYANT_AMO


def payment_of_row(row: FseRow) -> desk.PaymentMode:
    """The payment mode of an FSE as stored."""
    if not row.tiers_payant_amo:
        return desk.PaymentMode.DIRECT
    if row.tiers_payant_amc:
        return desk.PaymentMode.TIERS_PAYANT_AMO_AMC
    return desk.PaymentMode.TIERS_PAYANT_AMO


def secure_fse(ctx: AppContext, request: SecureRequest) -> Secured:
    """Create and secure the FSE (the Vitale certifies on the card thread), write it with its
    lot and outbox row in one transaction, then print what was asked."""
    invoice = request.invoice
    choice = invoice.patient
    vitale = None
    if choice.card is not None and choice.source in (
        desk.PatientSource.VITALE,
        desk.PatientSource.DEGRADED,
    ):
        certifier = CardThreadCertifier(ctx, choice.reader or "", bytes(choice.card.serial))
        vitale = VitaleSource(choice.card, certifier)
    apcv = None
    if choice.source == desk.PatientSource.APCV:
        # Before a number is handed out: the session presents this patient, for this date.
        check_session_for(choice.card, choice.beneficiary.patient_key, invoice.care_date)
        apcv = SessionSigner(ctx, choice.card)
    fse_request = desk.fse_request(invoice)
    referential = ctx.ensure_referential()
    degraded = choice.source == desk.PatientSource.DEGRADED
    means = invoice.means.label if invoice.means is not None else ""
    clock = ctx.utc_clock
    # The AMC is asked here, between two jobs of the database thread: never while holding it.
    asked: Engager = NOT_ASKED
    if fse_request.tiers_payant.amc:

        def query(store: Store) -> EngagementQuery | None:
            gate = OnlineEngagement(store, NOT_ASKED, referential)
            service = FseService(store, referential, clock=clock, amc_gate=gate)
            return service.amc_query(fse_request, request.cps, vitale, apcv=apcv)

        asked = engagement_ahead(
            ctx.db, query, OnlineEngagement.network(ctx.settings), request.on_progress
        )

    def work(store: Store) -> Secured:
        gate = OnlineEngagement(store, asked, referential)
        service = FseService(store, referential, clock=clock, amc_gate=gate)
        # The prepared invoice is taken with the FSE (one transaction): never twice.
        row = service.create(fse_request, request.cps, vitale, apcv=apcv, draft_id=request.draft_id)
        # As secured: the AMC tiers payant is dropped when there is no AMC part to bill or
        # the convention refuses it, and the patient then pays that part.
        payment = payment_of_row(row)
        collect = desk.to_collect(payment, row)
        # « Réglé par » and the amount collected: a receipt reprinted later says them too.
        if invoice.means is not None and collect > 0:
            store.record_settlement(row.id, invoice.means.value, collect, clock())
        printed: list[Path] = []
        paper = documents.paper_of(ctx.settings, referential)
        if degraded:
            data = documents.feuille_de_soins_pdf(
                store, row.number, row.practitioner_id, paper=paper
            )
            printed.append(write_document(ctx, f"feuille-de-soins-{row.number}.pdf", data))
        if request.print_receipt:
            data = documents.receipt_pdf(
                store, row.number, row.practitioner_id, mode_paiement=means, paper=paper
            )
            printed.append(write_document(ctx, f"recu-{row.number}.pdf", data))
        notice = service.last_amc.notice if service.last_amc else ""
        return Secured(row, choice.name, payment, collect, printed, notice)

    return ctx.db.submit(work).result()
