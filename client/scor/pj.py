"""Pièces justificatives (SCOR) in the store: attach, check, lot, follow, purge.

The life of a PJ (``PjStatus``)::

    to_check -accept-> accepted -build_lots-> in_lot -(ARL PJ +)-> acknowledged -purge-> purged
      |                                         |-(ARL PJ -)-> refused (the sender resends)
      +-(new scan)-> replaced                   +-(5 working days without success)-> paper_due

- Only a dégradé FSE takes a PJ; a new scan of the same FSE replaces a PJ not yet in a lot.
- The user checks the PDF before it can leave (``accept``): the convention makes the
  physician responsible for its legibility (002 L4338).
- A PJ lot (``lots.kind = 'pj'``) is signed by the CPS and queued in the outbox with
  ``after_id`` = the invoice lot of its FSE, so that the sender sends it only after that lot
  (002 L4350). It is built only once the invoice lot is closed (it then has an outbox row).
- ``refresh`` reads the sender's work (outbox attempts, lot state set by the ARL PJ) and
  applies the 5-working-day rule (``billing.scor_rules``): past it, the PJ is ``paper_due``
  and the FSE shows that the paper duplicata must be sent to the caisse instead.
- ``purge`` deletes the file of each PJ ``retention_days`` after its transmission (or the
  posting of its paper duplicata), erases the signed copy kept with its PJ lot, and
  records what was purged in ``scor_purges``.

Store conventions are those of ``client.migrations``: timestamps are ISO 8601 UTC text.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from billing.lot_states import LotState
from billing.scor_rules import (
    ScorSettings,
    WorkingDayPredicate,
    french_working_day,
    may_purge,
    purge_date,
    retry_verdict,
)
from billing.securing_modes import SecuringMode
from client.scor.errors import PjNotFoundError, PjStateError
from client.scor.pj_records import PENDING as _PENDING
from client.scor.pj_records import PjRecord, PjStatus, PurgeRecord
from client.scor.pj_records import iso_stamp as _stamp
from client.scor.pj_records import parse_stamp as _parse
from client.store import FseRow, OutboxStatus, Store
from client.store.scor import NewPj, PjLotMember, PjPurge, PjRow, ScorPieces

if TYPE_CHECKING:  # fpdf and Pillow: 0.3 s of every command's start
    from billing.signing import Signer
    from client.scor.normalize import NormalizedPj

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]

__all__ = ["Clock", "PjRecord", "PjService", "PjStatus", "PurgeRecord"]


class PjService:
    """SCOR use cases over the store. One instance per store connection (one thread)."""

    def __init__(
        self,
        store: Store,
        data_dir: Path,
        *,
        settings: ScorSettings | None = None,
        clock: Clock | None = None,
        is_working_day: WorkingDayPredicate | None = None,
    ) -> None:
        self._store = store
        self._rows: ScorPieces = store.scor
        self._data_dir = data_dir
        self._settings = settings or ScorSettings()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._is_working_day = is_working_day or french_working_day()

    # -- attaching -------------------------------------------------------------------

    def _fse_row(self, fse_number: int, practitioner_id: str | None) -> FseRow:
        return self._store.fse_by_number(fse_number, practitioner_id)

    def _scor_dir(self) -> Path:
        path = self._data_dir / "scor"
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.chmod(0o700)
        return path

    def attach(
        self,
        fse_number: int,
        pj: NormalizedPj,
        source: str,
        *,
        practitioner_id: str | None = None,
    ) -> PjRecord:
        """Keep a normalised PJ for a dégradé FSE, to be checked by the user.

        A PJ of the same FSE that has not left yet (to check, accepted) is replaced.
        :raises PjNotFoundError: no such FSE.
        :raises PjStateError: the FSE is not dégradé, or already has a PJ in a lot.
        """
        fse = self._fse_row(fse_number, practitioner_id)
        if fse.mode != SecuringMode.DEGRADE.value:
            raise PjStateError(
                f"La FSE n° {fse_number} n'est pas en mode dégradé : elle n'a pas besoin de "
                "pièce justificative SCOR.",
                "not_degrade",
            )
        current = self._rows.statuses_of_fse(
            fse.id, [PjStatus.REPLACED.value, PjStatus.TO_CHECK.value]
        )
        if any(status != PjStatus.ACCEPTED.value for status in current):
            raise PjStateError(
                f"La FSE n° {fse_number} a déjà une pièce justificative en cours d'envoi ou "
                "transmise : consultez « sesam scor status ».",
                current[0],
            )
        import uuid  # platform: not for ``sesam scor status`` (issue #27)

        now = self._clock()
        name = f"pj-{fse.fse_uuid}-{uuid.uuid4().hex[:8]}.pdf"
        path = self._scor_dir() / name
        # Health data: readable by the user only, written atomically.
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pj.pdf)
            out.flush()
            os.fsync(out.fileno())
        tmp.replace(path)
        replaced = self._rows.files_of_fse(
            fse.id, [PjStatus.TO_CHECK.value, PjStatus.ACCEPTED.value]
        )
        try:
            pj_id = self._insert(fse.id, path, pj, source, now)
        except BaseException:
            path.unlink(missing_ok=True)  # no row: no file either
            raise
        # A replaced scan never left the workstation: nothing obliges to keep it.
        for relative in replaced:
            (self._data_dir / relative).unlink(missing_ok=True)
        logger.info("PJ %d attached to FSE %d (%d bytes)", pj_id, fse_number, len(pj.pdf))
        return self.get(pj_id)

    def _insert(self, fse_id: int, path: Path, pj: NormalizedPj, source: str, now: datetime) -> int:
        import hashlib  # OpenSSL: not for ``sesam scor status`` (issue #27)

        record = NewPj(
            fse_id=fse_id,
            status=PjStatus.TO_CHECK.value,
            source=source,
            file_path=str(path.relative_to(self._data_dir)),
            sha256=hashlib.sha256(pj.pdf).hexdigest(),
            size=len(pj.pdf),
            pages=pj.pages,
            dpi=pj.dpi,
            encoding=pj.encoding,
        )
        replacing = [PjStatus.TO_CHECK.value, PjStatus.ACCEPTED.value]
        with self._store.write():
            return self._rows.insert(record, PjStatus.REPLACED.value, replacing, _stamp(now))

    def accept(self, pj_id: int) -> PjRecord:
        """The user checked the PDF: it may leave with the next PJ lot.

        :raises PjStateError: the PJ is not waiting for a check.
        """
        record = self.get(pj_id)
        if record.status is not PjStatus.TO_CHECK:
            raise PjStateError(
                f"La pièce n° {pj_id} est « {record.status.label} » : il n'y a rien à vérifier.",
                record.status.value,
            )
        now = _stamp(self._clock())
        with self._store.write():
            self._rows.set_checked(pj_id, PjStatus.ACCEPTED.value, now)
        return self.get(pj_id)

    # -- PJ lots ---------------------------------------------------------------------

    def build_lots(self, signer: Signer) -> list[str]:
        """Put every accepted PJ whose invoice lot is queued into signed PJ lots.

        One PJ lot per invoice lot; its outbox row has ``after_id`` = the invoice lot, so it
        leaves only after it. Returns the new PJ lot ids.
        """
        rows = self._rows.lot_members(PjStatus.ACCEPTED.value)
        by_lot: dict[str, list[PjLotMember]] = {}
        for row in rows:
            by_lot.setdefault(row.invoice_lot_id, []).append(row)
        created: list[str] = []
        for invoice_lot_id, members in by_lot.items():
            created.append(self._build_one(invoice_lot_id, members, signer))
        return created

    def _build_one(
        self, invoice_lot_id: str, members: Sequence[PjLotMember], signer: Signer
    ) -> str:
        # The CMS signing code (asn1crypto, cryptography): ``sesam scor status`` goes without.
        import hashlib
        import uuid

        from billing.pj_lot import Piece, pj_lot_document, sign_pj_lot

        now = self._clock()
        first = members[0]
        pieces = [
            Piece(
                fse_id=row.fse_uuid,
                fse_number=row.fse_number,
                invoice_lot_id=invoice_lot_id,
                pdf=(self._data_dir / row.file_path).read_bytes(),
            )
            for row in members
        ]
        lot_id = str(uuid.uuid4())
        with self._store.write():
            number = self._store.next_lot_number(first.practitioner_id)
            document = pj_lot_document(
                lot_id=lot_id,
                number=number,
                practitioner_id=first.practitioner_id,
                organism={"regime": first.regime, "caisse": first.caisse, "centre": first.centre},
                created_at=now,
                pieces=pieces,
            )
            der = sign_pj_lot(document, signer, now)
            now_s = _stamp(now)
            sha = hashlib.sha256(der).hexdigest()
            self._rows.insert_lot(first, lot_id, number, len(pieces), der, sha, now_s)
            for row in members:
                self._rows.put_in_lot(row.pj_id, PjStatus.IN_LOT.value, lot_id, now_s)
        logger.info(
            "PJ lot %s (n° %d, %d piece(s)) queued after lot %s",
            lot_id,
            number,
            len(pieces),
            invoice_lot_id,
        )
        return lot_id

    # -- following -------------------------------------------------------------------

    def refresh(self) -> list[PjRecord]:
        """Take in the sender's progress and the ARL PJ, and apply the 5-working-day rule.

        Returns the PJ that just became ``paper_due``.
        """
        now = self._clock()
        now_s = _stamp(now)
        became_due: list[int] = []
        rows = self._rows.progress(
            [PjStatus.IN_LOT.value, PjStatus.REFUSED.value, PjStatus.PAPER_DUE.value]
        )
        with self._store.write():
            for row in rows:
                # The sender records the first attempt of each lot (client.returns); the
                # outbox columns are the fallback when it did not.
                first = row.sender_first_attempt or row.first_attempt_at
                attempted = (row.attempts or 0) > 0 or row.outbox_status not in (
                    None,
                    int(OutboxStatus.PENDING),
                )
                if first is None and attempted:
                    first = row.claimed_at or row.outbox_updated_at or now_s
                status = PjStatus(row.status)
                transmitted = None
                if row.lot_state == LotState.ACKNOWLEDGED.value:
                    status = PjStatus.ACKNOWLEDGED
                    transmitted = row.arl_received_at or row.outbox_updated_at or now_s
                elif row.lot_state == LotState.REFUSED.value and status is PjStatus.IN_LOT:
                    status = PjStatus.REFUSED
                paper_due_at = None
                if status in _PENDING and first is not None:
                    verdict = retry_verdict(
                        _parse(first) or now, now, self._is_working_day, self._settings
                    )
                    if verdict.paper_due:
                        status = PjStatus.PAPER_DUE
                        paper_due_at = now_s
                        became_due.append(row.id)
                self._rows.set_progress(
                    row.id, status.value, first, transmitted, paper_due_at, row.last_error, now_s
                )
        for pj_id in became_due:
            logger.warning("PJ %d: 5 working days without transmission, paper duplicata due", pj_id)
        return [self.get(pj_id) for pj_id in became_due]

    def mark_posted(self, pj_id: int, posted_on: datetime | None = None) -> PjRecord:
        """The paper duplicata was posted to the caisse: retention runs from that day."""
        record = self.get(pj_id)
        if record.status is not PjStatus.PAPER_DUE:
            raise PjStateError(
                f"La pièce n° {pj_id} n'est pas à envoyer sur papier ({record.status.label}).",
                record.status.value,
            )
        now_s = _stamp(posted_on or self._clock())
        with self._store.write():
            self._rows.set_posted(pj_id, now_s)
        return self.get(pj_id)

    # -- reading ---------------------------------------------------------------------

    def _record(self, row: PjRow) -> PjRecord:
        status = PjStatus(row.status)
        first = _parse(row.first_attempt_at)
        transmitted = _parse(row.transmitted_at)
        posted = _parse(row.posted_at)
        created = _parse(row.created_at)
        assert created is not None  # noqa: S101 - NOT NULL column
        deadline = None
        due = status is PjStatus.PAPER_DUE
        if first is not None:
            verdict = retry_verdict(
                first,
                self._clock(),
                self._is_working_day,
                self._settings,
                acknowledged=status is PjStatus.ACKNOWLEDGED,
            )
            deadline = verdict.deadline
            due = due or (status in _PENDING and verdict.paper_due)
        start = transmitted or posted
        return PjRecord(
            id=row.id,
            fse_id=row.fse_id,
            fse_number=row.fse_number,
            status=status,
            source=row.source,
            file_path=self._data_dir / row.file_path if row.file_path else None,
            sha256=row.sha256,
            size=row.size,
            pages=row.pages,
            dpi=row.dpi,
            created_at=created,
            lot_id=row.lot_id,
            invoice_lot_id=row.invoice_lot_id,
            first_attempt_at=first,
            transmitted_at=transmitted,
            paper_deadline=deadline,
            paper_due=due,
            purge_on=purge_date(start, self._settings) if start else None,
            last_error=row.last_error,
        )

    def get(self, pj_id: int) -> PjRecord:
        """One PJ. :raises PjNotFoundError: no such PJ."""
        row = self._rows.get(pj_id)
        if row is None:
            raise PjNotFoundError(f"Pièce justificative n° {pj_id}")
        return self._record(row)

    def records(self, *, include_done: bool = True) -> list[PjRecord]:
        """Every PJ (replaced ones excluded), most recent first."""
        excluded = [PjStatus.REPLACED.value]
        if not include_done:
            excluded.append(PjStatus.PURGED.value)
        return [self._record(r) for r in self._rows.listed(excluded)]

    def records_page(self, limit: int, offset: int = 0) -> list[PjRecord]:
        """One page of the PJ (replaced ones excluded), oldest first: the SCOR page's list,
        read as it scrolls (in ``id`` order: a page reads a page of rows)."""
        return [self._record(r) for r in self._rows.page(PjStatus.REPLACED.value, limit, offset)]

    def record_count(self) -> int:
        """How many PJ :meth:`records_page` lists in all."""
        return self._rows.count(PjStatus.REPLACED.value)

    #: A PJ in these statuses does not take its FSE off the « waiting » list.
    IDLE = (PjStatus.REPLACED.value, PjStatus.TO_CHECK.value)

    def for_fse(self, fse_number: int, *, practitioner_id: str | None = None) -> PjRecord | None:
        """The current PJ of an FSE (what the FSE shows: its SCOR status, paper due or not)."""
        fse = self._fse_row(fse_number, practitioner_id)
        row = self._rows.current_for_fse(fse.id, PjStatus.REPLACED.value)
        return self._record(row) if row else None

    # -- purge -----------------------------------------------------------------------

    def purge(self, *, dry_run: bool = False) -> list[PurgeRecord]:
        """Delete the PJ whose retention is over (file, and the PJ lot's signed copy), and
        record each deletion. With ``dry_run`` nothing changes."""
        now = self._clock()
        now_s = _stamp(now)
        done: list[PurgeRecord] = []
        candidates = self._rows.purge_candidates()
        for row in candidates:
            start = _parse(row.transmitted_at) or _parse(row.posted_at)
            if not may_purge(start, now, self._settings, acknowledged=True):
                continue
            assert start is not None  # noqa: S101 - may_purge is False for None
            assert row.file_path is not None  # noqa: S101 - selected for its file
            record = PurgeRecord(
                pj_id=row.id,
                fse_number=row.fse_number,
                file_path=row.file_path,
                size=row.size,
                retention_start=start.date(),
                purged_at=now,
            )
            done.append(record)
            if dry_run:
                continue
            purge = PjPurge(
                pj_id=row.id,
                fse_id=row.fse_id,
                fse_number=row.fse_number,
                file_path=row.file_path,
                sha256=row.sha256,
                size=row.size,
                pages=row.pages,
                retention_start=_stamp(start),
                purged_at=now_s,
            )
            with self._store.write():
                self._rows.record_purge(purge, row.lot_id, PjStatus.PURGED.value)
                # Last, inside the transaction: if deleting fails nothing is recorded; if the
                # commit fails after it, the next purge records the already missing file.
                (self._data_dir / row.file_path).unlink(missing_ok=True)
        logger.info("SCOR purge: %d PJ %s", len(done), "would be purged" if dry_run else "purged")
        return done

    def purge_log(self) -> list[dict[str, Any]]:
        """What was purged, oldest first."""
        return self._rows.purge_log()
