"""NOEMIE returns ("RSP": rejet, signalement, paiement): the format and its values.

The layout follows the public description (field notes §4.6): fixed 128-character ``000``
header and ``999`` trailer, variable entities terminated by ``@`` with the entity type in
characters 0–2 and the level (niveau) in 3–4, patient (``120``) and act (``210``) entities,
``990`` totals closing each group. The part entities ``198`` (AMO) and ``199`` (AMC) and the
act entity ``210`` follow the public NOEMIE PS layout (``scresto09/sesamviewer``,
``data/noemie-ps.xml``); the other positions are this project's. All are documented in
``docs/formats/noemie.md``. The parser reads outside data: it is strict and raises
:class:`MalformedNoemieError` with the entity number on anything unexpected.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from billing.errors import BillingError

RECORD = 128
REFERENCE = "576"
MAX_SIZE = 50_000_000
MAX_LABEL = 80
TERMINATOR = "@"
CENT = Decimal("0.01")


class MalformedNoemieError(BillingError):
    """A NOEMIE file does not follow the format; ``entity`` is the 1-based record number."""

    def __init__(self, reason: str, entity: int = 0) -> None:
        where = f" (enregistrement {entity})" if entity else ""
        super().__init__(f"Fichier de retour NOEMIE illisible{where} : {reason}.")
        self.reason = reason
        self.entity = entity


class InvoiceOutcome(StrEnum):
    """What the caisse did with one FSE."""

    PAID = "P"
    REJECTED = "R"


class PartState(StrEnum):
    """« État paiement part AMO / AMC » of the ``198`` / ``199`` entities (public layout)."""

    PAID = "P"
    REJECTED = "R"
    DEFERRED = "D"  # « différé »: the part will be paid later (by its own payer)
    NOT_PROCESSED = " "  # « pas de traitement de cette part »: not this payer's to pay


@dataclass(frozen=True, slots=True)
class NoemiePart:
    """One part of an invoice as the payer processed it (entity ``198`` AMO, ``199`` AMC).

    ``paid`` is signed (the entity carries a sign ``P`` / ``N``). For the AMC part,
    ``amc_number`` is the « N° AMC destinataire » (up to 10 digits) and ``member_id`` the
    « N° identification AMC de l'adhérent »; both empty for the AMO part.
    """

    requested: Decimal
    state: PartState
    paid: Decimal = Decimal("0.00")
    amc_number: str = ""
    member_id: str = ""


@dataclass(frozen=True, slots=True)
class NoemieAct:
    """One act line as the caisse liquidated it (entity ``210``).

    ``code`` is the « nature de prestation » on 3 characters (an NGAP key such as ``G``;
    the public layout has no room for a 7-character CCAM code), ``line`` is 1 to 99.
    """

    line: int
    care_date: date
    code: str
    quantity: int
    coefficient: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class NoemiePatient:
    """The bénéficiaire as the caisse names it; the birth date has no century (``JJMMAA``)."""

    birth_ddmmyy: str
    rank: int
    last_name: str
    first_name: str


@dataclass(frozen=True, slots=True)
class NoemieInvoice:
    """The outcome of one FSE: paid amounts, or reject motif."""

    fse_id: str
    lot_id: str
    care_date: date
    outcome: InvoiceOutcome
    paid_amo: Decimal = Decimal("0.00")
    paid_amc: Decimal = Decimal("0.00")
    motif_code: str | None = None
    motif_label: str = ""
    patient: NoemiePatient | None = None
    acts: tuple[NoemieAct, ...] = ()
    #: The AMO part (``198``) and the AMC part (``199``), when the payer details them. In
    #: gestion unique the caisse pays the AMC part too (``199`` paid); in gestion séparée
    #: its ``199`` says « not processed » and the AMC pays on its own (DRE).
    amo: NoemiePart | None = None
    amc: NoemiePart | None = None

    @property
    def paid_total(self) -> Decimal:
        """AMO plus AMC paid."""
        return self.paid_amo + self.paid_amc


@dataclass(frozen=True, slots=True)
class NoemiePayment:
    """One virement and the FSE it pays."""

    reference: str
    paid_on: date
    invoices: tuple[NoemieInvoice, ...]

    @property
    def total(self) -> Decimal:
        """Amount of the virement."""
        return sum((i.paid_total for i in self.invoices), Decimal("0.00"))


@dataclass(frozen=True, slots=True)
class NoemieRejects:
    """A group of rejected FSE processed on one date."""

    processed_on: date
    invoices: tuple[NoemieInvoice, ...]


@dataclass(frozen=True, slots=True)
class NoemieFile:
    """A whole NOEMIE return file."""

    emitter: str
    receiver: str
    file_number: int
    created_on: date
    payments: tuple[NoemiePayment, ...] = ()
    rejects: tuple[NoemieRejects, ...] = ()

    def invoices(self) -> Iterator[NoemieInvoice]:
        """Every invoice of the file, payments first."""
        for p in self.payments:
            yield from p.invoices
        for r in self.rejects:
            yield from r.invoices
