"""The sender: drains the outbox to the concentrator, on its own thread, with its own
database connection, without ever holding the database while it waits on the network.

For each due lot: claim it (``UPDATE … RETURNING``, in the store), send it with its lot id as
idempotency key, then in one transaction record the ARL, move the lot and its FSE, and mark
the row DONE. A retryable failure puts the row back with exponential backoff and jitter
(capped); a permanent one marks it FAILED for the user. A lot with ``after_id`` waits until
that lot is DONE. Claims left by a dead sender (killed process) or older than the stale
threshold go back to the queue, so nothing is lost; the server deduplicates, so nothing is
counted twice.

Over 500 lines on purpose: the claim, send and record loop and the thread that runs it are
one state machine, read together.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from billing.arl import Arl
from billing.money_text import count_fr
from client.arl_advice import advice
from client.errors import ClientError
from client.messages import describe
from client.returns import ArlOutcome, apply_arl, log_event, mark_received, note_attempt
from client.send_wire import Answer, Wire
from client.settings import Settings
from client.store import OutboxRow, OutboxStatus, Store
from client.transport import LotAnswer, Preconnecting, Transport, TransportError

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
#: Waits up to the given seconds; returns True when the wait was cancelled.
Waiter = Callable[[float], bool]
#: How often a long-running sender looks for stale claims, at most (seconds); it looks
#: four times per claim lease (``claim_lease_seconds``) when that is shorter.
RECOVERY_INTERVAL = 60.0
#: Lots handed to the network thread at once: the one travelling and the next, ready to
#: leave the moment the answer is in (more would only hold more claims).
PIPELINE = 2


class SendStep(StrEnum):
    """What just happened, for the progress callback."""

    STARTED = "started"
    SENDING = "sending"
    ACKNOWLEDGED = "acknowledged"
    REFUSED = "refused"
    RECEIVED = "received"  # the concentrator has it, ARL pending
    RETRY = "retry"
    FAILED = "failed"
    WAITING = "waiting"
    FINISHED = "finished"


@dataclass(frozen=True, slots=True)
class SendProgress:
    """One progress report; ``message`` is the French status line for the user."""

    step: SendStep
    message: str
    done: int
    total: int
    lot_id: str | None = None


@dataclass(slots=True)
class SendReport:
    """The outcome of a sender run."""

    acknowledged: int = 0
    refused: int = 0
    failed: int = 0
    retries: int = 0
    recovered: int = 0
    remaining: int = 0
    blocked: int = 0
    cancelled: bool = False
    last_error: str | None = None
    # How the last exchange with the concentrator went (None: no exchange): a replay that
    # ends well keeps its ``last_error`` for the record, but the network is then fine.
    network_ok: bool | None = None
    lots: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Everything that was queued got an ARL (positive or negative) and nothing failed."""
        return self.remaining == 0 and self.failed == 0 and self.blocked == 0


class SenderSetupError(ClientError):
    """The sender cannot start (no transport); French ``str()``."""


def worker_id() -> str:
    """``host:pid:random``: who holds a claim, so a dead holder can be recognised."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _holder_is_dead(claimed_by: str | None) -> bool:
    """True when the claim belongs to a process of this host that no longer exists."""
    if not claimed_by:
        return True
    host, _, rest = claimed_by.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def backoff_delay(
    attempts: int, base: float, cap: float, rng: random.Random, retry_after: float | None = None
) -> float:
    """Seconds before the next attempt: ``min(cap, base·2^attempts)``, jittered to between
    half and all of it, and never less than the server's ``Retry-After``."""
    ceiling = min(cap, base * (2 ** min(attempts, 30)))
    delay = rng.uniform(ceiling / 2, ceiling)
    if retry_after is not None:
        delay = max(delay, min(retry_after, cap))
    return delay


