"""« Restaurer une sauvegarde » in the application (issue #22).

* A store whose file header was overwritten (it cannot be opened at all): the application
  starts anyway, says in French what happened, and the restore from the list of backups
  brings the FSE of the backup back; the damaged file is kept aside, whole.
* The restore is refused, and said, while another process has the store open.

Real SQLite files, the real main window (offscreen), a second process holding the store.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from client.backup import backup, backup_dir
from client.context import AppContext, build_context
from client.store import open_store
from tests.reliability.reliability_support import Clock, create_fses

ROOT = Path(__file__).resolve().parents[2]


def fse_count(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM fse").fetchone()[0])
    finally:
        conn.close()


def make_store_with_backup(data: Path, before: int, after: int) -> Path:
    """``before`` FSE in a backup, ``after`` more made since; returns the backup."""
    store = open_store(data / "sesam.db")
    try:
        create_fses(store, before)
        good = backup(store, now=Clock().now)
        if after:
            create_fses(store, after)
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    return good


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def app_ctx(data: Path, fake_backend, fixed_clock) -> Iterator[AppContext]:
    context = build_context(backend=fake_backend, clock=fixed_clock, data_dir=data)
    yield context
    context.close()


@pytest.fixture
def started(qtbot, app_ctx: AppContext):
    from ui.main_window import MainWindow

    win = MainWindow(app_ctx)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.shutdown()


@pytest.mark.sqlite_only  # damages and restores the SQLite file
def test_a_damaged_store_starts_degraded_and_the_restore_brings_the_fse_back(
    qtbot, data: Path, app_ctx: AppContext, started
) -> None:
    data.mkdir(parents=True, exist_ok=True)
    make_store_with_backup(data, before=4, after=0)
    db = data / "sesam.db"
    with db.open("r+b") as f:  # the header overwritten: SQLite cannot open it at all
        f.write(b"\x00" * 100)
    damaged = db.read_bytes()

    window = started
    window.start()
    qtbot.waitUntil(lambda: window.damage_box is not None, timeout=10000)
    told = window.damage_box.text()
    assert "endommagée" in told and "Restaurez une sauvegarde" in told
    assert str(db) in told and "file is not a database" in told  # which file, and why
    assert "sesam restore" not in told  # the application's way out, not the command line's
    assert "jamais effacée" in told
    assert window.damage_box.isVisible()
    qtbot.wait(300)  # the pages' loads fail too: still one report, not one box per page
    from ui.qt import QMessageBox

    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert boxes == [window.damage_box]

    # From the failure report to the list of backups.
    buttons = [b for b in window.damage_box.buttons() if b.objectName() == "storeDamagedRestore"]
    assert buttons
    buttons[0].click()
    dialog = window.restore_dialog
    assert dialog is not None and dialog.isVisible()
    assert "est endommagé" in dialog.damage_label.text()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=10000)
    assert dialog.table.item(0, 2).text() == "vérifiée"
    assert dialog.table.item(0, 1).text().endswith(("ko", "Mo"))
    assert dialog.restore_button.isEnabled()

    asked: list[str] = []
    dialog.confirm = lambda question: asked.append(question) or True
    with qtbot.waitSignal(dialog.restored, timeout=30000):
        dialog.restore_button.click()
    assert asked and "jamais effacée" in asked[0] and "ne redescendent jamais" in asked[0]
    assert "Restauration faite à partir de la sauvegarde du" in dialog.state_label.text()
    assert not dialog.restore_button.isEnabled()  # done: not twice by a double click
    assert window.store_damage is None
    # The pages read the restored store again.
    qtbot.waitUntil(
        lambda: window.queue_page.summary.text().startswith("4 FSE à envoyer"), timeout=10000
    )

    assert fse_count(db) == 4  # the FSE of the backup are back
    aside = sorted(backup_dir(data).glob("endommagee-*.db"))
    assert len(aside) == 1 and aside[0].read_bytes() == damaged  # kept aside, whole
    assert str(aside[0]) in dialog.state_label.text()
    # The application works on the restored store (its database thread reopened it).
    count = app_ctx.db.submit(
        lambda store: store.db.execute("SELECT count(*) FROM fse").fetchone()[0]
    ).result()
    assert count == 4


_HOLDER = """
import sys, time
from client.store import open_store
store = open_store(sys.argv[1])
print("open", flush=True)
time.sleep(60)
"""


@pytest.mark.sqlite_only  # damages and restores the SQLite file
def test_the_restore_is_refused_while_another_process_holds_the_store(
    qtbot, data: Path, started
) -> None:
    data.mkdir(parents=True, exist_ok=True)
    make_store_with_backup(data, before=2, after=1)
    db = data / "sesam.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(db)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        window = started
        window.go_to(4)
        window.settings_page.restore_button.click()
        dialog = window.restore_dialog
        qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=10000)
        dialog.confirm = lambda _question: True
        dialog.restore_button.click()
        qtbot.waitUntil(lambda: not dialog.running, timeout=30000)
        said = dialog.state_label.text()
        assert "ouverte par un autre programme" in said and "rien n'a été modifié" in said
        assert dialog.report is None
        assert fse_count(db) == 3  # nothing was changed
        assert not list(backup_dir(data).glob("avant-restauration-*.db"))
    finally:
        holder.kill()
        holder.wait(10)


@pytest.mark.sqlite_only  # damages and restores the SQLite file
def test_damage_only_a_full_check_sees_is_told_at_start_too(qtbot, data: Path, started) -> None:
    """An index out of step with its table passes ``quick_check``; the last backup's full
    check found it (and refused the copy): the application says it at start all the same."""
    from client.store.errors import DamagedStoreError

    data.mkdir(parents=True, exist_ok=True)
    make_store_with_backup(data, before=3, after=0)
    db = data / "sesam.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX fse_lot ON fse (lot_id) WHERE 0' "
        "WHERE name = 'fse_lot'"
    )
    conn.commit()
    conn.close()
    store = open_store(db)
    try:
        with pytest.raises(DamagedStoreError):
            backup(store, now=Clock().now)
    finally:
        store.close()

    window = started
    window.start()
    qtbot.waitUntil(lambda: window.damage_box is not None, timeout=10000)
    assert "contrôle d'intégrité complet en échec" in window.damage_box.text()
    window.go_to(5)
    qtbot.waitUntil(
        lambda: "BASE DE DONNÉES ENDOMMAGÉE" in window.diagnostics_page.report.toPlainText()
    )
