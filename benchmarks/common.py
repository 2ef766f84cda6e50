"""What every figure module shares: the result record, timing statistics, the run context,
the vpcd lock and the testbed environment."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

VPCD_LOCK = Path("/tmp/sesam-vpcd.lock")  # noqa: S108 - the team's agreed lock path
#: How long a figure waits for another user of the virtual readers before giving up.
LOCK_WAIT_SECONDS = 600.0


class NotMeasured(Exception):
    """The capability a figure needs is missing (or its environment is): say why."""


@dataclass(slots=True)
class Figure:
    """One measured figure, with the baseline measured in the same run."""

    figure: str
    unit: str
    value: float
    baseline: float | None = None
    baseline_label: str = ""
    goal: str = ""
    met: bool | None = None
    sizes: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """value / baseline, when there is a baseline."""
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline

    def to_json(self) -> dict[str, Any]:
        return {
            "figure": self.figure,
            "unit": self.unit,
            "value": round(self.value, 4),
            "baseline": None if self.baseline is None else round(self.baseline, 4),
            "baseline_label": self.baseline_label,
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "goal": self.goal,
            "met": self.met,
            "sizes": self.sizes,
            "extra": self.extra,
        }


@dataclass(slots=True)
class RunContext:
    """Options of this run and where it may keep files."""

    quick: bool
    tiny: bool
    workdir: Path
    max_fse: int | None = None  # cap on generated store sizes (--max-fse)

    def scaled(self, full: int, quick: int, tiny: int = 1) -> int:
        """A repetition count or size for the current mode."""
        if self.tiny:
            return tiny
        return quick if self.quick else full


@dataclass(frozen=True, slots=True)
class Stats:
    """Summary of timing samples, in the unit they were taken (seconds)."""

    n: int
    median: float
    p95: float
    minimum: float
    maximum: float

    @classmethod
    def of(cls, samples: list[float]) -> Stats:
        if not samples:
            raise ValueError("no samples")
        ordered = sorted(samples)
        index = min(len(ordered) - 1, max(0, round(0.95 * (len(ordered) - 1))))
        return cls(
            len(ordered), statistics.median(ordered), ordered[index], ordered[0], ordered[-1]
        )

    def ms(self) -> dict[str, float]:
        return {
            "n": self.n,
            "median_ms": round(self.median * 1e3, 3),
            "p95_ms": round(self.p95 * 1e3, 3),
            "min_ms": round(self.minimum * 1e3, 3),
            "max_ms": round(self.maximum * 1e3, 3),
        }


def sample(fn: Callable[[], object], repeat: int, warmup: int = 1) -> Stats:
    """Time ``fn`` ``repeat`` times after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return Stats.of(samples)


def budgeted(fn: Callable[[], object], repeat: int, budget_s: float) -> Stats:
    """Like :func:`sample`, with fewer repetitions (3 at least) when one call is slow."""
    start = time.perf_counter()
    fn()  # the warm-up call also tells how long one takes
    once = time.perf_counter() - start
    return sample(fn, max(3, min(repeat, int(budget_s / max(once, 1e-6)))), warmup=0)


def interleaved(
    fns: dict[str, Callable[[], object]], repeat: int, warmup: int = 1
) -> dict[str, Stats]:
    """Time several functions in alternation, so that machine noise hits them alike."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: Stats.of(values) for name, values in samples.items()}


def require(module: str, *names: str) -> Any:
    """Import ``module`` (and check it has ``names``) or raise NotMeasured."""
    import importlib

    try:
        loaded = importlib.import_module(module)
    except ImportError as exc:
        raise NotMeasured(f"{module} is not importable ({exc})") from exc
    for name in names:
        if not hasattr(loaded, name):
            raise NotMeasured(f"{module}.{name} does not exist yet")
    return loaded


def prepare_environment(workdir: Path) -> None:
    """Point the testbed and the client at the benchmark's own directories."""
    testbed = workdir / "testbed"
    data = workdir / "data"
    for path in (testbed, data):
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.chmod(0o700)
    os.environ["SESAM_TESTBED_DIR"] = str(testbed)
    os.environ["SESAM_DATA_DIR"] = str(data)


def _inherited_lock_fd() -> int | None:
    """An fd on the lock inherited from ``flock /tmp/sesam-vpcd.lock python -m benchmarks``."""
    with contextlib.suppress(OSError):
        for entry in Path("/proc/self/fd").iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(entry) == str(VPCD_LOCK):
                    return int(entry.name)
    return None


@contextlib.contextmanager
def vpcd_lock(timeout: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold /tmp/sesam-vpcd.lock (pcscd/vpcd is one per machine); NotMeasured on timeout."""
    inherited = _inherited_lock_fd()
    if inherited is not None:
        fcntl.flock(inherited, fcntl.LOCK_EX)
        yield
        return
    with open(VPCD_LOCK, "a") as lock:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise NotMeasured(
                        f"the vpcd readers stayed busy for {timeout:.0f} s (lock {VPCD_LOCK})"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_pcscd() -> None:
    """pcscd runs and lists the vpcd readers, or NotMeasured."""
    found = subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True, check=False)  # noqa: S607
    if found.returncode != 0:
        binary = shutil.which("pcscd") or "/usr/sbin/pcscd"
        if not Path(binary).exists():
            raise NotMeasured("pcscd is not installed")
        subprocess.run([binary], check=False)  # noqa: S603
    watch = require("testbed.cards.pcsc_watch", "wait_for_readers", "VPCD_READERS")
    try:
        watch.wait_for_readers(watch.VPCD_READERS, timeout=20.0)
    except TimeoutError as exc:
        raise NotMeasured(f"pcscd does not list the vpcd readers: {exc}") from exc


def wait_readers_empty() -> None:
    """Both vpcd readers hold no card (a previous user of the readers has left)."""
    watch = require("testbed.cards.pcsc_watch", "wait_for_state", "VPCD_READERS")
    for reader in watch.VPCD_READERS:
        watch.wait_for_state(reader, None, 15.0)
