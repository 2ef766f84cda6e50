"""ADRi (acquisition des droits intégrée): ask the Assurance Maladie for a bénéficiaire's
rights by NIR, birth date and rang, at the date of care.

Asked when the user wants it, or when billing without a carte Vitale. The answer is
opposable like the card's rights [convention 002 L4249], but an FSE built on ADRi alone,
without reading the carte Vitale, gives no payment guarantee [002 L4380]: such an FSE is
marked "sans garantie de paiement" (``PAYMENT_NOTICE``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from client.errors import ClientError
from client.store import Store
from client.transport import MalformedAnswerError, Transport

logger = logging.getLogger(__name__)

#: What the user is told about an FSE built on ADRi alone.
PAYMENT_NOTICE = (
    "Sans garantie de paiement : droits obtenus par ADRi seul, sans lecture de la carte "
    "Vitale (physique ou appli carte Vitale)."
)

_NIR = re.compile(r"[12378][0-9]{4}(?:[0-9]{2}|2A|2B)[0-9]{6}(?:[0-9]{2})?")


class RightsQueryError(ClientError):
    """The ADRi question is malformed (French ``str()``); ``field`` names the bad value."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"Demande de droits (ADRi) invalide : {reason}.")
        self.field = field
        self.reason = reason


class RightsNotFoundError(ClientError):
    """The Assurance Maladie knows nobody with this NIR, birth date and rang."""

    def __init__(self) -> None:
        super().__init__(
            "Aucun bénéficiaire ne correspond à ce NIR, cette date de naissance et ce rang. "
            "Vérifiez-les (pour des jumeaux, le rang de naissance les distingue)."
        )


@dataclass(frozen=True, slots=True)
class Rights:
    """The rights of one bénéficiaire at a date, as ADRi gives them."""

    reference: str
    at: date
    last_name: str
    first_name: str
    birth_date: str  # AAAAMMJJ
    rank: str
    qualite: str
    assure_nir: str  # 15 characters
    beneficiary_nir: str
    regime: str
    caisse: str
    centre: str
    code_gestion: str
    amo_open: bool
    coverages: tuple[str, ...]
    amc: dict[str, Any] | None
    payment_guaranteed: bool = False  # ADRi alone: never

    def identity_input(self) -> dict[str, Any]:
        """The ``identity`` object of ``sesam fse create`` for a sans-Vitale FSE (with the
        complémentaire ADRi returned, billed on like the card's)."""
        amc = {"amc": self.amc} if self.amc else {}
        return amc | {
            "nir": self.assure_nir,
            "beneficiary_nir": self.beneficiary_nir
            if self.beneficiary_nir != self.assure_nir
            else "",
            "birth_date": self.birth_date,
            "rang": self.rank,
            "qualite": self.qualite,
            "identification": "adri",
            "adri_reference": self.reference,
            "organism": {
                "regime": self.regime,
                "caisse": self.caisse,
                "centre": self.centre,
                "code_gestion": self.code_gestion,
            },
            "last_name": self.last_name,
            "first_name": self.first_name,
        }

    def to_json(self) -> dict[str, Any]:
        """For ``sesam rights --json`` (the NIR is the user's own input, shown back)."""
        return {
            "reference": self.reference,
            "date": self.at.isoformat(),
            "nom": self.last_name,
            "prenom": self.first_name,
            "date_naissance": self.birth_date,
            "rang": self.rank,
            "qualite": self.qualite,
            "organisme": f"{self.regime}-{self.caisse}-{self.centre}",
            "droits_amo_ouverts": self.amo_open,
            "couvertures": list(self.coverages),
            "amc": self.amc,
            "garantie_de_paiement": self.payment_guaranteed,
            "avertissement": PAYMENT_NOTICE,
            "identite_pour_fse": self.identity_input(),
        }


def normalise_query(nir: str, birth_date: str, rank: str) -> tuple[str, str, str]:
    """Check and normalise the three keys of an ADRi question.

    :raises RightsQueryError: a key is malformed.
    """
    nir = nir.replace(" ", "").upper()
    if not _NIR.fullmatch(nir):
        raise RightsQueryError("nir", "NIR attendu sur 13 ou 15 caractères")
    birth = birth_date.replace("-", "").replace("/", "")
    if len(birth) != 8 or not birth.isdigit():
        raise RightsQueryError("birth_date", "date de naissance AAAA-MM-JJ attendue")
    if not (rank.isdigit() and 1 <= int(rank) <= 9):
        raise RightsQueryError("rank", "rang de naissance de 1 à 9 attendu")
    return nir, birth, str(int(rank))


def _text(doc: dict[str, Any], key: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str):
        raise MalformedAnswerError("ADRi", f"champ {key} absent")
    return value


def _parse(doc: dict[str, Any], at: date) -> Rights:
    org = doc.get("organisme")
    if not isinstance(org, dict):
        raise MalformedAnswerError("ADRi", "organisme absent")
    coverages = doc.get("couvertures") or []
    if not isinstance(coverages, list):
        raise MalformedAnswerError("ADRi", "couvertures illisibles")
    amc = doc.get("amc")
    return Rights(
        reference=_text(doc, "reference"),
        at=at,
        last_name=_text(doc, "nom"),
        first_name=_text(doc, "prenom"),
        birth_date=_text(doc, "date_naissance"),
        rank=_text(doc, "rang"),
        qualite=_text(doc, "qualite"),
        assure_nir=_text(doc, "nir_assure"),
        beneficiary_nir=_text(doc, "nir_beneficiaire"),
        regime=_text(org, "regime"),
        caisse=_text(org, "caisse"),
        centre=_text(org, "centre"),
        code_gestion=_text(org, "code_gestion"),
        amo_open=bool(doc.get("droits_amo_ouverts")),
        coverages=tuple(
            f"{c.get('nature')} {c.get('code')}" for c in coverages if isinstance(c, dict)
        ),
        amc=amc if isinstance(amc, dict) else None,
    )


def rights_from_answer(doc: dict[str, Any], at: date) -> Rights:
    """An ADRi answer document read (the ApCV session carries one per bénéficiaire).

    :raises MalformedAnswerError: the answer cannot be read.
    """
    return _parse(doc, at)


def query_rights(
    transport: Transport,
    nir: str,
    birth_date: str,
    rank: str,
    at: date,
    *,
    store: Store | None = None,
    now: datetime | None = None,
) -> Rights:
    """Ask ADRi; the call is logged (reference only, never the NIR) when a store is given.

    :raises RightsQueryError: malformed question.
    :raises RightsNotFoundError: nobody matches.
    :raises TransportError: the service could not be reached.
    """
    nir, birth, rank = normalise_query(nir, birth_date, rank)
    doc = transport.adri(nir, birth, rank, at)
    if doc is None:
        raise RightsNotFoundError()
    rights = _parse(doc, at)
    if store is not None and now is not None:
        with store.write():
            store.transmissions.log(now, "adri", f"réponse {rights.reference}", None)
    return rights