class Sender:
    """Drains the outbox. Use :meth:`run` on a worker thread (see :class:`SenderThread`)."""

    def __init__(
        self,
        store: Store,
        transport: Transport,
        *,
        settings: Settings,
        clock: Clock,
        rng: random.Random | None = None,
        on_progress: Callable[[SendProgress], None] | None = None,
        cancel: threading.Event | None = None,
        wait: Waiter | None = None,
        worker: str | None = None,
    ) -> None:
        self.store = store
        self.transport = transport
        self.settings = settings
        self.clock = clock
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self.on_progress = on_progress
        self.cancel = cancel or threading.Event()
        self.wait: Waiter = wait or self.cancel.wait
        self.worker = worker or worker_id()
        self._done = 0
        self._total = 0
        #: Each lot's label, read once (a lot's number never changes).
        self._labels: dict[str, str] = {}
        #: Why the connection opened ahead failed (network thread only): the first lot's
        #: answer, so that an unreachable server is not waited for twice.
        self._warm_error: TransportError | None = None

    # ------------------------------------------------------------------ reporting

    def _emit(self, step: SendStep, message: str, lot_id: str | None = None) -> None:
        if self.on_progress is None:
            return
        try:
            self.on_progress(SendProgress(step, message, self._done, self._total, lot_id))
        except Exception:  # a broken progress display must not stop the sending
            logger.exception("progress callback failed")

    def _lot_label(self, lot_id: str) -> str:
        label = self._labels.get(lot_id)
        if label is None:
            try:
                label = self._labels[lot_id] = f"lot n° {self.store.lot_by_id(lot_id).number}"
            except ClientError:
                return f"lot {lot_id[:8]}"
        return label

    # ------------------------------------------------------------------- recovery

    def recover(self) -> int:
        """Give back claims of dead senders and claims whose lease ran out (their sender
        renews them while the lot travels: ``claim_lease_seconds``; never longer than the
        stale threshold)."""
        now = self.clock()
        lease = min(self.settings.claim_lease_seconds, self.settings.stale_claim_minutes * 60)
        older = now - timedelta(seconds=lease)
        count = self.store.outbox_reset_stale(older, now, keep_worker=self.worker)
        for row in self.store.outbox_rows(OutboxStatus.IN_FLIGHT):
            if row.claimed_by != self.worker and _holder_is_dead(row.claimed_by):
                # Only this host's dead processes are recognised; others wait for staleness.
                current = self.store.outbox_get(row.id)
                if current is not None and current.status is OutboxStatus.IN_FLIGHT:
                    self.store.outbox_retry(row.id, now)
                    count += 1
        if count:
            logger.info("outbox: %d abandoned claim(s) given back", count)
        # No delay is ever longer than the cap (Retry-After included): a row due further
        # away than that was scheduled before the clock went back (NTP correction, a wrong
        # date put right); without this it would wait out the clock's error.
        horizon = now + timedelta(seconds=self.settings.backoff_cap)
        for row in self.store.outbox_rows(OutboxStatus.PENDING):
            if row.next_attempt_at is not None and row.next_attempt_at > horizon:
                current = self.store.outbox_get(row.id)
                if current is None or current.status is not OutboxStatus.PENDING:
                    continue
                self.store.outbox_retry(row.id, now)
                logger.info("outbox: %s rescheduled now (the clock went back)", row.id)
        return count

    # --------------------------------------------------------------------- sending

    def _count_open(self) -> tuple[int, int]:
        """(rows still to send, rows blocked behind a failed lot)."""
        rows = self.store.outbox_rows()
        status = {r.id: r.status for r in rows}
        remaining = blocked = 0
        for r in rows:
            if r.status in (OutboxStatus.PENDING, OutboxStatus.IN_FLIGHT):
                if r.after_id and status.get(r.after_id) is OutboxStatus.FAILED:
                    blocked += 1
                else:
                    remaining += 1
        return remaining, blocked

    def _apply(self, row: OutboxRow, arl: Arl, report: SendReport) -> None:
        now = self.clock()
        # The contact, the ARL, the lot and its FSE: one transaction.
        outcome = apply_arl(self.store, arl, now, contact="lot remis")
        label = self._lot_label(row.id)
        self._done += 1
        report.lots.append(row.id)
        if arl.positive:
            report.acknowledged += 1
            self._emit(
                SendStep.ACKNOWLEDGED,
                f"{label.capitalize()} : accusé de réception positif.",
                row.id,
            )
        else:
            report.refused += 1
            motifs = ", ".join(f"{m.code} {m.label}" for m in arl.motifs[:3])
            todo = advice(m.code for m in arl.motifs)
            self._emit(
                SendStep.REFUSED,
                f"{label.capitalize()} refusé par le concentrateur (ARL négatif) : {motifs}."
                + (f" {todo}" if todo else ""),
                row.id,
            )
        if outcome is ArlOutcome.CONFLICT:
            logger.warning("lot %s: conflicting ARL from the server", row.id)

    def _prepare(self, row: OutboxRow, report: SendReport) -> bytes | None:
        """The signed lot of a claimed row, its attempt recorded; None when there is none
        (the row is then FAILED)."""
        now = self.clock()
        der = self.store.lot_der(row.id)
        if der is None:
            self.store.outbox_fail(row.id, "Lot non signé : il ne peut pas être envoyé.", now)
            report.failed += 1
            return None
        note_attempt(self.store, row.id, now)
        self._emit(SendStep.SENDING, f"Envoi du {self._lot_label(row.id)}…", row.id)
        return der

    def _deliver(self, row: OutboxRow, der: bytes, halt: threading.Event) -> Answer:
        """The network part alone (no store access: it runs on the network thread); None
        when the run stopped before this lot's turn came (it was not sent)."""
        if halt.is_set() or self.cancel.is_set():
            return None
        failed, self._warm_error = self._warm_error, None
        if failed is not None:
            return failed
        try:
            return self.transport.send_lot(row.id, der)
        except TransportError as exc:
            return exc

    def _warm_up(self, halt: threading.Event) -> None:
        """Open the connection ahead (network thread); a failure is the first lot's answer."""
        if halt.is_set() or self.cancel.is_set() or not isinstance(self.transport, Preconnecting):
            return
        try:
            self.transport.warm_up()
        except TransportError as exc:
            self._warm_error = exc
        except Exception:  # the request will connect and say what is wrong itself
            logger.warning("connection ahead not opened", exc_info=True)

    def _record(
        self, row: OutboxRow, answer: LotAnswer | TransportError, report: SendReport
    ) -> None:
        """Record what the concentrator answered to one lot (or why it did not)."""
        label = self._lot_label(row.id)
        now = self.clock()
        if isinstance(answer, TransportError):
            exc = answer
            message = describe(exc) or str(exc)
            report.last_error = message
            report.network_ok = False
            log_event(self.store, now, "error", message, row.id)
            if exc.retryable:
                delay = backoff_delay(
                    row.attempts,
                    self.settings.backoff_base,
                    self.settings.backoff_cap,
                    self.rng,
                    getattr(exc, "retry_after", None),
                )
                self.store.outbox_nack(row.id, message, now + timedelta(seconds=delay), now)
                report.retries += 1
                self._emit(
                    SendStep.RETRY,
                    f"{message} Nouvel essai du {label} dans {_duration(delay)} ; "
                    "les FSE restent en file d'attente.",
                    row.id,
                )
            else:
                self.store.outbox_fail(row.id, message, now)
                report.failed += 1
                self._emit(SendStep.FAILED, f"{label.capitalize()} non envoyé : {message}", row.id)
            return
        report.network_ok = True
        if answer.arl is None:
            log_event(self.store, now, "contact", "lot remis", row.id)
            mark_received(self.store, row.id, now)
            delay = backoff_delay(
                row.attempts, self.settings.backoff_base, self.settings.backoff_cap, self.rng
            )
            message = (
                f"{label.capitalize()} reçu par le concentrateur ; accusé de réception (ARL) "
                "en attente."
            )
            self.store.outbox_nack(row.id, message, now + timedelta(seconds=delay), now)
            report.retries += 1
            self._emit(
                SendStep.RECEIVED, f"{message} Nouvelle demande dans {_duration(delay)}.", row.id
            )
            return
        self._apply(row, answer.arl, report)

    def _next_due(self) -> datetime | None:
        """When the earliest waiting row becomes due (None: nothing waits)."""
        rows = self.store.outbox_rows()
        status = {r.id: r.status for r in rows}
        due: list[datetime] = []
        for r in rows:
            if r.status is OutboxStatus.IN_FLIGHT:
                due.append(self.clock() + timedelta(seconds=1))
            elif r.status is OutboxStatus.PENDING:
                if r.after_id and status.get(r.after_id) in (
                    OutboxStatus.FAILED,
                    OutboxStatus.HELD,
                ):
                    continue
                due.append(r.next_attempt_at or self.clock())
        return min(due) if due else None

    def run(self, *, until_empty: bool = False, max_seconds: float | None = None) -> SendReport:
        """Send what is due; with ``until_empty``, keep going (waiting out backoffs) until
        every queued lot has its ARL, something needs the user, or ``cancel`` is set."""
        report = SendReport()
        started = self.clock()
        # Counted before the recovery, which only turns claims (counted) back into waiting
        # rows (counted): the connection is opened ahead while the recovery runs.
        remaining, _blocked = self._count_open()
        # The concentrator's checks are the slow part: keep it busy. The network thread
        # holds up to PIPELINE lots, each claimed and its attempt committed before it is
        # handed over (a lot is in flight in the store before its request leaves), and
        # sends them one after the other on its kept-alive connection: the next request
        # leaves as soon as an answer is in, without waiting for this thread. This thread
        # records each answer, in sending order, while the next lot travels, then claims
        # another. The network thread never touches the store (``client.send_wire``: it
        # gives an answer once the next request is written). A cancel (or an error here)
        # sends nothing more: the lots not yet sent get their claim back.
        halt = threading.Event()
        network = Wire(lambda row, der: self._deliver(row, der, halt), self.transport)
        self._warm_error = None
        if remaining and isinstance(self.transport, Preconnecting):
            # The TLS handshake while the recovery runs and the first lot is claimed and
            # read back (its commit, its documents put back together): its request leaves
            # on an open connection.
            network.call(lambda: self._warm_up(halt))
        handed: deque[tuple[OutboxRow, Future[Answer]]] = deque()
        try:
            report.recovered = self.recover()
            last_recovery = started
            self._total = remaining
            self._emit(SendStep.STARTED, f"{count_fr(remaining)} lot(s) à envoyer.")
            while True:
                now = self.clock()
                since = (now - last_recovery).total_seconds()
                if since >= self._recovery_interval() or since < 0:  # < 0: the clock went back
                    report.recovered += self.recover()
                    last_recovery = now
                claimed = False
                while len(handed) < PIPELINE and not self.cancel.is_set():
                    with self.store.write():  # the claim and its attempt: one commit
                        row = self.store.outbox_claim(self.worker, now)
                        der = self._prepare(row, report) if row is not None else None
                    if row is None:
                        break
                    claimed = True
                    if der is not None:
                        handed.append((row, network.hand(row, der)))
                    now = self.clock()
                if handed:
                    row, future = handed.popleft()
                    answer = self._await(row, future, handed)
                    if answer is None:  # cancelled before it left
                        self._give_back(row)
                    else:
                        # Its ARL may free a row that waits for it (after_id): claim again.
                        self._record(row, answer, report)
                    if self.cancel.is_set():
                        break
                    continue
                if self.cancel.is_set():
                    break
                if claimed:  # rows failed before leaving (no signed lot): look again
                    continue
                if not until_empty or self._idle_wait(started, now, report, max_seconds):
                    break
        finally:
            halt.set()
            while handed:  # in sending order: record what left, give back what did not
                row, future = handed.popleft()
                answer = future.result()
                if answer is None:
                    self._give_back(row)
                else:
                    self._record(row, answer, report)
            network.close()
        report.cancelled = self.cancel.is_set()
        report.remaining, report.blocked = self._count_open()
        report.failed = len(self.store.outbox_rows(OutboxStatus.FAILED))
        self._emit(SendStep.FINISHED, summary(report))
        return report

    def _give_back(self, row: OutboxRow) -> None:
        """A claimed lot that was never sent goes back to the queue now."""
        try:
            self.store.outbox_retry(row.id, self.clock())
        except ClientError:  # left claimed: the next run takes it back when the lease ends
            logger.warning("claim of %s not given back", row.id, exc_info=True)

    def _recovery_interval(self) -> float:
        return max(1.0, min(RECOVERY_INTERVAL, self.settings.claim_lease_seconds / 4))

    def _await(
        self,
        row: OutboxRow,
        future: Future[Answer],
        waiting: deque[tuple[OutboxRow, Future[Answer]]],
    ) -> Answer:
        """The answer of a travelling lot; meanwhile its claim and those of the lots waiting
        behind it are renewed (the lease), so that another sender takes them back within
        seconds only if this one died."""
        beat = max(0.5, self.settings.claim_lease_seconds / 4)
        while True:
            try:
                return future.result(timeout=beat)
            except TimeoutError:
                for held in (row, *(r for r, _ in waiting)):
                    try:
                        self.store.outbox_heartbeat(held.id, self.worker, self.clock())
                    except ClientError:  # a busy or full disk: the answer still matters more
                        logger.warning("claim of %s not renewed", held.id, exc_info=True)

    def _idle_wait(
        self, started: datetime, now: datetime, report: SendReport, max_seconds: float | None
    ) -> bool:
        """Nothing is due: wait for the next row (True: stop, nothing waits or time is up
        or the run was cancelled)."""
        next_due = self._next_due()
        if next_due is None:
            return True
        if max_seconds is not None and (now - started).total_seconds() >= max_seconds:
            return True
        pause = max(0.0, min((next_due - now).total_seconds(), 5.0))
        if pause > 0.5:
            self._emit(
                SendStep.WAITING,
                f"En attente du prochain essai ({_duration((next_due - now).total_seconds())})."
                + (f" Dernière erreur : {report.last_error}" if report.last_error else ""),
            )
        return self.wait(max(pause, 0.05))


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{round(seconds / 3600)} h"


