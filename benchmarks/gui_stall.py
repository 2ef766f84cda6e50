"""Figure: the GUI event loop's longest stall while a card is read (through pcscd/vpcd, on
the card thread) and while the queue is sent (the sender on a worker), both submitted
through the UI's TaskRunner; and while the whole application starts and opens each of its
pages on the generator's large store (10 000 FSE quick, 100 000 full); against the same
loop idle, measured in the same run. The page round also counts the references to None,
True and False it costs (PySide6 6.12.0 lost some on every call: docs/upstream-faults.md).

The page round starts as a user does on most days: the last session closed normally (no
``quick_check`` of every page at start, ``client.clean_close``) and the day's backup made;
``SESAM_BENCH_FULL_CHECK=1`` starts as after a crash, ``SESAM_BENCH_BACKUP_DUE=1`` with the
daily backup to make (both read every page while the pages are measured).

A 1 ms precise QTimer runs in an offscreen QApplication; a stall is the gap between two of
its ticks beyond 1 ms. The simulated Assurance Maladie runs in another process (it would
otherwise compete for this process's GIL, which a remote concentrator does not).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.common import (
    Figure,
    NotMeasured,
    RunContext,
    ensure_pcscd,
    require,
    vpcd_lock,
    wait_readers_empty,
)

logger = logging.getLogger(__name__)

NAME = "gui_stall"
GOAL_MS = 50.0
#: Issue #27: each page shows its content within this, the loop never stalls more.
GOAL_PAGE_MS = 100.0
GOAL_PAGE_STALL_MS = 30.0
GOAL_MEMORY_MIB = 300
#: How far the page round scrolls each long list (a few minutes of a user's reading).
SCROLL_ROWS = 5000
REFCOUNT_LOSS_GOAL = 100  # references to None/True/False a round of page fills may lose
ROOT = Path(__file__).resolve().parents[1]


class StallMeter:
    """Largest gap between the ticks of a 1 ms timer while the loop runs."""

    def __init__(self) -> None:
        from ui.qt import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[float] = []
        self._last: float | None = None

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.gaps.append(now - self._last)
        self._last = now

    def start(self) -> None:
        # From now, not from the first tick: work done right after (a window's first
        # paint, ``MainWindow.start``'s submissions) delays that tick and is a stall too.
        self.gaps.clear()
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> dict[str, float]:
        self.timer.stop()
        gaps = sorted(self.gaps) or [0.0]
        return {
            "max_ms": round(gaps[-1] * 1e3, 2),
            "p99_ms": round(gaps[int(0.99 * (len(gaps) - 1))] * 1e3, 2),
            "ticks": len(self.gaps),
        }


def _run_loop(start: Callable[[Callable[[], None]], None], timeout: float) -> None:
    """Run a Qt event loop until ``start``'s work calls the given ``done``."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    finished = {"done": False}

    def done() -> None:
        finished["done"] = True
        loop.quit()

    QTimer.singleShot(int(timeout * 1000), loop.quit)
    start(done)
    if not finished["done"]:
        loop.exec()
    if not finished["done"]:
        raise RuntimeError("work submitted through the TaskRunner did not finish in time")


def _measure(
    app: Any, meter: StallMeter, start: Callable[[Callable[[], None]], None], timeout: float = 600.0
) -> dict[str, float]:
    meter.start()
    _run_loop(start, timeout)
    return meter.stop()


def _idle(app: Any, meter: StallMeter, seconds: float) -> dict[str, float]:
    def start(done: Callable[[], None]) -> None:
        from ui.qt import QTimer

        QTimer.singleShot(int(seconds * 1000), done)

    return _measure(app, meter, start)


