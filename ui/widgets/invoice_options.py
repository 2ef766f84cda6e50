"""The invoice's rows below the acts: what the pricing reads besides them (overrun, care
pathway, treating doctor), how the patient pays, and the amounts. Each is a plain holder of
its widgets and the row layout the panel adds (no extra widget level: the layout and the
tab order stay those of the panel)."""

from __future__ import annotations

from client import desk
from ui.qt import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    Qt,
)
from ui.translation import QT_TRANSLATE_NOOP, tr

OVERRUN_KINDS = [
    ("", QT_TRANSLATE_NOOP("", "aucun")),
    ("DE", QT_TRANSLATE_NOOP("", "DE (exigence)")),
    ("DA", QT_TRANSLATE_NOOP("", "DA (autorisé)")),
    ("DP", QT_TRANSLATE_NOOP("", "DP (permanent)")),
    ("ED", QT_TRANSLATE_NOOP("", "ED (entente directe)")),
]
OVERRUN_TIPS = {
    "DE": QT_TRANSLATE_NOOP("", "Exigence particulière du patient"),
    "DA": QT_TRANSLATE_NOOP("", "Dépassement autorisé plafonné"),
    "DP": QT_TRANSLATE_NOOP("", "Dépassement permanent"),
    "ED": QT_TRANSLATE_NOOP("", "Entente directe"),
}
PATHWAYS = [
    ("in", QT_TRANSLATE_NOOP("", "dans le parcours")),
    ("out", QT_TRANSLATE_NOOP("", "hors parcours")),
    ("direct_access", QT_TRANSLATE_NOOP("", "accès direct")),
    ("emergency", QT_TRANSLATE_NOOP("", "urgence")),
]
#: The amounts under the acts, in their order on screen: (key, caption).
AMOUNTS = (
    ("total_fees", "Honoraires"),
    ("amo", "Part AMO"),
    ("amc", "Part AMC"),
    ("participation_forfaitaire", "Participation forfaitaire"),
    ("patient_remainder", "Reste à charge patient"),
    ("to_collect", "À encaisser maintenant"),
)


class CareOptions:
    """Dépassement (kind and amount), parcours de soins and médecin traitant."""

    def __init__(self) -> None:
        self.row = QHBoxLayout()
        self.row.addWidget(QLabel(tr("Dépassement :")))
        self.overrun_kind = QComboBox()
        self.overrun_kind.setObjectName("overrunKind")
        for value, text in OVERRUN_KINDS:
            self.overrun_kind.addItem(tr(text), value)
            self.overrun_kind.setItemData(
                self.overrun_kind.count() - 1,
                tr(OVERRUN_TIPS.get(value, "Pas de dépassement")),
                Qt.ItemDataRole.ToolTipRole,
            )
        self.row.addWidget(self.overrun_kind)
        self.overrun_amount = QDoubleSpinBox()
        self.overrun_amount.setObjectName("overrunAmount")
        self.overrun_amount.setRange(0, 9999)
        self.overrun_amount.setDecimals(2)
        self.overrun_amount.setSuffix(" €")
        self.row.addWidget(self.overrun_amount)
        self.row.addSpacing(12)
        self.row.addWidget(QLabel(tr("Parcours :")))
        self.pathway = QComboBox()
        self.pathway.setObjectName("pathway")
        for value, text in PATHWAYS:
            self.pathway.addItem(tr(text), value)
        self.row.addWidget(self.pathway)
        self.treating = QCheckBox(tr("Médecin traitant"))
        self.treating.setObjectName("treatingDoctor")
        self.treating.setChecked(True)
        self.row.addWidget(self.treating)
        # Done at a distance (NGAP art. 14.9.3): priced by the téléconsultation rules. The
        # panel shows it on the payment row: this row already fills a 1366-pixel screen.
        self.teleconsultation = QCheckBox(tr("Téléconsultation"))
        self.teleconsultation.setObjectName("teleconsultation")
        self.row.addStretch(1)


class PaymentRow:
    """Mode de paiement (some forced by the patient's rights) and the means he pays with."""

    def __init__(self) -> None:
        self.row = QHBoxLayout()
        self.row.addWidget(QLabel(tr("Paiement :")))
        self.payment_mode = QComboBox()
        self.payment_mode.setObjectName("paymentMode")
        for mode in desk.PaymentMode:
            self.payment_mode.addItem(tr(mode.label), mode.value)
        self.row.addWidget(self.payment_mode)
        self.row.addSpacing(12)
        self.row.addWidget(QLabel(tr("Réglé par :")))
        self.payment_means = QComboBox()
        self.payment_means.setObjectName("paymentMeans")
        for means in (desk.PaymentMeans.CARD, desk.PaymentMeans.CASH, desk.PaymentMeans.CHEQUE):
            self.payment_means.addItem(tr(means.label), means.value)
        self.row.addWidget(self.payment_means)
        self.row.addStretch(1)
        self.payment_reason = QLabel("")
        self.payment_reason.setObjectName("paymentReason")
        self.payment_reason.setProperty("role", "hint")
        self.payment_reason.setWordWrap(True)

    def selected_mode(self) -> desk.PaymentMode:
        return desk.PaymentMode(
            str(self.payment_mode.currentData() or desk.PaymentMode.DIRECT.value)
        )

    def means(self) -> desk.PaymentMeans:
        return desk.PaymentMeans(
            str(self.payment_means.currentData() or desk.PaymentMeans.CARD.value)
        )

    def offer(self, choice: desk.PaymentChoice, *, has_patient: bool) -> None:
        """Offer the modes the patient's rights allow; force and explain the mandatory ones
        (quietly: the caller refreshes what depends on the mode)."""
        model = self.payment_mode.model()
        self.payment_mode.blockSignals(True)
        for index in range(self.payment_mode.count()):
            mode = desk.PaymentMode(str(self.payment_mode.itemData(index)))
            item = model.item(index) if hasattr(model, "item") else None
            if item is not None:
                item.setEnabled(mode in choice.allowed)
        wanted = self.selected_mode()
        if wanted not in choice.allowed:
            wanted = choice.forced or choice.allowed[0]
        self.payment_mode.setCurrentIndex(self.payment_mode.findData(wanted.value))
        self.payment_mode.blockSignals(False)
        if choice.reason:
            self.payment_reason.setText(choice.reason)
        elif desk.PaymentMode.TIERS_PAYANT_AMO_AMC not in choice.allowed and has_patient:
            self.payment_reason.setText(
                tr("Pas de tiers payant complémentaire : la complémentaire ne l'accepte pas.")
            )
        else:
            self.payment_reason.setText("")


class AmountsGrid:
    """One caption over one amount per :data:`AMOUNTS` key; « — » until priced."""

    def __init__(self) -> None:
        self.grid = QGridLayout()
        self.labels: dict[str, QLabel] = {}
        for col, (key, caption_text) in enumerate(AMOUNTS):
            caption = QLabel(caption_text)
            caption.setProperty("role", "hint")
            amount_label = QLabel("—")
            amount_label.setObjectName(f"amount_{key}")
            amount_label.setProperty("role", "amount")
            if key == "to_collect":
                amount_label.setStyleSheet("font-size: 18px; font-weight: 700; color: #1f3b57;")
            self.grid.addWidget(caption, 0, col)
            self.grid.addWidget(amount_label, 1, col)
            self.labels[key] = amount_label
