"""Issue #17: no background worker dies in silence. The store fails under the sender, the
returns import, scanning and the backup: each time the application says it in French in
the status bar (what stopped, what to do), lists it on the diagnostics page, and offers the
action again; « envoi… » never stays on screen for a sender that is gone."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

import pytest

import client.store
from client.usecases import lots
from client.usecases import scor as scor_cases


def disk_fails(*_args: Any, **_kwargs: Any) -> Any:
    raise sqlite3.OperationalError("disk I/O error")  # what SQLITE_IOERR raises


def assert_reported(window: Any, what: str) -> None:
    label = window.status.worker_label
    assert label.isVisible()
    assert what in label.text() and "Diagnostic" in label.text()
    report = window.diagnostics_page.report.toPlainText()
    assert what in report
    line = next(line for line in report.splitlines() if what in line)
    assert "→" in line  # what to do follows what failed
    assert "Traceback" not in report and "disk I/O error" not in report


def test_the_sender_failing_on_its_store_is_said_and_offered_again(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(window.ctx, "connect_store", disk_fails)  # the sender's own connection
    queue = window.queue_page
    queue.send_now()
    qtbot.waitUntil(lambda: queue.send_button.isEnabled(), timeout=10000)
    assert "envoi…" not in window.status.network_label.text()
    assert not queue.cancel_button.isEnabled()
    assert "Envoi interrompu" in queue.send_message.text()
    assert "F9" in queue.send_message.text()
    assert_reported(window, "Envoi des lots")


class GoneSender:
    """A sender whose thread ended without any report (what the issue saw)."""

    def __init__(self) -> None:
        self.cancel = threading.Event()

    def start(self, *, until_empty: bool = False) -> None:
        pass

    def is_alive(self) -> bool:
        return False

    def join(self, timeout: float | None = None) -> None:
        pass

    def stop(self) -> None:
        pass


def test_envoi_never_stays_on_screen_for_a_sender_that_is_gone(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lots, "make_sender", lambda *_a: GoneSender())
    queue = window.queue_page
    queue.send_now()
    assert "envoi…" in window.status.network_label.text()
    qtbot.waitUntil(lambda: "envoi…" not in window.status.network_label.text(), timeout=5000)
    assert queue.send_button.isEnabled()
    assert "sans compte rendu" in queue.send_message.text()
    assert_reported(window, "Envoi des lots")


def test_cancel_ends_a_send_whose_sender_is_gone(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lots, "make_sender", lambda *_a: GoneSender())
    queue = window.queue_page
    queue._sender_watch.setInterval(60_000)  # only the button can end it here
    queue.send_now()
    queue.cancel_send()
    assert queue.send_button.isEnabled() and not queue.cancel_button.isEnabled()
    assert "envoi…" not in window.status.network_label.text()


def test_the_returns_import_failing_on_its_store_is_said_and_offered_again(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(window.ctx, "connect_store", disk_fails)  # the returns' connection
    queue = window.queue_page
    queue.fetch_returns()
    qtbot.waitUntil(lambda: queue.returns_button.isEnabled(), timeout=10000)
    assert "Retours non relevés" in queue.send_message.text()
    assert_reported(window, "Relève des retours")


def test_scanning_failing_on_the_disk_is_said_and_offered_again(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scor_cases, "scan", disk_fails)
    scor = window.scor_page
    scor.scan()
    qtbot.waitUntil(lambda: scor.scan_button.isEnabled(), timeout=10000)
    assert "Numérisation interrompue" in scor.info.text()
    assert_reported(window, "Numérisation")


@pytest.mark.sqlite_only  # the SQLite file's backup and its numbering.json witness
def test_the_backup_failing_is_said_and_the_next_one_clears_it(qtbot: Any, window: Any) -> None:
    folder = window.ctx.store_path.parent / "sauvegardes"
    folder.write_bytes(b"")  # a file where the backups' folder goes: the disk refuses
    window._backup_if_due()
    qtbot.waitUntil(lambda: window.status.worker_label.isVisible(), timeout=10000)
    assert_reported(window, "Sauvegarde de la base")
    folder.unlink()
    window._backup_if_due()  # what the hourly timer does
    qtbot.waitUntil(lambda: not window.status.worker_label.isVisible(), timeout=10000)
    assert any(p.name.startswith("sesam-") for p in folder.iterdir())
    # Still listed for support once recovered.
    assert "Sauvegarde de la base" in window.diagnostics_page.report.toPlainText()


@pytest.mark.sqlite_only  # the SQLite file's backup and its numbering.json witness
def test_a_gap_in_the_numbers_is_said_at_start(qtbot: Any, window: Any) -> None:
    """FSE n° 5 to 8 handed out (numbering.json, kept outside the database) but absent:
    said at start, with what to do."""
    store = client.store.open_store(window.ctx.store_path)
    try:
        with store.write():
            store.db.execute(
                "INSERT INTO practitioners (id, billing_number, billing_key, created_at) "
                "VALUES ('801234567', '80123456', '7', '2026-01-01T00:00:00.000000Z')"
            )
        store.numbering.mark("801234567", "fse", 8)
    finally:
        store.close()
    window.start()
    qtbot.waitUntil(lambda: getattr(window, "gap_box", None) is not None, timeout=10000)
    text = window.gap_box.text()
    assert "FSE n° 1 à 8 : numéros attribués, absents du registre" in text
    assert "sesam audit verify" in text
