"""Shared fixtures: the testbed state directory, pcscd with the vpcd readers, the vpcd lock,
the card server on the real virtual readers, and in-process emulated cards; the store on
PostgreSQL when ``SESAM_TEST_POSTGRES`` names a server (``scripts/test.sh`` starts one):
every test then gets a fresh database, made from a migrated template, in
``SESAM_DATABASE_URL`` (its subprocesses inherit it)."""

from __future__ import annotations

import fcntl
import itertools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from testbed.cards.emulated_connection import EmulatedConnection
from testbed.cards.factory import make_card
from testbed.cards.pcsc_watch import VPCD_READERS, wait_for_readers, wait_for_state
from testbed.cards.pcscd import start_pcscd
from testbed.cards.server import CardServer
from testbed.pg_cluster import throwaway_cluster
from testbed.state import TESTBED_DIR_ENV

VPCD_LOCK = Path("/tmp/sesam-vpcd.lock")

#: The PostgreSQL server of a run on PostgreSQL (``postgresql://user@host:port``), or "".
TEST_POSTGRES_ENV = "SESAM_TEST_POSTGRES"
_PG_TEMPLATE = "sesam_template"
_pg_numbers = itertools.count(1)


def _pg_admin(server: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement.encode())


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server (``postgresql://sesam@127.0.0.1:PORT``): the run's own
    (``SESAM_TEST_POSTGRES``), else a throw-away cluster started here for the session."""
    given = os.environ.get(TEST_POSTGRES_ENV, "").rstrip("/")
    if given:
        yield given
        return
    # fsync off: the shared server is thrown away with the run (the fault tests keep it on).
    with throwaway_cluster("sesam-pg.", "-c fsync=off") as cluster:
        yield cluster.server


@pytest.fixture
def pg_database(postgres_server: str) -> Iterator[Callable[[], str]]:
    """Factory: the URL of a new, empty database on ``postgres_server`` (dropped after)."""
    made: list[str] = []

    def make() -> str:
        name = f"sesam_x{os.getpid()}_{next(_pg_numbers)}"
        _pg_admin(postgres_server, f"CREATE DATABASE {name}")
        made.append(name)
        return f"{postgres_server}/{name}"

    yield make
    for name in made:
        _pg_admin(postgres_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL server of this run, its template database migrated ("" on SQLite)."""
    server = os.environ.get(TEST_POSTGRES_ENV, "").rstrip("/")
    if not server:
        return ""
    from client.store import open_store

    _pg_admin(
        server,
        f"DROP DATABASE IF EXISTS {_PG_TEMPLATE} WITH (FORCE)",
        f"CREATE DATABASE {_PG_TEMPLATE}",
    )
    open_store(Path("/nonexistent/sesam.db"), database_url=f"{server}/{_PG_TEMPLATE}").close()
    return server


def _new_database(server: str) -> str:
    name = f"sesam_t{os.getpid()}_{next(_pg_numbers)}"
    # FILE_COPY: a copy of the template's files, 2 to 3 times faster than the default
    # (WAL_LOG: each page logged) on a cluster without fsync; one per test adds up.
    _pg_admin(server, f"CREATE DATABASE {name} TEMPLATE {_PG_TEMPLATE} STRATEGY FILE_COPY")
    return name


#: The folders whose tests open no store (billing and cardio import no client): on
#: PostgreSQL they get no database of their own, only the URL of one that does not exist,
#: so that a store opened there fails at once rather than on the wrong backend.
_NO_STORE = tuple(Path(__file__).parent / name for name in ("billing", "cardio"))
_NO_DATABASE = "sesam_no_store"


def _opens_no_store(request: pytest.FixtureRequest) -> bool:
    return any(folder in request.path.parents for folder in _NO_STORE)


@pytest.fixture(scope="module", autouse=True)
def module_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """On PostgreSQL, a database for the module's own store fixtures (scope « module »:
    built once, read by each test), in ``SESAM_DATABASE_URL`` before they open it."""
    if not os.environ.get(TEST_POSTGRES_ENV):
        yield ""
        return
    server = request.getfixturevalue("pg_server")
    if _opens_no_store(request):
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("SESAM_DATABASE_URL", f"{server}/{_NO_DATABASE}")
            yield ""
        return
    name = _new_database(server)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SESAM_DATABASE_URL", f"{server}/{name}")
        yield name
    _pg_admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _in_use(server: str, name: str) -> bool:
    """Whether a connection is open on database ``name`` (a module's store, kept open)."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        row = conn.execute(
            b"SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]
        ).fetchone()
    return bool(row and row[0])


@pytest.fixture(autouse=True)
def store_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """ "sqlite", or "postgresql" with a fresh database for this test in
    ``SESAM_DATABASE_URL`` (the module's while a module-scoped store is open on it); a
    test marked ``sqlite_only`` is skipped on PostgreSQL."""
    if not os.environ.get(TEST_POSTGRES_ENV):
        yield "sqlite"
        return
    if request.node.get_closest_marker("sqlite_only"):
        pytest.skip("SQLite only: the SQLite file itself (see the marker's comment)")
    server = request.getfixturevalue("pg_server")
    if _opens_no_store(request):
        yield "postgresql"  # no database (see ``_NO_STORE``)
        return
    if _in_use(server, request.getfixturevalue("module_database")):
        yield "postgresql"  # the module's store fixture is open on it: the test reads it
        return
    name = _new_database(server)
    monkeypatch.setenv("SESAM_DATABASE_URL", f"{server}/{name}")
    try:
        yield "postgresql"
    finally:
        _pg_admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def separate_database(
    store_backend: str, request: pytest.FixtureRequest
) -> Iterator[Callable[[], str | None]]:
    """Factory: the ``database_url`` of a store other than the test's (another post with
    its own data): None on SQLite (the file named decides), a new database on PostgreSQL."""
    if store_backend != "postgresql":
        yield lambda: None
        return
    server = request.getfixturevalue("pg_server")
    made: list[str] = []

    def make() -> str:
        made.append(_new_database(server))
        return f"{server}/{made[-1]}"

    yield make
    for name in made:
        _pg_admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(autouse=True)
def automatic_gc_back() -> Iterator[None]:
    """A test that leaves a ``TaskRunner`` alive (not shut down) leaves the automatic garbage
    collector off (``ui.gui_gc``): it is turned back on for the next tests."""
    yield
    collectors = sys.modules.get("ui.gui_gc")
    if collectors is not None:
        for collector in list(collectors._running):
            collector.stop()


@pytest.fixture(scope="session", autouse=True)
def no_reader_scope() -> Iterator[None]:
    """``sesam`` does not look in the readers for the card that decides what it shows
    (issue #26): another test's card in a reader must not change a listing; the tests of
    that reading take the readers (``card_server``) and unset it."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SESAM_NO_READER_SCOPE", "1")
        yield


@pytest.fixture(scope="session", autouse=True)
def testbed_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """SESAM_TESTBED_DIR points at a session temp dir: the test PKI is generated there once
    per session, and no test touches the user's real testbed directory."""
    path = tmp_path_factory.mktemp("testbed")
    path.chmod(0o700)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(TESTBED_DIR_ENV, str(path))
        yield path


@pytest.fixture(scope="session")
def pcscd() -> None:
    """pcscd runs and lists both vpcd readers (started here when not running)."""
    if not start_pcscd():  # at niceness 0: the niced test run must not nice the daemon
        pytest.fail("pcscd n'est pas installé : lancez scripts/setup.sh")
    wait_for_readers(VPCD_READERS, timeout=20.0)


def _inherited_lock_fd() -> int | None:
    """An fd on the lock file inherited from `flock /tmp/sesam-vpcd.lock pytest ...`.

    Locking it again is immediate (same open file description), whereas opening the file
    anew would wait forever for our own parent."""
    for entry in Path("/proc/self/fd").iterdir():
        try:
            if os.readlink(entry) == str(VPCD_LOCK):
                return int(entry.name)
        except OSError:
            continue
    return None


@pytest.fixture
def vpcd_lock() -> Iterator[None]:
    """Hold /tmp/sesam-vpcd.lock for the test: pcscd/vpcd is one per machine."""
    inherited = _inherited_lock_fd()
    if inherited is not None:
        fcntl.flock(inherited, fcntl.LOCK_EX)
        yield  # the parent `flock` owns it: never unlock here
        return
    with open(VPCD_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _wait_readers_empty(timeout: float = 10.0) -> None:
    for reader in VPCD_READERS:
        wait_for_state(reader, None, timeout)


@pytest.fixture
def card_server(pcscd: None, vpcd_lock: None, testbed_dir: Path) -> Iterator[CardServer]:
    """A CardServer on the real vpcd readers. ``insert``/``remove``/``swap`` return once
    pcscd reports the new state; every card is removed after the test."""
    _wait_readers_empty()  # a previous user of the readers must be gone
    server = CardServer(wait_pcsc=True, wait_timeout=10.0)
    try:
        yield server
    finally:
        server.stop()
        _wait_readers_empty()


@pytest.fixture
def emulated() -> Callable[[str], EmulatedConnection]:
    """Factory: an in-process connection to a fresh emulated card of the named profile."""

    def connect(profile: str) -> EmulatedConnection:
        return EmulatedConnection(make_card(profile))

    return connect


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: reads the SQLite file itself; skipped on PostgreSQL"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """pcsc tests take the vpcd lock even when they forget to ask for it."""
    for item in items:
        if item.get_closest_marker("pcsc") and "vpcd_lock" not in getattr(item, "fixturenames", ()):
            item.fixturenames.append("vpcd_lock")  # type: ignore[attr-defined]
