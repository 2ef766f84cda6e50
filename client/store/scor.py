"""SCOR pièces justificatives in the database: the ``scor_pj`` rows, the PJ lots queued
behind their invoice lot, and the ``scor_purges`` record.

The statuses (``client.scor.pj_records.PjStatus``) are the service's: they are passed in as
values, so that the store does not import the SCOR package back. Loaded on first use
(``Store.scor``): the PJ lot module is not read when the store opens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from billing.lot_states import KIND_PJ, LotState
from billing.securing_modes import SecuringMode
from client.store.connection import Repository
from client.store.mapping import row_of
from client.store.rows import OutboxStatus


@dataclass(frozen=True, slots=True)
class PjRow:
    """One ``scor_pj`` row with its FSE's number and invoice lot (stamps as stored)."""

    id: int
    fse_id: int
    fse_number: int
    status: str
    source: str
    file_path: str | None
    sha256: str
    size: int
    pages: int
    dpi: int
    lot_id: str | None
    invoice_lot_id: str | None
    created_at: str
    first_attempt_at: str | None
    transmitted_at: str | None
    posted_at: str | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class PjLotMember:
    """An accepted PJ whose invoice lot is queued: what its PJ lot is built from."""

    pj_id: int
    file_path: str
    fse_uuid: str
    fse_number: int
    invoice_lot_id: str
    practitioner_id: str
    regime: str
    caisse: str
    centre: str


@dataclass(frozen=True, slots=True)
class PjProgress:
    """A PJ in a lot, with what the sender and the ARL PJ recorded about that lot."""

    id: int
    status: str
    first_attempt_at: str | None
    lot_state: str
    outbox_status: int | None
    attempts: int | None
    claimed_at: str | None
    outbox_updated_at: str | None
    last_error: str | None
    sender_first_attempt: str | None
    arl_received_at: str | None


@dataclass(frozen=True, slots=True)
class NewPj:
    """A normalised PJ to record (its file already written)."""

    fse_id: int
    status: str
    source: str
    file_path: str
    sha256: str
    size: int
    pages: int
    dpi: int
    encoding: str


@dataclass(frozen=True, slots=True)
class PjPurge:
    """What a purge deleted, as ``scor_purges`` records it."""

    pj_id: int
    fse_id: int
    fse_number: int
    file_path: str
    sha256: str
    size: int
    pages: int
    retention_start: str
    purged_at: str


_SELECT = """SELECT p.id, p.fse_id, f.number AS fse_number, p.status, p.source, p.file_path,
                    p.sha256, p.size, p.pages, p.dpi, p.lot_id, f.lot_id AS invoice_lot_id,
                    p.created_at, p.first_attempt_at, p.transmitted_at, p.posted_at,
                    p.last_error
             FROM scor_pj p JOIN fse f ON f.id = p.fse_id"""


