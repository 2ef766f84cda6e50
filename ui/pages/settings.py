"""Réglages: readers, concentrator address and certificates, data directory, deadlines,
local tariffs. Saved to ``settings.json`` off the GUI thread."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from client.settings import Settings
from ui.card_watch import ReaderView
from ui.pages.base import Page, hint
from ui.qt import (
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Slot,
)
from ui.translation import QT_TRANSLATE_NOOP, tr
from ui.widgets.amc_conventions import AmcConventionsBox

if TYPE_CHECKING:
    from ui.pages.base import PageHost

logger = logging.getLogger(__name__)

#: (field, label, minimum, maximum) of the integer settings shown.
DEADLINES = [
    (
        "transmission_deadline_working_days",
        QT_TRANSLATE_NOOP("", "Délai de télétransmission (jours ouvrés)"),
        1,
        30,
    ),
    (
        "transmission_warning_working_days",
        QT_TRANSLATE_NOOP("", "Prévenir avant l'échéance (jours ouvrés)"),
        0,
        10,
    ),
    ("arl_alert_days", QT_TRANSLATE_NOOP("", "Alerte lot sans ARL après (jours)"), 1, 30),
    ("guarantee_working_days", QT_TRANSLATE_NOOP("", "Garantie de paiement (jours ouvrés)"), 1, 30),
]


class SettingsPage(Page):
    """The settings form; Ctrl+Entrée saves."""

    title = QT_TRANSLATE_NOOP("", "Réglages")

    def __init__(self, window: PageHost) -> None:
        super().__init__(window)
        columns = QHBoxLayout()
        left = QVBoxLayout()
        right = QVBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        self.layout_.addLayout(columns, 1)

        server = QGroupBox(tr("Concentrateur de télétransmission"))
        form = QFormLayout(server)
        self.server_url = QLineEdit()
        self.server_url.setObjectName("serverUrl")
        form.addRow(tr("Adresse :"), self.server_url)
        self.cert_edits: dict[str, QLineEdit] = {}
        for key, label in (
            ("client_cert", "Certificat du poste :"),
            ("client_key", "Clé privée du poste :"),
            ("ca_cert", "Autorité de confiance :"),
        ):
            edit = QLineEdit()
            edit.setObjectName(key)
            browse = QToolButton()
            browse.setText("…")
            browse.setToolTip(tr("Choisir le fichier"))
            browse.clicked.connect(self._make_browse(edit))
            row = QWidget()
            row_layout = QHBoxLayout(row)
            row_layout.setContentsMargins(0, 0, 0, 0)
            row_layout.addWidget(edit, 1)
            row_layout.addWidget(browse)
            form.addRow(label, row)
            self.cert_edits[key] = edit
        self.connect_timeout = QDoubleSpinBox()
        self.connect_timeout.setRange(1, 120)
        self.connect_timeout.setSuffix(" s")
        form.addRow(tr("Délai de connexion :"), self.connect_timeout)
        left.addWidget(server)

        deadlines = QGroupBox(tr("Délais et alertes"))
        dform = QFormLayout(deadlines)
        self.deadline_spins: dict[str, QSpinBox] = {}
        for key, label, low, high in DEADLINES:
            spin = QSpinBox()
            spin.setRange(low, high)
            spin.setObjectName(key)
            dform.addRow(tr(label), spin)
            self.deadline_spins[key] = spin
        left.addWidget(deadlines)
        self.amc_conventions = AmcConventionsBox(self.on_db)
        left.addWidget(self.amc_conventions)
        self.amc_conventions.reload()
        left.addStretch(1)

        cabinet = QGroupBox(tr("Cabinet (en-tête des documents imprimés)"))
        cform = QFormLayout(cabinet)
        self.cabinet_name = QLineEdit()
        self.cabinet_name.setObjectName("cabinetName")
        self.cabinet_name.setPlaceholderText(tr("ex. Cabinet médical des Tilleuls"))
        cform.addRow(tr("Nom du cabinet :"), self.cabinet_name)
        self.cabinet_address = QPlainTextEdit()
        self.cabinet_address.setObjectName("cabinetAddress")
        self.cabinet_address.setTabChangesFocus(True)
        self.cabinet_address.setFixedHeight(64)
        self.cabinet_address.setPlaceholderText(tr("Rue\nCode postal et ville"))
        cform.addRow(tr("Adresse :"), self.cabinet_address)
        self.cabinet_phone = QLineEdit()
        self.cabinet_phone.setObjectName("cabinetPhone")
        cform.addRow(tr("Téléphone :"), self.cabinet_phone)
        cform.addRow(
            "",
            hint(tr("Imprimés sur les reçus, les feuilles de soins et les duplicata.")),
        )
        right.addWidget(cabinet)

        readers = QGroupBox(tr("Lecteurs de cartes"))
        rlayout = QVBoxLayout(readers)
        self.readers_label = QLabel("…")
        self.readers_label.setObjectName("settingsReaders")
        self.readers_label.setWordWrap(True)
        rlayout.addWidget(self.readers_label)
        rlayout.addWidget(
            hint(
                tr(
                    "Les lecteurs sont détectés automatiquement (PC/SC). Un lecteur "
                    "bi-fente accepte la carte Vitale et la CPS dans l'une ou "
                    "l'autre fente."
                )
            )
        )
        right.addWidget(readers)

        data = QGroupBox(tr("Données"))
        data_form = QFormLayout(data)
        self.data_dir_label = QLabel(str(self.ctx.data_dir))
        self.data_dir_label.setObjectName("dataDir")
        self.data_dir_label.setWordWrap(True)
        data_form.addRow(tr("Dossier des données :"), self.data_dir_label)
        data_form.addRow(
            "",
            hint(
                tr(
                    "Pour en changer, démarrez avec --data-dir ou la variable "
                    "SESAM_DATA_DIR. Il contient des données de santé : "
                    "accès réservé à l'utilisateur."
                )
            ),
        )
        self.local_tariffs_label = QLabel(str(self.local_tariffs_path()))
        self.local_tariffs_label.setWordWrap(True)
        data_form.addRow(tr("Tarifs locaux :"), self.local_tariffs_label)
        data_form.addRow(
            "",
            hint(
                tr(
                    "Fichier CSV au format du référentiel (code;label;amount;…) : "
                    "ses lignes priment sur le référentiel livré."
                )
            ),
        )
        self.restore_button = QPushButton(tr("Restaurer une sauvegarde…"))
        self.restore_button.setObjectName("settingsRestore")
        self.restore_button.clicked.connect(lambda: self.main.open_restore_dialog())
        data_form.addRow(tr("Sauvegardes :"), self.restore_button)
        right.addWidget(data)
        right.addStretch(1)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.saved_label = QLabel("")
        self.saved_label.setObjectName("settingsSaved")
        buttons.addWidget(self.saved_label)
        self.save_button = QPushButton(tr("Enregistrer (Ctrl+Entrée)"))
        self.save_button.setObjectName("settingsSave")
        self.save_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.save_button)
        self.layout_.addLayout(buttons)
        self.main.watcher.readers_changed.connect(self._on_readers_changed)
        self._fill(self.ctx.settings)

    def local_tariffs_path(self) -> Path:
        return Path(self.ctx.data_dir) / "tarifs-locaux.csv"

    def _make_browse(self, edit: QLineEdit) -> Callable[[], None]:
        def browse() -> None:
            path, _ = QFileDialog.getOpenFileName(
                self, tr("Choisir le fichier"), edit.text(), "PEM (*.pem *.crt *.key);;Tous (*)"
            )
            if path:
                edit.setText(path)

        return browse

    def _fill(self, settings: Settings | None) -> None:
        if settings is None:
            self.saved_label.setText(tr("Réglages par défaut."))
            return
        self.server_url.setText(str(getattr(settings, "server_url", "")))
        for key, edit in self.cert_edits.items():
            value = getattr(settings, key, None)
            edit.setText(str(value) if value else "")
        self.connect_timeout.setValue(float(getattr(settings, "connect_timeout", 5.0)))
        self.cabinet_name.setText(str(getattr(settings, "cabinet_name", "")))
        self.cabinet_address.setPlainText(str(getattr(settings, "cabinet_address", "")))
        self.cabinet_phone.setText(str(getattr(settings, "cabinet_phone", "")))
        for key, spin in self.deadline_spins.items():
            spin.setValue(int(getattr(settings, key, spin.minimum())))

    @Slot(object)
    def _on_readers_changed(self, views: tuple[ReaderView, ...]) -> None:
        if not views:
            self.readers_label.setText(tr("Aucun lecteur détecté."))
            return
        self.readers_label.setText(
            "\n".join(
                f"• {v.name} : {'carte insérée' if v.card_present else 'vide'}" for v in views
            )
        )

    def edited_settings(self) -> Settings:
        base = self.ctx.settings if self.ctx.settings is not None else Settings()
        # Settings fields by name, of several types: dataclasses.replace checks them (Any).
        values: dict[str, Any] = {
            "server_url": self.server_url.text().strip(),
            "connect_timeout": self.connect_timeout.value(),
            "cabinet_name": self.cabinet_name.text().strip(),
            "cabinet_address": self.cabinet_address.toPlainText().strip(),
            "cabinet_phone": self.cabinet_phone.text().strip(),
        }
        for key, edit in self.cert_edits.items():
            values[key] = Path(edit.text()).expanduser() if edit.text().strip() else None
        for key, spin in self.deadline_spins.items():
            values[key] = spin.value()
        return dataclasses.replace(base, **values)

    def save(self) -> None:
        from client.settings import SETTINGS_NAME, save_settings

        settings = self.edited_settings()
        path = Path(self.ctx.data_dir) / SETTINGS_NAME
        self.runner.submit(
            lambda: save_settings(settings, path),
            lambda _p: self._on_saved(settings),
            self._on_failed,
            label="réglages",
        )

    def _on_saved(self, settings: Settings) -> None:
        self.ctx.settings = settings
        self.saved_label.setText(tr("Réglages enregistrés."))
