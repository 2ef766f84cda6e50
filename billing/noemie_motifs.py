"""NOEMIE's motifs with their French labels, in a module of their own: the alerts name a
reject's or a partial payment's motif without loading the codec's records and parser."""

from __future__ import annotations

from collections.abc import Mapping

#: Reject motifs of the simulated caisse (project codes), with their French label.
REJECT_MOTIFS: Mapping[str, str] = {
    "R01": "Droits du bénéficiaire fermés à la date des soins",
    "R02": "Cotation de l'acte non conforme",
    "R03": "Facture déjà payée (doublon)",
    "R04": "Bénéficiaire inconnu de la caisse",
    "R05": "Prescription absente ou non conforme",
}

#: Motifs of a payment below what was billed (« signalement », project codes ``Sxx``):
#: why the caisse paid less. A payment in full carries none.
PAYMENT_MOTIFS: Mapping[str, str] = {
    "S01": "Acte remboursé sur la base du tarif de convention",
    "S02": "Taux de remboursement ramené au taux normal (exonération non reconnue)",
    "S03": "Participation forfaitaire ou franchise déduite du paiement",
    "S04": "Cotation de l'acte ramenée par la caisse",
}

#: Every motif the caisse may send, rejects and partial payments.
MOTIFS: Mapping[str, str] = {**REJECT_MOTIFS, **PAYMENT_MOTIFS}
