"""The dialogs that identify a patient without his carte Vitale: by NIR (then ADRi), or
in dégradé with its reason. Each answers a value, or None when cancelled."""

from __future__ import annotations

from dataclasses import dataclass

from client.desk import DEGRADED_REASONS
from ui.dialogs.focus import back_to_window
from ui.qt import (
    QDate,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLineEdit,
    QSpinBox,
    QWidget,
)
from ui.translation import tr
from ui.widgets.care_date import CareDateEdit


@dataclass(frozen=True, slots=True)
class NirQuery:
    """What ADRi is asked with: the NIR, the birth date (YYYYMMDD) and the rang."""

    nir: str
    birth: str
    rank: str


def ask_nir(parent: QWidget, typed: str) -> NirQuery | None:
    """Sans Vitale: NIR (pre-filled when ``typed`` is digits), birth date and rang."""
    dialog = QDialog(parent)
    dialog.setObjectName("nirDialog")
    dialog.setWindowTitle(tr("Identifier le patient par son NIR"))
    form = QFormLayout(dialog)
    nir = QLineEdit(typed if typed.replace(" ", "").isdigit() else "")
    nir.setPlaceholderText(tr("13 ou 15 chiffres"))
    birth = CareDateEdit()
    birth.setDisplayFormat("dd/MM/yyyy")
    birth.setDate(QDate(1980, 1, 1))
    rank = QSpinBox()
    rank.setRange(1, 9)
    form.addRow(tr("NIR de l'assuré :"), nir)
    form.addRow(tr("Date de naissance :"), birth)
    form.addRow(tr("Rang de naissance :"), rank)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    form.addRow(buttons)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    back_to_window(parent)
    query = NirQuery(
        nir.text().replace(" ", ""), birth.date().toString("yyyyMMdd"), str(rank.value())
    )
    dialog.deleteLater()
    return query if accepted else None


def ask_degrade_reason(parent: QWidget, preset: str) -> str | None:
    """Why the FSE is made in dégradé (the FSE carries it); None when cancelled."""
    dialog = QInputDialog(parent)
    dialog.setObjectName("degradeReasonDialog")
    dialog.setWindowTitle(tr("Mode dégradé"))
    dialog.setLabelText(tr("Pourquoi facturer sans la carte Vitale ?"))
    dialog.setComboBoxItems(list(DEGRADED_REASONS))
    dialog.setComboBoxEditable(True)
    if preset in DEGRADED_REASONS:
        dialog.setTextValue(preset)
    accepted = dialog.exec() == QInputDialog.DialogCode.Accepted
    reason = dialog.textValue().strip()
    dialog.deleteLater()
    back_to_window(parent)
    return reason if accepted and reason else None
