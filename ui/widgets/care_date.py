"""The date of care field of the desk (also the birth date of the NIR dialog)."""

from __future__ import annotations

from ui.qt import QDateEdit, QFocusEvent, QTimer


class CareDateEdit(QDateEdit):
    """The date of care, typed as digits (« 05122026 ») or picked in the calendar: entering
    the field selects the day, so typing starts there whatever the mouse hit."""

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        QTimer.singleShot(0, self._select_day)

    def _select_day(self) -> None:
        self.setSelectedSection(QDateEdit.Section.DaySection)
