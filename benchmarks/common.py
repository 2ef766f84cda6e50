"""What every figure module shares: the result record, timing statistics, the run context,
the vpcd lock and the testbed environment."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import logging
import os
import statistics
import sys
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
    #: Each run's own measure (``--runs``): value and baseline of the same run.
    per_run: list[RunSample] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        """The median of the runs' own ratios (each against the baseline of its run);
        value / baseline with one run."""
        ratios = [r.ratio for r in self.per_run]
        if len(ratios) > 1 and all(r is not None for r in ratios):
            return statistics.median(r for r in ratios if r is not None)
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline

    def runs(self) -> list[RunSample]:
        """The runs this figure summarises (itself alone when it had one)."""
        return self.per_run or [RunSample(self.value, self.baseline, self.met)]

    def to_json(self) -> dict[str, Any]:
        runs = self.runs()
        values = [r.value for r in runs]
        baselines = [r.baseline for r in runs if r.baseline is not None]
        ratios = [r.ratio for r in runs if r.ratio is not None]
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
            "runs": len(runs),
            "median": {
                "value": round(statistics.median(values), 4),
                "baseline": round(statistics.median(baselines), 4) if baselines else None,
                "ratio": round(statistics.median(ratios), 3) if ratios else None,
            },
            "spread": {
                "value": [round(min(values), 4), round(max(values), 4)],
                "baseline": [round(min(baselines), 4), round(max(baselines), 4)]
                if baselines
                else None,
                "ratio": [round(min(ratios), 3), round(max(ratios), 3)] if ratios else None,
            },
            "per_run": [r.to_json() for r in runs],
            "extra": self.extra,
        }


@dataclass(frozen=True, slots=True)
class RunSample:
    """One run's measure of a figure, against the baseline measured in that run."""

    value: float
    baseline: float | None = None
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline

    def to_json(self) -> dict[str, Any]:
        return {
            "value": round(self.value, 4),
            "baseline": None if self.baseline is None else round(self.baseline, 4),
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "met": self.met,
        }


def merge_runs(runs: list[list[Figure]]) -> list[Figure]:
    """One figure per name from a module's repeated runs: the median value and baseline,
    the median of the runs' own ratios, met when met in most runs; the sizes, goal and
    details of the run nearest the median; every run kept in ``per_run``."""
    names: dict[str, list[Figure]] = {}
    for produced in runs:
        for figure in produced:
            names.setdefault(figure.figure, []).append(figure)
    merged = []
    for same in names.values():
        samples = [s for f in same for s in f.runs()]
        if len(same) == 1:
            same[0].per_run = samples if len(samples) > 1 else []
            merged.append(same[0])
            continue
        value = statistics.median(s.value for s in samples)
        bases = [s.baseline for s in samples if s.baseline is not None]
        verdicts = [s.met for s in samples if s.met is not None]
        nearest = min(same, key=lambda f: abs(f.value - value))
        merged.append(
            dataclasses.replace(
                nearest,
                value=value,
                baseline=statistics.median(bases) if len(bases) == len(samples) else None,
                met=None if not verdicts else 2 * sum(verdicts) > len(verdicts),
                per_run=samples,
            )
        )
    return merged


@dataclass(slots=True)
class RunContext:
    """Options of this run and where it may keep files."""

    quick: bool
    tiny: bool
    workdir: Path
    max_fse: int | None = None  # cap on generated store sizes (--max-fse)
    #: How many times each figure is measured (``--runs``); modules in
    #: ``__main__.RUNS_INSIDE`` repeat their own comparison that many times.
    runs: int = 1
    #: The backends measured (``--backend``): "sqlite", "postgresql" or both.
    backends: tuple[str, ...] = ("sqlite",)
    #: The throw-away PostgreSQL server of this run (``postgresql://user@host:port``), ""
    #: when no figure needs it.
    pg_server: str = ""
    #: Data folders ``cli_listings`` runs the ``sesam`` listings on (``--listing-store``).
    listing_stores: tuple[Path, ...] = ()

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


#: Warnings on the conditions a module's figures were measured in (pcscd niced): the
#: harness attaches them to that module's figures (``extra["notes"]``) and prints them.
ENVIRONMENT_NOTES: list[str] = []


def take_environment_notes() -> list[str]:
    """The warnings gathered since the last call, once each; the list is emptied."""
    notes = list(dict.fromkeys(ENVIRONMENT_NOTES))
    ENVIRONMENT_NOTES.clear()
    return notes


def ensure_pcscd() -> None:
    """pcscd runs (started at niceness 0 when it was not) and lists the vpcd readers, or
    NotMeasured; a niced pcscd is measured anyway, with a warning in the figures' notes."""
    daemon = require("testbed.cards.pcscd", "start_pcscd", "niced_warning")
    if not daemon.start_pcscd():
        raise NotMeasured("pcscd is not installed")
    warning = daemon.niced_warning()
    if warning:
        print(f"  warning: {warning}", file=sys.stderr, flush=True)
        ENVIRONMENT_NOTES.append(warning)
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
