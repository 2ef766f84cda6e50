"""Launch the desktop application with the demo's emulated cards and simulated Assurance
Maladie, walk the main screens and save a screenshot of each into ``docs/screenshots/``.

Run it under Xvfb at the size the application must be readable at:

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python scripts/screenshots.py

The cards are the testbed's emulated cards reached in-process (no pcscd needed, no reader
lock); the Assurance Maladie is the testbed's HTTPS server on loopback. Everything lives in
a temporary directory: no user data is touched.

``--store DIR`` photographs instead the pages of an existing store as a user opens them (the
queue and its lists and filters, the dashboard, SCOR, diagnostics, the status bar while the
start's backup runs), e.g. a copy of a generated 1M store. The application writes to it
(migrations, backups): give it a copy, never a practitioner's folder.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")

from cardio.connection import CardConnection, ReaderState  # noqa: E402
from cardio.errors import CardRemovedError, NoCardError  # noqa: E402
from ui.widgets.fse_list import FseColumn  # noqa: E402

if TYPE_CHECKING:
    from ui.main_window import MainWindow

logger = logging.getLogger("screenshots")


class SharedConnection(CardConnection):
    """A shared connection to an emulated card already powered (as pcscd's shared mode)."""

    def __init__(self, card: object, reader: str) -> None:
        self.card = card
        self._reader = reader

    @property
    def atr(self) -> bytes:
        return bytes(self.card.atr)  # type: ignore[attr-defined]

    @property
    def reader(self) -> str:
        return self._reader

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        if not self.card.powered:  # type: ignore[attr-defined]
            raise CardRemovedError(self._reader)
        answer = self.card.process(bytes(apdu))  # type: ignore[attr-defined]
        return answer[:-2], int.from_bytes(answer[-2:], "big")


class DemoBackend:
    """Two readers holding testbed cards, like a bi-fente reader."""

    def __init__(self) -> None:
        self.names = ["Lecteur bi-fente 00 00", "Lecteur bi-fente 00 01"]
        self.cards: dict[str, object] = {}
        self.events = dict.fromkeys(self.names, 0)

    def insert(self, index: int, profile: str) -> None:
        from testbed.cards.factory import make_card

        card = make_card(profile)
        card.power_on()
        self.cards[self.names[index]] = card
        self.events[self.names[index]] += 1

    def list_readers(self) -> list[str]:
        return list(self.names)

    def states(self) -> tuple[ReaderState, ...]:
        return tuple(
            ReaderState(
                n,
                n in self.cards,
                self.cards[n].atr if n in self.cards else None,  # type: ignore[attr-defined]
                self.events[n],
            )
            for n in self.names
        )

    def connect(self, reader: str) -> CardConnection:
        if reader not in self.cards:
            raise NoCardError(reader)
        return SharedConnection(self.cards[reader], reader)


def wait_until(app: object, condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Spin the event loop until ``condition`` holds (a script, not a test: polling is fine)."""
    deadline = time.monotonic() + timeout
    while not condition():
        app.processEvents()  # type: ignore[attr-defined]
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.02)
    for _ in range(5):
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.02)


def shoot(app: object, out: Path, name: str) -> Path:
    from ui.qt import QGuiApplication

    for _ in range(10):
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.02)
    screen = QGuiApplication.primaryScreen()
    path = out / f"{name}.png"
    screen.grabWindow(0).save(str(path))
    logger.info("saved %s", path)
    print(path)
    return path


def store_tour(app: object, window: MainWindow, out: Path) -> None:
    """The pages of an existing store (``--store``), each once its content shows."""
    from client.reconciliation import Reconciliation

    queue = window.queue_page
    fse_list = queue.fse_list
    wait_until(app, lambda: "vide" in window.status.readers_label.text(), "readers")
    shoot(app, out, "s00-demarrage")
    window.go_to(1)  # the queue page: its content loads at start, shown when the user goes
    wait_until(app, lambda: queue.view is not None and fse_list.view is not None, "queue", 300)
    shoot(app, out, "s01-file-d-attente")
    for index, name in ((1, "s02-lots"), (2, "s03-paiements-non-rapproches")):
        queue.tabs.setCurrentIndex(index)
        shoot(app, out, name)
    queue.tabs.setCurrentIndex(0)
    fse_list.payment_combo.setCurrentIndex(
        fse_list.payment_combo.findData(Reconciliation.REJECTED.value)
    )
    wait_until(
        app,
        lambda: fse_list.view is not None and fse_list.view.filter == fse_list.current_filter(),
        "rejected FSE",
        120,
    )
    shoot(app, out, "s04-fse-rejetees")
    fse_list.clear_filters()
    pages = (
        (2, "s05-tableau-de-bord", lambda: window.dashboard_page.view is not None),
        (3, "s06-scor", lambda: window.scor_page.view is not None),
        (5, "s07-diagnostic", lambda: window.diagnostics_page.pcscd_state != "…"),
    )
    for index, name, shown in pages:
        window.go_to(index)
        wait_until(app, shown, name, 120)
        shoot(app, out, name)
    # The start's backup (a whole copy of the file when a day old): the status bar says it.
    wait_until(app, lambda: not window._backup_progress_timer.isActive(), "backup", 600)
    shoot(app, out, "s08-apres-la-sauvegarde")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument(
        "--store",
        type=Path,
        help="the data folder of an existing store, a copy (the application writes to it): "
        "its pages as they open, without the demo's billing",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="sesam-screens-"))
    os.environ["SESAM_TESTBED_DIR"] = str(work / "testbed")
    os.environ["SESAM_DATA_DIR"] = str(args.store or work / "data")

    from client.context import build_context
    from testbed.am.server import AmServer
    from ui.app import install_translators
    from ui.dialogs.pin import PinDialog
    from ui.main_window import MainWindow
    from ui.qt import QApplication, Qt

    app = QApplication(sys.argv[:1])
    install_translators(app, "fr")
    am = AmServer(ledger_path=work / "ledger.sqlite", noemie_delay=0).start()
    backend = DemoBackend()
    ctx = build_context(backend=backend, data_dir=args.store or work / "data")
    ctx.settings = dataclasses.replace(ctx.settings, server_url=am.url)
    window = MainWindow(ctx)
    window.showMaximized()
    window.resize(1366, 768)
    window.start()
    if args.store is not None:
        try:
            store_tour(app, window, args.out)
        finally:
            window.shutdown()
            am.stop()
        return 0
    wait_until(app, lambda: "vide" in window.status.readers_label.text(), "readers")

    def prompt(parent: object, reader: str, tries: int | None, wrong: bool) -> str | None:
        dialog = PinDialog(window, reader, tries, wrong)
        dialog.show()
        dialog.pin_edit.setText("12")
        shoot(app, args.out, "01-code-porteur")
        dialog.close()
        return "1234"

    try:
        window.interaction.prompt = prompt
        backend.insert(0, "cps-generaliste")
        wait_until(app, lambda: window.session.practitioner is not None, "CPS")
        backend.insert(1, "vitale-famille")
        panel = window.billing_page.patient_panel
        wait_until(app, lambda: panel.beneficiaries.count() == 5, "Vitale")
        panel.beneficiaries.setCurrentRow(2)
        panel.choose_row(2)
        invoice = window.billing_page.invoice_panel
        invoice.add_act("G")
        invoice.add_act("MEG")
        wait_until(
            app, lambda: invoice.priced is not None and not invoice.priced.valid, "rule error"
        )
        shoot(app, args.out, "02-facturation-erreur-de-regle")
        invoice.table.selectRow(1)
        invoice.remove_selected()
        invoice.payment_mode.setCurrentIndex(invoice.payment_mode.findData("tp_amo"))
        wait_until(app, lambda: invoice.secure_button.isEnabled(), "valid invoice")
        shoot(app, args.out, "03-facturation-prete")
        invoice.secure()
        wait_until(app, lambda: "FSE n° 1" in invoice.state_label.text(), "FSE secured")
        panel.beneficiaries.setCurrentRow(0)
        panel.choose_row(0)
        invoice.add_act("G")
        wait_until(app, lambda: invoice.secure_button.isEnabled(), "second invoice")
        invoice.secure()
        wait_until(app, lambda: "FSE n° 2" in invoice.state_label.text(), "FSE 2 secured")
        # a dégradé one, for SCOR
        panel.beneficiaries.setCurrentRow(1)
        panel.ask_degrade_reason = lambda: "lecteur hors service"  # type: ignore[method-assign]
        panel.degraded_button.click()
        invoice.add_act("G")
        wait_until(app, lambda: invoice.secure_button.isEnabled(), "dégradé invoice")
        invoice.secure()
        wait_until(app, lambda: "FSE n° 3" in invoice.state_label.text(), "FSE 3 secured")

        queue = window.queue_page
        window.go_to(1)
        queue.send_now()
        wait_until(
            app,
            lambda: queue.send_button.isEnabled() and "accept" in queue.send_message.text(),
            "sending",
            60,
        )
        am.produce_returns()
        queue.fetch_returns()
        wait_until(app, lambda: queue.returns_button.isEnabled(), "returns", 60)
        wait_until(
            app,
            lambda: any(
                queue.fse_table.text(r, FseColumn.STATUS).startswith("payée")
                for r in range(queue.fse_table.row_count())
            ),
            "payments",
            30,
        )
        shoot(app, args.out, "04-file-d-attente-et-retours")

        window.go_to(2)
        wait_until(app, lambda: window.dashboard_page.view is not None, "dashboard")
        shoot(app, args.out, "05-tableau-de-bord")
        recette = window.dashboard_page.recette
        window.dashboard_page.tabs.setCurrentWidget(recette)
        wait_until(app, lambda: recette.lines.rowCount() >= 3, "recette du jour")
        shoot(app, args.out, "05b-recette-du-jour")
        window.dashboard_page.tabs.setCurrentIndex(0)

        scor = window.scor_page
        window.go_to(3)
        wait_until(app, lambda: scor.waiting.row_count() == 1, "SCOR list")
        scor.scan()
        wait_until(
            app, lambda: scor.scanned is not None or "refusée" in scor.info.text(), "scan", 90
        )
        shoot(app, args.out, "06-scor")

        window.go_to(4)
        shoot(app, args.out, "07-reglages")
        window.go_to(5)
        wait_until(
            app, lambda: "joignable" in window.diagnostics_page.report.toPlainText(), "diagnostics"
        )
        shoot(app, args.out, "08-diagnostic")
        window.go_to(0)
        window.billing_page.patient_panel.beneficiaries.setFocus()
        _ = Qt
    finally:
        window.shutdown()
        am.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
