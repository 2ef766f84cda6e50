"""The data folder and the store most reliability tests share (``data_dir``, ``store``;
``data``, a closed store of three FSE for the tests that start the application on it; a
module with another setup keeps its own fixture of the same name, which wins), and the
fuzz settings: the hypothesis profiles ("fuzz-ci" by default, "fuzz-long" with
``--long`` or ``SESAM_FUZZ=long``), the per-parser input counter and its report
(``fuzz-counts.json`` in the pytest temp dir, and a line per parser in the terminal summary).

The profiles are not loaded globally (the other hypothesis tests of the suite keep their
own settings): the fuzz tests take them through ``fuzz_support.fuzz_settings``."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from client.store import Store

#: Inputs tried per parser during this session (filled by the ``fuzz_count`` fixture).
FUZZ_COUNTS: Counter[str] = Counter()
_REPORT: list[Path] = []

_COMMON = {
    # A parser that takes longer than this on one input counts as a hang.
    "deadline": timedelta(seconds=5),
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}
# CI replays the same inputs every run, so a red CI always means a change broke a parser;
# the long profile explores new inputs each time, and what it finds becomes an @example.
settings.register_profile(
    "fuzz-ci",
    max_examples=150,
    derandomize=True,
    **_COMMON,  # type: ignore[arg-type]
)
settings.register_profile(
    "fuzz-long",
    max_examples=20_000,
    derandomize=False,
    **_COMMON,  # type: ignore[arg-type]
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--long",
        action="store_true",
        default=False,
        help="fuzz tests: run the 'long' hypothesis profile (tens of thousands of inputs)",
    )


def fuzz_is_long(config: pytest.Config) -> bool:
    """True when the long fuzzing profile was asked for (option or environment)."""
    return bool(config.getoption("--long", default=False)) or os.environ.get("SESAM_FUZZ") == "long"


def pytest_configure(config: pytest.Config) -> None:
    # Read by fuzz_support when the test modules are imported (after this hook).
    if fuzz_is_long(config):
        os.environ["SESAM_FUZZ"] = "long"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In the long profile a fuzz test may run far beyond the suite's per-test timeout."""
    if not fuzz_is_long(config):
        return
    for item in items:
        if Path(str(item.fspath)).name.startswith("test_fuzz_"):
            item.add_marker(pytest.mark.timeout(3600))


class FuzzCounter:
    """``count("cardio.tlv.decode")`` once per input handed to that parser."""

    def __init__(self, counts: Counter[str]) -> None:
        self.counts = counts

    def __call__(self, parser: str) -> None:
        self.counts[parser] += 1


@pytest.fixture(scope="session")
def fuzz_count(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzCounter]:
    """Session counter of inputs per parser; written to ``fuzz-counts.json`` at the end."""
    yield FuzzCounter(FUZZ_COUNTS)
    path = tmp_path_factory.getbasetemp() / "fuzz-counts.json"
    path.write_text(json.dumps(dict(sorted(FUZZ_COUNTS.items())), indent=2) + "\n")
    _REPORT.append(path)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FUZZ_COUNTS:
        return
    terminalreporter.section("fuzzing: inputs tried per parser")
    for parser, count in sorted(FUZZ_COUNTS.items()):
        terminalreporter.write_line(f"{parser:58s} {count:>9d}")
    for path in _REPORT:
        terminalreporter.write_line(f"counts written to {path}")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test's data folder (not made yet), in ``SESAM_DATA_DIR`` for ``sesam`` and the
    use cases."""
    path = tmp_path / "data"
    monkeypatch.setenv("SESAM_DATA_DIR", str(path))
    return path


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    """The test's store in ``data_dir``, closed after the test."""
    from client.store import open_store  # here: collecting the fuzz tests opens no store

    opened = open_store(data_dir / "sesam.db")
    yield opened
    opened.close()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A data folder whose closed store holds three FSE (its -wal written into the file), for
    the tests that start the application on it (``data_dir`` is not set in the environment)."""
    from reliability_support import create_fses

    from client.store import open_store

    folder = tmp_path / "data"
    folder.mkdir()
    store = open_store(folder / "sesam.db")
    try:
        create_fses(store, 3)
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    return folder
