"""The rectificative of a rejected FSE that the patient's application carte Vitale (ApCV)
had secured. Its session is used up (a session secures one FSE): a new code from the
patient secures the rectificative « ApCV » again, with the garantie de paiement; without
one it goes in SESAM sans Vitale, the rights read by ADRi at the date of care — without
the garantie de paiement [002 L4380]. Everything on the network happens before anything
is written: a refusal leaves the rejected FSE as it was."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from billing.fse import SecuringMode
from client.apcv import ApcvError, ApcvFault, SessionSigner, open_session
from client.rectify import RectifyRequest
from client.store import FseRow
from client.usecases.common import Services
from client.usecases.rights import ask_rights

#: What the user is offered (the queue's « Corriger et renvoyer », ``sesam fse rectify``).
APCV_CHOICES = (
    "Cette FSE avait été sécurisée par l'application carte Vitale (ApCV) du patient ; sa "
    "session ne sert qu'une fois. Pour la FSE rectificative, demandez au patient un nouveau "
    "code ApCV : elle sera sécurisée ApCV, avec la garantie de paiement. Sans nouveau code, "
    "elle part en SESAM sans Vitale, droits lus par ADRi : sans garantie de paiement."
)


def secured_by_apcv(original: FseRow) -> bool:
    """Whether the rejected FSE was secured by an ApCV session."""
    return original.mode == SecuringMode.APCV.value


def _care_date(original: FseRow, request: RectifyRequest) -> date:
    given = request.corrections.get("date_of_care")
    return date.fromisoformat(str(given)) if given else original.care_date


def prepare(
    ctx: Services, original: FseRow, request: RectifyRequest, code: str = ""
) -> tuple[RectifyRequest, SessionSigner | None]:
    """The request (and the ApCV signer) that bill again the care of an ApCV FSE: with
    ``code``, a new session presenting the same patient; without, sans Vitale by ADRi.
    Any other FSE (or corrections that name the patient already) is left as asked.

    :raises ApcvError: the code or the service refused, or the new session does not
        present the patient of the rejected FSE (``OTHER_PATIENT``).
    :raises ClientError: ADRi refused or unreachable.
    """
    if not code and (not secured_by_apcv(original) or "identity" in request.corrections):
        return request, None
    care = _care_date(original, request)
    patient = original.fse().body.beneficiary
    if code:
        session = open_session(ctx, code, care)
        person = next(
            (b for b in session.beneficiaries if b.patient_key == patient.patient_key), None
        )
        if person is None:
            raise ApcvError(ApcvFault.OTHER_PATIENT)
        corrections = {
            **request.corrections,
            "mode": SecuringMode.APCV.value,
            "identity": person.identity(),
        }
        return replace(request, corrections=corrections), SessionSigner(ctx, session)
    rights = ask_rights(
        ctx, patient.assure_nir + patient.assure_nir_key, patient.birth_date, patient.rang, care
    )
    corrections = {
        **request.corrections,
        "mode": SecuringMode.SANS_VITALE.value,
        "identity": rights.identity_input(),
    }
    return replace(request, corrections=corrections), None
