"""A blocked CPS: the offer to unblock it, then the PUK and the new PIN typed twice.
The codes are never logged or kept: they go to the card thread once, then are cleared."""

from __future__ import annotations

from ui.dialogs.focus import back_to_window
from ui.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QRegularExpressionValidator,
    QVBoxLayout,
    QWidget,
)
from ui.translation import tr

PUK_LENGTH = 8
PIN_LENGTH = 4
UNBLOCK_BUTTON = "Débloquer avec le code PUK…"


def offer_unblock(parent: QWidget | None, reader: str) -> bool:
    """« Carte CPS bloquée » with the way out; True when the user chooses to unblock."""
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        tr("Carte CPS bloquée"),
        tr(
            "La carte CPS insérée dans « %1 » est bloquée : trois codes porteur faux ont été "
            "saisis. Vous pouvez la débloquer avec son code de déblocage (PUK, 8 chiffres, "
            "reçu avec la carte) et choisir un nouveau code porteur."
        ).replace("%1", reader),
        parent=parent,
    )
    box.setObjectName("cpsBlockedBox")
    unblock = box.addButton(tr(UNBLOCK_BUTTON), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(tr("Fermer"), QMessageBox.ButtonRole.RejectRole)
    try:
        box.exec()
        return box.clickedButton() is unblock
    finally:
        box.deleteLater()
        back_to_window(parent)


class PukDialog(QDialog):
    """PUK, new PIN, new PIN again; Valider only when all three are well formed and match."""

    def __init__(
        self, parent: QWidget | None, reader: str, puk_tries_left: int | None, wrong: bool
    ) -> None:
        super().__init__(parent)
        self.setObjectName("pukDialog")
        self.setWindowTitle(tr("Débloquer la carte CPS"))
        self.setModal(True)
        layout = QVBoxLayout(self)
        intro = QLabel(
            tr(
                "Carte CPS bloquée dans « %1 » : saisissez son code PUK et un nouveau code porteur."
            ).replace("%1", reader)
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.puk_edit = self._secret("pukEdit", PUK_LENGTH, tr("Code PUK"))
        self.pin_edit = self._secret("newPinEdit", PIN_LENGTH, tr("Nouveau code porteur"))
        self.again_edit = self._secret("newPinAgainEdit", PIN_LENGTH, tr("Confirmation"))
        form.addRow(tr("Code PUK (8 chiffres) :"), self.puk_edit)
        form.addRow(tr("Nouveau code porteur (4 chiffres) :"), self.pin_edit)
        form.addRow(tr("Nouveau code porteur, à nouveau :"), self.again_edit)
        layout.addLayout(form)
        self.status_label = QLabel("")
        self.status_label.setObjectName("pukStatus")
        self.status_label.setWordWrap(True)
        if wrong:
            self.status_label.setStyleSheet("color: #b3261e; font-weight: bold;")
        self._wrong_text = ""
        if wrong and puk_tries_left is not None:
            essais = "essai" if puk_tries_left == 1 else "essais"
            self._wrong_text = (
                tr("Code PUK incorrect. Il reste %1 %2.")
                .replace("%1", str(puk_tries_left))
                .replace("%2", essais)
            )
        layout.addWidget(self.status_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(tr("Débloquer"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Annuler"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for edit in (self.puk_edit, self.pin_edit, self.again_edit):
            edit.textChanged.connect(self._update)
        self._update()

    def _secret(self, name: str, length: int, accessible: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setMaxLength(length)
        edit.setValidator(QRegularExpressionValidator(rf"\d{{0,{length}}}"))
        edit.setAccessibleName(accessible)
        return edit

    def _update(self) -> None:
        pin, again = self.pin_edit.text(), self.again_edit.text()
        mismatch = len(again) == PIN_LENGTH and pin != again
        complete = len(self.puk_edit.text()) == PUK_LENGTH and len(pin) == PIN_LENGTH
        self.ok_button.setEnabled(complete and pin == again)
        if mismatch:
            self.status_label.setText(tr("Les deux nouveaux codes porteur diffèrent."))
        else:
            self.status_label.setText(self._wrong_text)

    def codes(self) -> tuple[str, str]:
        return self.puk_edit.text(), self.pin_edit.text()

    def clear(self) -> None:
        for edit in (self.puk_edit, self.pin_edit, self.again_edit):
            edit.clear()

    @classmethod
    def ask(
        cls, parent: QWidget | None, reader: str, puk_tries_left: int | None, wrong: bool
    ) -> tuple[str, str] | None:
        """Run the dialog: (PUK, new PIN), or None when the user cancels."""
        dialog = cls(parent, reader, puk_tries_left, wrong)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.codes()
            return None
        finally:
            dialog.clear()
            dialog.deleteLater()
            back_to_window(parent)


def ask_unblock(
    parent: QWidget | None, reader: str, puk_tries_left: int | None, wrong: bool
) -> tuple[str, str] | None:
    """The whole exchange: the offer first (not again after a wrong PUK), then the codes."""
    if not wrong and not offer_unblock(parent, reader):
        return None
    return PukDialog.ask(parent, reader, puk_tries_left, wrong)
