"""How the simulated AMC pays the DRE it accepted: on time, late, a different amount, or a
rejection with its motif, by a policy a test (or the control server) may change, like the
simulated Assurance Maladie's ``ReturnPolicy``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from testbed.amc.ledger import ReceivedItem

_CENT = Decimal("0.01")

#: Rejection motifs of the simulated AMC (this project's codes, docs/formats/amc-api.md).
REJECT_MOTIFS = {
    "R01": "engagement inconnu ou annulé",
    "R02": "bénéficiaire radié à la date des soins",
    "R03": "montant supérieur à l'engagement",
}
#: Why it paid another amount than asked.
PARTIAL_MOTIFS = {
    "P01": "plafond annuel du contrat atteint",
    "P02": "dépassement d'honoraires non couvert",
}


class Fate(StrEnum):
    PAID = "paye"
    LATE = "paye-en-retard"
    PARTLY_PAID = "paye-partiellement"
    REJECTED = "rejete"


@dataclass(frozen=True, slots=True)
class AmcPolicy:
    """Shares per thousand of each fate (the rest is paid on time), and the delays.

    ``forced`` fixes the fate of given FSE (by FSE id): a test's exact case."""

    rejected_per_mille: int = 100
    partly_paid_per_mille: int = 150
    late_per_mille: int = 150
    delay_days: int = 0  # on time: paid this many days after reception
    late_days: int = 45  # late: past the contractual delay of 30 days
    forced: tuple[tuple[str, Fate], ...] = ()

    def fate(self, fse_id: str) -> tuple[Fate, str]:
        """The fate of a DRE and, for a rejection or a partial payment, its motif code."""
        digest = hashlib.sha256(fse_id.encode()).digest()
        forced = dict(self.forced).get(fse_id)
        roll = int.from_bytes(digest[:4], "big") % 1000
        if forced is None:
            forced = Fate.PAID
            bounds = (
                (self.rejected_per_mille, Fate.REJECTED),
                (self.partly_paid_per_mille, Fate.PARTLY_PAID),
                (self.late_per_mille, Fate.LATE),
            )
            edge = 0
            for share, fate in bounds:
                edge += share
                if roll < edge:
                    forced = fate
                    break
        if forced is Fate.REJECTED:
            codes = sorted(REJECT_MOTIFS)
            return forced, codes[digest[4] % len(codes)]
        if forced is Fate.PARTLY_PAID:
            codes = sorted(PARTIAL_MOTIFS)
            return forced, codes[digest[4] % len(codes)]
        return forced, ""

    def due(self, item: ReceivedItem, fate: Fate) -> datetime:
        """When the AMC answers for this DRE."""
        days = self.late_days if fate is Fate.LATE else self.delay_days
        return item.received_at + timedelta(days=days)


def return_document(item: ReceivedItem, fate: Fate, motif: str, on: datetime) -> dict[str, Any]:
    """One entry of the returns feed (``GET /v1/retours``)."""
    paid = item.amount
    label = ""
    if fate is Fate.REJECTED:
        paid, label = Decimal("0.00"), REJECT_MOTIFS[motif]
    elif fate is Fate.PARTLY_PAID:
        paid, label = (
            max(Decimal("0.00"), item.amount - max(_CENT, (item.amount / 5).quantize(_CENT))),
            PARTIAL_MOTIFS[motif],
        )
    return {
        "id_retour": "RET-" + hashlib.sha256(item.fse_id.encode()).hexdigest()[:20],
        "lot_id": item.lot_id,
        "fse_id": item.fse_id,
        "engagement": item.engagement,
        "statut": "rejete" if fate is Fate.REJECTED else "paye",
        "montant_demande": str(item.amount),
        "montant_paye": str(paid),
        "date_paiement": on.date().isoformat(),
        "virement": "" if fate is Fate.REJECTED else "VIR-AMC-" + on.strftime("%Y%m%d"),
        "motif_code": motif,
        "motif_libelle": label,
    }
