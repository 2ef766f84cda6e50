"""The window closed normally: the next start opens the store without reading every page
(issue #27: ``quick_check`` read the whole file at every start, 27 s at 1 M FSE, while
every page loaded). The killed session is ``tests/reliability/test_clean_close_start.py``.

The real main window (offscreen) on a real SQLite file, closed as the user closes it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from client import clean_close
from client.context import build_context
from client.store import open_store
from tests.reliability.reliability_support import create_fses


@pytest.mark.sqlite_only  # the SQLite file's own pages
def test_a_window_closed_normally_spares_the_next_start_the_whole_check(
    qtbot, tmp_path: Path, fake_backend, fixed_clock
) -> None:
    from ui.main_window import MainWindow

    data = tmp_path / "data"
    data.mkdir()
    db = data / "sesam.db"
    store = open_store(db)
    try:
        create_fses(store, 2)
    finally:
        store.close()

    checks: list[bool] = []
    for _session in range(2):
        ctx = build_context(backend=fake_backend, clock=fixed_clock, data_dir=data)
        checks.append(not ctx.last_close_clean)  # the whole file read at this start?
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        window.show()
        window.start()
        qtbot.waitUntil(
            lambda w=window: w.queue_page.summary.text().startswith("2 FSE à envoyer"),
            timeout=15000,
        )
        assert not clean_close.mark_path(db).exists()  # open: a kill now leaves no mark
        window.close()  # as the user closes it: pages, threads, the store, then the mark
        assert clean_close.mark_path(db).exists()
        assert window.store_damage is None
        ctx.close()
    # A store never closed by the application is checked whole; after a normal close, not.
    assert checks == [True, False]
