"""What one ``sesam`` command composes: the store, the settings and the transport, each made
on first use, once per command, and closed when the command ends.

The command-line counterpart of ``client.context.AppContext`` without its threads (a
command runs on one thread; card work runs on a card thread, see ``card_store``)::

    with CommandContext() as cli:
        report = fetch_arls(cli.store, cli.transport, now)

The order of first use is the order of the checks the user sees (e.g. ``queue send``
checks the certificates before it opens the database): call them in that order.

It satisfies ``client.usecases.common.Services``: a command calls the same use cases as
the desk, with ``cli.store`` where the desk passes its database thread's store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from client.config import data_dir as default_data_dir
from client.store import Store, open_store

if TYPE_CHECKING:
    from billing.referential import Referential
    from client.settings import Settings
    from client.transport import Transport


class CommandContext:
    """The store (one connection for the command), the settings and the transport of one
    command; a context manager that closes what it opened."""

    def __init__(
        self,
        *,
        settings: Callable[[], Settings] | None = None,
        store: Callable[[], Store] = open_store,
        transport: Callable[[Settings], Transport] | None = None,
        data_dir: Callable[[], Path] = default_data_dir,
    ) -> None:
        self._data_dir = data_dir
        self._load_settings = settings
        self._open_store = store
        self._make_transport = transport or _https_transport
        self._settings: Settings | None = None
        self._store: Store | None = None
        self._transport: Transport | None = None
        self._referential: Referential | None = None

    @property
    def data_dir(self) -> Path:
        """The workstation's data directory (``client.config.data_dir``)."""
        return self._data_dir()

    def utc_clock(self) -> datetime:
        """Now, in UTC."""
        return datetime.now(UTC)

    def ensure_referential(self) -> Referential:
        """The tariff referential with the local tariffs, loaded once (on first use)."""
        if self._referential is None:
            from client.tariffs_local import referential_with_local  # tariffs: pricing only

            self._referential = referential_with_local(self.data_dir)
        return self._referential

    @property
    def settings(self) -> Settings:
        """The workstation's settings (``client.settings.load_settings``), loaded once."""
        if self._settings is None:
            if self._load_settings is None:  # most listings never read them (issue #27)
                from client.settings import load_settings

                self._load_settings = load_settings
            self._settings = self._load_settings()
        return self._settings

    @property
    def store(self) -> Store:
        """The database, opened once on first use (on the command's thread: a SQLite
        connection stays on the thread that opened it)."""
        if self._store is None:
            self._store = self._open_store()
        return self._store

    @property
    def transport(self) -> Transport:
        """The concentrator (HTTPS from the settings), built once on first use."""
        if self._transport is None:
            self._transport = self._make_transport(self.settings)
        return self._transport

    @contextmanager
    def card_store(self) -> Iterator[Store]:
        """A connection of its own for work that runs on the card thread (``fse create``,
        ``fse rectify``, ``lot close``): opened and closed on that thread."""
        store = self._open_store()
        try:
            yield store
        finally:
            store.close()

    def close(self) -> None:
        """Close the store if it was opened (idempotent)."""
        store, self._store = self._store, None
        if store is not None:
            store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _https_transport(settings: Settings) -> Transport:
    """The concentrator over HTTPS: ssl, http.client and the card errors' wording are
    imported by the commands that talk to it only (issue #27)."""
    from client.transport import HttpsTransport

    return HttpsTransport(settings)
