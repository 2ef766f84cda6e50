"""Entry point of the desktop application: ``sesam-app`` (or ``python -m ui``)."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from client.context import AppContext, build_context
from ui.gui_relay import install as install_relay
from ui.qt import QApplication, QLibraryInfo, QLocale, QMessageBox, QTranslator, qVersion
from ui.qt_check import reference_fault

logger = logging.getLogger(__name__)

I18N_DIR = Path(__file__).resolve().parent / "i18n"

#: What the send and returns workers import on first use (``ui.services`` imports lazily),
#: and what the start's own loads import (the queue page's alerts and lots, the dates the
#: store's rows carry). Imported at start-up on the GUI thread, before the window shows:
#: on a worker, compiling a module without a valid ``.pyc`` holds the GIL for its whole
#: compilation and stalls the interface (70-90 ms); even with one, each import after Qt's
#: reads the module's source again (PySide6's feature hook) beside the start's loads.
WORKER_MODULES = (
    "client.transport",
    "client.sender",
    "client.returns",
    "client.store.alerting",
    "client.store.transmissions",
    "_strptime",
)


def import_worker_modules() -> None:
    """Import the workers' modules now, before the event loop runs."""
    for name in WORKER_MODULES:
        importlib.import_module(name)


def install_translators(app: QApplication, language: str | None = None) -> list[QTranslator]:
    """French is the source language; English (or another) comes from ``ui/i18n/*.qm``."""
    lang = (language or os.environ.get("SESAM_LANG") or QLocale.system().name())[:2]
    # Numbers and dates the French way (1,00 ; 22/11/2026) whatever the interface language.
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    translators: list[QTranslator] = []
    ours = QTranslator(app)
    if lang != "fr" and ours.load(f"sesam_{lang}", str(I18N_DIR)):
        app.installTranslator(ours)
        translators.append(ours)
        return translators
    # French interface, whatever the system says (LANG=C included): Qt's own dialogs too
    # (print dialog, file dialogs, standard buttons), from Qt's translations.
    qt_fr = QTranslator(app)
    if qt_fr.load("qtbase_fr", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt_fr)
        translators.append(qt_fr)
    else:
        logger.warning("qtbase_fr.qm not found: Qt's own dialogs stay in English")
    return translators


def create_window(ctx: AppContext) -> object:
    from ui.main_window import MainWindow

    return MainWindow(ctx)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sesam-app", description="Facturation SESAM-Vitale.")
    parser.add_argument("--data-dir", type=Path, help="dossier des données (sinon SESAM_DATA_DIR)")
    parser.add_argument("--lang", help="langue de l'interface : fr (défaut) ou en")
    parser.add_argument("--page", type=int, default=1, help="page ouverte au démarrage (1-6)")
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Start the application: context, window, reader watching; returns the exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("Facturation SESAM-Vitale")
    app.setOrganizationName("sesam-client")
    install_translators(app, args.lang)
    install_relay()  # before any thread starts: they never emit themselves
    fault = reference_fault()
    if fault is not None:  # a Qt binding that would abort the interpreter later on
        logger.error("the Qt binding %s loses references: not starting", qVersion())
        QMessageBox.critical(None, app.applicationName(), fault)
        return 1
    ctx = build_context(data_dir=args.data_dir)
    import_worker_modules()
    from ui.main_window import MainWindow

    window = MainWindow(ctx)
    window.open_documents = True
    window.go_to(max(0, min(5, args.page - 1)))
    window.prepare_to_show()
    window.show()
    window.start()
    app.aboutToQuit.connect(window.shutdown)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
