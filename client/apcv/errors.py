"""The refusals of the ApCV, each with its French sentence and the way out."""

from __future__ import annotations

from enum import StrEnum

from client.errors import ClientError

#: What to do when the ApCV cannot secure: a new code, or another mode without garantie.
WAY_OUT = (
    "Demandez au patient d'afficher un nouveau code dans son application carte Vitale, ou "
    "facturez en SESAM sans Vitale (droits par ADRi) ou en mode dégradé : ces deux modes ne "
    "portent pas la garantie de paiement."
)


class ApcvFault(StrEnum):
    """Why the ApCV refused (the service's error codes, ``docs/formats/apcv.md``, and the
    desk's own checks)."""

    NOT_A_CODE = "code_illisible"
    FOREIGN = "code_etranger"
    EXPIRED = "code_expire"
    USED = "code_deja_utilise"
    UNKNOWN_PERSON = "beneficiaire_inconnu"
    OTHER_PATIENT = "patient_hors_session"
    SESSION_EXPIRED = "session_expiree"
    SESSION_UNKNOWN = "session_inconnue"
    SESSION_USED = "session_deja_utilisee"
    OTHER_DATE = "autre_date"
    OFFLINE = "hors_ligne"
    GARBAGE = "reponse_illisible"


_SENTENCES = {
    ApcvFault.NOT_A_CODE: "Ce code n'est pas un code ApCV (application carte Vitale).",
    ApcvFault.FOREIGN: "Ce code ApCV n'a pas été émis par le service ApCV de l'Assurance "
    "Maladie : il est refusé.",
    ApcvFault.EXPIRED: "Ce code ApCV a expiré (un code n'est valable que quelques minutes).",
    ApcvFault.USED: "Ce code ApCV a déjà servi (un code ne sert qu'une fois).",
    ApcvFault.UNKNOWN_PERSON: "L'Assurance Maladie ne connaît pas un bénéficiaire de cette ApCV.",
    ApcvFault.OTHER_PATIENT: "Ce patient n'est pas présenté par cette ApCV : elle ne peut "
    "sécuriser que la FSE d'un des bénéficiaires qu'elle affiche.",
    ApcvFault.SESSION_EXPIRED: "La session ApCV a expiré.",
    ApcvFault.SESSION_UNKNOWN: "Le service ApCV ne connaît pas (ou plus) cette session.",
    ApcvFault.SESSION_USED: "Cette session ApCV a déjà sécurisé une autre FSE.",
    ApcvFault.OTHER_DATE: "La session ApCV a été ouverte pour une autre date de soins : les "
    "droits lus ne valent que pour celle-là.",
    ApcvFault.OFFLINE: "L'ApCV a besoin du réseau pour ouvrir une session, et le service "
    "ApCV ne répond pas.",
    ApcvFault.GARBAGE: "Le service ApCV a répondu de façon illisible.",
}


class ApcvError(ClientError):
    """The ApCV refused; the message says why and what to do (``WAY_OUT``). Nothing was
    written: the FSE is secured only once the service has signed."""

    def __init__(self, fault: ApcvFault, detail: str = "") -> None:
        text = _SENTENCES[fault]
        if detail:
            text = f"{text} ({detail})"
        super().__init__(f"{text} {WAY_OUT}")
        self.fault = fault
        self.detail = detail
