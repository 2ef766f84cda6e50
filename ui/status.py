"""The status bar: readers and cards, the practitioner, the queue and the network, always."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from client.labels import card_kind_label
from ui.card_watch import ReaderView
from ui.fmt import count_fr
from ui.qt import QLabel, QStatusBar, QWidget, Slot
from ui.session import Practitioner
from ui.translation import tr

logger = logging.getLogger(__name__)


def short_reader(name: str) -> str:
    """'Virtual PCD 00 01' → 'Lecteur 2' would hide the real name; keep it, shortened."""
    return name if len(name) <= 24 else name[:23] + "…"


class StatusPanel(QStatusBar):
    """Four permanent zones, updated by slots from the card watcher, session and queue."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusPanel")
        self.readers_label = QLabel(tr("Lecteurs : recherche…"))
        self.readers_label.setObjectName("statusReaders")
        self.practitioner_label = QLabel(tr("Aucun praticien"))
        self.practitioner_label.setObjectName("statusPractitioner")
        self.queue_label = QLabel(tr("File : —"))
        self.queue_label.setObjectName("statusQueue")
        self.network_label = QLabel(tr("Réseau : —"))
        self.network_label.setObjectName("statusNetwork")
        # A background worker stopped on an error (ui.worker_failures): shown until the
        # action succeeds again; the details are on the diagnostics page.
        self.worker_label = QLabel("")
        self.worker_label.setObjectName("statusWorkerFailure")
        self.worker_label.setStyleSheet("color: #b3261e; font-weight: 600;")
        self.worker_label.setVisible(False)
        for label in (
            self.readers_label,
            self.practitioner_label,
            self.queue_label,
            self.network_label,
        ):
            label.setContentsMargins(6, 0, 6, 0)
        self.addWidget(self.readers_label, 3)
        self.addPermanentWidget(self.practitioner_label)
        self.addPermanentWidget(self.queue_label)
        self.addPermanentWidget(self.network_label)
        self.addPermanentWidget(self.worker_label)
        self._views: tuple[ReaderView, ...] = ()
        self._kinds: dict[str, str] = {}
        self._busy: dict[str, str] = {}
        self._error: str | None = None

    @Slot(object)
    def on_readers_changed(self, views: tuple[ReaderView, ...]) -> None:
        self._views = views
        self._error = None
        self._render_readers()

    @Slot(str, str)
    def on_card_inserted(self, reader: str, kind: str) -> None:
        self._kinds[reader] = kind
        self._render_readers()

    @Slot(str)
    def on_card_removed(self, reader: str) -> None:
        self._kinds.pop(reader, None)
        self._busy.pop(reader, None)
        self._render_readers()

    @Slot(str, str)
    def on_card_busy(self, reader: str, what: str) -> None:
        if what:
            self._busy[reader] = what
        else:
            self._busy.pop(reader, None)
        self._render_readers()

    def on_monitor_failed(self, message: str) -> None:
        self._error = message
        self._render_readers()

    def _render_readers(self) -> None:
        if self._error and not self._views:
            self.readers_label.setText(tr("Lecteurs : indisponibles"))
            self.readers_label.setToolTip(self._error)
            return
        if not self._views:
            self.readers_label.setText(tr("Aucun lecteur de cartes"))
            self.readers_label.setToolTip(tr("Branchez un lecteur, ou démarrez le service pcscd."))
            return
        parts = []
        for view in self._views:
            if view.card_present:
                what = tr(card_kind_label(self._kinds.get(view.name, "")))
                busy = self._busy.get(view.name)
                state = tr("{what} (lecture…)").format(what=what) if busy else what
            else:
                state = tr("vide")
            parts.append(f"{short_reader(view.name)} : {state}")
        self.readers_label.setText(" · ".join(parts))
        self.readers_label.setToolTip(
            "\n".join(
                f"{v.name} — {'ATR ' + v.atr.hex(' ').upper() if v.atr else 'pas de carte'}"
                for v in self._views
            )
        )

    @Slot(object)
    def on_practitioner_changed(self, practitioner: Practitioner | None) -> None:
        if practitioner is None:
            self.practitioner_label.setText(tr("Aucun praticien"))
            return
        self.practitioner_label.setText(
            tr("Praticien : {name}").format(name=practitioner.display_name)
        )

    def set_queue(self, text: str) -> None:
        self.queue_label.setText(text)

    def set_network(self, text: str, ok: bool | None = None) -> None:
        self.network_label.setText(text)
        color = {True: "#1b7f3b", False: "#b3261e", None: ""}[ok]
        self.network_label.setStyleSheet(f"color: {color};" if color else "")

    def set_worker_failure(self, short: str | None, details: str = "") -> None:
        """Show (or clear, with None) that a background worker stopped."""
        self.worker_label.setText(short or "")
        self.worker_label.setToolTip(details)
        self.worker_label.setVisible(bool(short))

    def queue_summary(self, counts: Mapping[str, int]) -> None:
        waiting = int(counts.get("waiting", 0) or 0)
        rejected = int(counts.get("rejected", 0) or 0)
        text = tr("File : {n} en attente").format(n=count_fr(waiting))
        if rejected:
            text += tr(", {n} rejet(s)").format(n=count_fr(rejected))
        self.set_queue(text)
