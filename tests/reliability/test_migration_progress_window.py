"""Issue #27: the desk opens the store on its database thread; an old store converted there
takes minutes at 1 M FSE. Meanwhile the window is up, the status bar says why the pages
wait (« Mise à jour de la base : regroupement du journal n % »), nothing is reported as a
failure, and once done the pages read the converted store."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_audit_books import make_books
from test_regrouped_journal import journal_size, to_one_entry_rows

import client.store.journal_rows
from client.context import AppContext, build_context


@pytest.fixture
def old_ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppContext]:
    """A context on a store whose journal is in the layout of before m037, converted one
    row at a time."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("SESAM_DATA_DIR", str(data_dir))
    to_one_entry_rows(make_books(data_dir))
    monkeypatch.setattr("client.migrations.PACK_BATCH", 1)
    context = build_context(data_dir=data_dir, use_pcsc=False)  # no reader: the store alone
    yield context
    context.close()


@pytest.mark.sqlite_only  # SQLite stores as an older version wrote them
def test_the_status_bar_shows_the_conversion_while_the_store_opens(
    qtbot: Any, old_ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.main_window import MainWindow

    rows, _ = journal_size(old_ctx.store_path)
    release = threading.Event()
    reported = client.store.journal_rows.report

    def then_wait(step: str, done: int, total: int) -> None:
        reported(step, done, total)  # the real sink, then the database thread is held
        if done == 1:
            assert release.wait(60)

    monkeypatch.setattr(client.store.journal_rows, "report", then_wait)
    # The start's store check (and the backup, the sender) open connections of their own:
    # they wait for the conversion, not for its lock (a waiter gives up after this).
    monkeypatch.setattr("client.store.opening.BUSY_TIMEOUT_MS", 300)
    window = MainWindow(old_ctx)
    qtbot.addWidget(window)
    window.show()
    try:
        expected = f"Mise à jour de la base : regroupement du journal {100 // rows} %"
        qtbot.waitUntil(lambda: window.status.currentMessage() == expected, timeout=15000)
        assert window.billing_page.isEnabled()  # the window answers; the pages wait
        check = old_ctx.diagnose_store()
        qtbot.wait(1500)  # a waiter on the lock would have given up by now
        assert window.status.currentMessage() == expected
        assert not check.done()  # waits for the conversion: not « damaged »
        assert window.store_damage is None and not window.worker_failures.lines()
    finally:
        release.set()
    qtbot.waitUntil(
        lambda: window.status.currentMessage() == "Mise à jour de la base terminée.",
        timeout=30000,
    )
    assert old_ctx.migration_progress is None
    assert check.result(timeout=30) is None  # sound
    assert old_ctx.db.call(lambda store: store.audit_verify().ok)  # converted whole
    assert journal_size(old_ctx.store_path)[0] < rows  # the journal regrouped
    qtbot.waitUntil(lambda: window.runner.pending_count == 0, timeout=30000)
    assert not window.worker_failures.lines()
    window.shutdown()
