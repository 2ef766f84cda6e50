"""The sending row of the queue page: send now (F9), cancel (Échap), fetch the returns
(F10), the progress of the lots and the message line every action of the page writes to."""

from __future__ import annotations

import logging
from collections.abc import Callable

from client.errors import ClientError
from client.sender import SenderThread, SendProgress, SendReport
from client.usecases import lots, payments
from ui import services
from ui.errors import message_for
from ui.gui_relay import to_gui
from ui.pages.base import Page
from ui.qt import (
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QObject,
    QProgressBar,
    QPushButton,
    QTimer,
    Signal,
    Slot,
)
from ui.translation import tr
from ui.worker_failures import WorkerVanishedError

logger = logging.getLogger(__name__)

#: The bar's text while lots are sent: « 2 / 5 lot(s) ».
LOTS_FORMAT = "%v / %m lot(s)"


class SenderBridge(QObject):
    """The sender's callbacks (on its thread) as GUI-thread signals."""

    progressed = Signal(object)
    finished = Signal(object)

    def on_progress(self, progress: SendProgress) -> None:
        to_gui(self.progressed, progress)

    def on_done(self, result: SendReport | BaseException) -> None:
        to_gui(self.finished, result)


class SendControls(QObject):
    """Closes the lots with the CPS, drives the sender thread and fetches the returns;
    ``refresh`` reloads the page when the queue changed."""

    def __init__(self, page: Page, refresh: Callable[[], None]) -> None:
        super().__init__(page)
        self.page = page
        self.refresh = refresh
        self.send_thread: SenderThread | None = None
        self.bridge = SenderBridge(self)
        self.bridge.progressed.connect(self._on_progress)
        self.bridge.finished.connect(self._on_send_finished)
        self._sending = False
        self._sender_misses = 0
        self.sender_watch = QTimer(self)
        self.sender_watch.setInterval(1000)
        self.sender_watch.timeout.connect(self._watch_sender)

        self.row = QHBoxLayout()
        self.send_button = QPushButton(tr("Envoyer maintenant (F9)"))
        self.send_button.setObjectName("sendNow")
        self.send_button.setShortcut(QKeySequence("F9"))
        self.send_button.clicked.connect(self.send_now)
        self.row.addWidget(self.send_button)
        self.cancel_button = QPushButton(tr("Annuler l'envoi (Échap)"))
        self.cancel_button.setObjectName("cancelSend")
        self.cancel_button.setShortcut(QKeySequence("Escape"))
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_send)
        self.row.addWidget(self.cancel_button)
        self.returns_button = QPushButton(tr("Relever les retours (F10)"))
        self.returns_button.setObjectName("fetchReturns")
        self.returns_button.setShortcut(QKeySequence("F10"))
        self.returns_button.clicked.connect(self.fetch_returns)
        self.row.addWidget(self.returns_button)
        self.progress = QProgressBar()
        self.progress.setObjectName("sendProgress")
        self.progress.setTextVisible(True)
        # Idle, the bar said « 0 / 1 lot(s) », as if a lot were waiting: it says no send
        # runs until the first progress of one gives it its lots.
        self.progress.setFormat(tr("Aucun envoi en cours"))
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.row.addWidget(self.progress, 1)
        self.message = QLabel("")
        self.message.setObjectName("sendMessage")
        self.message.setWordWrap(True)

    def stop(self) -> None:
        if self.send_thread is not None:
            self.send_thread.stop()

    def send_now(self) -> None:
        """Close the lots with the CPS (if inserted), then drain the outbox."""
        if self.send_thread is not None and self.send_thread.is_alive():
            return
        self.send_button.setEnabled(False)
        practitioner = self.page.session.practitioner
        if practitioner is not None:
            self.message.setText(tr("Signature des lots avec la carte CPS…"))
            self.page.runner.submit(
                lambda: lots.close_lots(
                    self.page.ctx, services.cps_of(practitioner), practitioner.session
                ),
                self._on_lots_closed,
                self._on_close_failed,
                label="signature des lots",
            )
        else:
            self._start_sender()

    def _on_lots_closed(self, count: int) -> None:
        if count:
            self.message.setText(f"{count} lot(s) signé(s).")
        self._start_sender()

    def _on_close_failed(self, exc: BaseException) -> None:
        logger.warning("lots not closed: %r", exc)
        self.message.setText("Lots non signés : " + message_for(exc))
        self._start_sender()

    def _start_sender(self) -> None:
        try:
            self.send_thread = lots.make_sender(
                self.page.ctx, self.bridge.on_progress, self.bridge.on_done
            )
        except (ClientError, OSError, ValueError) as exc:  # certificates, settings: said
            self.send_button.setEnabled(True)
            self.message.setText("Envoi impossible : " + message_for(exc))
            return
        except Exception as exc:  # noqa: BLE001 - unexpected: reported, F9 offered again
            self.send_button.setEnabled(True)
            self.message.setText("Envoi impossible : " + message_for(exc))
            self.page.main.report_worker_failure("envoi", exc)
            return
        self.cancel_button.setEnabled(True)
        self.page.main.status.set_network(tr("Réseau : envoi…"))
        self._sending = True
        self._sender_misses = 0
        self.send_thread.start(until_empty=True)
        self.sender_watch.start()

    def _watch_sender(self) -> None:
        """« envoi… » never outlives the sender: a thread gone without its report (twice
        seen, so a report already queued to the GUI thread comes first) ends the send."""
        if not self._sending:
            self.sender_watch.stop()
            return
        if self.send_thread is not None and self.send_thread.is_alive():
            self._sender_misses = 0
            return
        self._sender_misses += 1
        if self._sender_misses >= 2:
            self._on_send_finished(WorkerVanishedError("L'envoi des lots"))

    def cancel_send(self) -> None:
        if self.send_thread is not None and self.send_thread.is_alive():
            self.send_thread.cancel.set()
            self.message.setText(tr("Annulation demandée : l'envoi en cours se termine."))
        elif self._sending:  # the thread is gone: nothing to wait for
            self._on_send_finished(WorkerVanishedError("L'envoi des lots"))

    @Slot(object)
    def _on_progress(self, progress: SendProgress) -> None:
        self.progress.setFormat(LOTS_FORMAT)
        self.progress.setRange(0, max(1, int(progress.total)))
        self.progress.setValue(int(progress.done))
        self.message.setText(progress.message)
        if progress.step.value in ("acknowledged", "refused", "received", "finished"):
            self.refresh()

    @Slot(object)
    def _on_send_finished(self, result: SendReport | BaseException) -> None:
        if not self._sending:
            return  # already ended (by the watch)
        self._sending = False
        self.sender_watch.stop()
        self.send_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if isinstance(result, BaseException):
            self.message.setText(
                "Envoi interrompu : " + message_for(result) + " Relancez-le avec F9."
            )
            self.page.main.status.set_network(tr("Réseau : envoi arrêté"), False)
            self.page.main.report_worker_failure("envoi", result)
        else:
            self.page.main.worker_recovered("envoi")
            from client.sender import summary

            self.message.setText(summary(result))
            # The state of the network now: an error cured by a later replay is past.
            ok = result.network_ok if result.network_ok is not None else result.last_error is None
            self.page.main.status.set_network("Réseau : ok" if ok else "Réseau : erreurs", ok)
        if self.send_thread is not None:
            self.send_thread.join()
        self.refresh()

    def fetch_returns(self) -> None:
        self.returns_button.setEnabled(False)
        self.message.setText(tr("Relève des retours de l'Assurance Maladie…"))
        self.page.runner.submit(
            lambda: payments.fetch_returns(self.page.ctx),
            self._on_returns,
            self._on_returns_failed,
            label="retours",
        )

    def _on_returns(self, fetched: payments.ReturnsFetched) -> None:
        self.returns_button.setEnabled(True)
        self.page.main.worker_recovered("retours")
        self.message.setText(services.returns_text(fetched))
        self.page.main.status.set_network(tr("Réseau : ok"), True)
        self.refresh()

    def _on_returns_failed(self, exc: BaseException) -> None:
        self.returns_button.setEnabled(True)  # offered again (F10)
        self.message.setText("Retours non relevés : " + message_for(exc))
        self.page.main.report_worker_failure("retours", exc)
        self.page.main.status.set_network(tr("Réseau : injoignable"), False)
