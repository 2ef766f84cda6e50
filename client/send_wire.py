"""The sender's network thread: it sends the lots handed to it, in order, on the transport's
kept-alive connection, and never touches the store.

Each answer is given to the sender's thread (its ``Future``) once the next lot's request is
written, when a next lot is already waiting: the sender's thread, woken by the answer, would
otherwise take the interpreter (the GIL) to record it while this thread still needs it to
write that request, and the concentrator would wait for the recording (up to the
interpreter's switch interval, longer on a busy machine). With a transport that cannot say
when a request has left (:class:`client.transport.Announcing`), each answer is given at once.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from client.store import OutboxRow
from client.transport import Announcing, LotAnswer, Transport, TransportError

logger = logging.getLogger(__name__)

#: What the network thread makes of a lot: the answer, why it failed, or None when the run
#: stopped before the lot's turn came (it was not sent).
Answer = LotAnswer | TransportError | None


@dataclass(frozen=True, slots=True)
class _Handed:
    row: OutboxRow
    der: bytes
    future: Future[Answer]


@dataclass(slots=True)
class _Held:
    """An answer read, not yet given to the sender's thread."""

    future: Future[Answer]
    answer: Answer

    def give(self) -> None:
        self.future.set_result(self.answer)


class Wire:
    """One thread, started at the first thing handed to it; :meth:`close` ends it once
    everything handed has its answer."""

    def __init__(self, deliver: Callable[[OutboxRow, bytes], Answer], transport: Transport) -> None:
        self._deliver = deliver
        self._announcing = transport if isinstance(transport, Announcing) else None
        self._queue: queue.SimpleQueue[_Handed | Callable[[], None] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def call(self, work: Callable[[], None]) -> None:
        """Run ``work`` on the network thread, in turn (the connection opened ahead)."""
        self._put(work)

    def hand(self, row: OutboxRow, der: bytes) -> Future[Answer]:
        """Send this claimed lot after those handed before; its answer comes in order."""
        future: Future[Answer] = Future()
        self._put(_Handed(row, der, future))
        return future

    def close(self) -> None:
        """End the thread after what was handed (every future then has its answer)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _put(self, item: _Handed | Callable[[], None]) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="sesam-envoi", daemon=True)
            self._thread.start()
        self._queue.put(item)

    def _loop(self) -> None:
        held: _Held | None = None
        while True:
            if held is None:
                item = self._queue.get()
            else:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:  # nothing to write first: the answer goes now
                    held.give()
                    held = None
                    continue
            if not isinstance(item, _Handed):
                if held is not None:
                    held.give()
                    held = None
                if item is None:
                    return
                try:
                    item()
                except Exception:
                    logger.exception("network thread: work failed")
                continue
            held = self._send(item, held)

    def _send(self, item: _Handed, held: _Held | None) -> _Held | None:
        """Send one lot; the answer before it is given once this request is written (or
        failed, or was not sent), always before this one's."""
        before = held

        def give_before() -> None:
            nonlocal before
            if before is not None:
                before.give()
                before = None

        try:
            if self._announcing is None:
                give_before()
                answer = self._deliver(item.row, item.der)
            else:
                with self._announcing.once_written(give_before):
                    answer = self._deliver(item.row, item.der)
        except Exception as exc:  # noqa: BLE001 - raised on the sender's thread, as before
            give_before()
            item.future.set_exception(exc)
            return None
        give_before()
        return _Held(item.future, answer)
