"""The application context: every OS-touching service the application drives, wired once.

``build_context(settings, backend=..., clock=...)`` opens nothing on the caller's thread:
card calls go through the card thread, store work through one database worker thread that
owns its own connection, network through the sender's thread. The context holds the one
transport to the concentrator (``transport``: HTTPS built from the settings on first use, or
the one injected, e.g. ``client.fake_transport.InProcessTransport``) and the one background
sender (``sender``), stopped when the context closes. The desktop UI and the tests build one
context and pass it around (no globals). No Qt here.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from billing.referential import Referential
from cardio.connection import CardConnection, ReaderBackend
from cardio.errors import ReaderUnavailableError
from cardio.monitor import ReaderMonitor
from cardio.pcsc import PcscBackend
from cardio.thread import CardThread
from client import clean_close, compact_daily
from client.backup import (
    BackupInfo,
    BackupStoppedError,
    RestoreReport,
    backup_dir,
    backup_if_due,
    diagnose_store,
    list_backups,
    restore,
)
from client.config import data_dir as default_data_dir
from client.desk_records import DraftBook
from client.migration_progress import MigrationProgress
from client.offline_journal import FseKeptOfflineError
from client.sender import SenderThread
from client.settings import SETTINGS_NAME, Settings, SettingsError, load_settings
from client.store import Store, open_store
from client.store.cabinet import Viewer
from client.store.compaction import Space
from client.store.errors import DamagedStoreError, DatabaseUnavailableError, storage_error
from client.tariffs_local import referential_with_local
from client.transport import HttpsTransport, Transport

logger = logging.getLogger(__name__)

T = TypeVar("T")
OnChange = Callable[[Any, Any], None]
OnError = Callable[[BaseException], None]


def _now() -> datetime:
    return datetime.now().astimezone()


class DbWorker:
    """One thread that owns the store connection; every store call is submitted here."""

    def __init__(self, opener: Callable[[], Store]) -> None:
        self._opener = opener
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="db", initializer=self._on_thread
        )
        self._thread_id: int | None = None
        self._store: Store | None = None
        self._closed = False

    def _get(self) -> Store:
        if self._store is None:
            self._store = self._opener()
        return self._store

    def _on_thread(self) -> None:
        self._thread_id = threading.get_ident()

    def call(self, fn: Callable[[Store], T]) -> T:
        """``fn(store)`` on the database thread, waited for; run in place when called from
        that thread already (a job waiting for a job queued behind it never ends)."""
        if threading.get_ident() == self._thread_id:
            return fn(self._get())
        return self.submit(fn).result()

    def submit(self, fn: Callable[[Store], T]) -> Future[T]:
        """Run ``fn(store)`` on the database thread."""
        return self._executor.submit(self._run, fn)

    def _run(self, fn: Callable[[Store], T]) -> T:
        try:
            return fn(self._get())
        except Exception as exc:
            typed = storage_error(exc, None)  # a read outside a transaction is not typed
            if not isinstance(exc, FseKeptOfflineError) and not isinstance(
                typed, DatabaseUnavailableError
            ):
                raise
            # The cabinet's server went away: its connection is dead. The next call opens
            # a new one, so the post resumes by itself once the server answers.
            store, self._store = self._store, None
            if store is not None:
                with contextlib.suppress(Exception):
                    store.close()
            if typed is not None and typed is not exc:
                raise typed from exc
            raise

    def submit_closed(self, fn: Callable[[], T]) -> Future[T]:
        """Run ``fn()`` on the database thread with the connection closed first (a
        restoration replaces the file); the next ``submit`` opens the store again."""

        def work() -> T:
            store, self._store = self._store, None
            if store is not None:
                store.close()
            return fn()

        return self._executor.submit(work)

    def close(self) -> None:
        """Finish queued work, then close the connection on its own thread."""
        if self._closed:
            return
        self._closed = True

        def _close() -> None:
            store, self._store = self._store, None
            if store is not None:
                store.close()

        self._executor.submit(_close)
        self._executor.shutdown(wait=True, cancel_futures=False)


@dataclass
class AppContext:
    """Everything the application drives; built by :func:`build_context`."""

    data_dir: Path
    clock: Callable[[], datetime]
    settings: Settings
    backend: ReaderBackend | None
    card_thread: CardThread
    db: DbWorker
    referential: Referential | None = None
    sender: SenderThread | None = None
    monitor: ReaderMonitor | None = None
    drafts: DraftBook | None = None
    last_card_errors: list[str] = field(default_factory=list)
    #: Who is looking (issue #26: the card in the reader): the FSE list and the dashboard
    #: show only these practitioners' accounts; None: the whole store (a practitioner alone).
    viewer: Viewer | None = None
    #: The national id of the card that decided ``viewer`` ('' when none is in).
    viewer_card: str = ""
    #: Housekeeping (the scheduled backup) on a thread and a connection of its own: a
    #: copy of a big store takes seconds, the database thread serves the desk meanwhile.
    housekeeping: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="backup")
    )
    #: The running backup's (copied pages, total pages), None when none runs.
    backup_progress: tuple[int, int] | None = None
    #: Free pages being given back to the disk after it (bytes given, bytes to give).
    space_progress: tuple[int, int] | None = None
    #: Space only ``sesam store compact`` can recover, to tell the user once (set by the
    #: housekeeping, ``client.compact_daily``).
    space_to_recover: Space | None = None
    #: The running restoration's (copied pages, total pages), None when none runs.
    restore_progress: tuple[int, int] | None = None
    #: The migration converting the store as the database thread opens it (minutes at 1 M
    #: FSE on an old store: the status bar says why the pages wait), None when none runs.
    migration_progress: MigrationProgress | None = None
    #: A transport given to :func:`build_context` (tests: no network); None: HTTPS.
    injected_transport: Transport | None = None
    #: The last session on this store closed normally (``client.clean_close``, taken by
    #: :func:`build_context`): the start's store check need not read every page.
    last_close_clean: bool = False
    #: This application session on the store (``client.clean_close``): its end writes the
    #: mark only when it is the last one and none was cut short.
    clean_close_session: clean_close.Session | None = field(default=None, repr=False)
    _https: tuple[Settings, HttpsTransport] | None = field(default=None, repr=False)
    _transport_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _closing: threading.Event = field(default_factory=threading.Event)
    #: The database thread opened the store once (its migrations, if any, are done).
    _migrated: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def transport(self) -> Transport:
        """The concentrator: the injected transport, or the HTTPS one built from
        ``settings`` on first use and again once the settings are replaced (it keeps its
        connections alive and is shared by the sender, ADRi and the returns; it may be
        used from any thread). Built on demand because a workstation without its
        certificates still opens the desk: ``TransportConfigError`` comes at first use."""
        if self.injected_transport is not None:
            return self.injected_transport
        with self._transport_lock:
            if self._https is None or self._https[0] is not self.settings:
                previous, self._https = self._https, (self.settings, HttpsTransport(self.settings))
                if previous is not None:
                    previous[1].close()
            return self._https[1]

    def open_store_reporting(self) -> Store:
        """The database thread's opening: a long migration's progress kept in
        ``migration_progress`` while it runs."""

        def progress(step: MigrationProgress) -> None:
            self.migration_progress = step

        try:
            store = open_store(self.store_path, progress=progress)
            self._migrated.set()
            return store
        finally:
            self.migration_progress = None

    def _after_migrations(self) -> None:
        """A store to convert is converted by the database thread, its progress shown: the
        other threads open their connections after it (else they would wait on its lock,
        then fail, or convert it unseen). Its failure is theirs to meet and report."""
        if not self._migrated.is_set():
            with contextlib.suppress(Exception):
                self.db.call(lambda _store: None)

    def connect_store(self) -> Store:
        """A connection of its own to the store, for a thread other than the database
        thread (the sender's, the housekeeping's); its caller closes it."""
        self._after_migrations()
        return open_store(self.store_path)

    def utc_clock(self) -> datetime:
        """``clock()`` in UTC (what the sender and the returns record)."""
        return self.clock().astimezone(UTC)

    @property
    def store_path(self) -> Path:
        """The database file (other threads open their own connection to it)."""
        return self.data_dir / "sesam.db"

    def ensure_referential(self) -> Referential:
        """Load the tariff referential once (disk: call it off the GUI thread)."""
        if self.referential is None:
            self.referential = referential_with_local(self.data_dir)
        return self.referential

    def backup_if_due(self) -> Future[Path | None]:
        """The scheduled backup (daily), on the housekeeping thread with its own connection
        (a copy in steps of one read snapshot: the desk's reads and writes go on); the app
        calls it at start and then every hour — it only writes when the newest backup is a
        day old. Its progress is in ``backup_progress``; closing the context stops it.
        Then the store's free pages go back to the disk in short steps, or the space only
        a compaction can recover is told once (``client.compact_daily``; its progress in
        ``space_progress``, the notice in ``space_to_recover``)."""

        def progress(copied: int, total: int) -> None:
            self.backup_progress = (copied, total)
            if self._closing.is_set():
                raise BackupStoppedError(self.store_path, "application fermée")

        def giving_back(given: int, total: int) -> None:
            self.space_progress = (given, total)

        def work() -> Path | None:
            store = self.connect_store()
            try:
                made = backup_if_due(store, clock=self.clock, progress=progress)
                self.backup_progress = None
                # After a sound backup or none due (a damaged store raised above): the
                # free pages given back in short steps (client.compact_daily).
                self.space_to_recover = compact_daily.tidy(
                    store, giving_back, stop=self._closing.is_set
                )
                return made
            finally:
                self.backup_progress = None
                self.space_progress = None
                store.close()

        return self.housekeeping.submit(work)

    def diagnose_store(self) -> Future[DamagedStoreError | None]:
        """Whether the database is damaged (``client.backup.diagnose_store``), checked on
        the housekeeping thread: the application starts in any case and offers a restore.
        Every page is read (``quick_check``, 27 s at 1 M FSE) only when the last session
        did not close normally (``last_close_clean``)."""

        def work() -> DamagedStoreError | None:
            self._after_migrations()
            return diagnose_store(self.store_path, full=not self.last_close_clean)

        return self.housekeeping.submit(work)

    def list_backups(self) -> Future[list[BackupInfo]]:
        """The backups, newest first, each verified (housekeeping thread)."""
        return self.housekeeping.submit(list_backups, backup_dir(self.data_dir))

    def restore_backup(self, source: Path) -> Future[RestoreReport]:
        """``client.backup.restore`` of ``source`` on the database thread, its connection
        closed first (the file is replaced); the store reopens on the next call. Refused
        (``StoreInUseError``) while another process has the store open. Its progress is in
        ``restore_progress``."""

        def progress(copied: int, total: int) -> None:
            self.restore_progress = (copied, total)

        def work() -> RestoreReport:
            self.restore_progress = (0, 0)
            try:
                return restore(source, self.store_path, clock=self.clock, progress=progress)
            finally:
                self.restore_progress = None

        return self.db.submit_closed(work)

    def run_on_card(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Run ``fn(*args)`` on the card thread."""
        return self.card_thread.submit(fn, *args)

    def start_monitor(self, on_change: OnChange, on_error: OnError | None = None) -> None:
        """Start watching the readers; callbacks come on the card thread."""
        if self.monitor is not None or self.backend is None:
            if self.backend is None and on_error is not None:
                on_error(ReaderUnavailableError("no PC/SC backend"))
            return
        self.monitor = ReaderMonitor(self.backend, self.card_thread, on_change, on_error=on_error)
        self.monitor.start()

    def connect(self, reader: str) -> CardConnection:
        """Open the card in ``reader`` (call on the card thread)."""
        if self.backend is None:
            raise ReaderUnavailableError("no PC/SC backend")
        return self.backend.connect(reader)

    def note_card_error(self, exc: BaseException) -> None:
        """Remember a card error for the diagnostics page (no patient data in it)."""
        self.last_card_errors.append(f"{self.clock():%H:%M:%S} {type(exc).__name__}: {exc}")
        del self.last_card_errors[:-20]

    def close(self) -> None:
        """Stop the monitor and the sender, then the card thread, then the store (B5)."""
        for part in (self.monitor, self.sender):
            if part is None:
                continue
            try:
                part.stop()
            except Exception:  # shutting down: log and go on closing the rest
                logger.exception("stopping %r failed", part)
        if self._https is not None:
            self._https[1].close()
        self._closing.set()  # a backup under way stops at its next step (no copy kept)
        self.housekeeping.shutdown(wait=True, cancel_futures=True)
        self.card_thread.shutdown()
        close_backend = getattr(self.backend, "close", None)  # PcscBackend has one
        if callable(close_backend):
            close_backend()
        self.db.close()
        # Every connection of this session is closed (the sender's, the backup's, the
        # database thread's): the next start need not read every page, if this session
        # is the last one on the store and none was cut short.
        if self.clean_close_session is not None:
            self.clean_close_session.end()


def build_context(
    settings: Settings | None = None,
    *,
    backend: ReaderBackend | None = None,
    clock: Callable[[], datetime] | None = None,
    data_dir: Path | None = None,
    referential: Referential | None = None,
    use_pcsc: bool = True,
    transport: Transport | None = None,
) -> AppContext:
    """Wire the application: card thread, reader backend, store worker, referential, the
    transport (``transport``, or HTTPS from the settings) and the background sender.

    Nothing here blocks on a card or the network; the store is opened lazily on its thread,
    the HTTPS transport on first use.
    """
    directory = data_dir or default_data_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    if settings is None:
        settings = _load_settings(directory)
    card_thread = CardThread()
    if backend is None and use_pcsc:
        backend = PcscBackend(thread=card_thread)
    worker = DbWorker(lambda: ctx.open_store_reporting())  # ctx: set below, before any call
    # Taken before this session writes anything: killed, it leaves no mark behind.
    session = clean_close.begin(directory / "sesam.db")
    ctx = AppContext(
        data_dir=directory,
        clock=clock or _now,
        settings=settings,
        backend=backend,
        card_thread=card_thread,
        db=worker,
        referential=referential,
        drafts=DraftBook(worker),
        injected_transport=transport,
        last_close_clean=session.clean_start,
        clean_close_session=session,
    )
    # Its own store connection and the context's transport, both taken on its thread at
    # each run; the settings are read at each run (the settings page replaces them).
    ctx.sender = SenderThread(
        lambda: ctx.connect_store(),  # looked up at each run (tests make it fail)
        lambda: ctx.transport,
        settings=lambda: ctx.settings,
        clock=ctx.utc_clock,
    )
    return ctx


def _load_settings(directory: Path) -> Settings:
    try:
        return load_settings(directory / SETTINGS_NAME)
    except SettingsError:
        logger.exception("settings unreadable: defaults used")
        return Settings().resolved()


# --- patients without a card, and invoices prepared at the reception ---------------------
@dataclass(frozen=True, slots=True)
class LocalPatient:
    """A patient already billed here (from the store), with the organism of his last FSE."""

    id: str
    nom: str
    prenom: str
    birth_date_raw: str
    nir: str  # assuré NIR, 13
    nir_key: str
    beneficiary_nir: str
    beneficiary_nir_key: str
    rang: str
    qualite: str
    regime: str = ""
    caisse: str = ""
    centre: str = ""

    @property
    def birth_date(self) -> date | None:
        """None for a lunar birth date (day or month beyond the calendar)."""
        raw = self.birth_date_raw
        try:
            return date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
        except ValueError:
            return None

    def identity(self) -> dict[str, Any]:
        """The ``identity`` object of ``sesam fse create`` (sans Vitale / dégradé)."""
        return {
            "nir": self.nir + self.nir_key,
            "beneficiary_nir": (self.beneficiary_nir + self.beneficiary_nir_key)
            if self.beneficiary_nir
            else "",
            "birth_date": self.birth_date_raw,
            "rang": self.rang,
            "qualite": self.qualite,
            "identification": "nir",
            "organism": {"regime": self.regime, "caisse": self.caisse, "centre": self.centre},
            "last_name": self.nom,
            "first_name": self.prenom,
        }


def search_patients(store: Store, text: str, limit: int = 30) -> list[LocalPatient]:
    """Patients whose name starts with ``text``, or whose NIR starts with it (digits)."""
    needle = text.strip().upper()
    if not needle:
        return []
    digits = needle.replace(" ", "")
    if digits.isdigit():
        rows = store.patients.starting_with(digits, digits=True, limit=limit)
    else:
        rows = store.patients.starting_with(needle, digits=False, limit=limit)
    return [
        LocalPatient(
            id=r.id,
            nom=r.last_name,
            prenom=r.first_name,
            birth_date_raw=r.birth_date,
            nir=r.assure_nir,
            nir_key=r.assure_nir_key,
            beneficiary_nir=r.beneficiary_nir,
            beneficiary_nir_key=r.beneficiary_nir_key,
            rang=r.rang,
            qualite=r.qualite,
            regime=r.regime,
            caisse=r.caisse,
            centre=r.centre,
        )
        for r in rows
    ]
