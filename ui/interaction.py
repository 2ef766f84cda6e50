"""The PIN prompt asked from the card thread and answered on the GUI thread (Electrum's
``QtHandlerBase``).

``request_pin`` runs on the card thread: it has ``pin_requested`` emitted on the GUI thread
(``ui.gui_relay``), then waits on an event that the GUI slot sets once the user has typed
the PIN or cancelled. Calling it on the GUI thread would deadlock, so it refuses to. The
card thread makes no Qt call at all, not even to know which thread it is on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ui.gui_relay import to_gui
from ui.qt import QObject, QWidget, Signal, Slot

logger = logging.getLogger(__name__)

#: Builds and runs the PIN dialog on the GUI thread: (parent, reader, tries left) -> PIN or None.
#: (parent, reader, tries left, previous code was wrong) -> PIN or None.
PinPrompt = Callable[[QWidget | None, str, "int | None", bool], "str | None"]


def _default_prompt(
    parent: QWidget | None, reader: str, attempts_left: int | None, wrong: bool
) -> str | None:
    from ui.dialogs.pin import PinDialog

    return PinDialog.ask(parent, reader, attempts_left, wrong)


#: (parent, reader, PUK tries left, previous PUK was wrong) -> (PUK, new PIN) or None.
UnblockPrompt = Callable[[QWidget | None, str, "int | None", bool], "tuple[str, str] | None"]


def _default_unblock_prompt(
    parent: QWidget | None, reader: str, puk_tries_left: int | None, wrong: bool
) -> tuple[str, str] | None:
    from ui.dialogs.puk import ask_unblock

    return ask_unblock(parent, reader, puk_tries_left, wrong)


class QtInteraction(QObject):
    """Implements ``cardio.connection.Interaction`` for the desktop application."""

    pin_requested = Signal(str, object)
    unblock_requested = Signal(str, object, bool)

    def __init__(self, parent_widget: QWidget | None = None, prompt: PinPrompt | None = None):
        super().__init__()
        self._parent_widget = parent_widget
        self.prompt: PinPrompt = prompt or _default_prompt
        self.unblock_prompt: UnblockPrompt = _default_unblock_prompt
        self._codes: tuple[str, str] | None = None
        self._done = threading.Event()
        self._gui_thread = threading.get_ident()  # made there, by the main window
        self._answer: str | None = None
        self._aborted = False
        self._wrong_pin = False
        self.asking_reader: str | None = None
        self.pin_requested.connect(self._on_pin_requested)
        self.unblock_requested.connect(self._on_unblock_requested)

    def set_parent_widget(self, widget: QWidget | None) -> None:
        self._parent_widget = widget

    def request_pin(self, reader: str, attempts_left: int | None) -> str | None:
        """Ask the user for the PIN; blocks the *card* thread until he answers. None = cancel."""
        if threading.get_ident() == self._gui_thread:
            raise RuntimeError("request_pin called on the GUI thread: it would deadlock")
        self._done.clear()
        self._answer = None
        self._aborted = False
        self.asking_reader = reader
        to_gui(self.pin_requested, reader, attempts_left)
        self._done.wait()
        self.asking_reader = None
        answer, self._answer = self._answer, None
        return None if self._aborted else answer

    def request_unblock(
        self, reader: str, puk_tries_left: int | None, wrong: bool
    ) -> tuple[str, str] | None:
        """The CPS is blocked: offer the unblock, ask for (PUK, new PIN); blocks the *card*
        thread until the user answers. None = declined or cancelled."""
        if threading.get_ident() == self._gui_thread:
            raise RuntimeError("request_unblock called on the GUI thread: it would deadlock")
        self._done.clear()
        self._codes = None
        self._aborted = False
        self.asking_reader = reader
        to_gui(self.unblock_requested, reader, puk_tries_left, wrong)
        self._done.wait()
        self.asking_reader = None
        codes, self._codes = self._codes, None
        return None if self._aborted else codes

    def note_wrong_pin(self) -> None:
        """The next prompt says that the previous code was wrong (card thread)."""
        self._wrong_pin = True

    def abort(self, reader: str | None = None) -> None:
        """Release a waiting card thread with a cancel (its card removed, or closing)."""
        if reader is not None and reader != self.asking_reader:
            return
        self._aborted = True
        self._done.set()
        if threading.get_ident() == self._gui_thread:
            from ui.qt import QApplication

            for widget in QApplication.topLevelWidgets():
                if widget.objectName() in _PROMPTS and widget.isVisible():
                    widget.close()

    @Slot(str, object)
    def _on_pin_requested(self, reader: str, attempts_left: object) -> None:
        try:
            tries = attempts_left if isinstance(attempts_left, int) else None
            wrong, self._wrong_pin = self._wrong_pin, False
            self._answer = self.prompt(self._parent_widget, reader, tries, wrong)
        finally:
            self._done.set()

    @Slot(str, object, bool)
    def _on_unblock_requested(self, reader: str, puk_tries_left: object, wrong: bool) -> None:
        try:
            tries = puk_tries_left if isinstance(puk_tries_left, int) else None
            self._codes = self.unblock_prompt(self._parent_widget, reader, tries, wrong)
        finally:
            self._done.set()


#: The dialogs that wait on the card thread: closed when their card leaves.
_PROMPTS = frozenset({"pinDialog", "pukDialog", "cpsBlockedBox"})
