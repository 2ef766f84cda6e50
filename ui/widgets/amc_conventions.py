"""Réglages → « Conventions AMC »: the cabinet's conventions with the complémentaires (which
AMC, which convention, tiers payant or not, its payment delay for the late-AMC alert), as
``sesam amc conventions`` edits them.

Reads and writes go through the page's database thread (``Page.on_db``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from billing.amc_delays import load_amc_delays
from client.store import Store
from client.store.amc_conventions import AmcConvention
from ui.qt import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)
from ui.translation import tr

#: ``Page.on_db``: run a store function on the database thread, a callback on the GUI's.
OnDb = Callable[..., None]

#: A payment delay longer than a year is a typing error, not a convention.
MAX_DELAY_DAYS = 365


class AmcConventionsBox(QGroupBox):
    """The conventions table with a line to add, change or remove one."""

    def __init__(self, on_db: OnDb) -> None:
        super().__init__(tr("Conventions avec les complémentaires (AMC)"))
        self._on_db = on_db
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("amcConventions")
        self.table.setHorizontalHeaderLabels(
            [
                tr("N° AMC"),
                tr("Nom"),
                tr("Convention"),
                tr("Tiers payant"),
                tr("Délai de paiement (jours)"),
            ]
        )
        # Shown where a convention sets none (billing/tariffs/amc-delais.json).
        self._default_delay = load_amc_delays().days(datetime.now(UTC).date())
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.itemSelectionChanged.connect(self._selected)
        self.table.setMaximumHeight(140)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        self.number = QLineEdit()
        self.number.setObjectName("amcNumber")
        self.number.setPlaceholderText(tr("n° AMC"))
        self.number.setMaxLength(8)
        self.name = QLineEdit()
        self.name.setObjectName("amcName")
        self.name.setPlaceholderText(tr("nom"))
        self.convention = QLineEdit()
        self.convention.setObjectName("amcConvention")
        self.convention.setPlaceholderText(tr("convention"))
        self.tiers_payant = QCheckBox(tr("tiers payant"))
        self.tiers_payant.setObjectName("amcTiersPayant")
        self.delay = QLineEdit()
        self.delay.setObjectName("amcDelay")
        self.delay.setPlaceholderText(tr("délai (jours), vide : %1").replace("%1", self._default))
        self.delay.setMaxLength(3)
        for widget in (self.number, self.name, self.convention, self.tiers_payant, self.delay):
            row.addWidget(widget)
        layout.addLayout(row)
        buttons = QHBoxLayout()
        self.message = QLabel("")
        self.message.setObjectName("amcMessage")
        self.message.setWordWrap(True)
        buttons.addWidget(self.message, 1)
        self.save_button = QPushButton(tr("Enregistrer la convention"))
        self.save_button.setObjectName("amcSave")
        self.save_button.clicked.connect(self.save)
        self.remove_button = QPushButton(tr("Supprimer"))
        self.remove_button.setObjectName("amcRemove")
        self.remove_button.clicked.connect(self.remove)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.remove_button)
        layout.addLayout(buttons)
        self._rows: list[AmcConvention] = []

    def reload(self) -> None:
        self._on_db(lambda store: store.amc_conventions.conventions(), self._show, "conventions")

    def _show(self, rows: list[AmcConvention]) -> None:
        self._rows = rows
        self.table.setRowCount(len(rows))
        for i, c in enumerate(rows):
            tp = tr("oui") if c.tiers_payant else tr("non")
            delay = str(c.delay_days) if c.delay_days else self._default
            for j, text in enumerate((c.amc_number, c.name, c.convention, tp, delay)):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def _selected(self) -> None:
        index = self.table.currentRow()
        if 0 <= index < len(self._rows):
            c = self._rows[index]
            self.number.setText(c.amc_number)
            self.name.setText(c.name)
            self.convention.setText(c.convention)
            self.tiers_payant.setChecked(c.tiers_payant)
            self.delay.setText(str(c.delay_days) if c.delay_days else "")

    def save(self) -> None:
        number = self.number.text().strip()
        name, convention = self.name.text().strip(), self.convention.text().strip()
        if not (len(number) == 8 and number.isascii() and number.isdigit()):
            self.message.setText(tr("Le n° AMC a 8 chiffres (carte Vitale, attestation)."))
            return
        if not name or not convention:
            self.message.setText(tr("Indiquez le nom de la complémentaire et sa convention."))
            return
        tp = self.tiers_payant.isChecked()
        typed = self.delay.text().strip()
        if typed and not (typed.isascii() and typed.isdigit() and 0 < int(typed) <= MAX_DELAY_DAYS):
            self.message.setText(
                tr("Le délai de paiement est un nombre de jours, de 1 à 365 (vide : par défaut).")
            )
            return
        delay = int(typed) if typed else None

        def work(store: Store) -> list[AmcConvention]:
            store.amc_conventions.set_convention(
                number, name, convention, tp, datetime.now(UTC), delay
            )
            return store.amc_conventions.conventions()

        self._on_db(work, self._done(tr("Convention enregistrée.")), "conventions")

    def remove(self) -> None:
        number = self.number.text().strip()

        def work(store: Store) -> list[AmcConvention]:
            store.amc_conventions.remove_convention(number)
            return store.amc_conventions.conventions()

        self._on_db(work, self._done(tr("Convention supprimée.")), "conventions")

    @property
    def _default(self) -> str:
        return tr("%1 (par défaut)").replace("%1", str(self._default_delay))

    def _done(self, text: str) -> Callable[[Any], None]:
        def done(rows: list[AmcConvention]) -> None:
            self._show(rows)
            self.message.setText(text)

        return done
