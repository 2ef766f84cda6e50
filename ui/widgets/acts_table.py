"""The acts table of the invoice: one row per act (code, label, quantity, coefficient, the
ALD box), then its fees, its AMO part and the rule errors once priced. It holds no invoice
state: the panel reads :meth:`ActsTable.acts` and reprices on :attr:`ActsTable.edited`."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from billing.pricing import PricedLine
from client import desk
from ui.fmt import euros
from ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QDoubleSpinBox,
    QHeaderView,
    QSpinBox,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    Signal,
)
from ui.translation import QT_TRANSLATE_NOOP, tr

COLUMNS = [
    QT_TRANSLATE_NOOP("", "Code"),
    QT_TRANSLATE_NOOP("", "Libellé"),
    QT_TRANSLATE_NOOP("", "Qté"),
    QT_TRANSLATE_NOOP("", "Coef."),
    QT_TRANSLATE_NOOP("", "ALD"),
    QT_TRANSLATE_NOOP("", "Honoraires"),
    QT_TRANSLATE_NOOP("", "Part AMO"),
    QT_TRANSLATE_NOOP("", "Règle"),
]
COL_CODE, COL_LABEL, COL_QTY, COL_COEF, COL_ALD, COL_FEE, COL_AMO, COL_ERROR = range(8)


class ActsTable(QTableWidget):
    """The rows of the acts; quantity and coefficient are edited in place."""

    edited = Signal()  # a quantity or a coefficient changed: the invoice must be repriced
    ald_toggled = Signal()  # an act's « en rapport avec l'ALD » box changed

    def __init__(self) -> None:
        super().__init__(0, len(COLUMNS))
        self.setObjectName("actsTable")
        self.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        ald_header = self.horizontalHeaderItem(COL_ALD)
        if ald_header is not None:
            ald_header.setToolTip(
                tr("En rapport avec l'ALD (ordonnancier bizone) : seul cet acte est exonéré")
            )
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.horizontalHeader()
        header.setSectionResizeMode(COL_LABEL, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_ERROR, QHeaderView.ResizeMode.Stretch)
        self.setWordWrap(True)
        for col, width in (
            (COL_CODE, 70),
            (COL_QTY, 52),
            (COL_COEF, 64),
            (COL_ALD, 44),
            (COL_FEE, 90),
            (COL_AMO, 80),
        ):
            self.setColumnWidth(col, width)
        self.verticalHeader().setVisible(False)

    def append_act(
        self, code: str, label: str, quantity: int, coefficient: float, *, ald: bool
    ) -> None:
        """A new last row, selected; its amounts show « … » until priced."""
        row = self.rowCount()
        self.insertRow(row)
        self.setItem(row, COL_CODE, QTableWidgetItem(code.upper()))
        self.setItem(row, COL_LABEL, QTableWidgetItem(label))
        qty = QSpinBox()
        qty.setRange(1, 99)
        qty.setValue(quantity)
        qty.valueChanged.connect(self.edited)
        self.setCellWidget(row, COL_QTY, qty)
        coef = QDoubleSpinBox()
        coef.setRange(0.01, 999)
        coef.setDecimals(2)
        coef.setValue(coefficient)
        coef.valueChanged.connect(self.edited)
        self.setCellWidget(row, COL_COEF, coef)
        ald_box = QCheckBox()
        ald_box.setObjectName(f"ald_{row}")
        ald_box.setToolTip(tr("En rapport avec l'ALD"))
        ald_box.setChecked(ald)
        ald_box.toggled.connect(self.ald_toggled)
        self.setCellWidget(row, COL_ALD, ald_box)
        self.setItem(row, COL_FEE, QTableWidgetItem("…"))
        self.setItem(row, COL_AMO, QTableWidgetItem(""))
        self.setItem(row, COL_ERROR, QTableWidgetItem(""))
        self.selectRow(row)

    def show_ald(self, has_ald: bool) -> None:
        """The « ALD » column only for a patient in ALD; hidden, its boxes are unchecked
        quietly (the caller reprices once)."""
        self.setColumnHidden(COL_ALD, not has_ald)
        if not has_ald:
            for row in range(self.rowCount()):
                box = self.cellWidget(row, COL_ALD)
                if isinstance(box, QCheckBox) and box.isChecked():
                    box.blockSignals(True)
                    box.setChecked(False)
                    box.blockSignals(False)

    def set_ald(self, row: int, related: bool) -> None:
        box = self.cellWidget(row, COL_ALD)
        if isinstance(box, QCheckBox):
            box.setChecked(related)

    def set_quantity(self, row: int, quantity: int) -> None:
        spin = self.cellWidget(row, COL_QTY)
        if isinstance(spin, QSpinBox):
            spin.setValue(quantity)

    def set_coefficient(self, row: int, coefficient: float) -> None:
        spin = self.cellWidget(row, COL_COEF)
        if isinstance(spin, QDoubleSpinBox):
            spin.setValue(coefficient)

    def remove_selected_rows(self) -> None:
        for row in sorted({i.row() for i in self.selectedIndexes()}, reverse=True):
            self.removeRow(row)

    def acts(self) -> list[desk.InvoiceAct]:
        result = []
        for row in range(self.rowCount()):
            code_item = self.item(row, COL_CODE)
            qty = self.cellWidget(row, COL_QTY)
            coef = self.cellWidget(row, COL_COEF)
            ald = self.cellWidget(row, COL_ALD)
            if not (isinstance(qty, QSpinBox) and isinstance(coef, QDoubleSpinBox)):
                continue
            result.append(
                desk.InvoiceAct(
                    code=code_item.text() if code_item else "",
                    quantity=qty.value(),
                    coefficient=Decimal(f"{coef.value():.2f}"),
                    ald=isinstance(ald, QCheckBox) and ald.isChecked(),
                )
            )
        return result

    def show_priced(
        self, lines: Sequence[PricedLine | None], per_act: dict[int, list[str]]
    ) -> None:
        """Each row's fee, AMO part and priced label; « ok » or its rule errors in red."""
        for row in range(self.rowCount()):
            line = lines[row] if row < len(lines) else None
            self.setItem(row, COL_FEE, QTableWidgetItem(euros(getattr(line, "amount", None))))
            self.setItem(row, COL_AMO, QTableWidgetItem(euros(getattr(line, "amo_amount", None))))
            label_item = self.item(row, COL_LABEL)
            if line is not None and line.label and label_item is not None:
                label_item.setText(line.label)
            text = " ".join(per_act.get(row, []))
            item = QTableWidgetItem(text or "ok")
            item.setForeground(Qt.GlobalColor.darkRed if text else Qt.GlobalColor.darkGreen)
            item.setToolTip(text)
            self.setItem(row, COL_ERROR, item)
