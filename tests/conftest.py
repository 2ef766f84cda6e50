"""Shared fixtures: the testbed state directory, pcscd with the vpcd readers, the vpcd lock,
the card server on the real virtual readers, and in-process emulated cards."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from testbed.cards.emulated_connection import EmulatedConnection
from testbed.cards.factory import make_card
from testbed.cards.pcsc_watch import VPCD_READERS, wait_for_readers, wait_for_state
from testbed.cards.server import CardServer
from testbed.state import TESTBED_DIR_ENV

VPCD_LOCK = Path("/tmp/sesam-vpcd.lock")


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
    found = subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True, check=False)
    if found.returncode != 0:
        binary = shutil.which("pcscd") or "/usr/sbin/pcscd"
        subprocess.run([binary], check=True)
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """pcsc tests take the vpcd lock even when they forget to ask for it."""
    for item in items:
        if item.get_closest_marker("pcsc") and "vpcd_lock" not in getattr(item, "fixturenames", ()):
            item.fixturenames.append("vpcd_lock")  # type: ignore[attr-defined]
