"""Every Vitale profile has its ApCV twin: the application of one adult of the card (the
assuré by default), carrying himself and the children the card covers (qualité 06, « ses
enfants »), as a parent's application does. The caisse's directory is the same as ADRi's."""

from __future__ import annotations

from dataclasses import dataclass

from testbed.apcv.token import Person
from testbed.cards.profiles import Beneficiaire, VitaleProfile, load_all

CHILD = "06"


class TwinError(ValueError):
    """No ApCV twin for this profile or holder."""


@dataclass(frozen=True, slots=True)
class ApcvTwin:
    """The application of ``holder``, presenting ``beneficiaires`` (holder first)."""

    profile: str
    holder: Beneficiaire
    beneficiaires: tuple[Beneficiaire, ...]

    def people(self) -> tuple[Person, tuple[Person, ...]]:
        """The holder and the bénéficiaires as the code names them."""

        def person(b: Beneficiaire) -> Person:
            return Person(b.nir, b.naissance, b.rang)

        return person(self.holder), tuple(person(b) for b in self.beneficiaires)


def vitale_profiles() -> dict[str, VitaleProfile]:
    return {n: p for n, p in load_all().items() if isinstance(p, VitaleProfile)}


def twin(profile: str, holder: int | None = None) -> ApcvTwin:
    """The ApCV of ``profile``; ``holder``: 1-based position of the adult on the card
    (default: the assuré, else the first adult).

    :raises TwinError: unknown profile, or the position is not an adult of the card.
    """
    found = vitale_profiles().get(profile)
    if found is None:
        known = ", ".join(sorted(vitale_profiles()))
        raise TwinError(f"profil Vitale inconnu : {profile} (connus : {known})")
    people = found.beneficiaires
    adults = [b for b in people if b.qualite != CHILD]
    if holder is None:
        chosen = next((b for b in people if b.qualite == "00"), adults[0] if adults else None)
    elif 1 <= holder <= len(people) and people[holder - 1].qualite != CHILD:
        chosen = people[holder - 1]
    else:
        chosen = None
    if chosen is None:
        raise TwinError(
            f"{profile} : le porteur doit être un adulte de la carte (1 à {len(people)})"
        )
    children = tuple(b for b in people if b.qualite == CHILD)
    return ApcvTwin(profile, chosen, (chosen, *children))