@contextlib.contextmanager
def am_process(workdir: Path) -> Iterator[str]:
    """The simulated Assurance Maladie in its own process; yields its URL."""
    ledger = workdir / "gui" / "ledger.sqlite"
    ledger.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(ledger) + suffix).unlink(missing_ok=True)
    proc = subprocess.Popen(  # noqa: S603 - our interpreter, our testbed
        [
            sys.executable,
            "-m",
            "testbed",
            "am",
            "serve",
            "--port",
            "0",
            "--control-port",
            "0",
            "--ledger",
            str(ledger),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("ready "):
            raise NotMeasured(f"the testbed AM server did not start ({line.strip()!r})")
        yield line.split()[1]
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def run(ctx: RunContext) -> list[Figure]:
    require("ui.tasks", "TaskRunner")
    require("cardio.thread", "CardThread")
    require("cardio.pcsc", "PcscBackend")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ui.qt import QApplication
    from ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication([])
    runner = TaskRunner()
    meter = StallMeter()
    idle_seconds = 1.0 if ctx.tiny else 2.0 if ctx.quick else 10.0
    try:
        idle = _idle(app, meter, idle_seconds)
        figures = []
        figures.extend(_card_figures(ctx, app, runner, meter, idle))
        figures.append(_send_figure(ctx, app, runner, meter, idle))
        figures.extend(_pages_figures(ctx, app, meter, idle))
        return figures
    finally:
        runner.shutdown()


def _figure(
    name: str, stall: dict[str, float], idle: dict[str, float], sizes: dict[str, Any]
) -> Figure:
    return Figure(
        figure=f"GUI max stall: {name}",
        unit="ms",
        value=stall["max_ms"],
        baseline=idle["max_ms"],
        baseline_label="idle event loop",
        goal=f"≤ {GOAL_MS:.0f} ms",
        met=stall["max_ms"] <= GOAL_MS,
        sizes=sizes,
        extra={"during": stall, "idle": idle},
    )


def _card_figures(
    ctx: RunContext, app: Any, runner: Any, meter: StallMeter, idle: dict[str, float]
) -> list[Figure]:
    from benchmarks.cards import vitale_card_with
    from cardio.cps import CpsSession
    from cardio.pcsc import PcscBackend
    from cardio.thread import CardThread
    from cardio.vitale import VitaleReader

    server_mod = require("testbed.cards.server", "CardServer")
    watch = require("testbed.cards.pcsc_watch", "VPCD_READERS")
    reads = ctx.scaled(full=200, quick=60, tiny=3)
    figures = []
    with vpcd_lock():
        ensure_pcscd()
        wait_readers_empty()
        server = server_mod.CardServer(wait_pcsc=True, wait_timeout=15.0)
        card_thread = CardThread()
        backend = PcscBackend(thread=card_thread)
        try:
            server.insert(0, "cps-generaliste")
            server.insert_card(1, vitale_card_with(5))

            def read_both() -> int:
                vitale = backend.connect(watch.VPCD_READERS[1])
                cps = backend.connect(watch.VPCD_READERS[0])
                try:
                    card = VitaleReader(vitale).read()
                    session = CpsSession(cps)
                    with session.reserved():
                        session.read()
                        session.certificate_der()
                    return len(card.beneficiaries)
                finally:
                    vitale.close()
                    cps.close()

            def start(done: Callable[[], None]) -> None:
                left = {"n": reads}

                def again(_result: object = None) -> None:
                    if left["n"] == 0:
                        done()
                        return
                    left["n"] -= 1
                    runner.submit(
                        read_both, again, _fail, executor=card_thread, label="lecture des cartes"
                    )

                again()

            stall = _measure(app, meter, start)
            figures.append(_figure("card reads", stall, idle, {"reads": reads, "beneficiaires": 5}))
        finally:
            card_thread.call(backend.close)
            card_thread.shutdown()
            server.stop()
            with contextlib.suppress(Exception):
                wait_readers_empty()
    return figures


def _fail(exc: BaseException) -> None:
    raise RuntimeError(f"task failed: {exc!r}") from exc


def _send_figure(
    ctx: RunContext, app: Any, runner: Any, meter: StallMeter, idle: dict[str, float]
) -> Figure:
    from benchmarks.pipeline import client_settings, send_all
    from benchmarks.replay import _copy, pending_store
    from client.store import open_store

    count = ctx.scaled(full=2000, quick=500, tiny=20)
    cache, _built = pending_store(ctx, count)
    path = _copy(cache, ctx.workdir / "gui" / "run")
    with am_process(ctx.workdir) as url:
        settings = client_settings(url)

        def send() -> int:
            store = open_store(path)  # the sender's own connection, on its own thread
            try:
                return int(send_all(store, settings).acknowledged)
            finally:
                store.close()

        result: dict[str, int] = {}

        def start(done: Callable[[], None]) -> None:
            def finished(acknowledged: int) -> None:
                result["lots"] = acknowledged
                done()

            runner.submit(send, finished, _fail, label="envoi")

        stall = _measure(app, meter, start)
    return _figure("queue sent", stall, idle, {"fse": count, "lots": result.get("lots")})


def _memory_mib() -> dict[str, float]:
    """This process's resident memory now and at its peak (Linux ``/proc``), in MiB; the
    peak includes the benchmark's own earlier figures (the card and send rounds)."""
    values = {"rss": 0.0, "peak": 0.0}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values["rss" if key == "VmRSS" else "peak"] = round(int(rest.split()[0]) / 1024, 1)
    return values


def _singletons() -> dict[str, int]:
    gc.collect()
    return {
        "None": sys.getrefcount(None),
        "True": sys.getrefcount(True),
        "False": sys.getrefcount(False),
    }


def _until(condition: Callable[[], bool], done: Callable[[], None]) -> None:
    """Call ``done`` once ``condition`` holds, polled from the event loop (5 ms)."""
    from ui.qt import QTimer

    if condition():
        done()
    else:
        QTimer.singleShot(5, lambda: _until(condition, done))


def _pages_figures(
    ctx: RunContext, app: Any, meter: StallMeter, idle: dict[str, float]
) -> list[Figure]:
    """The application on the generator's store: start (the queue page fills), then every
    page opened in turn with its long lists scrolled to the end; twice, the second round
    counted for references to None/True/False."""
    from benchmarks.store_scale import build_store
    from client.context import build_context
    from ui.main_window import MainWindow
    from ui.qt import QModelIndex

    count = ctx.scaled(full=100_000, quick=10_000, tiny=1000)
    if os.environ.get("SESAM_BENCH_PAGES_FSE"):  # e.g. 1000000: the round on the 1M store
        count = int(os.environ["SESAM_BENCH_PAGES_FSE"])
    if ctx.max_fse is not None:
        count = min(count, ctx.max_fse)
    directory, _seconds = build_store(ctx, count)
    data = ctx.workdir / "gui" / f"app-{count}"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True, mode=0o700)
    shutil.copy2(directory / "sesam.db", data / "sesam.db")
    if os.environ.get("SESAM_BENCH_BACKUP_DUE") != "1":
        # A start on a day whose backup is made (the daily one reads every page and copies
        # the whole file: 4 GB at 1M): the store as it was copied, by a link (no disk).
        from client.backup_files import STAMP, backup_dir

        made = backup_dir(data) / f"sesam-{datetime.now(UTC).strftime(STAMP)}.db"
        try:
            os.link(directory / "sesam.db", made)
        except OSError:  # another file system
            shutil.copy2(directory / "sesam.db", made)
    # As a user starts it: the last session closed normally, so the start does not read
    # every page (``client.clean_close``); SESAM_BENCH_FULL_CHECK=1: as after a crash, the
    # start's ``quick_check`` reading the whole file while the pages are measured.
    full_check = os.environ.get("SESAM_BENCH_FULL_CHECK") == "1"
    if not full_check:
        from client import clean_close

        clean_close.write(data / "sesam.db")
    context = build_context(data_dir=data, use_pcsc=False)  # no readers: pcscd is not needed
    checked: dict[str, float] = {}
    diagnose = context.diagnose_store

    def timed_diagnosis() -> Any:
        future = diagnose()
        future.add_done_callback(lambda _f: checked.setdefault("at", time.perf_counter()))
        return future

    context.diagnose_store = timed_diagnosis  # type: ignore[method-assign]
    # As ``ui.app.main`` starts it: the workers' modules imported and the window rendered
    # once off screen before it shows (a tree without these steps: skipped).
    from ui import app as ui_app

    getattr(ui_app, "import_worker_modules", lambda: None)()
    window = MainWindow(context)
    getattr(window, "prepare_to_show", lambda: None)()
    sizes = {
        "fse": count,
        "start_check": "full" if full_check else "open only",
        "backup_due": os.environ.get("SESAM_BENCH_BACKUP_DUE") == "1",
    }
    began = time.perf_counter()
    try:
        window.show()
        queue = window.queue_page

        def queue_shown() -> bool:
            """The queue page's counts and its FSE list (a search of its own before
            issue #27's single read) both shown."""
            return queue.view is not None and queue.fse_list.view is not None

        def start(done: Callable[[], None]) -> None:
            window.start()
            _until(queue_shown, done)

        started = _measure(app, meter, start, timeout=300.0)
        rows = queue.fse_table.row_count()

        pages: list[tuple[Any, Callable[[], bool]]] = [
            (window.billing_page, lambda: True),
            (queue, queue_shown),
            (window.dashboard_page, lambda: window.dashboard_page.view is not None),
            (window.scor_page, lambda: window.scor_page.view is not None),
            (window.settings_page, lambda: True),
            (window.diagnostics_page, lambda: window.diagnostics_page.pcscd_state != "…"),
        ]

        #: Per page of the last round: (seconds until its content shows, longest stall).
        opened: dict[str, tuple[float, float]] = {}

        def visit(done: Callable[[], None]) -> None:
            window.diagnostics_page.pcscd_state = "…"
            opened.clear()

            def scroll(tables: list[Any]) -> None:
                """Scroll each long list down, a page at a time as a user would, for
                :data:`SCROLL_ROWS` rows at most (the whole of a 100 000-row list is no
                one's reading, and its deep pages cost what an OFFSET costs)."""
                if not tables:
                    done()
                    return
                table, model = tables[0], tables[0].model()
                if not model.canFetchMore(QModelIndex()) or model.rowCount() >= SCROLL_ROWS:
                    scroll(tables[1:])
                    return
                logger.debug("scrolling %s: %d rows", table.objectName(), model.rowCount())
                table.scrollToBottom()
                model.fetchMore(QModelIndex())  # what the view does when its end shows
                _until(lambda: not model.pending, lambda: scroll(tables))

            def step(index: int) -> None:
                if index == len(pages):
                    scroll([queue.fse_table, queue.lot_table])
                    return
                page, filled = pages[index]
                if hasattr(page, "view"):
                    page.view = None
                if page is queue:
                    queue.fse_list.view = None
                first_gap, start = len(meter.gaps), time.perf_counter()

                def shown() -> None:
                    stalls = meter.gaps[first_gap:] or [0.0]
                    opened[type(page).__name__] = (time.perf_counter() - start, max(stalls))
                    step(index + 1)

                logger.debug("opening %s", type(page).__name__)
                window.go_to(index)
                _until(filled, shown)

            step(0)

        _measure(app, meter, visit, timeout=300.0)  # first round: caches and lazy imports
        before = _singletons()
        visited = _measure(app, meter, visit, timeout=300.0)
        rounds_end = time.perf_counter()
        after = _singletons()
        drift = {name: after[name] - before[name] for name in before}
        worst = min(drift.values())
        memory = _memory_mib()
    finally:
        window.shutdown()
        context.close()
    per_page = [
        Figure(
            figure=f"page opened: {name} (store {count:,} FSE)".replace(",", " "),
            unit="ms",
            value=seconds * 1e3,
            baseline=idle["max_ms"],
            baseline_label="idle event loop's longest stall",
            goal=f"content ≤ {GOAL_PAGE_MS:.0f} ms, stall ≤ {GOAL_PAGE_STALL_MS:.0f} ms",
            met=seconds * 1e3 <= GOAL_PAGE_MS and stall * 1e3 <= GOAL_PAGE_STALL_MS,
            sizes=sizes,
            extra={
                "max_stall_ms": round(stall * 1e3, 2),
                # The start's store check still running when the last round ended?
                "start_check_s": round(checked["at"] - began, 1) if "at" in checked else None,
                "rounds_end_s": round(rounds_end - began, 1),
            },
        )
        for name, (seconds, stall) in opened.items()
    ]
    return [
        *per_page,
        Figure(
            figure=f"application memory after every page (store {count:,} FSE)".replace(",", " "),
            unit="MiB",
            value=memory["rss"],
            goal=f"≤ {GOAL_MEMORY_MIB} MiB",
            met=memory["peak"] <= GOAL_MEMORY_MIB,
            sizes=sizes,
            extra={"peak_rss_mib": memory["peak"]},
        ),
        _figure(
            f"application start (store {count:,} FSE)".replace(",", " "),
            started,
            idle,
            {**sizes, "rows_listed": rows},
        ),
        _figure(
            f"every page opened (store {count:,} FSE)".replace(",", " "),
            visited,
            idle,
            {**sizes, "rows_listed": rows},
        ),
        Figure(
            figure=f"references lost over a round of page fills (store {count} FSE)",
            unit="refs",
            value=float(-worst) if worst < 0 else 0.0,
            goal=f"≤ {REFCOUNT_LOSS_GOAL}",
            met=worst >= -REFCOUNT_LOSS_GOAL,
            sizes=sizes,
            extra={"drift": drift},
        ),
    ]
