"""A pièce justificative (SCOR) as the lists and ``sesam scor status`` show it: its status
with the French label, its record, what a purge deleted, and the store's timestamp forms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from client.store import parse_db_stamp, stamp


class PjStatus(StrEnum):
    """Where a PJ stands. Stored in ``scor_pj.status``."""

    TO_CHECK = "to_check"  # normalised, waiting for the user to look at it
    ACCEPTED = "accepted"  # checked; waits for its invoice lot to be closed
    IN_LOT = "in_lot"  # in a signed PJ lot queued behind its invoice lot
    ACKNOWLEDGED = "acknowledged"  # ARL PJ positive
    REFUSED = "refused"  # ARL PJ negative; the sender sends the lot again
    PAPER_DUE = "paper_due"  # 5 working days without success: send the paper duplicata
    REPLACED = "replaced"  # superseded by a new scan before leaving
    PURGED = "purged"  # retention over: file and content deleted

    @property
    def label(self) -> str:
        """French label for lists."""
        return _LABELS[self]


_LABELS = {
    PjStatus.TO_CHECK: "à vérifier",
    PjStatus.ACCEPTED: "vérifiée, en attente du lot de facturation",
    PjStatus.IN_LOT: "dans un lot PJ, en attente d'envoi",
    PjStatus.ACKNOWLEDGED: "transmise (ARL PJ positif)",
    PjStatus.REFUSED: "refusée (ARL PJ négatif), à renvoyer",
    PjStatus.PAPER_DUE: "à envoyer sur papier (duplicata)",
    PjStatus.REPLACED: "remplacée",
    PjStatus.PURGED: "purgée",
}

#: Statuses in which a PJ is still waiting to be transmitted.
PENDING = (PjStatus.IN_LOT, PjStatus.REFUSED)


def iso_stamp(moment: datetime) -> str:
    return stamp(moment)


def parse_stamp(text: str | None) -> datetime | None:
    return parse_db_stamp(text) if text else None


@dataclass(frozen=True, slots=True)
class PjRecord:
    """A PJ as the status list shows it."""

    id: int
    fse_id: int
    fse_number: int
    status: PjStatus
    source: str
    file_path: Path | None  # absolute; None once purged
    sha256: str
    size: int
    pages: int
    dpi: int
    created_at: datetime
    lot_id: str | None
    invoice_lot_id: str | None
    first_attempt_at: datetime | None
    transmitted_at: datetime | None
    paper_deadline: date | None  # last day to keep trying (after a first attempt)
    paper_due: bool
    purge_on: date | None  # first day the file may be purged
    last_error: str | None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping, French keys (``sesam scor status --json``, docs/formats/cli.md)."""
        return {
            "id": self.id,
            "numero_fse": self.fse_number,
            "statut": self.status.value,
            "libelle": self.status.label,
            "source": self.source,
            "fichier": str(self.file_path) if self.file_path else None,
            "sha256": self.sha256,
            "taille": self.size,
            "pages": self.pages,
            "dpi": self.dpi,
            "cree_le": iso_stamp(self.created_at),
            "id_lot": self.lot_id,
            "id_lot_fse": self.invoice_lot_id,
            "premier_essai_le": iso_stamp(self.first_attempt_at) if self.first_attempt_at else None,
            "transmise_le": iso_stamp(self.transmitted_at) if self.transmitted_at else None,
            "papier_avant_le": self.paper_deadline.isoformat() if self.paper_deadline else None,
            "papier_a_envoyer": self.paper_due,
            "purge_le": self.purge_on.isoformat() if self.purge_on else None,
            "derniere_erreur": self.last_error,
        }


@dataclass(frozen=True, slots=True)
class PurgeRecord:
    """What a purge deleted (or would delete, in a dry run)."""

    pj_id: int
    fse_number: int
    file_path: str
    size: int
    retention_start: date
    purged_at: datetime
