"""Issue #27: the daily backup copies on its own thread in steps while the desk works; its
progress is shown in the status bar while it runs, and nothing stays once it is done."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

import client.context
from client.backup import CHECKING


def test_the_backup_under_way_is_shown_with_its_progress(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def halfway(store: Any, *, clock: Any, progress: Any) -> Path | None:
        progress(256, 1024)  # a quarter of the pages copied, then the copy goes on
        assert release.wait(30)
        progress(1024, 1024)
        return None

    monkeypatch.setattr(client.context, "backup_if_due", halfway)
    window._backup_if_due()
    qtbot.waitUntil(
        lambda: window.status.currentMessage() == "Sauvegarde de la base en cours : 25 %",
        timeout=10000,
    )
    assert window.billing_page.isEnabled()  # the desk is not held meanwhile
    release.set()
    qtbot.waitUntil(lambda: not window._backup_progress_timer.isActive(), timeout=10000)
    assert window.ctx.backup_progress is None


def test_the_check_before_the_copy_is_shown(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 1 M FSE the live database's check reads the whole file for ~15 s before the first
    page is copied: the status bar says so rather than nothing."""
    release = threading.Event()

    def checking(store: Any, *, clock: Any, progress: Any) -> Path | None:
        progress(0, CHECKING)
        assert release.wait(30)
        return None

    monkeypatch.setattr(client.context, "backup_if_due", checking)
    window._backup_if_due()
    qtbot.waitUntil(
        lambda: (
            window.status.currentMessage() == "Sauvegarde de la base : vérification de la base…"
        ),
        timeout=10000,
    )
    release.set()
    qtbot.waitUntil(lambda: not window._backup_progress_timer.isActive(), timeout=10000)
