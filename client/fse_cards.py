"""The cards of an FSE as the use cases receive them, already opened and read on the
caller's card thread: the CPS (holder, situations d'exercice) and the carte Vitale (card
read and its certifier), with the checks made on them before securing (same card, the
bénéficiaire still on it, the situation chosen) and the patient they identify."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from billing.fse import (
    Beneficiary,
    Organism,
    PatientIdentification,
    PractitionerSituation,
    Replacement,
)
from billing.signing import VitaleCertifier
from cardio.cps import CpsIdentity, Situation
from cardio.vitale import VitaleCard, VitaleReader
from client.fse_input import FseServiceError, PatientIdentity

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CpsSource:
    """The CPS as read (PIN verified): holder and situations d'exercice."""

    identity: CpsIdentity
    situations: tuple[Situation, ...]


@dataclass(frozen=True, slots=True)
class VitaleSource:
    """The carte Vitale as read, and the card itself to certify the FSE."""

    card: VitaleCard
    certifier: VitaleCertifier

    def card_now(self) -> VitaleCard:
        """Who is on the card in the reader now, read again (the certifier when it is a
        reader): serial, assuré, bénéficiaires; the rights file is left unread."""
        if isinstance(self.certifier, VitaleReader):
            return self.certifier.read(rights=False)
        return self.card


class VitaleCardChangedError(FseServiceError):
    """The carte Vitale in the reader is not the one whose data was read: nothing stored."""

    def __init__(self) -> None:
        super().__init__(
            "La carte Vitale a été changée entre la lecture et la sécurisation : la FSE n'a "
            "pas été sécurisée ni enregistrée. Réinsérez la carte du patient et recommencez "
            "depuis la lecture de la carte."
        )


class BeneficiaryNotOnCardError(FseServiceError):
    """The bénéficiaire billed is no longer on the card in the reader: nothing stored."""

    def __init__(self) -> None:
        super().__init__(
            "Le bénéficiaire choisi n'est plus sur la carte Vitale présente dans le lecteur : "
            "la FSE n'a pas été sécurisée ni enregistrée. Relisez la carte et recommencez."
        )


def check_same_card(vitale: VitaleSource, patient: PatientIdentity) -> None:
    """The card about to certify is the one read, and still carries the bénéficiaire.

    :raises VitaleCardChangedError: another card (serial) is in the reader.
    :raises BeneficiaryNotOnCardError: the bénéficiaire is not on it any more.
    """
    current = vitale.card_now()
    if current.serial != vitale.card.serial:
        logger.warning("carte Vitale changed between reading and certification")
        raise VitaleCardChangedError()
    wanted = patient.beneficiary
    assure = current.assure
    if (assure.nir, assure.nir_key) != (wanted.assure_nir, wanted.assure_nir_key) or not any(
        b.birth_date_raw == wanted.birth_date and str(b.rang or 1) == wanted.rang
        for b in current.beneficiaries
    ):
        raise BeneficiaryNotOnCardError()


def practitioner_situation(cps: CpsSource, wanted: int | None) -> PractitionerSituation:
    """The situation the practitioner bills under (the only one, or the one asked for).

    :raises FseServiceError: several situations and none chosen, unknown number, or a
        situation that may not sign FSE.
    """
    situations = cps.situations
    if wanted is None:
        if len(situations) != 1:
            choices = ", ".join(f"{s.number} ({s.structure_name})" for s in situations)
            raise FseServiceError(
                "La carte CPS porte plusieurs situations d'exercice : indiquez laquelle avec "
                f'"situation" ({choices}).'
            )
        chosen = situations[0]
    else:
        matching = [s for s in situations if s.number == str(wanted)]
        if not matching:
            raise FseServiceError(f"La carte CPS n'a pas de situation n° {wanted}.")
        chosen = matching[0]
    if not cps.identity.may_sign or not chosen.may_sign_fse:
        raise FseServiceError(
            "Cette carte (ou cette situation) n'est pas habilitée à facturer : utilisez la "
            "carte CPS du praticien."
        )
    replacement = None
    if chosen.replacement_number:
        replacement = Replacement(number=chosen.replacement_number)
    return PractitionerSituation(
        billing_number=chosen.billing_number,
        billing_key=chosen.billing_key,
        national_id=cps.identity.national_id,
        last_name=cps.identity.nom,
        first_name=cps.identity.prenom,
        situation=int(chosen.number),
        specialty=chosen.specialty,
        sector=chosen.secteur,
        convention_code=chosen.convention_code,
        price_zone=chosen.price_zone,
        ik_zone=chosen.ik_zone,
        practice_mode=chosen.mode,
        structure=chosen.structure,
        replacement=replacement,
    )


def pick_beneficiary(card: VitaleCard, selector: int | Mapping[str, str] | None) -> int:
    people = card.beneficiaries
    if selector is None:
        if len(people) == 1:
            return 0
        listing = "; ".join(
            f"{i} : {b.prenom} (né(e) {b.birth_date_raw}, rang {b.rang})"
            for i, b in enumerate(people)
        )
        raise FseServiceError(
            f"La carte Vitale porte {len(people)} bénéficiaires : indiquez lequel avec "
            f'"beneficiary" ({listing}).'
        )
    if isinstance(selector, int):
        if not 0 <= selector < len(people):
            raise FseServiceError(f"La carte Vitale n'a pas de bénéficiaire n° {selector}.")
        return selector
    found = [
        i
        for i, b in enumerate(people)
        if ("rang" not in selector or str(b.rang) == selector["rang"])
        and (
            "birth_date" not in selector
            or b.birth_date_raw == selector["birth_date"].replace("-", "")
        )
        and ("prenom" not in selector or b.prenom.upper() == selector["prenom"].upper())
    ]
    if len(found) != 1:
        raise FseServiceError(
            "Le bénéficiaire demandé n'est pas sur la carte Vitale, ou n'est pas le seul à "
            "correspondre : précisez rang et date de naissance."
        )
    return found[0]


def patient_from_vitale(
    source: VitaleSource, selector: int | Mapping[str, str] | None
) -> PatientIdentity:
    """The bénéficiaire chosen on the carte Vitale, with the organism of the assuré."""
    card = source.card
    person = card.beneficiaries[pick_beneficiary(card, selector)]
    assure = card.assure
    return PatientIdentity(
        beneficiary=Beneficiary(
            assure_nir=assure.nir,
            assure_nir_key=assure.nir_key,
            beneficiary_nir=person.nir,
            beneficiary_nir_key=person.nir_key,
            birth_date=person.birth_date_raw,
            rang=str(person.rang or 1),
            qualite=person.qualite or "00",
            identification=PatientIdentification.VITALE,
        ),
        organism=Organism(
            regime=assure.regime,
            caisse=assure.caisse,
            centre=assure.centre,
            code_gestion=assure.code_gestion,
        ),
        last_name=person.nom_usage or person.nom,
        first_name=person.prenom,
    )


def assure_from_vitale(source: VitaleSource) -> PatientIdentity | None:
    """The assuré himself among the card's bénéficiaires (qualité 00), None if absent."""
    for index, person in enumerate(source.card.beneficiaries):
        if (person.qualite or "00") == "00":
            return patient_from_vitale(source, index)
    return None


# --- the service ---------------------------------------------------------------------------
