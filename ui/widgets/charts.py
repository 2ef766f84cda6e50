"""Small charts drawn with QPainter (PySide6-Essentials has no QtCharts): grouped bars."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ui.fmt import euros
from ui.qt import QColor, QFont, QPainter, QPaintEvent, QPen, QRectF, QSize, Qt, QWidget

PALETTE = [QColor("#2f6ea5"), QColor("#58a55c"), QColor("#e0a030"), QColor("#b3261e")]


class BarChart(QWidget):
    """Grouped bars per period, with a legend; values are euros (or counts)."""

    def __init__(
        self, title: str, series: Sequence[str], money: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.title = title
        self.series = list(series)
        self.money = money
        self.labels: list[str] = []
        self.values: list[list[Decimal]] = []
        self.setMinimumSize(QSize(320, 200))

    def set_data(self, labels: Sequence[str], values: Sequence[Sequence[Decimal]]) -> None:
        """``values[i][s]``: value of series ``s`` for period ``labels[i]``."""
        self.labels = list(labels)
        self.values = [list(v) for v in values]
        self.update()

    def _fmt(self, value: Decimal) -> str:
        return euros(value) if self.money else str(int(value))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(8, 8, -8, -8)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        title_font = QFont(self.font())
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(QColor("#1f3b57"))
        painter.drawText(
            rect.adjusted(0, 0, 0, -rect.height() + 20), Qt.AlignmentFlag.AlignLeft, self.title
        )
        painter.setFont(self.font())
        # legend
        x = rect.left()
        legend_y = rect.top() + 24
        for index, name in enumerate(self.series):
            painter.fillRect(QRectF(x, legend_y + 3, 10, 10), PALETTE[index % len(PALETTE)])
            painter.setPen(QColor("#333333"))
            width = painter.fontMetrics().horizontalAdvance(name)
            painter.drawText(
                QRectF(x + 14, legend_y, width + 4, 16), Qt.AlignmentFlag.AlignLeft, name
            )
            x += width + 30
        plot = rect.adjusted(0, 48, 0, -20)
        if not self.values or not any(any(v for v in group) for group in self.values):
            painter.setPen(QColor("#5a6570"))
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "Aucune donnée sur la période")
            painter.end()
            return
        top = max(max(group) for group in self.values if group) or Decimal(1)
        painter.setPen(QPen(QColor("#cccccc")))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        groups = len(self.values)
        group_width = plot.width() / max(groups, 1)
        bar_width = max(4.0, (group_width * 0.7) / max(len(self.series), 1))
        for g, group in enumerate(self.values):
            gx = plot.left() + g * group_width + group_width * 0.15
            for s, value in enumerate(group):
                height = float(value / top) * (plot.height() - 14) if top else 0
                bar = QRectF(gx + s * bar_width, plot.bottom() - height, bar_width - 2, height)
                painter.fillRect(bar, PALETTE[s % len(PALETTE)])
            painter.setPen(QColor("#333333"))
            painter.drawText(
                QRectF(plot.left() + g * group_width, plot.bottom() + 2, group_width, 16),
                Qt.AlignmentFlag.AlignCenter,
                self.labels[g] if g < len(self.labels) else "",
            )
        painter.setPen(QColor("#5a6570"))
        painter.drawText(
            QRectF(plot.left(), plot.top() - 14, plot.width(), 14),
            Qt.AlignmentFlag.AlignRight,
            f"max {self._fmt(top)}",
        )
        painter.end()
