"""The CPS PIN dialog: masked digits, tries left, cancel; a blocked card is explained."""

from __future__ import annotations

import logging

from ui.dialogs.focus import back_to_window
from ui.qt import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QRegularExpressionValidator,
    QVBoxLayout,
    QWidget,
)
from ui.translation import tr

logger = logging.getLogger(__name__)

PIN_LENGTH = 4


def tries_text(attempts_left: int | None) -> str:
    if attempts_left is None:
        return ""
    if attempts_left <= 0:
        return "La carte est bloquée."
    if attempts_left == 1:
        return "Attention : dernier essai avant le blocage de la carte."
    return f"Il reste {attempts_left} essais."


class PinDialog(QDialog):
    """Asks for the 4-digit code porteur of the CPS; never logs or keeps it."""

    def __init__(
        self, parent: QWidget | None, reader: str, attempts_left: int | None, wrong: bool = False
    ) -> None:
        super().__init__(parent)
        self.setObjectName("pinDialog")
        self.setWindowTitle(tr("Code porteur de la carte CPS"))
        self.setModal(True)
        layout = QVBoxLayout(self)
        intro = QLabel(
            tr("Saisissez le code porteur de la carte insérée dans « %1 ».").replace("%1", reader)
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.pin_edit = QLineEdit()
        self.pin_edit.setObjectName("pinEdit")
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.setMaxLength(PIN_LENGTH)
        self.pin_edit.setValidator(QRegularExpressionValidator(r"\d{0,4}"))
        self.pin_edit.setAccessibleName(tr("Code porteur"))
        layout.addWidget(self.pin_edit)
        text = tries_text(attempts_left)
        if wrong:
            text = f"Code porteur incorrect. {text}"
        self.tries_label = QLabel(text)
        self.tries_label.setObjectName("pinTries")
        if wrong or attempts_left == 1:
            self.tries_label.setStyleSheet("color: #b3261e; font-weight: bold;")
        layout.addWidget(self.tries_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Valider"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Annuler"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.pin_edit.textChanged.connect(self._on_text_changed)
        self._on_text_changed("")

    def _on_text_changed(self, text: str) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(len(text) == PIN_LENGTH)

    def pin(self) -> str:
        return self.pin_edit.text()

    @classmethod
    def ask(
        cls, parent: QWidget | None, reader: str, attempts_left: int | None, wrong: bool = False
    ) -> str | None:
        """Run the dialog; the PIN, or None when the user cancels."""
        dialog = cls(parent, reader, attempts_left, wrong)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.pin()
            return None
        finally:
            dialog.pin_edit.clear()
            dialog.deleteLater()
            back_to_window(parent)  # the window's shortcuts work again without a click
