"""What the user should do about a negative ARL, per motif (French). The motifs' own labels
say what the concentrator found; these sentences say what to do next."""

from __future__ import annotations

from collections.abc import Iterable

_ADVICE = {
    "A01": "Le lot a été altéré après sa signature : refermez ces FSE dans un nouveau lot.",
    "A02": "La carte CPS qui a signé n'est pas reconnue : signez avec une carte CPS valide.",
    "A04": "La carte Vitale de ce patient est peut-être abîmée : refaites la FSE en mode dégradé.",
    "A05": "Le NIR du patient est faux : corrigez-le puis refaites la FSE.",
    "A06": "La caisse du patient est inconnue : vérifiez ses droits (ADRi) puis refaites la FSE.",
    "A09": "La carte CPS qui a signé est révoquée : demandez une nouvelle carte à l'ANS et "
    "signez avec une carte valide.",
    "A10": "Le lot doit être signé avec la carte CPS du praticien dont il porte le numéro de "
    "facturation, ou de son remplaçant : refermez ces FSE dans un nouveau lot avec la bonne "
    "carte.",
    "A11": "Ce numéro de lot a déjà servi : les FSE seront renvoyées dans un lot au numéro "
    "suivant ; si cela se répète, une ancienne sauvegarde a peut-être été restaurée sans "
    "numbering.json : contactez le support.",
    "A12": "Cette FSE a déjà été acceptée (et sera payée) dans un autre lot : ne la renvoyez "
    "pas ; les autres FSE du lot sont à renvoyer dans un nouveau lot.",
    "A13": "La signature ApCV de cette FSE n'est pas celle du service ApCV : refaites la FSE "
    "avec un nouveau code ApCV du patient, ou en SESAM sans Vitale (ADRi) ou en dégradé, sans "
    "garantie de paiement.",
    "A14": "La session ApCV de cette FSE a déjà sécurisé une autre FSE : refaites-la avec un "
    "nouveau code ApCV du patient (un code ne sert qu'une fois).",
    "A15": "Un acte de cette FSE ne se facture qu'en téléconsultation (ou jamais en "
    "téléconsultation) : corrigez-la (FSE rectificative) en cochant « téléconsultation » ou "
    "en cotant l'acte fait au cabinet.",
}


def advice(codes: Iterable[str]) -> str:
    """The sentences for these motif codes, once each, in order; '' when none is known."""
    seen: list[str] = []
    for code in codes:
        text = _ADVICE.get(code)
        if text and text not in seen:
            seen.append(text)
    return " ".join(seen)
