"""Who the simulated AMC covers, and its answer to an engagement request.

The members are the AMC contracts written on the testbed's carte Vitale profiles (the card
and the AMC agree, as they do in life); a test may add or replace contracts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from cardio.vitale_values import AmcService, parse_tp_services
from testbed.cards.profiles import VitaleProfile, load_all


class Refusal(StrEnum):
    """Why the AMC refuses an engagement (the ``motif`` of ``docs/formats/amc-api.md``)."""

    UNKNOWN_MEMBER = "adherent-inconnu"
    EXPIRED = "contrat-expire"
    NO_TIERS_PAYANT = "sans-tiers-payant"
    NOT_COVERED = "acte-non-couvert"


LABELS: dict[Refusal, str] = {
    Refusal.UNKNOWN_MEMBER: "adhérent inconnu de la complémentaire",
    Refusal.EXPIRED: "contrat non valide à la date des soins",
    Refusal.NO_TIERS_PAYANT: "le contrat ne prévoit pas le tiers payant",
    Refusal.NOT_COVERED: "ces soins ne sont pas couverts en tiers payant par le contrat",
}


@dataclass(frozen=True, slots=True)
class Contract:
    """One member's contract as the AMC knows it."""

    amc: str
    member: str
    start: dt.date
    end: dt.date | None
    tiers_payant: bool
    gestion: str  # "U" unique, "S" séparée
    services: frozenset[AmcService]  # empty: every kind of care


@dataclass(frozen=True, slots=True)
class EngagementQuery:
    """What the practitioner asks: this member, this care, this AMC part."""

    amc: str
    member: str
    care_date: dt.date
    service: AmcService
    amount: Decimal
    practitioner: str


@dataclass(frozen=True, slots=True)
class Decision:
    """Granted (``number``) or refused (``refusal``)."""

    number: str = ""
    gestion: str = ""
    refusal: Refusal | None = None


def _date(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%Y%m%d").date()


def _contracts(profile: VitaleProfile) -> list[Contract]:
    out = []
    for b in profile.beneficiaires:
        a = b.amc
        if a is None or a.contract == "C2S":  # the C2S is paid by the caisse, not here
            continue
        out.append(
            Contract(
                amc=a.organism,
                member=a.member,
                start=_date(a.start),
                end=_date(a.end) if a.end else None,
                tiers_payant=a.tiers_payant,
                gestion=a.gestion,
                services=parse_tp_services(a.tp_services),
            )
        )
    return out


class Members:
    """The contracts of the AMC (every AMC of the testbed: one simulated platform)."""

    def __init__(self, contracts: list[Contract] | None = None) -> None:
        if contracts is None:
            contracts = [
                c
                for p in load_all().values()
                if isinstance(p, VitaleProfile)
                for c in _contracts(p)
            ]
        self._by_key = {(c.amc, c.member): c for c in contracts}

    def add(self, contract: Contract) -> None:
        self._by_key[(contract.amc, contract.member)] = contract

    def find(self, amc: str, member: str) -> Contract | None:
        return self._by_key.get((amc, member))

    def decide(self, query: EngagementQuery, sequence: int) -> Decision:
        """The AMC's answer; ``sequence`` makes each granted number unique."""
        contract = self.find(query.amc, query.member)
        if contract is None:
            return Decision(refusal=Refusal.UNKNOWN_MEMBER)
        if query.care_date < contract.start or (
            contract.end is not None and query.care_date > contract.end
        ):
            return Decision(refusal=Refusal.EXPIRED)
        if not contract.tiers_payant:
            return Decision(refusal=Refusal.NO_TIERS_PAYANT)
        if contract.services and query.service not in contract.services:
            return Decision(refusal=Refusal.NOT_COVERED)
        tail = hashlib.sha256(f"{query.amc}{query.member}{sequence}".encode()).hexdigest()[:6]
        return Decision(
            number=f"ENG{query.amc}{sequence:08d}{tail.upper()}", gestion=contract.gestion
        )
