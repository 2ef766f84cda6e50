"""Issue #27: a store whose free pages only a whole copy can give back (created by an older
version) gets the user told once, after the housekeeping's run, how much space there is to
recover and what to do; the next runs say nothing more. The pages given back by the
application itself show their progress in the status bar."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from older_store import created_by_an_older_version

import client.compact_daily
import client.context


@pytest.fixture(autouse=True)
def _older_store_file(tmp_path: Path) -> None:
    """The window's store is one an older version created (autouse: made before ``ctx``
    opens it)."""
    created_by_an_older_version(tmp_path / "data" / "sesam.db")


@pytest.mark.sqlite_only  # the SQLite file's free pages (the server: its own VACUUM)
def test_the_space_to_recover_is_told_once(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client.compact_daily, "WORTH_TELLING", 0)  # the test store is small
    window._backup_if_due()
    qtbot.waitUntil(lambda: window.space_box is not None, timeout=20000)
    box = window.space_box
    assert box.objectName() == "spaceToRecover" and box.isVisible()
    assert "sesam store compact" in box.text() and "ce message ne sera plus affiché" in box.text()
    box.close()  # the user has read it

    window.space_box = None
    window._backup_if_due()
    qtbot.waitUntil(lambda: not window._backup_progress_timer.isActive(), timeout=20000)
    assert window.space_box is None  # not told again


def test_the_pages_given_back_show_their_progress(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def halfway(store: Any, progress: Any, stop: Any) -> None:
        progress(3 * 1024 * 1024, 4 * 1024 * 1024)
        assert release.wait(30)

    monkeypatch.setattr(client.context.compact_daily, "tidy", halfway)
    window._backup_if_due()
    qtbot.waitUntil(
        lambda: window.status.currentMessage() == "Place libre rendue au disque : 75 %",
        timeout=20000,
    )
    assert window.billing_page.isEnabled()  # the desk is not held meanwhile
    release.set()
    qtbot.waitUntil(lambda: not window._backup_progress_timer.isActive(), timeout=10000)
    assert window.ctx.space_progress is None