class ScorPieces(Repository):
    """The ``scor_pj`` rows, PJ lots and the purge record."""

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[PjRow]:
        return [row_of(PjRow, r) for r in self.db.query(_SELECT + sql, params)]

    # -- reading ---------------------------------------------------------------------

    def get(self, pj_id: int) -> PjRow | None:
        rows = self._rows(" WHERE p.id = ?", [pj_id])
        return rows[0] if rows else None

    def listed(self, excluded: Sequence[str]) -> list[PjRow]:
        """Every PJ whose status is not in ``excluded``, most recent first."""
        marks = ", ".join("?" * len(excluded))
        return self._rows(f" WHERE p.status NOT IN ({marks}) ORDER BY p.id DESC", excluded)

    def page(self, excluded: str, limit: int, offset: int) -> list[PjRow]:
        """One page of the PJ whose status is not ``excluded``, in ``id`` order."""
        return self._rows(
            " WHERE p.status != ? ORDER BY p.id LIMIT ? OFFSET ?", [excluded, limit, offset]
        )

    def count(self, excluded: str) -> int:
        row = self._one("SELECT count(*) AS n FROM scor_pj WHERE status != ?", [excluded])
        return int(row["n"]) if row else 0

    def current_for_fse(self, fse_id: int, excluded: str) -> PjRow | None:
        """The latest PJ of an FSE whose status is not ``excluded``."""
        rows = self._rows(
            " WHERE p.fse_id = ? AND p.status != ? ORDER BY p.id DESC LIMIT 1", [fse_id, excluded]
        )
        return rows[0] if rows else None

    def statuses_of_fse(self, fse_id: int, excluded: Sequence[str]) -> list[str]:
        """The statuses of an FSE's PJ, those in ``excluded`` left out."""
        marks = ", ".join("?" * len(excluded))
        return [
            str(r["status"])
            for r in self.db.query(
                f"SELECT id, status FROM scor_pj WHERE fse_id = ? AND status NOT IN ({marks})",  # noqa: S608
                [fse_id, *excluded],
            )
        ]

    def files_of_fse(self, fse_id: int, statuses: Sequence[str]) -> list[str]:
        """The kept files of an FSE's PJ in ``statuses`` (relative to the data directory)."""
        marks = ", ".join("?" * len(statuses))
        return [
            str(r["file_path"])
            for r in self.db.query(
                f"SELECT file_path FROM scor_pj WHERE fse_id = ? AND status IN ({marks}) "  # noqa: S608
                "AND file_path IS NOT NULL",
                [fse_id, *statuses],
            )
        ]

    def lot_members(self, status: str) -> list[PjLotMember]:
        """The PJ in ``status`` whose invoice lot is closed and queued, by lot and number."""
        return [
            row_of(PjLotMember, r)
            for r in self.db.query(
                """SELECT p.id AS pj_id, p.file_path, f.fse_uuid, f.number AS fse_number,
                          f.lot_id AS invoice_lot_id, f.practitioner_id,
                          f.regime, f.caisse, f.centre
                   FROM scor_pj p JOIN fse f ON f.id = p.fse_id
                   JOIN lots l ON l.id = f.lot_id
                   JOIN outbox o ON o.id = f.lot_id
                   WHERE p.status = ? AND l.state NOT IN (?, ?)
                   ORDER BY f.lot_id, f.number""",
                [status, LotState.OPEN.value, LotState.VOIDED.value],
            )
        ]

    def progress(self, statuses: Sequence[str]) -> list[PjProgress]:
        """The PJ in ``statuses`` with their lot's state, outbox row, sender and ARL times."""
        marks = ", ".join("?" * len(statuses))
        return [
            row_of(PjProgress, r)
            for r in self.db.query(
                f"""SELECT p.id, p.status, p.first_attempt_at, l.state AS lot_state,
                          o.status AS outbox_status, o.attempts, o.claimed_at,
                          o.updated_at AS outbox_updated_at, o.last_error,
                          t.first_attempt_at AS sender_first_attempt,
                          a.received_at AS arl_received_at
                   FROM scor_pj p JOIN lots l ON l.id = p.lot_id
                   LEFT JOIN outbox o ON o.id = p.lot_id
                   LEFT JOIN transmissions t ON t.lot_id = p.lot_id
                   LEFT JOIN arl a ON a.lot_id = p.lot_id AND a.status = 'positif'
                   WHERE p.status IN ({marks})""",  # noqa: S608
                list(statuses),
            )
        ]

    def purge_candidates(self) -> list[PjRow]:
        """The PJ still holding a file whose transmission (or paper posting) is known."""
        return self._rows(
            " WHERE p.purged_at IS NULL AND p.file_path IS NOT NULL"
            " AND (p.transmitted_at IS NOT NULL OR p.posted_at IS NOT NULL)"
        )

    def purge_log(self) -> list[dict[str, Any]]:
        """The ``scor_purges`` rows, oldest first (``sesam scor`` prints them as they are)."""
        return list(self.db.query("SELECT * FROM scor_purges ORDER BY id"))

    # -- writing (inside Store.write()) ----------------------------------------------

    def insert(self, pj: NewPj, replaced: str, replacing: Sequence[str], now: str) -> int:
        """Record a new PJ; the FSE's PJ in ``replacing`` become ``replaced``. Its id."""
        marks = ", ".join("?" * len(replacing))
        self.db.execute(
            f"UPDATE scor_pj SET status = ?, file_path = NULL, updated_at = ? "  # noqa: S608
            f"WHERE fse_id = ? AND status IN ({marks})",
            [replaced, now, pj.fse_id, *replacing],
        )
        cursor = self.db.execute(
            """INSERT INTO scor_pj (fse_id, status, source, file_path, sha256, size, pages,
               dpi, encoding, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                pj.fse_id,
                pj.status,
                pj.source,
                pj.file_path,
                pj.sha256,
                pj.size,
                pj.pages,
                pj.dpi,
                pj.encoding,
                now,
                now,
            ],
        )
        return int(cursor.lastrowid or 0)

    def set_checked(self, pj_id: int, status: str, now: str) -> None:
        self.db.execute(
            "UPDATE scor_pj SET status = ?, checked_at = ?, updated_at = ? WHERE id = ?",
            [status, now, now, pj_id],
        )

    def insert_lot(
        self,
        first: PjLotMember,
        lot_id: str,
        number: int,
        count: int,
        der: bytes,
        sha256: str,
        now: str,
    ) -> None:
        """A signed, closed PJ lot and its outbox row, sent after its invoice lot."""
        self.db.execute(
            """INSERT INTO lots (id, practitioner_id, number, kind, regime, caisse, centre,
               mode, state, fse_count, oldest_fse_at, created_at, closed_at, signed_der,
               content_sha256, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)""",
            [
                lot_id,
                first.practitioner_id,
                number,
                KIND_PJ,
                first.regime,
                first.caisse,
                first.centre,
                SecuringMode.DEGRADE.value,
                LotState.CLOSED.value,
                count,
                now,
                now,
                der,
                sha256,
                now,
            ],
        )
        self.db.execute(
            """INSERT INTO outbox (id, kind, status, attempts, next_attempt_at, after_id,
               created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?, ?, ?)""",
            [lot_id, KIND_PJ, int(OutboxStatus.PENDING), now, first.invoice_lot_id, now, now],
        )

    def put_in_lot(self, pj_id: int, status: str, lot_id: str, now: str) -> None:
        self.db.execute(
            "UPDATE scor_pj SET status = ?, lot_id = ?, updated_at = ? WHERE id = ?",
            [status, lot_id, now, pj_id],
        )

    def set_progress(
        self,
        pj_id: int,
        status: str,
        first_attempt_at: str | None,
        transmitted_at: str | None,
        paper_due_at: str | None,
        last_error: str | None,
        now: str,
    ) -> None:
        """What ``refresh`` found (transmission and paper-due times kept once set)."""
        self.db.execute(
            """UPDATE scor_pj SET status = ?, first_attempt_at = ?,
               transmitted_at = COALESCE(transmitted_at, ?),
               paper_due_at = COALESCE(paper_due_at, ?), last_error = ?, updated_at = ?
               WHERE id = ?""",
            [status, first_attempt_at, transmitted_at, paper_due_at, last_error, now, pj_id],
        )

    def set_posted(self, pj_id: int, now: str) -> None:
        self.db.execute(
            "UPDATE scor_pj SET posted_at = ?, updated_at = ? WHERE id = ?", [now, now, pj_id]
        )

    def record_purge(self, purge: PjPurge, lot_id: str | None, status: str) -> None:
        """Record a purge, mark the PJ ``status`` (purged), and erase its PJ lot's signed copy
        once no other piece of that lot is still kept."""
        cleared = 0
        if lot_id:
            # The PJ lot's signed copy holds the PDF too: erase it once no piece of the lot
            # is still within its retention.
            others = self.db.execute(
                "SELECT COUNT(*) FROM scor_pj WHERE lot_id = ? AND id != ? AND purged_at IS NULL",
                [lot_id, purge.pj_id],
            ).fetchone()[0]
            if others == 0:
                self.db.execute(
                    "UPDATE lots SET signed_der = NULL, updated_at = ? WHERE id = ? AND kind = ?",
                    [purge.purged_at, lot_id, KIND_PJ],
                )
                cleared = 1
        self.db.execute(
            """INSERT INTO scor_purges (pj_id, fse_id, fse_number, file_path, sha256,
               size, pages, retention_start, lot_content_cleared, purged_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                purge.pj_id,
                purge.fse_id,
                purge.fse_number,
                purge.file_path,
                purge.sha256,
                purge.size,
                purge.pages,
                purge.retention_start,
                cleared,
                purge.purged_at,
            ],
        )
        self.db.execute(
            "UPDATE scor_pj SET status = ?, file_path = NULL, purged_at = ?, "
            "updated_at = ? WHERE id = ?",
            [status, purge.purged_at, purge.purged_at, purge.pj_id],
        )
