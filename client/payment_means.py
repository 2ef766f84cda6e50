"""How the patient paid at the desk: its own module so that the recette and the lists can
name it without importing the desk (``client.desk`` re-exports it; issue #27)."""

from __future__ import annotations

from enum import StrEnum


class PaymentMeans(StrEnum):
    """How the patient paid what he paid at the desk (stated on the receipt)."""

    CASH = "especes"
    CHEQUE = "cheque"
    CARD = "carte"

    @property
    def label(self) -> str:
        return {"especes": "espèces", "cheque": "chèque", "carte": "carte bancaire"}[self.value]
