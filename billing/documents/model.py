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

from billing.money_text import amount_fr

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
class Letterhead:
    """The cabinet's letterhead (settings): printed at the top of every patient document."""

    nom: str = ""  # cabinet name, e.g. "Cabinet médical des Tilleuls"
    adresse: str = ""  # several lines allowed
    telephone: str = ""

    def lines(self) -> tuple[str, ...]:
        """The printed lines: name, address lines, "Tél. ..."; empty fields left out."""
        out = [self.nom.strip()] if self.nom.strip() else []
        out += [line.strip() for line in self.adresse.splitlines() if line.strip()]
        if self.telephone.strip():
            out.append(f"Tél. {self.telephone.strip()}")
        return tuple(out)


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

    @property
    def is_assure(self) -> bool:
        """Whether the person who received the care is the insured person himself."""
        return not (self.assure_nom or self.assure_nir)

    @property
    def assure_display_name(self) -> str:
        """The insured person's name ("" when the patient is the assuré or it is unknown)."""
        return f"{self.assure_nom.upper()} {self.assure_prenom}".strip()


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
    letterhead: Letterhead | None = None  # the cabinet's name, address and phone
    part_amo: Decimal | None = None  # part remboursable par l'Assurance Maladie, when priced
    part_amc: Decimal | None = None  # part de la complémentaire, when known
    apcv: bool = False  # secured by the patient's application carte Vitale (ApCV)
    teleconsultation: bool = False  # the care was given at a distance

    @property
    def total(self) -> Decimal:
        """Sum of the honoraires of the acts (free acts count zero)."""
        return sum((a.montant for a in self.acts if not a.gratuit), ZERO)

    @property
    def tiers_payant(self) -> bool:
        """Whether any dispense d'avance des frais was granted."""
        return self.tiers_payant_amo or self.tiers_payant_amc


def format_amount(value: Decimal) -> str:
    """French amount with two decimals and "EUR" (the core PDF fonts have no euro sign):
    ``billing.money_text``'s figures, grouped by a plain space the fonts print."""
    return f"{amount_fr(value, group=' ')} EUR"


def format_nir(nir: str, key: str = "") -> str:
    """A NIR as printed on the carte Vitale and the cerfa: "1 85 05 78 006 084 36"."""
    digits = nir.replace(" ", "")
    if len(digits) != 13:
        return f"{nir} {key}".strip()
    groups = (digits[0], digits[1:3], digits[3:5], digits[5:7], digits[7:10], digits[10:13])
    return " ".join((*groups, key)).strip()


def civility(nir: str) -> str:
    """The civility from the NIR's sex digit: "M." (1, 7), "Mme" (2, 8), else ""."""
    first = nir.strip()[:1]
    return {"1": "M.", "7": "M.", "2": "Mme", "8": "Mme"}.get(first, "")


def format_date(value: date) -> str:
    """dd/mm/yyyy, as on the cerfa."""
    return value.strftime("%d/%m/%Y")
