"""An ApCV session: the patient's application carte Vitale read at the desk. Its
bénéficiaires are the ADRi answers the service fetched at the date of care, shown and
billed like a card's (``client.desk.PatientSource.APCV``); the session signs one FSE."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from client.adri import rights_from_answer
from client.apcv.code import read_code
from client.apcv.errors import ApcvError, ApcvFault
from client.apcv.service import ApcvTransport
from client.transport import MalformedAnswerError
from client.usecases.common import Services
from client.usecases.rights import AdriPatient


@dataclass(frozen=True, slots=True)
class ApcvBeneficiary:
    """One bénéficiaire the application presents, with his rights at the date of care."""

    adri: AdriPatient
    session_id: str

    @property
    def nom(self) -> str:
        return self.adri.nom

    @property
    def prenom(self) -> str:
        return self.adri.prenom

    @property
    def nom_usage(self) -> str:
        return ""

    @property
    def birth_date_raw(self) -> str:
        return self.adri.birth_date_raw

    @property
    def birth_date(self) -> dt.date | None:
        return self.adri.birth_date

    @property
    def nir(self) -> str:
        return self.adri.nir

    @property
    def qualite(self) -> str:
        return self.adri.qualite

    @property
    def rang(self) -> str:
        return self.adri.rang

    @property
    def patient_key(self) -> str:
        """The FSE's key of the bénéficiaire (what the service signs for)."""
        rights = self.adri.rights
        return f"{rights.assure_nir}-{rights.birth_date}-{rights.rank}"

    def rights_at(self, day: dt.date) -> Any:
        return self.adri.rights_at(day)

    def identity(self) -> dict[str, Any]:
        """The ``identity`` of the FSE: identified by the ApCV session."""
        return {**self.adri.identity(), "identification": "apcv"}


@dataclass(frozen=True, slots=True)
class ApcvSession:
    """What the service answered: the session, the date of care its rights are for, how
    the code came, who presents it when lent (« tiers de confiance »), the bénéficiaires."""

    session_id: str
    expires_at: datetime
    care_date: dt.date
    transport: str
    trusted_third_party: str
    beneficiaries: tuple[ApcvBeneficiary, ...]

    @property
    def serial(self) -> str:
        """The session stands where a card's serial does (the desk compares sources)."""
        return self.session_id

    def presents(self, patient_key: str) -> bool:
        return any(b.patient_key == patient_key for b in self.beneficiaries)


def session_from_answer(doc: dict[str, Any], care_date: dt.date) -> ApcvSession:
    """Read the service's answer.

    :raises ApcvError: the answer cannot be read (``GARBAGE``).
    """
    try:
        session_id = str(doc["session"])
        expires = datetime.strptime(str(doc["expire"]), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        people = doc["beneficiaires"]
        if not isinstance(people, list) or not people or not session_id.startswith("APCVS-"):
            raise ValueError("no bénéficiaire")
        beneficiaries = tuple(
            ApcvBeneficiary(AdriPatient(rights_from_answer(p, care_date)), session_id)
            for p in people
        )
        return ApcvSession(
            session_id,
            expires,
            care_date,
            str(doc.get("transport", "qr")),
            str(doc.get("tiers_de_confiance") or ""),
            beneficiaries,
        )
    except (KeyError, TypeError, ValueError, AttributeError, MalformedAnswerError) as exc:
        raise ApcvError(ApcvFault.GARBAGE) from exc


def open_session(ctx: Services, text: str, care_date: dt.date) -> ApcvSession:
    """Open a session from the code's text (network: call it off the GUI thread).

    :raises ApcvError: not a code, expired (said at once, offline), refused by the
        service, the service unreachable or answering garbage.
    """
    code = read_code(text, ctx.utc_clock())
    transport = ApcvTransport(ctx.settings)
    try:
        return session_from_answer(transport.open_session(code.text, care_date), care_date)
    finally:
        transport.close()


class SessionSigner:
    """The session as ``billing.signing.ApcvSigner``: the service signs over HTTPS."""

    def __init__(self, ctx: Services, session: ApcvSession) -> None:
        self._settings = ctx.settings
        self._session = session

    @property
    def session_id(self) -> str:
        return self._session.session_id

    def sign_fse(self, digest32: bytes, patient_key: str) -> bytes:
        if not self._session.presents(patient_key):
            raise ApcvError(ApcvFault.OTHER_PATIENT)
        transport = ApcvTransport(self._settings)
        try:
            return transport.sign(self._session.session_id, digest32.hex(), patient_key)
        finally:
            transport.close()


def check_session_for(session: ApcvSession, patient_key: str, care_date: dt.date) -> None:
    """Before pricing and numbering: the session presents this patient, for this date.

    :raises ApcvError: ``OTHER_PATIENT`` or ``OTHER_DATE``.
    """
    if not session.presents(patient_key):
        raise ApcvError(ApcvFault.OTHER_PATIENT)
    if care_date != session.care_date:
        raise ApcvError(
            ApcvFault.OTHER_DATE,
            f"session du {session.care_date:%d/%m/%Y}, soins du {care_date:%d/%m/%Y}",
        )
