"""What one invoice to price says: the practitioner's situation, the patient at the date of
care, the acts, the dépassement and the history. Input types only, apart from the pricing
(:mod:`billing.pricing`) so that the rules (:mod:`billing.rules`) can name them without an
import circle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from billing.amc import AmcCoverage
from billing.referential import age_in_years


class Sector(StrEnum):
    """Conventional sector of the practitioner."""

    S1 = "1"
    S1_DP = "1DP"
    S2 = "2"


class CarePathway(StrEnum):
    """Where the patient stands in the parcours de soins coordonnés."""

    IN = "in"
    OUT = "out"
    DIRECT_ACCESS = "direct_access"
    EMERGENCY = "emergency"


class OverrunKind(StrEnum):
    """Dépassement kinds: exigence particulière, autorisé plafonné, permanent, entente directe."""

    DE = "DE"
    DA = "DA"
    DP = "DP"
    ED = "ED"


@dataclass(frozen=True, slots=True)
class Practitioner:
    """The billing practitioner's situation (specialty, sector, OPTAM, médecin traitant)."""

    specialty: str
    sector: Sector
    optam: bool = False
    is_treating_doctor: bool = False
    zone: str = "metropole"


@dataclass(frozen=True, slots=True)
class Patient:
    """What pricing needs to know about the patient at the date of care."""

    birth_date: date
    ald: bool = False
    c2s: bool = False
    maternity: bool = False
    at_mp: bool = False
    care_pathway: CarePathway = CarePathway.IN


@dataclass(frozen=True, slots=True)
class Act:
    """One act to bill: a code, a quantity (units, km) and a coefficient (HS)."""

    code: str
    quantity: int = 1
    coefficient: Decimal = Decimal(1)
    requested_practitioner: str | None = None


@dataclass(frozen=True, slots=True)
class Overrun:
    """A dépassement on the first act of the invoice; never reimbursed."""

    kind: OverrunKind
    amount: Decimal


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """An act this practitioner already billed (for this patient; SNP/HS: all patients)."""

    date: date
    code: str
    quantity: int = 1
    requested_practitioner: str | None = None


@dataclass(frozen=True, slots=True)
class PricingRequest:
    """Everything needed to price and check one invoice."""

    date_of_care: date
    practitioner: Practitioner
    patient: Patient
    acts: tuple[Act, ...]
    overrun: Overrun | None = None
    history: tuple[HistoryEntry, ...] = ()
    #: The patient's complémentaire (not the C2S, priced by its own rule), when known.
    amc: AmcCoverage | None = None
    #: A téléconsultation (NGAP art. 14.9.3): its own rules (``billing.rules.teleconsultation``).
    teleconsultation: bool = False

    @property
    def patient_age(self) -> int:
        """Patient's age in completed years at the date of care."""
        return age_in_years(self.patient.birth_date, self.date_of_care)
