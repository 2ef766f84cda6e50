"""The skeleton: pages reachable by keyboard, the status bar follows the readers live."""

from __future__ import annotations

import pytest

from cardio import layout
from ui.qt import Qt


def test_every_page_is_one_shortcut_away(qtbot, window):
    titles = [window.sidebar.item(i).text() for i in range(window.sidebar.count())]
    assert titles == [
        "Patient et facturation",
        "File d'attente",
        "Tableau de bord",
        "SCOR",
        "Réglages",
        "Diagnostic",
    ]
    for number in range(1, 7):
        qtbot.keyClick(window, Qt.Key.Key_0 + number, Qt.KeyboardModifier.ControlModifier)
        assert window.stack.currentIndex() == number - 1


def test_status_bar_shows_readers_and_cards_as_they_change(qtbot, window, fake_backend):
    window.start()
    qtbot.waitUntil(lambda: "Lecteur A : vide" in window.status.readers_label.text())
    fake_backend.atrs["Lecteur B"] = layout.VITALE_ATR
    qtbot.waitUntil(lambda: "Lecteur B : carte Vitale" in window.status.readers_label.text())
    fake_backend.atrs["Lecteur B"] = None
    qtbot.waitUntil(lambda: "Lecteur B : vide" in window.status.readers_label.text())


def test_no_reader_service_is_said_plainly(qtbot, window, fake_backend):
    fake_backend.names.clear()
    window.start()
    qtbot.waitUntil(lambda: window.status.readers_label.text() == "Aucun lecteur de cartes")


def test_english_is_the_second_language(qtbot, ctx):
    from ui.app import install_translators
    from ui.main_window import MainWindow
    from ui.qt import QApplication

    app = QApplication.instance()
    translators = install_translators(app, "en")
    try:
        assert translators, "ui/i18n/sesam_en.qm is missing"
        win = MainWindow(ctx)
        qtbot.addWidget(win)
        assert win.sidebar.item(0).text() == "Patient and billing"
        assert win.billing_page.invoice_panel.secure_button.text() == "Secure the FSE (Ctrl+Enter)"
        win.shutdown()
    finally:
        for translator in translators:
            app.removeTranslator(translator)


@pytest.mark.sqlite_only  # the SQLite file's backup at start (the server: pg_dump)
def test_the_database_is_backed_up_when_the_application_starts(qtbot, window, ctx):
    backups = ctx.data_dir / "sauvegardes"
    assert not any(backups.glob("sesam-*.db"))
    window.start()
    qtbot.waitUntil(lambda: any(backups.glob("sesam-*.db")), timeout=10_000)
    (copy,) = backups.glob("sesam-*.db")
    assert copy.stat().st_mode & 0o077 == 0  # health data: readable by the user only
