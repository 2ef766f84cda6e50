"""Reader events by polling (never pyscard's CardMonitor singleton, house style B12.2).

Every ~0.5 s the monitor asks the backend for the state of every reader, on the card
thread, and calls ``on_change(snapshot, events)`` there when something changed. A card
taken out and another put in between two polls is still reported, as a swap: PC/SC's card
event counter moves although a card is present both times, and the card's identity (the
Vitale or CPS serial: two Vitale cards share one ATR) tells a swap from a re-insertion.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError
from dataclasses import dataclass

from cardio import probe
from cardio.connection import CardConnection, ReaderBackend, ReaderState
from cardio.errors import CardError, ReaderUnavailableError
from cardio.thread import CardThread

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL = 0.5


class EventKind(enum.Enum):
    """What happened in a reader (or to the PC/SC service) between two polls."""

    READER_ADDED = "reader_added"
    READER_REMOVED = "reader_removed"
    CARD_INSERTED = "card_inserted"
    CARD_REMOVED = "card_removed"
    #: another card is in the reader now: whatever was known of the old one is stale.
    CARD_SWAPPED = "card_swapped"
    SERVICE_UNAVAILABLE = "service_unavailable"
    SERVICE_RESTORED = "service_restored"


@dataclass(frozen=True, slots=True)
class ReaderEvent:
    """One event; ``identity`` is the probed card identity ("vitale:<serial>") if known."""

    kind: EventKind
    reader: str | None = None
    atr: bytes | None = None
    identity: str | None = None

    @property
    def card_kind(self) -> probe.CardKind:
        """The card's family: as the probe read it, else guessed from the ATR."""
        family = (self.identity or "").partition(":")[0]
        if family in (probe.CardKind.VITALE.value, probe.CardKind.CPS.value):
            return probe.CardKind(family)
        return probe.classify_atr(self.atr)


@dataclass(frozen=True, slots=True)
class ReaderSnapshot:
    """Every reader's state at one poll; iterates over the ``ReaderState`` items."""

    readers: tuple[ReaderState, ...] = ()
    service_available: bool = True

    def __iter__(self) -> Iterator[ReaderState]:
        return iter(self.readers)

    def __len__(self) -> int:
        return len(self.readers)

    def reader(self, name: str) -> ReaderState | None:
        """The state of the reader called ``name``, if attached."""
        return next((r for r in self.readers if r.name == name), None)


OnChange = Callable[[ReaderSnapshot, tuple[ReaderEvent, ...]], None]
Identify = Callable[[CardConnection], str | None]


