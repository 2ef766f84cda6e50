"""Before securing in tiers payant AMC: the online engagement of the complémentaire.

:class:`OnlineEngagement` is the gate :class:`client.fse_service.FseService` calls once the
FSE is priced and before its number is handed out. Nothing is sent to an AMC the cabinet
has no tiers payant convention with (``client.store.amc_conventions``). Granted: the FSE
keeps its tiers payant AMC and carries the agreement number (``coverage.amc_engagement``).
Refused, unreachable or no convention: the FSE is secured without tiers payant AMC, the
patient pays the AMC part, and ``notice`` says so in French. Every request is kept.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from billing.fse_model import PractitionerSituation, TiersPayant
from billing.referential import Referential
from cardio.vitale_values import AmcContract, AmcService
from client.amc.transport import (
    AmcError,
    AmcTransport,
    EngagementAnswer,
    EngagementQuery,
    Engager,
)
from client.fse_input import FseInput
from client.settings import Settings
from client.store import Store
from client.store.amc_lots import EngagementOutcome
from client.transport_errors import TransportError

logger = logging.getLogger(__name__)

#: The C2S is the caisse's business (tiers payant intégral): never asked of an AMC.
C2S_CONTRACT = "C2S"
#: The patient is at the desk: an engagement that takes longer is taken as unreachable
#: (asked off the desk's database thread, ``client.amc.ahead``, with its progress said).
ENGAGEMENT_DEADLINE = 10.0
ENGAGEMENT_CONNECT = 3.0
_CCAM = re.compile(r"[A-Z]{4}[0-9]{3}")

#: The French line the screen shows for each outcome but a grant.
REFUSAL_HINT = "Le patient règle la part complémentaire ; il se fera rembourser par sa mutuelle."


@dataclass(frozen=True, slots=True)
class GateInput:
    """What the gate needs of the FSE being secured."""

    practitioner: PractitionerSituation
    contract: AmcContract | None
    care_date: date
    codes: tuple[str, ...]
    amc_amount: Decimal


@dataclass(frozen=True, slots=True)
class GateResult:
    """Whether the FSE keeps its tiers payant AMC, under which engagement, and what the
    screen says (empty when there is nothing to say)."""

    tiers_payant_amc: bool
    outcome: EngagementOutcome | None = None
    engagement: str = ""
    gestion: str = ""
    engagement_id: int | None = None
    notice: str = ""

    def applied_to(self, request: FseInput) -> FseInput:
        """The FSE request as it is secured: without tiers payant AMC when not granted."""
        if self.tiers_payant_amc:
            return request
        kept = TiersPayant(amo=request.tiers_payant.amo, amc=False)
        return replace(request, tiers_payant=kept)


def service_of(
    practitioner: PractitionerSituation, codes: tuple[str, ...], ref: Referential
) -> str:
    """The kind of care the AMC is asked to cover: dental for a dentist, technical for CCAM
    acts, consultations otherwise (``cardio.vitale_values.AmcService``)."""
    if "DENTISTE" in ref.specialty_groups(practitioner.specialty):
        return AmcService.DENTAIRE.value
    if any(_CCAM.fullmatch(c.upper()) for c in codes):
        return AmcService.TECHNIQUES.value
    return AmcService.CONSULTATIONS.value


class OnlineEngagement:
    """The gate: asks the AMC platform (``api``) when there is a convention."""

    def __init__(self, store: Store, api: Engager, referential: Referential) -> None:
        self.store = store
        self.api = api
        self.referential = referential

    @classmethod
    def from_settings(cls, store: Store, settings: Settings, ref: Referential) -> OnlineEngagement:
        """With the platform of the settings, on a short deadline (the patient waits)."""
        return cls(store, cls.network(settings), ref)

    @staticmethod
    def network(settings: Settings) -> Engager:
        """The AMC platform of the settings on the engagement's short deadline (no store:
        the desk asks it on its own thread, ``client.amc.ahead``)."""
        short = replace(
            settings.resolved(),
            answer_deadline=min(settings.answer_deadline, ENGAGEMENT_DEADLINE),
            connect_timeout=min(settings.connect_timeout, ENGAGEMENT_CONNECT),
        )
        return _LazyTransport(short)

    def query_of(self, gate: GateInput) -> EngagementQuery | None:
        """What to ask the AMC of the card's contract (None: nothing to ask an AMC)."""
        contract = gate.contract
        if contract is None or contract.contract_type == C2S_CONTRACT or gate.amc_amount <= 0:
            return None
        return EngagementQuery(
            amc=contract.organism,
            member=contract.member_number,
            care_date=gate.care_date,
            service=service_of(gate.practitioner, gate.codes, self.referential),
            amount=gate.amc_amount,
            practitioner=gate.practitioner.billing_number,
        )

    def query_for(self, gate: GateInput) -> EngagementQuery | None:
        """The query to send the AMC ahead of securing: None when there is nothing to ask
        or no tiers payant convention to ask under (nothing is kept here)."""
        query = self.query_of(gate)
        if query is None:
            return None
        convention = self.store.amc_conventions.convention(query.amc)
        return query if convention is not None and convention.tiers_payant else None

    def decide(self, gate: GateInput, now: datetime) -> GateResult:
        """Ask the AMC of the card's contract for the FSE being secured."""
        query = self.query_of(gate)
        if query is None:
            return GateResult(tiers_payant_amc=True)  # nothing to ask an AMC
        return self.ask(query, gate.practitioner.practitioner_id, now)

    def ask(self, query: EngagementQuery, practitioner_id: str, now: datetime) -> GateResult:
        """Ask the AMC when the cabinet has a tiers payant convention with it; keep what
        was asked and answered."""

        def keep(
            outcome: EngagementOutcome, number: str = "", gestion: str = "", motif: str = ""
        ) -> int:
            return self.store.amc_lots.record_engagement(
                at=now,
                amc=query.amc,
                member=query.member,
                care_date=query.care_date,
                amount=query.amount,
                practitioner_id=practitioner_id,
                outcome=outcome,
                number=number,
                gestion=gestion,
                motif=motif,
            )

        convention = self.store.amc_conventions.convention(query.amc)
        if convention is None or not convention.tiers_payant:
            keep(EngagementOutcome.NO_CONVENTION)
            return GateResult(
                False,
                EngagementOutcome.NO_CONVENTION,
                notice=(
                    f"Pas de convention de tiers payant avec la complémentaire n° "
                    f"{query.amc} : rien ne lui est envoyé. {REFUSAL_HINT}"
                ),
            )
        try:
            answer = self.api.engage(query)
        except AmcError as exc:
            logger.warning("AMC engagement: no answer (%s)", type(exc).__name__)
            keep(EngagementOutcome.UNREACHABLE, motif=str(exc))
            return GateResult(
                False,
                EngagementOutcome.UNREACHABLE,
                notice=f"Complémentaire injoignable, pas d'engagement : {exc} {REFUSAL_HINT}",
            )
        if not answer.granted:
            keep(EngagementOutcome.REFUSED, motif=answer.motif)
            return GateResult(
                False,
                EngagementOutcome.REFUSED,
                notice=f"La complémentaire refuse le tiers payant : {answer.label}. "
                + REFUSAL_HINT,
            )
        engagement_id = keep(EngagementOutcome.GRANTED, answer.number, answer.gestion)
        return GateResult(
            True,
            EngagementOutcome.GRANTED,
            engagement=answer.number,
            gestion=answer.gestion,
            engagement_id=engagement_id,
            notice=f"Tiers payant complémentaire accordé (engagement n° {answer.number}).",
        )


class _LazyTransport:
    """The platform's transport, built at the first request: a bad certificate path is
    then an unreachable AMC said on screen, not a failure to secure the FSE."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def engage(self, query: EngagementQuery) -> EngagementAnswer:
        try:
            transport = AmcTransport(self.settings)
        except TransportError as exc:
            raise AmcError(
                f"la plateforme AMC n'est pas configurée ({exc.detail})", retryable=False
            ) from exc
        try:
            return transport.engage(query)
        finally:
            transport.close()
