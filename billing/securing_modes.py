"""How an FSE is secured, in a module of its own: the store and the labels need the modes
without the FSE's records (``billing.fse_model`` builds eleven dataclasses at import)."""

from __future__ import annotations

from enum import StrEnum


class SecuringMode(StrEnum):
    """How the FSE is secured (jFSE's SECURED / CARDLESS / DEGRADED)."""

    VITALE = "vitale"  # sécurisé Vitale: the card certifies the digest
    SANS_VITALE = "sans_vitale"  # SESAM sans Vitale: patient identified by NIR or ADRi
    DEGRADE = "degrade"  # SESAM dégradé: CPS only, paper duplicata signed by the patient
    # The carte Vitale as an application on the patient's phone: the ApCV service signs
    # the digest for the session opened from the patient's code (docs/formats/apcv.md).
    APCV = "apcv"

    @property
    def lot_mode(self) -> SecuringMode:
        """The mode of the lots this FSE goes in: an ApCV FSE is a secured one, with the
        garantie de paiement, and travels in the secured (« vitale ») lots."""
        return SecuringMode.VITALE if self is SecuringMode.APCV else self

    @property
    def guarantees_payment(self) -> bool:
        """Only an FSE secured by the carte Vitale, the card or its application (ApCV),
        carries the garantie de paiement [002 L4380]."""
        return self.lot_mode is SecuringMode.VITALE