def summary(report: SendReport) -> str:
    """The French closing line of a run."""
    parts = [f"{count_fr(report.acknowledged)} lot(s) acceptés"]
    if report.refused:
        parts.append(f"{count_fr(report.refused)} refusé(s) (ARL négatif)")
    if report.failed:
        parts.append(f"{count_fr(report.failed)} en échec, à relancer")
    if report.remaining:
        parts.append(f"{count_fr(report.remaining)} encore en file d'attente")
    if report.blocked:
        parts.append(f"{count_fr(report.blocked)} bloqué(s) derrière un lot en échec")
    text = ", ".join(parts) + "."
    if report.cancelled:
        text = "Envoi interrompu : " + text
    return text


class SenderThread:
    """Runs a :class:`Sender` on its own thread with its own store connection.

    The application context builds one (``AppContext.sender``) and reuses it run after run;
    ``stop()`` sets the cancel event and joins; the context's shutdown calls it. The store
    and the transport are taken on the sender's thread at each run, and ``settings`` may be
    a callable read at each run (the settings page replaces the context's settings).
    """

    def __init__(
        self,
        open_store: Callable[[], Store],
        transport_factory: Callable[[], Transport],
        *,
        settings: Settings | Callable[[], Settings],
        clock: Clock,
        on_progress: Callable[[SendProgress], None] | None = None,
        on_done: Callable[[SendReport | BaseException], None] | None = None,
    ) -> None:
        self._open_store = open_store
        self._transport_factory = transport_factory
        self._settings = settings
        self.clock = clock
        self.on_progress = on_progress
        self.on_done = on_done
        self.cancel = threading.Event()
        self.result: SendReport | BaseException | None = None
        self._thread: threading.Thread | None = None

    @property
    def settings(self) -> Settings:
        """The settings of the next run."""
        return self._settings() if callable(self._settings) else self._settings

    def start(
        self,
        *,
        until_empty: bool = False,
        on_progress: Callable[[SendProgress], None] | None = None,
        on_done: Callable[[SendReport | BaseException], None] | None = None,
    ) -> None:
        """Start one run in the background (nothing when one is in progress); callbacks
        given here replace the previous ones (the page that started the run hears it)."""
        if self._thread is not None and self._thread.is_alive():
            return
        if on_progress is not None:
            self.on_progress = on_progress
        if on_done is not None:
            self.on_done = on_done
        self.result = None
        self.cancel.clear()
        self._thread = threading.Thread(
            target=self._run, args=(until_empty,), name="sender", daemon=True
        )
        self._thread.start()

    def _run(self, until_empty: bool) -> None:
        store: Store | None = None
        try:
            # Opening is inside: a store that cannot be opened is reported like any other
            # failure, never a thread dead in silence with « envoi… » left on screen.
            store = self._open_store()
            sender = Sender(
                store,
                self._transport_factory(),
                settings=self.settings,
                clock=self.clock,
                on_progress=self.on_progress,
                cancel=self.cancel,
            )
            self.result = sender.run(until_empty=until_empty)
            if not self.cancel.is_set():
                # The DRE lots (gestion séparée) leave with the FSE lots, to the AMC.
                from client.amc.dre import send_dre_pass

                send_dre_pass(store, self.settings, self.clock)
        except BaseException as exc:  # reported to the owner, never lost on the thread
            logger.exception("sender stopped on an error")
            self.result = exc
        finally:
            if store is not None:
                try:
                    store.close()
                except Exception:
                    logger.warning("sender store not closed cleanly", exc_info=True)
            if self.on_done is not None and self.result is not None:
                self.on_done(self.result)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the run to end."""
        if self._thread is not None:
            self._thread.join(timeout)

    def is_alive(self) -> bool:
        """Whether a run is in progress."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        """Cancel and wait (the network call in progress ends at its timeout)."""
        self.cancel.set()
        self.join()
