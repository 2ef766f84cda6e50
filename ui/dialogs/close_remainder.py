"""« Clore le reste dû… »: the unpaid remainder of a partly paid or rejected FSE, closed with
a reason — perte acceptée, or réclamé à la caisse (stays visible as claimed) — and an
optional comment (``client.remainders``)."""

from __future__ import annotations

from client.euro_status import EuroStatus, status_lines
from client.remainders import MAX_COMMENT, ClosureMotif
from ui.fmt import euros
from ui.qt import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)
from ui.translation import tr

CLOSE_BUTTON = "Clore le reste dû"


class CloseRemainderDialog(QDialog):
    """The FSE's parts in words, the two reasons, a comment; ``choice()`` once accepted."""

    def __init__(self, parent: QWidget | None, status: EuroStatus) -> None:
        super().__init__(parent)
        self.setObjectName("closeRemainderDialog")
        self.setWindowTitle(
            tr("Clore le reste dû de la FSE n° %1").replace("%1", str(status.number))
        )
        self.setModal(True)
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        parts = QLabel("\n".join(status_lines(status, actions=False)))
        parts.setObjectName("closeRemainderParts")
        parts.setWordWrap(True)
        layout.addWidget(parts)
        amount = QLabel(
            tr("Reste dû non payé par la caisse : %1").replace("%1", euros(status.missing))
        )
        amount.setStyleSheet("font-weight: 600;")
        layout.addWidget(amount)
        self.loss = QRadioButton(tr("Perte acceptée : plus rien n'est attendu"))
        self.loss.setObjectName("closeLoss")
        self.claim = QRadioButton(
            tr("Réclamé à la caisse : reste visible comme réclamé, avec la date")
        )
        self.claim.setObjectName("closeClaim")
        self.claim.setChecked(True)
        layout.addWidget(self.loss)
        layout.addWidget(self.claim)
        layout.addWidget(QLabel(tr("Commentaire (facultatif) :")))
        self.comment = QLineEdit()
        self.comment.setObjectName("closeComment")
        self.comment.setMaxLength(MAX_COMMENT)
        self.comment.setPlaceholderText(tr("ex. : courrier envoyé à la caisse le …"))
        layout.addWidget(self.comment)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(tr(CLOSE_BUTTON))
        ok.setObjectName("closeRemainderOk")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Annuler"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def choice(self) -> tuple[ClosureMotif, str]:
        """The reason chosen and the comment typed."""
        motif = ClosureMotif.LOSS if self.loss.isChecked() else ClosureMotif.CLAIMED
        return motif, self.comment.text().strip()
