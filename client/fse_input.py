"""The input of ``sesam fse create`` (``parse_fse_input``): the JSON of ``sesam price``
plus optional keys, documented in ``docs/formats/fse.md`` ("Entrée de sesam fse create"),
and the errors of the FSE use cases (:mod:`client.fse_service` re-exports them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from billing.fse import (
    Beneficiary,
    Organism,
    PatientIdentification,
    SecuringMode,
    TiersPayant,
)
from client.errors import ClientError

#: Keys of the ``sesam fse create`` input that ``sesam price`` does not know.
FSE_KEYS = frozenset(
    {
        "beneficiary",
        "mode",
        "degrade_reason",
        "situation",
        "tiers_payant",
        "acte_gratuit",
        "identity",
        "cancel_reason",
    }
)


class FseInputError(ClientError):
    """The ``sesam fse create`` input is malformed (exit code 2); ``field`` names the key."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"Champ « {field} » : {message}")
        self.field = field
        self.message = message


class FseServiceError(ClientError):
    """A use case cannot go on; the French message says what to do."""


@dataclass(frozen=True, slots=True)
class PatientIdentity:
    """A patient identified without the carte Vitale (sans Vitale, dégradé)."""

    beneficiary: Beneficiary
    organism: Organism
    last_name: str
    first_name: str


@dataclass(frozen=True, slots=True)
class FseInput:
    """What ``sesam fse create`` was asked to do."""

    pricing: Mapping[str, Any]  # the ``sesam price`` object (our keys left in: it ignores them)
    beneficiary: int | Mapping[str, str] | None
    mode: SecuringMode | None
    degrade_reason: str
    situation: int | None
    tiers_payant: TiersPayant
    acte_gratuit: bool
    identity: PatientIdentity | None


def _text(obj: Mapping[str, Any], key: str, field: str, *, default: str | None = None) -> str:
    value = obj.get(key, default)
    if not isinstance(value, str):
        raise FseInputError(field, "texte attendu")
    return value.strip()


def _flag(obj: Mapping[str, Any], key: str, field: str) -> bool:
    value = obj.get(key, False)
    if not isinstance(value, bool):
        raise FseInputError(field, "booléen attendu (true ou false)")
    return value


def _identity(raw: object) -> PatientIdentity:
    if not isinstance(raw, dict):
        raise FseInputError("identity", "objet attendu")
    nir = _text(raw, "nir", "identity.nir", default="").upper()
    if len(nir) != 15 or not nir[13:].isdigit():
        raise FseInputError("identity.nir", "NIR de l'assuré sur 15 caractères (13 + clé) attendu")
    beneficiary_nir = _text(raw, "beneficiary_nir", "identity.beneficiary_nir", default="").upper()
    if beneficiary_nir and len(beneficiary_nir) != 15:
        raise FseInputError("identity.beneficiary_nir", "NIR sur 15 caractères attendu")
    birth = _text(raw, "birth_date", "identity.birth_date", default="").replace("-", "")
    if len(birth) != 8 or not birth.isdigit():
        raise FseInputError("identity.birth_date", "date AAAA-MM-JJ ou AAAAMMJJ attendue")
    source = _text(raw, "identification", "identity.identification", default="nir")
    if source not in ("nir", "adri"):
        raise FseInputError("identity.identification", 'valeur attendue : "nir" ou "adri"')
    organism_raw = raw.get("organism")
    if not isinstance(organism_raw, dict):
        raise FseInputError("identity.organism", "objet {regime, caisse, centre} attendu")
    organism = Organism(
        regime=_text(organism_raw, "regime", "identity.organism.regime", default=""),
        caisse=_text(organism_raw, "caisse", "identity.organism.caisse", default=""),
        centre=_text(organism_raw, "centre", "identity.organism.centre", default=""),
        code_gestion=_text(
            organism_raw, "code_gestion", "identity.organism.code_gestion", default=""
        ),
    )
    for name, size in (("regime", 2), ("caisse", 3), ("centre", 4)):
        value = getattr(organism, name)
        if len(value) != size or not value.isdigit():
            raise FseInputError(f"identity.organism.{name}", f"{size} chiffres attendus")
    return PatientIdentity(
        beneficiary=Beneficiary(
            assure_nir=nir[:13],
            assure_nir_key=nir[13:],
            beneficiary_nir=beneficiary_nir[:13],
            beneficiary_nir_key=beneficiary_nir[13:],
            birth_date=birth,
            rang=_text(raw, "rang", "identity.rang", default="1"),
            qualite=_text(raw, "qualite", "identity.qualite", default="00"),
            identification=PatientIdentification(source),
            adri_reference=_text(raw, "adri_reference", "identity.adri_reference", default=""),
        ),
        organism=organism,
        last_name=_text(raw, "last_name", "identity.last_name", default=""),
        first_name=_text(raw, "first_name", "identity.first_name", default=""),
    )


def parse_fse_input(obj: object) -> FseInput:
    """Read the ``sesam fse create`` input (see ``docs/formats/fse.md``).

    :raises FseInputError: one of the FSE keys is malformed (pricing keys are checked later
        by ``billing.price_io``).
    """
    if not isinstance(obj, dict):
        raise FseInputError("(racine)", "objet JSON attendu")
    selector = obj.get("beneficiary")
    if selector is not None and not (
        (isinstance(selector, int) and not isinstance(selector, bool))
        or (isinstance(selector, dict) and all(isinstance(v, str) for v in selector.values()))
    ):
        raise FseInputError(
            "beneficiary", 'index (0, 1, ...) ou objet {"rang", "birth_date", "prenom"}'
        )
    mode_raw = obj.get("mode")
    try:
        mode = None if mode_raw is None else SecuringMode(mode_raw)
    except ValueError:
        raise FseInputError(
            "mode", 'valeur attendue : "vitale", "sans_vitale" ou "degrade"'
        ) from None
    situation = obj.get("situation")
    if situation is not None and (not isinstance(situation, int) or isinstance(situation, bool)):
        raise FseInputError("situation", "numéro de situation (entier) attendu")
    tp_raw = obj.get("tiers_payant", {})
    if not isinstance(tp_raw, dict):
        raise FseInputError("tiers_payant", 'objet {"amo": bool, "amc": bool} attendu')
    identity_raw = obj.get("identity")
    return FseInput(
        pricing=obj,
        beneficiary=selector,
        mode=mode,
        degrade_reason=_text(obj, "degrade_reason", "degrade_reason", default=""),
        situation=situation,
        tiers_payant=TiersPayant(
            amo=_flag(tp_raw, "amo", "tiers_payant.amo"),
            amc=_flag(tp_raw, "amc", "tiers_payant.amc"),
        ),
        acte_gratuit=_flag(obj, "acte_gratuit", "acte_gratuit"),
        identity=None if identity_raw is None else _identity(identity_raw),
    )
