"""``Store``, the class the rest of the client uses: one connection and the repositories
that share it, each one concern (numbers, people, queries, journal, lots and outbox, FSE).

The methods below only delegate to a repository (one line each), so that callers keep
``store.fse_list(...)``; new code may call the repository (``store.queries.fse_list``).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from client import presence
from client.store.base import Numbers, People
from client.store.connection import Connection
from client.store.counters import reconcile_counters
from client.store.numbering import Numbering
from client.store.protocol import StoreDatabase
from client.store.queries import Queries
from client.store.rows import EventRow, FseRow, HistoryAct, LotRow, OutboxRow, OutboxStatus

if TYPE_CHECKING:
    from billing.audit import AuditEntry, AuditKind, ChainReport
    from billing.fse import Beneficiary, Fse, FseBody, PractitionerSituation
    from billing.fse_states import FseEventKind, FseState
    from billing.lot import LotRules
    from billing.lot_states import LotState
    from client.store.alerting import AlertQueries
    from client.store.amc_conventions import AmcConventions
    from client.store.amc_lots import AmcLots
    from client.store.amc_remainders import AmcRemainders
    from client.store.apcv import ApcvFigures
    from client.store.cabinet import Cabinet
    from client.store.devis import DevisBook
    from client.store.figures import Figures
    from client.store.fse import FseWrites
    from client.store.journal import Journal
    from client.store.lot_step import LotStep
    from client.store.lots import LotWrites
    from client.store.maintenance import Maintenance
    from client.store.ocam import OcamRequests
    from client.store.outbox import OutboxTotals
    from client.store.patient_words import PatientWords
    from client.store.patients import PatientSearch
    from client.store.returns import Returns
    from client.store.scor import ScorPieces
    from client.store.search import FseSearch
    from client.store.transmissions import Transmissions


class Store:
    """Typed access to the database. One per thread (see ``client.store``)."""

    _presence = False  # this store holds a share of the presence lock (client.presence)
    read_only = False  # opened for reading only: the disk refuses writes (store.fallback)

    def __init__(self, db: StoreDatabase, path: Path, numbering: Numbering) -> None:
        self.conn = Connection(db, path, numbering)
        self.numbers = Numbers(self.conn)
        self.people = People(self.conn)
        self.queries = Queries(self.conn)

    # The writers, the journal (audit chain, certificates) and the figures are loaded on
    # first use too: a listing command reads none of them (issue #27).
    @functools.cached_property
    def journal(self) -> Journal:
        from client.store.journal import Journal

        return Journal(self.conn, self.queries)

    @functools.cached_property
    def lot_writes(self) -> LotWrites:
        from client.store.lots import LotWrites

        return LotWrites(self.conn, self.numbers, self.journal)

    @functools.cached_property
    def fse_writes(self) -> FseWrites:
        from client.store.fse import FseWrites

        return FseWrites(self.conn, self.people, self.lot_writes)

    @functools.cached_property
    def figures(self) -> Figures:
        from client.store.figures import Figures

        return Figures(self.conn)

    @functools.cached_property
    def returns(self) -> Returns:
        from client.store.returns import Returns

        return Returns(self.conn, self.queries)

    # Loaded on first use: opening the store (the app's start, each CLI command) reads none
    # of them, and importing their row types costs more than the opening itself.
    @functools.cached_property
    def transmissions(self) -> Transmissions:
        from client.store.transmissions import Transmissions

        return Transmissions(self.conn)

    @functools.cached_property
    def apcv(self) -> ApcvFigures:
        from client.store.apcv import ApcvFigures

        return ApcvFigures(self.conn)

    @functools.cached_property
    def alerts(self) -> AlertQueries:
        from client.store.alerting import AlertQueries

        return AlertQueries(self.conn)

    @functools.cached_property
    def search(self) -> FseSearch:
        from client.store.search import FseSearch

        return FseSearch(self.conn)

    @functools.cached_property
    def scor(self) -> ScorPieces:
        from client.store.scor import ScorPieces

        return ScorPieces(self.conn)

    @functools.cached_property
    def ocam(self) -> OcamRequests:
        from client.store.ocam import OcamRequests

        return OcamRequests(self.conn)

    @functools.cached_property
    def maintenance(self) -> Maintenance:
        from client.store.maintenance import Maintenance

        return Maintenance(self.conn)

    @functools.cached_property
    def patients(self) -> PatientSearch:
        from client.store.patients import PatientSearch

        return PatientSearch(self.conn)

    @functools.cached_property
    def amc_lots(self) -> AmcLots:
        from client.store.amc_lots import AmcLots

        return AmcLots(self.conn, self.journal)

    @functools.cached_property
    def amc_remainders(self) -> AmcRemainders:
        from client.store.amc_remainders import AmcRemainders

        return AmcRemainders(self.conn)

    @functools.cached_property
    def cabinet(self) -> Cabinet:
        from client.store.cabinet import Cabinet

        return Cabinet(self.conn)

    @functools.cached_property
    def outbox(self) -> OutboxTotals:
        from client.store.outbox import OutboxTotals

        return OutboxTotals(self.conn)

    @functools.cached_property
    def patient_words(self) -> PatientWords:
        from client.store.patient_words import PatientWords

        return PatientWords(self.conn)

    @functools.cached_property
    def amc_conventions(self) -> AmcConventions:
        from client.store.amc_conventions import AmcConventions

        return AmcConventions(self.conn)

    @functools.cached_property
    def devis(self) -> DevisBook:
        from client.store.devis import DevisBook

        return DevisBook(self.conn)

    @property
    def db(self) -> StoreDatabase:
        return self.conn.db

    @property
    def path(self) -> Path:
        return self.conn.path

    @property
    def numbering(self) -> Numbering:
        return self.conn.numbering

    def close(self) -> None:
        """Close the connection (and this store's share of the presence lock)."""
        self.db.close()
        if self._presence:
            self._presence = False
            presence.release(self.path)

    @contextlib.contextmanager
    def write(self) -> Iterator[Self]:
        """One write transaction (``BEGIN IMMEDIATE``); nested calls join it (savepoint)."""
        with self.conn.write():
            yield self

    def integrity_check(self) -> str:
        """``PRAGMA integrity_check``: "ok" when the file is sound."""
        return self.conn.integrity_check()

    # Numbers
    def next_fse_number(self, practitioner_id: str) -> int:
        return self.numbers.next_fse_number(practitioner_id)

    def next_lot_number(self, practitioner_id: str) -> int:
        return self.numbers.next_lot_number(practitioner_id)

    def counters(self, practitioner_id: str) -> tuple[int, int]:
        return self.numbers.counters(practitioner_id)

    # People
    def upsert_practitioner(self, p: PractitionerSituation, now: datetime) -> str:
        return self.people.upsert_practitioner(p, now)

    def upsert_patient(self, body: FseBody, last_name: str, first_name: str, now: datetime) -> str:
        return self.people.upsert_patient(body, last_name, first_name, now)

    def upsert_person(self, b: Beneficiary, last_name: str, first_name: str, now: datetime) -> str:
        return self.people.upsert_person(b, last_name, first_name, now)

    def patient(self, patient_id: str) -> dict[str, Any] | None:
        return self.people.patient(patient_id)

    # Queries
    def fse_by_id(self, fse_id: int) -> FseRow:
        return self.queries.fse_by_id(fse_id)

    def fse_by_number(self, number: int, practitioner_id: str | None = None) -> FseRow:
        return self.queries.fse_by_number(number, practitioner_id)

    def fse_by_uuid(self, fse_uuid: str) -> FseRow:
        return self.queries.fse_by_uuid(fse_uuid)

    def fse_list(
        self,
        state: FseState | None = None,
        practitioner_id: str | None = None,
        lot_id: str | None = None,
        *,
        exclude: tuple[FseState, ...] = (),
        newest_first: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[FseRow]:
        return self.queries.fse_list(
            state,
            practitioner_id,
            lot_id,
            exclude=exclude,
            newest_first=newest_first,
            limit=limit,
            offset=offset,
        )

    def fse_matching(
        self, condition: str, values: list[str | int], *, limit: int, offset: int = 0
    ) -> list[FseRow]:
        return self.queries.fse_matching(condition, values, limit=limit, offset=offset)

    def fse_count(
        self,
        state: FseState | None = None,
        practitioner_id: str | None = None,
        *,
        exclude: tuple[FseState, ...] = (),
    ) -> int:
        return self.queries.fse_count(state, practitioner_id, exclude=exclude)

    def fse_totals_by_state(
        self, practitioners: frozenset[str] | None = None
    ) -> dict[FseState, tuple[int, Decimal, Decimal, Decimal]]:
        return self.queries.fse_totals_by_state(practitioners)

    def fse_degrade_open(self) -> list[FseRow]:
        return self.queries.fse_degrade_open()

    def fse_degrade_waiting(
        self, idle_pj: tuple[str, ...], limit: int, offset: int = 0
    ) -> list[FseRow]:
        return self.queries.fse_degrade_waiting(idle_pj, limit, offset)

    def fse_degrade_waiting_count(
        self, idle_pj: tuple[str, ...], before: FseRow | None = None
    ) -> int:
        return self.queries.fse_degrade_waiting_count(idle_pj, before)

    def lot_numbers(self, lot_ids: list[str]) -> dict[str, int]:
        return self.queries.lot_numbers(lot_ids)

    def fse_events(self, fse_id: int) -> list[EventRow]:
        return self.queries.fse_events(fse_id)

    def history(self, patient_key: str, since: date, until: date) -> list[HistoryAct]:
        return self.queries.history(patient_key, since, until)

    def lots(
        self,
        state: LotState | None = None,
        practitioner_id: str | None = None,
        kind: str | None = None,
    ) -> list[LotRow]:
        return self.queries.lots(state, practitioner_id, kind)

    def lots_page(
        self, limit: int, offset: int = 0, practitioners: frozenset[str] | None = None
    ) -> list[tuple[LotRow, OutboxRow | None]]:
        return self.queries.lots_page(limit, offset, practitioners)

    def lot_count(self, practitioners: frozenset[str] | None = None) -> int:
        return self.queries.lot_count(practitioners)

    def lot_by_id(self, lot_id: str) -> LotRow:
        return self.queries.lot_by_id(lot_id)

    def lot_by_number(self, number: int, practitioner_id: str | None = None) -> LotRow:
        return self.queries.lot_by_number(number, practitioner_id)

    def lot_der(self, lot_id: str) -> bytes | None:
        return self.queries.lot_der(lot_id)

    def outbox_get(self, outbox_id: str) -> OutboxRow | None:
        return self.queries.outbox_get(outbox_id)

    def outbox_rows(self, status: OutboxStatus | None = None) -> list[OutboxRow]:
        return self.queries.outbox_rows(status)

    # Journal
    def journal_head(self) -> tuple[int, str]:
        return self.journal.journal_head()

    def journal_payment(self, payment_id: int, at: datetime) -> None:
        return self.journal.journal_payment(payment_id, at)

    def journal_noemie_file(self, sha256: str, at: datetime) -> None:
        return self.journal.journal_noemie_file(sha256, at)

    def journal_unmatched(self, unmatched_id: int, at: datetime) -> None:
        return self.journal.journal_unmatched(unmatched_id, at)

    def journal_unmatched_resolved(self, unmatched_id: int, at: datetime) -> None:
        return self.journal.journal_unmatched_resolved(unmatched_id, at)

    def journal_closure(self, closure_id: int, at: datetime) -> None:
        return self.journal.journal_closure(closure_id, at)

    def mark_fse_number_unused(
        self, practitioner_id: str, number: int, now: datetime, reason: str
    ) -> None:
        return self.journal.mark_fse_number_unused(practitioner_id, number, now, reason)

    def record_audit(self, kind: AuditKind, now: datetime, payload: dict[str, Any]) -> None:
        return self.journal.record_audit(kind, now, payload)

    def audit_entries(self) -> list[AuditEntry]:
        return self.journal.audit_entries()

    def audit_verify(self, progress: Callable[[str], None] | None = None) -> ChainReport:
        """The whole journal verified (``client.store.audit_check``); ``progress`` is told
        each step in French as it starts."""
        from client.store.audit_check import verify_journal  # the books' checks: on demand

        return verify_journal(self.journal, progress)

    # LotWrites
    def close_lot(
        self,
        lot_id: str,
        *,
        now: datetime,
        content_sha256: str,
        signed_der: bytes,
        journal_head: tuple[int, str] | None = None,
    ) -> LotRow:
        return self.lot_writes.close_lot(
            lot_id,
            now=now,
            content_sha256=content_sha256,
            signed_der=signed_der,
            journal_head=journal_head,
        )

    def lot_transition(
        self,
        lot_id: str,
        lot_state: LotState,
        fse_state: FseState,
        kind: FseEventKind,
        now: datetime,
        detail: str | None = None,
    ) -> LotRow:
        return self.lot_writes.lot_transition(lot_id, lot_state, fse_state, kind, now, detail)

    def lot_steps(
        self, lot_id: str, steps: Sequence[LotStep], now: datetime, lot: LotRow | None = None
    ) -> LotRow:
        return self.lot_writes.lot_steps(lot_id, steps, now, lot)

    def outbox_claim(self, worker: str, now: datetime) -> OutboxRow | None:
        return self.lot_writes.outbox_claim(worker, now)

    def outbox_ack(self, outbox_id: str, now: datetime) -> None:
        return self.lot_writes.outbox_ack(outbox_id, now)

    def outbox_done(self, outbox_id: str, now: datetime) -> None:
        return self.lot_writes.outbox_done(outbox_id, now)

    def outbox_nack(
        self, outbox_id: str, error: str, next_attempt_at: datetime, now: datetime
    ) -> None:
        return self.lot_writes.outbox_nack(outbox_id, error, next_attempt_at, now)

    def outbox_fail(self, outbox_id: str, error: str, now: datetime) -> None:
        return self.lot_writes.outbox_fail(outbox_id, error, now)

    def outbox_retry(self, outbox_id: str, now: datetime) -> None:
        return self.lot_writes.outbox_retry(outbox_id, now)

    def outbox_reset_stale(
        self, older_than: datetime, now: datetime, keep_worker: str | None = None
    ) -> int:
        return self.lot_writes.outbox_reset_stale(older_than, now, keep_worker)

    def outbox_heartbeat(self, outbox_id: str, worker: str, now: datetime) -> bool:
        return self.lot_writes.outbox_heartbeat(outbox_id, worker, now)

    def reconcile_counters(self) -> None:
        reconcile_counters(
            self.conn, self.numbers, lambda pid: self.lot_writes.renew_open_lots(pid)
        )

    # FseWrites
    def insert_fse(
        self, fse: Fse, *, patient_names: tuple[str, str], now: datetime, rules: LotRules
    ) -> FseRow:
        return self.fse_writes.insert_fse(fse, patient_names=patient_names, now=now, rules=rules)

    def transition_fse(
        self,
        fse_id: int,
        to_state: FseState,
        kind: FseEventKind,
        now: datetime,
        detail: str | None = None,
    ) -> FseRow:
        return self.fse_writes.transition_fse(fse_id, to_state, kind, now, detail)

    def record_rectification(self, original_id: int, rectificative_id: int, now: datetime) -> None:
        return self.fse_writes.record_rectification(original_id, rectificative_id, now)

    def rectification_links(self, fse_id: int) -> tuple[FseRow | None, FseRow | None]:
        return self.fse_writes.rectification_links(fse_id)

    def record_duplicata(self, fse_id: int, now: datetime, detail: str | None = None) -> None:
        return self.fse_writes.record_duplicata(fse_id, now, detail)

    def record_settlement(self, fse_id: int, means: str, amount: Decimal, now: datetime) -> None:
        return self.fse_writes.record_settlement(fse_id, means, amount, now)

    def settlement(self, fse_id: int) -> tuple[str, Decimal] | None:
        return self.fse_writes.settlement(fse_id)

    def cancel_fse(self, fse_id: int, now: datetime, reason: str, rules: LotRules) -> FseRow:
        return self.fse_writes.cancel_fse(fse_id, now, reason, rules)
