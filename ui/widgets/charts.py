"""Small charts drawn with QPainter (PySide6-Essentials has no QtCharts): grouped bars that
carry their values, on a labelled axis (euros or a count), with a legend saying what each
series counts."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ui.fmt import count_fr, euros
from ui.qt import QColor, QFont, QPainter, QPaintEvent, QPen, QPointF, QRectF, QSize, Qt, QWidget

PALETTE = [QColor("#2f6ea5"), QColor("#58a55c"), QColor("#e0a030"), QColor("#b3261e")]
INK = QColor("#333333")
MUTED = QColor("#5a6570")
GRID = QColor("#e3e7eb")


def nice_step(top: Decimal, ticks: int = 4) -> Decimal:
    """A round step (1, 2, 2,5 or 5 × 10ⁿ) so that ``ticks`` steps reach ``top``."""
    if top <= 0:
        return Decimal(1)
    raw = top / ticks
    power = Decimal(10) ** (raw.adjusted())
    for factor in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if power * factor >= raw:
            return power * factor
    return power * 10  # pragma: no cover - the loop always returns


class BarChart(QWidget):
    """Grouped bars per period, with a legend, a value over each bar and a y axis in
    euros (``money``) or in counts; ``axis`` names the unit."""

    def __init__(
        self,
        title: str,
        series: Sequence[str],
        money: bool = True,
        parent: QWidget | None = None,
        *,
        axis: str = "",
    ) -> None:
        super().__init__(parent)
        self.title = title
        self.series = list(series)
        self.money = money
        self.axis = axis or ("euros" if money else "nombre")
        self.labels: list[str] = []
        self.values: list[list[Decimal]] = []
        #: The texts of the last paint (values, ticks, axis): what the user reads (tests).
        self.drawn: list[str] = []
        self.setMinimumSize(QSize(360, 240))

    def set_data(self, labels: Sequence[str], values: Sequence[Sequence[Decimal]]) -> None:
        """``values[i][s]``: value of series ``s`` for period ``labels[i]``."""
        self.labels = list(labels)
        self.values = [list(v) for v in values]
        self.setToolTip(self._summary())
        self.update()

    def _fmt(self, value: Decimal) -> str:
        return euros(value) if self.money else count_fr(int(value))

    def _tick(self, value: Decimal) -> str:
        """Axis ticks: whole euros (the bars carry the exact amounts)."""
        if not self.money:
            return count_fr(int(value))
        return euros(value).replace(",00", "").replace("\u00a0€", "")

    def value_labels(self) -> list[list[str]]:
        """The text over each bar, per period and series."""
        return [[self._fmt(v) for v in group] for group in self.values]

    def _summary(self) -> str:
        """Every value in words, for the tooltip (and screen readers)."""
        lines = [self.title]
        for label, group in zip(self.labels, self.values, strict=False):
            parts = [
                f"{name.split(' :')[0]} {self._fmt(v)}"
                for name, v in zip(self.series, group, strict=False)
            ]
            lines.append(f"{label} : " + ", ".join(parts))
        return "\n".join(lines)

    def _text(self, painter: QPainter, rect: QRectF, flags: Qt.AlignmentFlag, text: str) -> None:
        painter.drawText(rect, flags, text)
        self.drawn.append(text)

    def paintEvent(self, event: QPaintEvent) -> None:
        self.drawn = []
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(8, 8, -8, -8)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        title_font = QFont(self.font())
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(QColor("#1f3b57"))
        self._text(
            painter,
            QRectF(rect.left(), rect.top(), rect.width(), 20),
            Qt.AlignmentFlag.AlignLeft,
            self.title,
        )
        painter.setFont(self.font())
        metrics = painter.fontMetrics()
        line = metrics.height() + 4
        # legend: one entry after the other, on a new line when the width is used up
        x, y = rect.left(), rect.top() + 24
        for index, name in enumerate(self.series):
            width = metrics.horizontalAdvance(name) + 4
            if x > rect.left() and x + 14 + width > rect.right():
                x, y = rect.left(), y + line
            painter.fillRect(QRectF(x, y + 3, 10, 10), PALETTE[index % len(PALETTE)])
            painter.setPen(INK)
            self._text(painter, QRectF(x + 14, y, width, line), Qt.AlignmentFlag.AlignLeft, name)
            x += width + 30
        plot = QRectF(rect.left(), y + line + 6, rect.width(), rect.bottom() - y - line - 6 - 20)
        if not self.values or not any(any(v for v in group) for group in self.values):
            painter.setPen(MUTED)
            self._text(painter, plot, Qt.AlignmentFlag.AlignCenter, "Aucune donnée sur la période")
            painter.end()
            return
        self._plot(painter, plot)
        painter.end()

    def _plot(self, painter: QPainter, area: QRectF) -> None:
        small = QFont(self.font())
        small.setPointSizeF(max(6.5, self.font().pointSizeF() * 0.85))
        painter.setFont(small)
        metrics = painter.fontMetrics()
        top = max((max(group) for group in self.values if group), default=Decimal(0))
        step = nice_step(top)
        if not self.money:
            step = max(step.to_integral_value(rounding="ROUND_CEILING"), Decimal(1))
        ticks = int((top / step).to_integral_value(rounding="ROUND_CEILING")) if top > 0 else 1
        scale_top = step * max(ticks, 1)
        tick_texts = [self._tick(step * i) for i in range(ticks + 1)]
        axis_width = max(metrics.horizontalAdvance(t) for t in tick_texts) + 6
        # the axis caption, vertical, left of the ticks
        caption_width = metrics.height() + 2
        plot = QRectF(
            area.left() + caption_width + axis_width,
            area.top() + metrics.height() + 2,  # room for the values over the highest bar
            area.width() - caption_width - axis_width,
            area.height() - metrics.height() - 2,
        )
        painter.save()
        painter.setPen(MUTED)
        painter.translate(area.left(), plot.center().y())
        painter.rotate(-90)
        self._text(
            painter,
            QRectF(-plot.height() / 2, 0, plot.height(), caption_width),
            Qt.AlignmentFlag.AlignCenter,
            self.axis,
        )
        painter.restore()
        height = plot.height()
        for i, text in enumerate(tick_texts):
            ty = plot.bottom() - height * i / max(ticks, 1)
            painter.setPen(QPen(GRID))
            painter.drawLine(QPointF(plot.left(), ty), QPointF(plot.right(), ty))
            painter.setPen(MUTED)
            self._text(
                painter,
                QRectF(
                    plot.left() - axis_width,
                    ty - metrics.height() / 2,
                    axis_width - 4,
                    metrics.height(),
                ),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                text,
            )
        painter.setPen(QPen(QColor("#999999")))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        groups = len(self.values)
        group_width = plot.width() / max(groups, 1)
        bar_width = max(4.0, (group_width * 0.8) / max(len(self.series), 1))
        for g, group in enumerate(self.values):
            gx = plot.left() + g * group_width + group_width * 0.1
            for s, value in enumerate(group):
                bar_height = float(value / scale_top) * height if scale_top else 0.0
                bx = gx + s * bar_width
                bar = QRectF(bx, plot.bottom() - bar_height, bar_width - 2, bar_height)
                painter.fillRect(bar, PALETTE[s % len(PALETTE)])
                self._value(painter, bar, self._fmt(value))
            painter.setPen(INK)
            self._text(
                painter,
                QRectF(plot.left() + g * group_width, plot.bottom() + 2, group_width, 16),
                Qt.AlignmentFlag.AlignCenter,
                self.labels[g] if g < len(self.labels) else "",
            )
        painter.setFont(self.font())

    def _value(self, painter: QPainter, bar: QRectF, text: str) -> None:
        """The value over its bar; written upwards inside a bar too narrow for it."""
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(text)
        if width <= bar.width() - 2:
            painter.setPen(INK)
            self._text(
                painter,
                QRectF(
                    bar.center().x() - width / 2 - 3,
                    bar.top() - metrics.height() - 1,
                    width + 6,
                    metrics.height(),
                ),
                Qt.AlignmentFlag.AlignCenter,
                text,
            )
            return
        inside = bar.height() >= width + 6
        painter.save()
        painter.setPen(QColor("#ffffff") if inside else INK)
        painter.translate(bar.center().x(), bar.bottom() - 3 if inside else bar.top() - 3)
        painter.rotate(-90)
        self._text(
            painter,
            QRectF(0, -metrics.height() / 2, width + 2, metrics.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            text,
        )
        painter.restore()
