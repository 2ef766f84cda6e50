"""What a lot holds and where it stands: the words the store keeps in ``lots.kind`` and
``lots.state``. Apart from ``billing.lot`` (which re-exports them): every listing reads lot
states, and the lot's rules and records are three dataclasses to define (issue #27)."""

from __future__ import annotations

from enum import StrEnum

KIND_FSE = "fse"
#: A lot of scanned pièces justificatives (``billing.pj_lot``); here so that the store can
#: name it without importing the CMS code.
KIND_PJ = "pj"


class LotState(StrEnum):
    """Where a lot stands. Stored in the database."""

    OPEN = "open"  # receives FSE of its (organism, mode); not signed, not sendable
    CLOSED = "closed"  # signed by the CPS; its outbox row is PENDING
    SENT = "sent"  # handed to the concentrator
    ACKNOWLEDGED = "acknowledged"  # ARL positive
    REFUSED = "refused"  # ARL negative: to be sent again
    VOIDED = "voided"  # closed, then voided before sending (an FSE in it was cancelled)
