"""Where an FSE stands for the practitioner's money: the reconciliation statuses.

Its own module so that :mod:`client.labels` (shared by the CLI and the GUI) can name them
without importing the whole of :mod:`client.returns`, which uses the labels in turn."""

from __future__ import annotations

from enum import StrEnum


class Reconciliation(StrEnum):
    """Where an FSE stands for the practitioner's money."""

    PAID = "payee"
    PARTLY_PAID = "payee_partiellement"  # the amount paid differs from the amount billed
    REJECTED = "rejetee"  # NOEMIE reject, with motif
    REFUSED = "refusee_arl"  # ARL negative: to be corrected and sent again
    WAITING = "en_attente"
