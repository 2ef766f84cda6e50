"""The card thread: one worker that owns every PC/SC call, so that calls are serialised
and the GUI thread never waits on a reader (Electrum's device thread, house style B5)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, Self, TypeVar

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


class CardThread:
    """A single-worker executor for card I/O, with a check that code runs on it."""

    def __init__(self, name: str = "cardio") -> None:
        self._ident: int | None = None
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=name, initializer=self._remember_thread
        )

    def _remember_thread(self) -> None:
        self._ident = threading.get_ident()

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Run ``fn`` on the card thread; the future carries its result or exception."""
        return self._executor.submit(fn, *args, **kwargs)

    def call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn`` on the card thread and wait for it; runs inline when already there."""
        if self.is_card_thread():
            return fn(*args, **kwargs)
        return self._executor.submit(fn, *args, **kwargs).result()

    def is_card_thread(self) -> bool:
        """True when the caller runs on this card thread."""
        return self._ident is not None and threading.get_ident() == self._ident

    def assert_on_card_thread(self) -> None:
        """Fail loudly when card I/O is attempted from another thread (house style B12.1)."""
        if not self.is_card_thread():
            raise RuntimeError(
                f"card I/O outside the card thread (in {threading.current_thread().name})"
            )

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop accepting work; drop work not started yet; wait for the running call."""
        self._executor.shutdown(wait=wait, cancel_futures=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
