"""A patient typed by hand: first visit without a card, or dégradé without a readable card.

Nom, prénom, NIR of the assuré with its key checked, date de naissance, rang, qualité and the
organism (régime, caisse, centre). The result is a local patient billed sans Vitale (or in
dégradé); it enters the local file with its first FSE.
"""

from __future__ import annotations

import datetime as dt
import logging

from billing.nir import NirError, validate_nir
from client.context import LocalPatient
from ui.qt import (
    QComboBox,
    QDate,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRegularExpressionValidator,
    QSpinBox,
    QWidget,
)
from ui.translation import tr

logger = logging.getLogger(__name__)

QUALITY_CHOICES = (
    ("00", "assuré"),
    ("02", "conjoint"),
    ("06", "enfant"),
    ("09", "autre ayant droit"),
)


class NewPatientDialog(QDialog):
    """The identity of a patient without his card; « Créer » only once it is complete."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newPatientDialog")
        self.setWindowTitle(tr("Nouveau patient"))
        self.setModal(True)
        form = QFormLayout(self)
        self.last_name = QLineEdit()
        self.last_name.setObjectName("lastName")
        self.first_name = QLineEdit()
        self.first_name.setObjectName("firstName")
        self.nir = QLineEdit()
        self.nir.setObjectName("nir")
        self.nir.setPlaceholderText(tr("15 caractères, clé comprise"))
        self.nir.setValidator(QRegularExpressionValidator(r"[0-9ABab ]{0,21}"))
        self.birth = QDateEdit()
        self.birth.setObjectName("birthDate")
        self.birth.setDisplayFormat("dd/MM/yyyy")
        self.birth.setDate(QDate(1980, 1, 1))
        self.rank = QSpinBox()
        self.rank.setObjectName("rank")
        self.rank.setRange(1, 9)
        self.quality = QComboBox()
        self.quality.setObjectName("quality")
        for code, label in QUALITY_CHOICES:
            self.quality.addItem(tr(label), code)
        self.regime = QLineEdit("01")
        self.regime.setObjectName("regime")
        self.regime.setValidator(QRegularExpressionValidator(r"\d{0,2}"))
        self.caisse = QLineEdit()
        self.caisse.setObjectName("caisse")
        self.caisse.setValidator(QRegularExpressionValidator(r"\d{0,3}"))
        self.centre = QLineEdit()
        self.centre.setObjectName("centre")
        self.centre.setValidator(QRegularExpressionValidator(r"\d{0,4}"))
        form.addRow(tr("Nom :"), self.last_name)
        form.addRow(tr("Prénom :"), self.first_name)
        form.addRow(tr("NIR de l'assuré :"), self.nir)
        form.addRow(tr("Date de naissance :"), self.birth)
        form.addRow(tr("Rang de naissance :"), self.rank)
        form.addRow(tr("Qualité :"), self.quality)
        form.addRow(tr("Régime (2 chiffres) :"), self.regime)
        form.addRow(tr("Caisse (3 chiffres) :"), self.caisse)
        form.addRow(tr("Centre (4 chiffres) :"), self.centre)
        self.problem = QLabel("")
        self.problem.setObjectName("newPatientProblem")
        self.problem.setStyleSheet("color: #b3261e;")
        self.problem.setWordWrap(True)
        form.addRow(self.problem)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(tr("Créer"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Annuler"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        for edit in (self.last_name, self.first_name, self.nir, self.regime, self.caisse):
            edit.textChanged.connect(self._check)
        self.centre.textChanged.connect(self._check)
        self.birth.dateChanged.connect(self._check)
        self._check()

    def problems(self) -> list[str]:
        """What is missing or wrong, in French ([] when the identity is complete)."""
        found = []
        if not self.last_name.text().strip():
            found.append("le nom manque")
        if not self.first_name.text().strip():
            found.append("le prénom manque")
        try:
            nir = validate_nir(self.nir.text())
            if len(nir.value) != 15:
                found.append("NIR : 15 caractères, clé comprise")
        except NirError as exc:
            found.append(f"NIR : {exc.reason}")
        for name, edit, size in (
            ("régime", self.regime, 2),
            ("caisse", self.caisse, 3),
            ("centre", self.centre, 4),
        ):
            if len(edit.text()) != size:
                found.append(f"{name} : {size} chiffres")
        if self.birth_date() > dt.date.today():
            found.append("date de naissance dans le futur")
        return found

    def _check(self, *_args: object) -> None:  # also a slot of Qt signals
        found = self.problems()
        self.problem.setText(("À compléter : " + " ; ".join(found) + ".") if found else "")
        self.ok_button.setEnabled(not found)

    def birth_date(self) -> dt.date:
        q = self.birth.date()
        return dt.date(q.year(), q.month(), q.day())

    def patient(self) -> LocalPatient:
        nir = validate_nir(self.nir.text()).value
        return LocalPatient(
            id="",
            nom=self.last_name.text().strip().upper(),
            prenom=self.first_name.text().strip().upper(),
            birth_date_raw=self.birth_date().strftime("%Y%m%d"),
            nir=nir[:13],
            nir_key=nir[13:],
            beneficiary_nir="",
            beneficiary_nir_key="",
            rang=str(self.rank.value()),
            qualite=str(self.quality.currentData() or "00"),
            regime=self.regime.text(),
            caisse=self.caisse.text(),
            centre=self.centre.text(),
        )

    def prefill(self, person: object) -> None:
        """What a card gave (names, birth date, NIR when read): only the rest is typed."""
        self.last_name.setText(str(getattr(person, "nom", "") or ""))
        self.first_name.setText(str(getattr(person, "prenom", "") or ""))
        nir = str(getattr(person, "nir", "") or "") + str(getattr(person, "nir_key", "") or "")
        if nir:
            self.nir.setText(nir)
        born = getattr(person, "birth_date", None)
        if isinstance(born, dt.date):
            self.birth.setDate(QDate(born.year, born.month, born.day))
        self._check()

    @classmethod
    def ask(cls, parent: QWidget | None, prefill: object = None) -> LocalPatient | None:
        dialog = cls(parent)
        if prefill is not None:
            dialog.prefill(prefill)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.patient()
            return None
        finally:
            dialog.deleteLater()
