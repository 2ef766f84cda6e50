"""Devis use cases: price a quote with the cards read (same pricing as the FSE: the AMC
part by the card's contract and the cabinet's convention), keep it for the patient, print
it, and bill it as an FSE when the care is done (``sesam devis``, the desk's action).

The input of a devis is the one of ``sesam fse create`` (``docs/formats/devis.md``), kept
as it is: billing the devis secures that same input at the date the care was done."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from billing.devis import Devis, DevisPaper, DevisState, devis_lines, render_devis
from billing.fse import TiersPayant
from billing.pricing import PricedInvoice, price
from billing.referential import Referential
from client import amc_pricing
from client.amc_pricing import AmcDecision
from client.documents import Paper, _practitioner_from_table
from client.fse_cards import patient_from_vitale, practitioner_situation
from client.fse_input import FseInput, FseServiceError, PatientIdentity, parse_fse_input
from client.fse_service import CpsSource, FseService, PricingRejectedError, VitaleSource
from client.store import Store
from client.store.rows import FseRow

logger = logging.getLogger(__name__)

#: How long a devis stays valid by default (the cabinet's habit, not a tariff).
DEFAULT_VALIDITY_DAYS = 90


class DevisError(FseServiceError):
    """The devis cannot be made or billed; the French message says what to do."""


def quote(
    store: Store,
    referential: Referential,
    request: FseInput,
    cps: CpsSource,
    vitale: VitaleSource | None,
) -> tuple[PatientIdentity, PricedInvoice, AmcDecision]:
    """Price ``request`` as its FSE would be priced, without securing anything.

    :raises PricingRejectedError: the billing rules reject the invoice.
    """
    practitioner = practitioner_situation(cps, request.situation)
    if vitale is not None:
        patient = patient_from_vitale(vitale, request.beneficiary)
    elif request.identity is not None:
        patient = request.identity
    else:
        raise DevisError(
            "L'identité du patient manque : insérez sa carte Vitale ou donnez « identity »."
        )
    service = FseService(store, referential)
    pricing = service.pricing_request(request, practitioner, patient, vitale)
    contract = amc_pricing.card_contract(vitale, request)
    pricing, amc = amc_pricing.with_amc(
        store.amc_conventions, referential, pricing, contract, patient
    )
    priced = price(pricing, referential)
    if not priced.valid:
        raise PricingRejectedError([e.message for e in priced.errors])
    return patient, priced, amc


def create_devis(
    store: Store,
    referential: Referential,
    raw: Mapping[str, Any],
    cps: CpsSource,
    vitale: VitaleSource | None,
    now: datetime,
    validity_days: int = DEFAULT_VALIDITY_DAYS,
) -> Devis:
    """Price and keep a devis for the input ``raw`` (``sesam fse create``'s JSON).

    :raises FseInputError: the input is malformed.
    :raises PricingRejectedError: the billing rules reject the invoice.
    """
    if validity_days < 1:
        raise DevisError("La durée de validité d'un devis est d'au moins un jour.")
    request = parse_fse_input(dict(raw))
    patient, priced, amc = quote(store, referential, request, cps, vitale)
    practitioner = practitioner_situation(cps, request.situation)
    with store.write():
        store.upsert_practitioner(practitioner, now)
        devis = store.devis.add(
            Devis(
                id="",
                patient_id=patient.beneficiary.patient_key,
                patient_name=f"{patient.last_name} {patient.first_name}".strip(),
                practitioner_id=practitioner.practitioner_id,
                created_at=now,
                care_date=request.pricing.date_of_care,
                valid_until=now.date() + timedelta(days=validity_days),
                state=DevisState.OPEN,
                lines=devis_lines(priced),
                total_fees=priced.total_fees,
                amo=priced.amo,
                amc=priced.amc,
                patient_remainder=priced.patient_remainder,
                referential_version=priced.referential_version,
                request=json.dumps(dict(raw), ensure_ascii=False, sort_keys=True),
                amc_number=amc.contract.organism if amc.coverage and amc.contract else "",
                amc_contract=amc.coverage.rule.contract if amc.coverage else "",
            ),
            now,
        )
    logger.info("Devis %s created (%d acts)", devis.id, len(devis.lines))
    return devis


def bill_devis(
    service: FseService,
    devis_id: str,
    cps: CpsSource,
    vitale: VitaleSource | None,
    care_date: date,
    tiers_payant: TiersPayant | None = None,
) -> FseRow:
    """Secure the FSE of an open devis for the care done on ``care_date`` (priced again at
    that date: the FSE bills what is in force), then mark the devis billed.

    :raises DevisError: the devis is not open, or the card is another patient's.
    """
    store = service.store
    devis = store.devis.devis(devis_id)
    if devis.state is not DevisState.OPEN:
        raise DevisError(
            f"Le devis n° {devis.id} est {devis.state.value} : il ne peut plus être facturé."
        )
    raw = json.loads(devis.request)
    raw["date_of_care"] = care_date.isoformat()
    if tiers_payant is not None:
        raw["tiers_payant"] = {"amo": tiers_payant.amo, "amc": tiers_payant.amc}
    request = parse_fse_input(raw)
    if vitale is not None:
        patient = patient_from_vitale(vitale, request.beneficiary)
        if patient.beneficiary.patient_key != devis.patient_id:
            raise DevisError(
                f"La carte Vitale insérée n'est pas celle de {devis.patient_name} : insérez "
                "la carte du patient du devis."
            )
    row = service.create(request, cps, vitale)
    # After the FSE's own transaction: if this fails the FSE stands and the devis stays
    # open (« sesam devis list » shows it; abandon it by hand), never the reverse.
    store.devis.mark_billed(devis.id, row.fse_uuid, service.clock())
    logger.info("Devis %s billed by FSE n° %d", devis.id, row.number)
    return row


def devis_pdf(store: Store, devis_id: str, paper: Paper, today: date) -> bytes:
    """The devis as a PDF, with the cabinet's letterhead."""
    devis = store.devis.devis(devis_id)
    doctor = _practitioner_from_table(store, devis.practitioner_id)
    convention = store.amc_conventions.convention(devis.amc_number) if devis.amc_number else None
    return render_devis(
        devis,
        DevisPaper(
            practitioner=doctor.display_name,
            numero_am=doctor.numero_am,
            letterhead=paper.letterhead,
            amc_name=convention.name if convention else "",
        ),
        printed=today,
    )


def input_json(request: FseInput) -> dict[str, Any]:
    """The ``sesam fse create`` JSON of a desk's request with the carte Vitale (what the
    devis keeps, to be billed as it is)."""
    draft = request.pricing
    if request.identity is not None or request.beneficiary is None:
        raise DevisError(
            "Un devis se fait avec la carte Vitale du patient (sa complémentaire y est "
            "inscrite) : insérez-la."
        )
    practitioner: dict[str, Any] = {
        "zone": draft.zone,
        "optam": draft.optam,
        "is_treating_doctor": draft.is_treating_doctor,
    }
    if draft.specialty is not None:
        practitioner["specialty"] = draft.specialty
    if draft.sector is not None:
        practitioner["sector"] = draft.sector.value
    patient: dict[str, Any] = {"care_pathway": draft.care_pathway.value}
    for key in ("ald", "c2s", "maternity", "at_mp"):
        if getattr(draft, key) is not None:
            patient[key] = getattr(draft, key)
    if draft.birth_date is not None:
        patient["birth_date"] = draft.birth_date.isoformat()
    raw: dict[str, Any] = {
        "date_of_care": draft.date_of_care.isoformat(),
        "practitioner": practitioner,
        "patient": patient,
        "acts": [
            {"code": a.code, "quantity": a.quantity, "coefficient": str(a.coefficient)}
            for a in draft.acts
        ],
        "beneficiary": request.beneficiary
        if isinstance(request.beneficiary, int)
        else dict(request.beneficiary),
        "tiers_payant": {"amo": request.tiers_payant.amo, "amc": request.tiers_payant.amc},
    }
    if draft.overrun is not None:
        raw["overrun"] = {"kind": draft.overrun.kind.value, "amount": str(draft.overrun.amount)}
    if request.situation is not None:
        raw["situation"] = request.situation
    return raw
