"""What the printed documents need to know: small values, independent of the FSE model.

The FSE model (``billing.fse``) is adapted to these by ``client``; the documents never
read the store or the FSE classes themselves, so they can be printed from anything that
fills these values (an FSE, a paper-only sheet, a test).
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")


class ExecutantRole(enum.Enum):
    """Why the practitioner who performed the acts is not the one who bills them."""

    SALARIE = "salarié"
    REMPLACANT = "remplaçant"
    ADJOINT = "adjoint"
    ASSISTANT = "assistant"


@dataclass(frozen=True, slots=True)
class Practitioner:
    """A practitioner as printed: name, identifiers and place of practice."""

    nom: str
    prenom: str
    numero_am: str  # n° d'identification Assurance Maladie (facturation)
    rpps: str = ""
    specialite: str = ""
    adresse: str = ""

    @property
    def display_name(self) -> str:
        if not (self.nom or self.prenom):
            return f"Praticien n° {self.numero_am}"
        return f"Dr {self.prenom} {self.nom}".strip()


@dataclass(frozen=True, slots=True)
class Structure:
    """The structure (centre, cabinet de groupe) a salaried practitioner bills through."""

    nom: str
    numero: str  # n° d'identification de la structure (AM / FINESS)
    adresse: str = ""


@dataclass(frozen=True, slots=True)
class Executant:
    """The practitioner who performed the acts, when he is not the one who bills them."""

    practitioner: Practitioner
    role: ExecutantRole


@dataclass(frozen=True, slots=True)
class Patient:
    """The person who received the care, and the insured person when different."""

    nom: str
    prenom: str
    nir: str
    date_naissance: str = ""  # as printed (dd/mm/yyyy); lunar dates kept as they are
    organisme: str = ""  # caisse d'affiliation (régime + caisse + centre), printed as is
    assure_nom: str = ""  # filled only when the patient is not the insured person
    assure_prenom: str = ""
    assure_nir: str = ""

    @property
    def display_name(self) -> str:
        return f"{self.nom.upper()} {self.prenom}".strip()


@dataclass(frozen=True, slots=True)
class ActLine:
    """One act as printed on the feuille de soins."""

    date: date
    code: str  # NGAP or CCAM code with its modifiers, as billed (e.g. "G", "GS+MEG", "HBQK389")
    montant: Decimal  # honoraires of the act, dépassement included
    depassement_exigence: bool = False  # mention "DE"
    gratuit: bool = False  # mention "acte gratuit"
    libelle: str = ""


@dataclass(frozen=True, slots=True)
class CareSheet:
    """Everything the cerfa feuille de soins shows for one invoice (one FSE)."""

    practitioner: Practitioner  # the one who bills (responsible physician for a salaried one)
    patient: Patient
    acts: tuple[ActLine, ...]
    date_emission: date
    numero_fse: str = ""
    numero_lot: str = ""
    structure: Structure | None = None
    executant: Executant | None = None
    montant_recu: Decimal | None = None  # honoraires actually received from the patient
    entente_directe: bool = False  # mention "ED" after the amount received
    tiers_payant_amo: bool = False  # the patient did not pay the part obligatoire
    tiers_payant_amc: bool = False  # the patient did not pay the part complémentaire
    degrade: bool = False  # printed alongside a SESAM dégradé FSE, for the patient to sign
    organisme_complementaire: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def total(self) -> Decimal:
        """Sum of the honoraires of the acts (free acts count zero)."""
        return sum((a.montant for a in self.acts if not a.gratuit), ZERO)

    @property
    def tiers_payant(self) -> bool:
        """Whether any dispense d'avance des frais was granted."""
        return self.tiers_payant_amo or self.tiers_payant_amc


def format_amount(value: Decimal) -> str:
    """French amount with two decimals and "EUR" (the core PDF fonts have no euro sign)."""
    quantized = value.quantize(Decimal("0.01"))
    sign = "-" if quantized < 0 else ""
    units, cents = f"{abs(quantized):.2f}".split(".")
    groups: list[str] = []
    while len(units) > 3:
        groups.insert(0, units[-3:])
        units = units[:-3]
    groups.insert(0, units)
    return f"{sign}{' '.join(groups)},{cents} EUR"


def format_date(value: date) -> str:
    """dd/mm/yyyy, as on the cerfa."""
    return value.strftime("%d/%m/%Y")
