"""What the point of care is working with right now: the practitioner, the patient, the cards.

Lives on the GUI thread; pages observe it through signals. Holds card *results* (identity,
situations, bénéficiaires), never a PIN.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from cardio.backend import PractitionerCard
from cardio.cps import CpsIdentity, Situation
from cardio.vitale import VitaleCard
from client.card_session import Closable
from client.desk import InvoicePatient
from ui.qt import QObject, Signal

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Practitioner:
    """The CPx card holder of the session and the situation he bills under."""

    reader: str
    identity: CpsIdentity
    situations: tuple[Situation, ...]
    situation_index: int
    card_type: str
    session: PractitionerCard  # used on the card thread only
    connection: Closable  # closed on the card thread at removal

    @property
    def may_sign(self) -> bool:
        return self.card_type == "CPS"

    @property
    def situation(self) -> Situation | None:
        if not self.situations:
            return None
        return self.situations[min(self.situation_index, len(self.situations) - 1)]

    @property
    def display_name(self) -> str:
        return person_name(self.identity)


def person_name(obj: object) -> str:
    """'Prénom NOM' from anything with nom/prénom attributes (identity, bénéficiaire)."""
    if obj is None:
        return ""
    first = _first(obj, "prenom", "first_name", "given_name")
    last = _first(obj, "nom_usage", "nom", "last_name", "surname")
    return f"{first} {last.upper()}".strip()


def _first(obj: object, *names: str) -> str:
    for name in names:
        value = getattr(obj, name, None)
        if value:
            return str(value)
    return ""


class SessionState(QObject):
    """The current practitioner, Vitale card and patient; signals when they change."""

    practitioner_changed = Signal(object)  # Practitioner | None
    vitale_changed = Signal(object)  # (reader, VitaleCard) | None
    patient_changed = Signal(object)  # InvoicePatient | None
    staff_changed = Signal(object)  # CPE holder | None

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.practitioner: Practitioner | None = None
        self.staff: Practitioner | None = None
        self.vitale: tuple[str, VitaleCard] | None = None
        self.patient: InvoicePatient | None = None

    def set_practitioner(self, practitioner: Practitioner | None) -> None:
        if practitioner is not None and not practitioner.may_sign:
            self.staff = practitioner
            self.staff_changed.emit(practitioner)
            return
        self.practitioner = practitioner
        self.practitioner_changed.emit(practitioner)

    def end_card_session(self, reader: str) -> None:
        """The card in ``reader`` left: end whatever session it carried."""
        if self.practitioner is not None and self.practitioner.reader == reader:
            self.set_practitioner(None)
        if self.staff is not None and self.staff.reader == reader:
            self.staff = None
            self.staff_changed.emit(None)
        if self.vitale is not None and self.vitale[0] == reader:
            self.vitale = None
            self.vitale_changed.emit(None)

    def set_vitale(self, reader: str, card: VitaleCard) -> None:
        self.vitale = (reader, card)
        self.vitale_changed.emit(self.vitale)

    def set_patient(self, patient: InvoicePatient | None) -> None:
        self.patient = patient
        self.patient_changed.emit(patient)

    def select_situation(self, index: int) -> None:
        if self.practitioner is None:
            return
        from dataclasses import replace

        self.practitioner = replace(self.practitioner, situation_index=index)
        self.practitioner_changed.emit(self.practitioner)
