"""The foot of the invoice: the state line (what is missing before securing) and the
actions (print the receipt, leave the invoice waiting for the practitioner, secure the
FSE). A plain holder of its widgets; the panel connects the buttons."""

from __future__ import annotations

from dataclasses import dataclass

from ui.qt import QCheckBox, QHBoxLayout, QKeySequence, QLabel, QPushButton, QSizePolicy
from ui.translation import tr

#: The state line keeps its height whatever its text: the buttons never move.
STATE_LINES = 2


@dataclass(frozen=True, slots=True)
class Readiness:
    """What the state line and the buttons depend on."""

    has_patient: bool
    date_error: str
    has_acts: bool
    valid: bool  # priced without a rule error
    mixed_ald: bool  # ALD and non-ALD acts the invoice cannot carry together
    can_sign: bool  # the practitioner is here with his CPS


class InvoiceActions:
    """The state label and the action row (two parts the panel adds to its layout)."""

    def __init__(self) -> None:
        self.state_label = QLabel("")
        self.state_label.setObjectName("invoiceState")
        self.state_label.setWordWrap(True)
        self.state_label.setFixedHeight(self.state_label.fontMetrics().lineSpacing() * STATE_LINES)
        self.state_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.row = QHBoxLayout()
        self.print_receipt = QCheckBox(tr("Imprimer le reçu"))
        self.print_receipt.setObjectName("printReceipt")
        self.row.addWidget(self.print_receipt)
        self.row.addStretch(1)
        self.save_button = QPushButton(tr("Mettre en attente (Ctrl+S)"))
        self.save_button.setObjectName("saveButton")
        self.save_button.setShortcut(QKeySequence("Ctrl+S"))
        self.row.addWidget(self.save_button)
        self.devis_button = QPushButton(tr("Devis"))
        self.devis_button.setObjectName("devisButton")
        self.devis_button.setToolTip(tr("Chiffrer ces actes en devis (parts AMO, AMC, patient)"))
        self.row.addWidget(self.devis_button)
        self.secure_button = QPushButton(tr("Sécuriser la FSE (Ctrl+Entrée)"))
        self.secure_button.setObjectName("secureButton")
        self.secure_button.setDefault(False)
        self.row.addWidget(self.secure_button)

    def show_readiness(self, r: Readiness) -> None:
        """Enable what may be done now, and say what is missing first."""
        ready = r.has_acts and r.valid and not r.mixed_ald and not r.date_error
        self.secure_button.setEnabled(ready and r.can_sign and r.has_patient)
        self.save_button.setEnabled(r.has_acts and r.has_patient)
        self.devis_button.setEnabled(ready and r.can_sign and r.has_patient)
        if not r.has_patient:
            self.state_label.setText(tr("Choisissez le patient."))
        elif r.date_error:
            self.state_label.setText(r.date_error)
        elif not r.has_acts:
            self.state_label.setText(tr("Ajoutez les actes."))
        elif not r.valid or r.mixed_ald:
            self.state_label.setText(tr("Corrigez les erreurs avant de sécuriser."))
        elif not r.can_sign:
            self.state_label.setText(tr("Prête : le praticien la sécurisera avec sa carte CPS."))
        else:
            self.state_label.setText(tr("Prête à sécuriser."))
