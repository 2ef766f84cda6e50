"""Focus back to the main window after a dialog, so its Ctrl shortcuts work at once."""

from __future__ import annotations

from ui.qt import QWidget


def back_to_window(widget: QWidget | None, focus: QWidget | None = None) -> None:
    """Activate ``widget``'s window again and give the focus back (to ``focus``, else to
    whatever had it before the dialog): without it the window stays inactive after a modal
    dialog under some window managers, and its shortcuts wait for a click."""
    if widget is None:
        return
    window = widget.window()
    if window is None or not window.isVisible():
        return
    window.activateWindow()
    window.raise_()
    target = focus or window.focusWidget()
    if target is not None and target.isVisible() and target.isEnabled():
        target.setFocus()
    else:
        window.setFocus()
