"""What the complémentaire of a patient means for one invoice: the rule that prices its part
(contract type on the card → ``billing/tariffs/amc-garanties.json``), the cabinet's
convention with it (``store.amc_conventions``) and whether its part may be billed in tiers
payant (the card allows it for this kind of care *and* the convention does).

Without a convention no AMC part is priced: the cabinet does not know the guarantee, the
patient pays and is reimbursed by his complémentaire (and nothing is sent to it)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date

from billing.amc import AmcCoverage, AmcRules, load_amc_rules
from billing.fse import TiersPayant
from billing.pricing import PricedInvoice
from billing.referential import Referential
from billing.request import PricingRequest
from cardio.vitale_values import AmcContract, AmcService
from client.fse_cards import VitaleSource, pick_beneficiary
from client.fse_input import FseInput, PatientIdentity
from client.store.amc_conventions import AmcConvention, AmcConventions

logger = logging.getLogger(__name__)

_DENTIST = "DENTISTE"


@dataclass(frozen=True, slots=True)
class AmcDecision:
    """The AMC side of one invoice."""

    contract: AmcContract | None
    convention: AmcConvention | None
    coverage: AmcCoverage | None  # None: no AMC part priced
    tiers_payant: bool  # the AMC part may be billed in tiers payant
    reason: str  # in French, why not (empty when priced and in tiers payant)


def service_of(specialty: str, referential: Referential) -> AmcService:
    """The kind of care of the card's tiers payant services for this practitioner."""
    if _DENTIST in referential.specialty_groups(specialty):
        return AmcService.DENTAIRE
    return AmcService.CONSULTATIONS


def decide(
    conventions: AmcConventions,
    contract: AmcContract | None,
    *,
    patient_id: str,
    care: date,
    service: AmcService,
    rules: AmcRules | None = None,
) -> AmcDecision:
    """The rule, convention and tiers payant of the complémentaire ``contract`` (as open at
    ``care``; None: no complémentaire), the year's ceiling counted from the store."""
    if contract is None or not contract.covers(care):
        return AmcDecision(contract, None, None, False, "Pas de complémentaire ouverte.")
    convention = conventions.convention(contract.organism)
    if convention is None:
        return AmcDecision(
            contract,
            None,
            None,
            False,
            f"Pas de convention avec la complémentaire {contract.organism} : part AMC non "
            "calculée, le patient se fait rembourser par elle (Réglages, conventions AMC).",
        )
    rule = (rules or load_amc_rules()).rule(contract.contract_type, care)
    if rule is None:
        return AmcDecision(
            contract,
            convention,
            None,
            False,
            f"Garantie {contract.contract_type or '(non indiquée)'} inconnue : part AMC non "
            "calculée.",
        )
    used = conventions.amc_used_in_year(patient_id, care.year)
    coverage = AmcCoverage(rule, used)
    if not contract.tiers_payant_for(service):
        reason = "La carte n'ouvre pas le tiers payant complémentaire pour ces soins."
    elif not convention.tiers_payant:
        reason = f"La convention {convention.convention} n'ouvre pas le tiers payant AMC."
    else:
        return AmcDecision(contract, convention, coverage, True, "")
    return AmcDecision(contract, convention, coverage, False, reason)


def card_contract(vitale: VitaleSource | None, request: FseInput) -> AmcContract | None:
    """The complémentaire of the request's bénéficiaire on the card, open at the date of
    care; sans Vitale, the one ADRi returned with the identity (billed on alike: its part,
    its tiers payant when the convention allows it)."""
    if vitale is None:
        return request.identity.amc if request.identity is not None else None
    person = vitale.card.beneficiaries[pick_beneficiary(vitale.card, request.beneficiary)]
    return person.rights_at(request.pricing.date_of_care).amc


def with_amc(
    conventions: AmcConventions,
    referential: Referential,
    pricing: PricingRequest,
    contract: AmcContract | None,
    patient: PatientIdentity,
) -> tuple[PricingRequest, AmcDecision]:
    """The pricing request with the complémentaire's rule (the C2S keeps its own)."""
    decision = decide(
        conventions,
        contract,
        patient_id=patient.beneficiary.patient_key,
        care=pricing.date_of_care,
        service=service_of(pricing.practitioner.specialty, referential),
    )
    if decision.coverage is None or pricing.patient.c2s:
        return pricing, decision
    return replace(pricing, amc=decision.coverage), decision


def with_tiers_payant(
    request: FseInput, pricing: PricingRequest, priced: PricedInvoice, amc: AmcDecision
) -> FseInput:
    """The request with ``tiers_payant.amc`` only when it means something: an AMC part to
    pay, allowed by the card and the convention (the C2S: always, as the law wants). A
    refused one is dropped, not an error: the patient then pays the AMC part (receipt)."""
    wanted = request.tiers_payant
    if not wanted.amc or pricing.patient.c2s or (priced.amc > 0 and amc.tiers_payant):
        return request
    logger.info("Tiers payant AMC not applied: %s", "no AMC part" if not priced.amc else "refused")
    return replace(request, tiers_payant=TiersPayant(amo=wanted.amo, amc=False))
