"""What the invoice panel tells above the acts: the header (patient, date, payment), the
green confirmation of the FSE just secured, and the orange banner of an invoice parked when
its patient's card left. A plain holder of its widgets; the panel connects « Abandonner »."""

from __future__ import annotations

from decimal import Decimal

from client import desk
from ui import services
from ui.errors import message_for
from ui.fmt import euros
from ui.qt import QFrame, QHBoxLayout, QLabel, QPushButton
from ui.translation import tr


def secured_state(outcome: services.SecureOutcome) -> str:
    """The state line once secured: the summary, and the documents written."""
    text = outcome.summary
    if outcome.documents:
        # Written to the documents folder; « envoyé à l'imprimante » comes only once the
        # user confirmed the print dialog (status bar).
        text += " " + tr("Documents enregistrés : {names}.").format(
            names=", ".join(p.name for p in outcome.documents)
        )
    return text


class InvoiceNotices:
    """The header, the confirmation and the parked banner (added in this order)."""

    def __init__(self) -> None:
        self.header_label = QLabel("")
        self.header_label.setObjectName("invoiceHeader")
        self.header_label.setProperty("role", "title")
        self.header_label.setWordWrap(True)

        self.confirmation = QLabel("")
        self.confirmation.setObjectName("confirmation")
        self.confirmation.setWordWrap(True)
        self.confirmation.setStyleSheet(
            "background: #e6f4ea; color: #0d4a22; border: 1px solid #1b7f3b; "
            "border-radius: 4px; padding: 6px; font-size: 15px; font-weight: 600;"
        )
        self.confirmation.setVisible(False)

        self.parked_banner = QFrame()
        self.parked_banner.setObjectName("parkedBanner")
        self.parked_banner.setStyleSheet(
            "QFrame#parkedBanner { background: #fff4e5; border: 1px solid #b26a00; "
            "border-radius: 4px; }"
        )
        banner_row = QHBoxLayout(self.parked_banner)
        self.parked_label = QLabel("")
        self.parked_label.setObjectName("parkedLabel")
        self.parked_label.setWordWrap(True)
        banner_row.addWidget(self.parked_label, 1)
        self.abandon_button = QPushButton(tr("Abandonner cette facture"))
        self.abandon_button.setObjectName("abandonParked")
        banner_row.addWidget(self.abandon_button)
        self.parked_banner.setVisible(False)

    def show_secured(self, outcome: services.SecureOutcome, request: desk.Invoice) -> None:
        """« FSE n° … sécurisée pour … », with what the patient pays now and how."""
        collect = outcome.to_collect if outcome.to_collect is not None else Decimal("0.00")
        means = request.means.label if request.means is not None else ""
        if collect > 0:
            money = tr("à encaisser maintenant : {amount} ({means})").format(
                amount=euros(collect), means=means
            )
        else:
            money = tr("rien à encaisser ({payment})").format(payment=outcome.payment)
        text = tr("FSE n° {number} sécurisée pour {name} — {money}.").format(
            number=outcome.fse_id, name=outcome.patient_name, money=money
        )
        # The complémentaire's answer (engagement refused, unreachable…): said, not hidden.
        self.confirmation.setText(f"{text}\n{outcome.amc_notice}" if outcome.amc_notice else text)
        self.confirmation.setVisible(True)

    def show_parked(self, reason: str, name: str, codes: str) -> None:
        self.parked_label.setText(
            tr(
                "{reason} : la facture de {name} ({codes}) est mise en attente sous son nom. "
                "Reprenez-la quand il revient, ou abandonnez-la."
            ).format(reason=reason, name=name, codes=codes)
        )
        self.parked_banner.setVisible(True)

    def show_park_failed(self, exc: BaseException) -> None:
        self.parked_label.setText(
            tr("La facture n'a pas pu être mise en attente : {why}").format(why=message_for(exc))
        )

    def hide_parked(self) -> None:
        self.parked_banner.setVisible(False)
