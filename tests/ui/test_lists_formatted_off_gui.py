"""Issue #27: the queue page's lists are formatted on the thread that read them, never on
the GUI thread (formatting 200-row pages there, while the database thread worked, stalled
the event loop for 70 ms on a 100 000-FSE store), and they show the same texts."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from tests.ui.test_fse_list import FAMILY, OTHERS, _fill
from ui.models import BATCH, Column, Deliver, LazyRowsModel, Prepared
from ui.tasks import TaskRunner
from ui.widgets.fse_list import FseColumn


def _recording(model: LazyRowsModel[Any], threads: set[int]) -> None:
    """Note the thread of every cell formatted for ``model``."""

    def recorded(text: Callable[[Any], str]) -> Callable[[Any], str]:
        def cell(row: Any) -> str:
            threads.add(threading.get_ident())
            return text(row)

        return cell

    model.columns = [Column(c.title, recorded(c.text), c.align_right) for c in model.columns]


def test_queue_page_lists_are_formatted_off_the_gui_thread(qtbot, ctx, fixed_clock, window):
    _fill(ctx, fixed_clock)
    queue = window.queue_page
    threads: set[int] = set()
    for table in (queue.fse_table, queue.lot_table, queue.unmatched_table):
        _recording(table.rows, threads)
    queue.view = None
    window.go_to(window.stack.indexOf(queue))
    qtbot.waitUntil(lambda: queue.view is not None, timeout=10000)
    qtbot.waitUntil(lambda: queue.fse_table.row_count() == FAMILY + OTHERS, timeout=10000)
    window.grab()  # painted: the views read every visible cell
    assert threads and threading.get_ident() not in threads
    # What the user reads is unchanged: today's care first, the latest FSE of the day (the
    # SANTONI card's, billed after the family's), every patient named.
    assert [queue.fse_table.text(row, FseColumn.NUMBER) for row in range(2)] == [
        str(FAMILY + 1),
        "1",
    ]
    shown = {queue.fse_table.text(row, FseColumn.PATIENT) for row in range(FAMILY + OTHERS)}
    assert "DURAND Léa" in shown and any(name.startswith("SANTONI") for name in shown)


def test_pages_fetched_as_the_list_scrolls_are_formatted_by_the_worker(qtbot):
    """A 1 000-row list read by pages on a worker: every cell formatted there, the texts
    and colours those of the rows, in order."""
    model: LazyRowsModel[int] = LazyRowsModel(
        [Column("n", str), Column("double", lambda n: str(2 * n), True)],
        foreground=lambda n: None,
    )
    threads: set[int] = set()
    _recording(model, threads)
    runner = TaskRunner()
    total = 1000

    def source(offset: int, limit: int, deliver: Deliver[int]) -> None:
        def work() -> Sequence[int]:
            return model.prepare(range(offset, min(offset + limit, total)))

        runner.submit(work, deliver, lambda exc: deliver(None), label="test")

    try:
        model.reset(source, total)
        while model.rowCount() < total:
            qtbot.waitUntil(lambda: not model.pending, timeout=10000)
            model.fetchMore(model.index(-1, -1))
        assert model.text(total - 1, 1) == str(2 * (total - 1))
        assert [model.text(i, 0) for i in range(0, total, BATCH)] == [
            str(i) for i in range(0, total, BATCH)
        ]
        assert threads and threading.get_ident() not in threads
        assert isinstance(model.prepare([1, 2])[1:], Prepared)
    finally:
        runner.shutdown()


class _Row:
    """A row object the test can watch being freed."""


def test_a_long_list_replaced_is_freed_a_slice_at_a_time(qtbot):
    """The 2 000 rows of a list scrolled through are freed once it is replaced, by slices
    from the event loop rather than all at once on the GUI thread."""
    model: LazyRowsModel[_Row] = LazyRowsModel([Column("n", lambda r: "x")])
    rows = [_Row() for _ in range(2000)]
    model.set_rows(rows)
    model.text(len(rows) - 1, 0)  # scrolled to the end: every row fetched
    first, last = weakref.ref(rows[0]), weakref.ref(rows[-1])
    del rows
    model.set_rows([_Row()])
    assert model.rowCount() == 1
    assert last() is None and first() is not None  # one slice now, the rest later
    qtbot.waitUntil(lambda: first() is None, timeout=5000)