class ReaderMonitor:
    """Polls the readers on the card thread and reports changes.

    :param on_change: called on the card thread with the new snapshot and its events;
        it must only hand them over (emit a signal), never block.
    :param identify: reads a card's identity to tell swaps from re-insertions; None
        disables the probe (then any card event under a present card is a swap).
    :param on_error: called on the card thread when polling fails unexpectedly.
    """

    def __init__(
        self,
        backend: ReaderBackend,
        card_thread: CardThread,
        on_change: OnChange,
        *,
        interval: float = DEFAULT_INTERVAL,
        identify: Identify | None = probe.card_identity,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self._backend = backend
        self._card_thread = card_thread
        self._on_change = on_change
        self._on_error = on_error
        self._interval = interval
        self._identify = identify
        self._last: ReaderSnapshot | None = None
        self._identities: dict[str, str | None] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def snapshot(self) -> ReaderSnapshot | None:
        """The last snapshot taken (None before the first poll)."""
        return self._last

    # --- one poll ----------------------------------------------------------------------
    def poll(self) -> tuple[ReaderEvent, ...]:
        """Take one snapshot (on the card thread); report and return its events."""
        self._card_thread.assert_on_card_thread()
        try:
            snapshot = ReaderSnapshot(self._backend.states(), True)
        except ReaderUnavailableError as exc:
            snapshot = ReaderSnapshot((), False)
            if self._last is None or self._last.service_available:
                logger.warning("PC/SC service unavailable: %s", exc)
                if self._on_error is not None:
                    self._on_error(exc)
        events = self._diff(self._last, snapshot)
        changed = snapshot != self._last or bool(events)
        self._last = snapshot
        if changed:
            logger.debug("readers changed: %s", [e.kind.value for e in events])
            try:
                self._on_change(snapshot, events)
            except Exception:  # a broken listener must not stop the monitor
                logger.exception("reader monitor listener failed")
        return events

    def _probe(self, reader: str) -> str | None:
        if self._identify is None:
            return None
        try:
            with self._backend.connect(reader) as connection, connection.transaction():
                return self._identify(connection)
        except CardError as exc:
            logger.info("%s: card identity unknown (%s)", reader, type(exc).__name__)
            return None

    def _diff(self, old: ReaderSnapshot | None, new: ReaderSnapshot) -> tuple[ReaderEvent, ...]:
        events: list[ReaderEvent] = []
        previous = old if old is not None else ReaderSnapshot((), True)
        if previous.service_available and not new.service_available:
            for state in previous.readers:
                if state.card_present:
                    events.append(ReaderEvent(EventKind.CARD_REMOVED, state.name, state.atr))
                events.append(ReaderEvent(EventKind.READER_REMOVED, state.name))
            self._identities.clear()
            events.append(ReaderEvent(EventKind.SERVICE_UNAVAILABLE))
            return tuple(events)
        if not previous.service_available and new.service_available:
            events.append(ReaderEvent(EventKind.SERVICE_RESTORED))
        new_names = {s.name for s in new.readers}
        for state in previous.readers:
            if state.name not in new_names:
                if state.card_present:
                    events.append(ReaderEvent(EventKind.CARD_REMOVED, state.name, state.atr))
                self._identities.pop(state.name, None)
                events.append(ReaderEvent(EventKind.READER_REMOVED, state.name))
        for state in new.readers:
            before = previous.reader(state.name)
            if before is None:
                events.append(ReaderEvent(EventKind.READER_ADDED, state.name))
            events.extend(self._card_events(before, state))
        return tuple(events)

    def _card_events(self, before: ReaderState | None, now: ReaderState) -> list[ReaderEvent]:
        name = now.name
        was_present = before is not None and before.card_present
        if not now.card_present:
            if was_present:
                self._identities.pop(name, None)
                return [ReaderEvent(EventKind.CARD_REMOVED, name, before.atr if before else None)]
            return []
        if not was_present:
            identity = self._identities[name] = self._probe(name)
            return [ReaderEvent(EventKind.CARD_INSERTED, name, now.atr, identity)]
        assert before is not None  # noqa: S101 - was_present implies it
        counted = before.event_count is not None and now.event_count is not None
        moved = counted and before.event_count != now.event_count
        if before.atr == now.atr and not moved and (counted or self._identify is None):
            return []  # same card, nothing happened
        old_identity = self._identities.get(name)
        identity = self._identities[name] = self._probe(name)
        if before.atr == now.atr and not moved:
            # No event counter: only the identity can reveal a swap between two polls.
            if identity is None or old_identity is None or identity == old_identity:
                return []
        elif before.atr == now.atr and identity is not None and identity == old_identity:
            # Same card taken out and put back: its session (PIN) is gone all the same.
            return [
                ReaderEvent(EventKind.CARD_REMOVED, name, before.atr, old_identity),
                ReaderEvent(EventKind.CARD_INSERTED, name, now.atr, identity),
            ]
        return [ReaderEvent(EventKind.CARD_SWAPPED, name, now.atr, identity)]

    # --- the polling loop -------------------------------------------------------------
    def start(self) -> None:
        """Poll in the background until :meth:`stop`."""
        if self._thread is not None:
            raise RuntimeError("monitor already started")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="cardio-monitor", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                future = self._card_thread.submit(self.poll)
            except RuntimeError:  # the card thread was shut down
                logger.debug("reader monitor: card thread gone, stopping")
                return
            try:
                future.result()
            except CancelledError:
                return
            except Exception as exc:
                logger.exception("reader monitor poll failed")
                if self._on_error is not None:
                    self._on_error(exc)
            self._stop.wait(self._interval)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop polling; waits for the loop unless called from the card thread."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and not self._card_thread.is_card_thread():
            thread.join(timeout)
