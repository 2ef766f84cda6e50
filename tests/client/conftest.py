"""The fixtures most client tests share: the practitioner's cabinet (emulated cards read
once per module), the simulated Assurance Maladie over real HTTPS on loopback, and the
store in the test's temporary folder.

A module whose store lives elsewhere (a data folder that ``sesam`` also reads) overrides
``store_path``; a module that needs another setup keeps its own fixture of the same name,
which wins over these."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from am_support import Cabinet, open_cabinet

from client.store import Store, open_store
from testbed.am.server import AmServer


@pytest.fixture(scope="module")
def cabinet() -> Cabinet:
    """The CPS cps-generaliste and the carte Vitale vitale-famille, read once per module."""
    return open_cabinet()


@pytest.fixture
def am(tmp_path: Path) -> Iterator[AmServer]:
    """The simulated Assurance Maladie (mTLS on loopback), its ledger in ``tmp_path``."""
    server = AmServer(ledger_path=tmp_path / "ledger.sqlite").start()
    yield server
    server.stop()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """Where ``store`` opens the test's store (on PostgreSQL: the file only names it)."""
    return tmp_path / "sesam.db"


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    """The test's store, migrated, closed after the test."""
    opened = open_store(store_path)
    yield opened
    opened.close()
