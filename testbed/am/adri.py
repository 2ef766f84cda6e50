"""ADRi (acquisition des droits intégrée): the rights of a bénéficiaire, asked by NIR, birth
date and rang, at a date. The simulated caisses know the people of the testbed's Vitale
profiles (the caisse's database is the source the cards are written from)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from testbed.cards.profiles import Beneficiaire, VitaleProfile, load_all

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Person:
    """One bénéficiaire as the caisse knows him."""

    beneficiaire: Beneficiaire
    assure_nir: str
    regime: str
    caisse: str
    centre: str
    code_gestion: str


def _ymd(value: str) -> str:
    return f"{value[:4]}-{value[4:6]}-{value[6:]}"


class Directory:
    """The bénéficiaires of every Vitale profile, searchable the way ADRi is asked."""

    def __init__(self, profiles: list[VitaleProfile] | None = None) -> None:
        if profiles is None:
            profiles = [p for p in load_all().values() if isinstance(p, VitaleProfile)]
        self.people: list[Person] = [
            Person(
                b,
                p.assure.nir,
                p.assure.regime,
                p.assure.caisse,
                p.assure.centre,
                p.assure.code_gestion,
            )
            for p in profiles
            for b in p.beneficiaires
        ]

    def organisms(self) -> frozenset[tuple[str, str]]:
        """(régime, caisse) pairs the simulated Assurance Maladie knows."""
        return frozenset((p.regime, p.caisse) for p in self.people)

    def find(self, nir: str, birth_date: str, rank: str) -> Person | None:
        """The person with this NIR (13 or 15 characters, assuré's or his own), birth date
        (AAAAMMJJ) and rang."""
        nir13 = nir[:13].upper()
        for person in self.people:
            b = person.beneficiaire
            if (
                nir13 in (b.nir[:13], person.assure_nir[:13])
                and b.naissance == birth_date
                and b.rang == rank
            ):
                return person
        return None

    def answer(self, nir: str, birth_date: str, rank: str, at: date) -> dict[str, Any] | None:
        """The ADRi answer document, or None when nobody matches."""
        person = self.find(nir, birth_date, rank)
        if person is None:
            return None
        b = person.beneficiaire
        day = at.strftime("%Y%m%d")
        amo_open = any(p.start <= day <= p.end for p in b.amo)
        coverages = [
            {"nature": c.kind, "code": c.code, "debut": _ymd(c.start), "fin": _ymd(c.end)}
            for c in b.coverages
            if c.start <= day <= c.end
        ]
        amc = None
        if b.amc is not None and b.amc.start <= day <= b.amc.end:
            amc = {
                "organisme": b.amc.organism,
                "adherent": b.amc.member,
                "contrat": b.amc.contract,
                "tiers_payant": b.amc.tiers_payant,
                "gestion": b.amc.gestion,
                "soins_tiers_payant": b.amc.tp_services,
                "debut": _ymd(b.amc.start),
                "fin": _ymd(b.amc.end),
            }
        reference = hashlib.sha256(f"{b.nir}|{b.naissance}|{b.rang}|{day}".encode()).hexdigest()
        return {
            "reference": "ADRI-" + reference[:20].upper(),
            "date": at.isoformat(),
            "nom": b.nom,
            "prenom": b.prenom,
            "nom_usage": b.nom_usage or "",
            "date_naissance": b.naissance,
            "rang": b.rang,
            "qualite": b.qualite,
            "nir_assure": person.assure_nir,
            "nir_beneficiaire": b.nir,
            "organisme": {
                "regime": person.regime,
                "caisse": person.caisse,
                "centre": person.centre,
                "code_gestion": person.code_gestion,
            },
            "droits_amo_ouverts": amo_open,
            "periodes_amo": [{"debut": _ymd(p.start), "fin": _ymd(p.end)} for p in b.amo],
            "couvertures": coverages,
            "amc": amc,
        }
