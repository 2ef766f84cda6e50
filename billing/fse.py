"""The FSE (feuille de soins électronique): its content, its securing modes, its document.

An FSE is a ``FseBody`` (everything the caisse needs, SSV invoice groups 1110-1321 as a
checklist) plus its securing: the SHA-256 digest of the body's canonical form and, in
*sécurisé Vitale* mode, the Vitale card's 8-byte certification of that digest. The wire
form is ``docs/formats/fse.md`` (format ``SESAM-FSE`` version 1, RFC 8785 JSON).

Securing modes are decided from what is actually available (``decide_mode``) and never
silently downgraded: SESAM dégradé is only ever the user's explicit choice, with a reason.

The content lives in :mod:`billing.fse_model` and the reading back of a document in
:mod:`billing.fse_document`; this module decides the mode and secures, and re-exports both
(callers import from ``billing.fse``).
"""

from __future__ import annotations

import logging

from billing.fse_document import body_from_document, fse_from_document
from billing.fse_model import (
    FORMAT,
    VERSION,
    Amounts,
    Beneficiary,
    Fse,
    FseAct,
    FseBody,
    FseError,
    Mentions,
    ModeUnavailableError,
    Organism,
    PatientIdentification,
    PractitionerSituation,
    Rectifies,
    Replacement,
    SecuringMode,
    TiersPayant,
    decimal_text,
    money,
    parse_money,
    parse_stamp,
    utc_stamp,
)
from billing.signing import CERTIFICATION_LENGTH, ApcvSigner, VitaleCertifier, sha256

logger = logging.getLogger(__name__)

__all__ = [
    "FORMAT",
    "VERSION",
    "Amounts",
    "Beneficiary",
    "Fse",
    "FseAct",
    "FseBody",
    "FseError",
    "Mentions",
    "ModeUnavailableError",
    "Organism",
    "PatientIdentification",
    "PractitionerSituation",
    "Rectifies",
    "Replacement",
    "SecuringMode",
    "TiersPayant",
    "body_from_document",
    "decide_mode",
    "decimal_text",
    "fse_from_document",
    "money",
    "parse_money",
    "parse_stamp",
    "secure",
    "utc_stamp",
]


def decide_mode(
    requested: SecuringMode | None,
    *,
    vitale_present: bool,
    patient_given: bool,
    degrade_reason: str,
    apcv_present: bool = False,
) -> SecuringMode:
    """The securing mode to use, from what the user asked and what is there.

    Never downgrades on its own: with no Vitale card and no explicit choice it refuses;
    dégradé needs a reason; sans Vitale needs an explicit patient identity.
    :raises ModeUnavailableError: the wanted mode cannot be used.
    """
    if requested is SecuringMode.APCV and not apcv_present:
        raise ModeUnavailableError(
            requested,
            "Mode ApCV demandé mais aucune session ApCV n'est ouverte : faites lire le code de "
            "l'application carte Vitale du patient.",
        )
    if requested is None and apcv_present and not vitale_present:
        return SecuringMode.APCV
    if requested is None:
        if vitale_present:
            return SecuringMode.VITALE
        raise ModeUnavailableError(
            None,
            "Aucune carte Vitale n'est insérée. Insérez-la, ou choisissez explicitement le "
            "mode SESAM sans Vitale (identité du patient fournie) ou le mode dégradé "
            "(avec son motif).",
        )
    if requested is SecuringMode.VITALE and not vitale_present:
        raise ModeUnavailableError(
            requested,
            "Mode sécurisé Vitale demandé mais aucune carte Vitale n'est lisible. Insérez la "
            "carte ; le passage en mode dégradé doit être choisi explicitement, avec son motif.",
        )
    if requested is SecuringMode.DEGRADE and not degrade_reason.strip():
        raise ModeUnavailableError(
            requested, "Le mode dégradé exige un motif (carte Vitale absente, illisible...)."
        )
    if requested is SecuringMode.SANS_VITALE and not patient_given:
        raise ModeUnavailableError(
            requested,
            "Le mode SESAM sans Vitale exige l'identité du patient (NIR ou réponse ADRi).",
        )
    if requested is SecuringMode.DEGRADE and not (patient_given or vitale_present):
        raise ModeUnavailableError(
            requested, "Le mode dégradé exige l'identité du patient (carte Vitale ou NIR saisi)."
        )
    return requested


def secure(body: FseBody, certifier: VitaleCertifier | None, apcv: ApcvSigner | None = None) -> Fse:
    """Digest the body and, in vitale mode, have the card certify the digest; in apcv
    mode, have the ApCV service sign it for the session.

    :raises ModeUnavailableError: vitale mode without a certifier, or a certifier offered
        for another mode (a dégradé FSE carries no certification, by construction).
    :raises FseError: the card serial does not match the body, or the certification
        has the wrong length.
    """
    digest = sha256(body.canonical())
    if body.mode is SecuringMode.APCV:
        return _secure_apcv(body, digest, apcv)
    if body.apcv_session:
        raise FseError("Seule une FSE sécurisée ApCV porte une session ApCV.")
    if body.mode is not SecuringMode.VITALE:
        if body.vitale_serial:
            raise FseError("Une FSE non sécurisée Vitale ne porte pas de numéro de carte Vitale.")
        return Fse(body=body, digest=digest)
    if certifier is None:
        raise ModeUnavailableError(body.mode, "La carte Vitale est nécessaire pour sécuriser.")
    if certifier.serial.hex() != body.vitale_serial:
        raise FseError(
            "La carte Vitale du lecteur n'est pas celle qui a été lue : recommencez la lecture."
        )
    certification = certifier.certify(digest)
    if len(certification) != CERTIFICATION_LENGTH:
        raise FseError(
            f"Certification Vitale de {len(certification)} octets au lieu de "
            f"{CERTIFICATION_LENGTH}."
        )
    return Fse(body=body, digest=digest, certification=certification)


def _secure_apcv(body: FseBody, digest: bytes, apcv: ApcvSigner | None) -> Fse:
    """The ApCV service's signature stands in for the card's certification."""
    if apcv is None:
        raise ModeUnavailableError(
            body.mode, "Une session ApCV ouverte est nécessaire pour sécuriser en mode ApCV."
        )
    if body.vitale_serial:
        raise FseError("Une FSE sécurisée ApCV ne porte pas de numéro de carte Vitale.")
    if not body.apcv_session or apcv.session_id != body.apcv_session:
        raise FseError(
            "La session ApCV n'est pas celle de cette FSE : faites relire le code du patient."
        )
    signature = apcv.sign_fse(digest, body.beneficiary.patient_key)
    if not signature:
        raise FseError("Le service ApCV n'a pas signé la FSE.")
    return Fse(body=body, digest=digest, apcv_signature=signature)
