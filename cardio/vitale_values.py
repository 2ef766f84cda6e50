"""What a carte Vitale 2 holds, as values: assuré, bénéficiaires (full or public zone),
their AMO rights, coverages and complémentaire by period, and the NIR key."""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass

NIR13 = re.compile(r"^[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{6}$")
CORSICA = {"2A": "19", "2B": "18"}  # the départements read as numbers for the key


@dataclass(frozen=True, slots=True)
class Period:
    """A period of AMO rights; ``end`` None means open-ended."""

    start: dt.date
    end: dt.date | None

    def covers(self, day: dt.date) -> bool:
        """True when ``day`` falls inside the period (both bounds included)."""
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class Coverage:
    """A coverage period: ALD, maternité, AT/MP or C2S, with its code."""

    kind: str
    code: str
    start: dt.date
    end: dt.date | None

    def covers(self, day: dt.date) -> bool:
        """True when ``day`` falls inside the period (both bounds included)."""
        return self.start <= day and (self.end is None or day <= self.end)


class AmcGestion(enum.Enum):
    """Who receives the AMC part in tiers payant (card tag 86: "U" / "S")."""

    #: gestion unique: the caisse receives the FSE and pays both parts (one lot).
    UNIQUE = "U"
    #: gestion séparée: the caisse pays the AMO part, the AMC its own (a DRE lot).
    SEPAREE = "S"


class AmcService(enum.Enum):
    """A kind of care for which the AMC agrees to the tiers payant (card tag 87, codes of
    three letters: project values; the GIE's own domain codes are not public)."""

    CONSULTATIONS = "CON"  # consultations and visits of médecins
    TECHNIQUES = "TEC"  # actes techniques (CCAM) of médecins
    DENTAIRE = "DEN"  # soins dentaires
    PROTHESE_DENTAIRE = "PRD"  # prothèses dentaires and orthodontie
    PHARMACIE = "PHA"
    BIOLOGIE = "BIO"
    OPTIQUE = "OPT"
    AUXILIAIRES = "AUX"  # auxiliaires médicaux
    HOSPITALISATION = "HOS"


@dataclass(frozen=True, slots=True)
class AmcContract:
    """The complémentaire santé (AMC) contract written on the card (or sent by ADRi).

    ``organism`` is the n° AMC (8 digits), ``contract_type`` the contract's code, which
    the conventions table maps to a pricing rule. ``tiers_payant`` says whether the card
    allows the tiers payant AMC at all; ``tp_services`` the kinds of care it covers
    (empty with ``tiers_payant`` True: every kind)."""

    organism: str
    member_number: str
    start: dt.date
    end: dt.date | None
    contract_type: str
    tiers_payant: bool
    gestion: AmcGestion = AmcGestion.SEPAREE
    tp_services: frozenset[AmcService] = frozenset()

    def covers(self, day: dt.date) -> bool:
        """True when the contract is open at ``day``."""
        return self.start <= day and (self.end is None or day <= self.end)

    def tiers_payant_for(self, service: AmcService) -> bool:
        """True when the card allows the tiers payant AMC for this kind of care."""
        return self.tiers_payant and (not self.tp_services or service in self.tp_services)


def parse_tp_services(raw: str) -> frozenset[AmcService]:
    """The services of tag 87 ("CON,TEC,DEN"); an unknown code is a ValueError."""
    codes = [c.strip() for c in raw.split(",") if c.strip()]
    return frozenset(AmcService(c) for c in codes)


@dataclass(frozen=True, slots=True)
class RightsAt:
    """A bénéficiaire's rights on one day: the answer billing needs."""

    amo: bool
    coverages: tuple[Coverage, ...]
    amc: AmcContract | None


@dataclass(frozen=True, slots=True)
class Rights:
    """Everything the card says about one bénéficiaire's rights."""

    amo_periods: tuple[Period, ...] = ()
    coverages: tuple[Coverage, ...] = ()
    amc: AmcContract | None = None

    def at(self, day: dt.date) -> RightsAt:
        """The rights open at ``day``."""
        return RightsAt(
            amo=any(p.covers(day) for p in self.amo_periods),
            coverages=tuple(c for c in self.coverages if c.covers(day)),
            amc=self.amc if self.amc is not None and self.amc.covers(day) else None,
        )


@dataclass(frozen=True, slots=True)
class Beneficiary:
    """One person who may be billed with this card."""

    nom: str
    prenom: str
    nom_usage: str | None
    #: AAAAMMJJ as on the card; lunar dates (day or month out of range) are kept as is.
    birth_date_raw: str
    birth_date: dt.date | None
    nir: str  # 13 characters
    nir_key: str  # 2 digits
    rang: int | None
    qualite: str | None
    rights: Rights

    @property
    def nir_with_key(self) -> str:
        """The 15-character certified NIR."""
        return self.nir + self.nir_key

    def rights_at(self, day: dt.date) -> RightsAt:
        """This bénéficiaire's rights at ``day``."""
        return self.rights.at(day)


@dataclass(frozen=True, slots=True)
class PublicBeneficiary:
    """What any carte Vitale 2 gives without the GIE's components: the public zone
    (identity 65{80,81,82} under the MF, NIR 65{93} under VITALE, in the same order)."""

    nom: str
    prenom: str
    birth_date_raw: str
    birth_date: dt.date | None
    nir: str  # 13 characters
    nir_key: str  # 2 digits

    @property
    def nir_with_key(self) -> str:
        return self.nir + self.nir_key


@dataclass(frozen=True, slots=True)
class Assure:
    """The assuré (ouvrant droit) and the organism that manages his rights."""

    nir: str
    nir_key: str
    regime: str
    caisse: str
    centre: str
    code_gestion: str


@dataclass(frozen=True, slots=True)
class VitaleCard:
    """The whole readable content of a carte Vitale 2."""

    serial: bytes
    valid_from: dt.date
    valid_to: dt.date | None
    card_type: str
    assure: Assure
    beneficiaries: tuple[Beneficiary, ...]

    def is_valid_at(self, day: dt.date) -> bool:
        """True when the card may be used at ``day``."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def nir_key(nir13: str) -> str:
    """The key of a 13-character NIR: 97 - NIR mod 97, Corsica 2A read 19 and 2B 18."""
    if not NIR13.fullmatch(nir13):
        raise ValueError("not a 13-character NIR")
    corsica = CORSICA.get(nir13[5:7])
    number = nir13[:5] + corsica + nir13[7:] if corsica else nir13
    return f"{97 - int(number) % 97:02d}"
