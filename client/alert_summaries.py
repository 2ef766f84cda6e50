"""What one alert says for many of a kind that grows with the store (issue #27).

A store of ten years holds hundreds of refused lots, lots without ARL, unmatched payments:
one line each helped nobody and stalled the dashboard laying them out (195 refused lots at
1 M FSE). Past :data:`ONE_BY_ONE` alerts of such a kind, one alert counts them, says the
oldest and how to list them (``sesam alerts --detail KIND``, or a double click on the alert
in the dashboard), as the FSE alerts already did (``client.alerts.FSE_ONE_BY_ONE``).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Above this many alerts of one of :data:`SUMMARIES`' kinds, one alert counts them.
ONE_BY_ONE = 20


@dataclass(frozen=True, slots=True)
class Summary:
    """The texts of a summed kind: ``{n}`` the count, ``{since}`` the oldest's date
    (JJ/MM/AAAA), ``{kind}`` the kind's name for ``sesam alerts --detail``."""

    message: str
    action: str


def _listing(kind: str) -> str:
    return (
        f"Listez-les (double-clic sur l'alerte au tableau de bord, ou sesam alerts --detail {kind})"
    )


#: Keyed by ``AlertKind`` value: the kinds that count lots or payment lines.
SUMMARIES: dict[str, Summary] = {
    "lot_refuse": Summary(
        "{n} lots refusés par le concentrateur (ARL négatif), le plus ancien le {since}.",
        _listing("lot_refuse") + ", corrigez les FSE concernées et refacturez-les ; un lot "
        "renvoyé tel quel sera refusé à nouveau.",
    ),
    "arl_manquant": Summary(
        "{n} lots sans accusé de réception (ARL), le plus ancien en attente depuis le {since}.",
        "Relancez l'envoi (sesam queue send) : les lots sont renvoyés sans risque de doublon. "
        + _listing("arl_manquant")
        + " ; si l'ARL ne vient toujours pas, contactez votre caisse.",
    ),
    "envoi_en_echec": Summary(
        "{n} lots en échec d'envoi, le plus ancien depuis le {since}.",
        _listing("envoi_en_echec") + " pour lire la cause de chacun, corrigez-la puis "
        "relancez-les (sesam queue retry N).",
    ),
    "lot_hors_file": Summary(
        "{n} lots signés mais absents de la file d'envoi (le plus ancien du {since}) : ils "
        "ne seraient jamais transmis.",
        "Lancez « sesam audit verify » (la base a pu être modifiée hors du logiciel) et "
        "prévenez le support avant de refacturer ces FSE. " + _listing("lot_hors_file") + ".",
    ),
    "paiement_non_rapproche": Summary(
        "{n} retours NOEMIE non rapprochés, le plus ancien du {since}.",
        "Vérifiez les factures concernées (onglet « Paiements non rapprochés » de la file "
        "d'attente, ou sesam returns list --non-rapproches) ; les retours sont conservés.",
    ),
    "part_amc_en_retard": Summary(
        "{n} parts complémentaires non payées dans le délai de leur complémentaire, la plus "
        "ancienne en retard depuis le {since}.",
        "Relancez les complémentaires (retour de la demande de remboursement, DRE). "
        + _listing("part_amc_en_retard")
        + ".",
    ),
}
