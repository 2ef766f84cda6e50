"""The one place where the desktop application shows an exception to the user.

The wording comes from ``client.messages.describe`` (shared with the command line);
cancellations are silent; anything unexpected gets a generic sentence and is logged with
its traceback.
"""

from __future__ import annotations

import logging
from concurrent.futures import CancelledError

from cardio.errors import CardOperationCancelled
from client.messages import describe
from ui.qt import QMessageBox, QWidget
from ui.translation import QT_TRANSLATE_NOOP, tr

logger = logging.getLogger(__name__)

GENERIC = QT_TRANSLATE_NOOP(
    "",
    "Une erreur inattendue s'est produite. L'opération n'a pas été faite. Réessayez ; si "
    "cela se reproduit, exportez le dossier de support (page Diagnostic) et transmettez-le.",
)


def is_silent(exc: BaseException) -> bool:
    """Cancellations are the user's own choice: nothing to show."""
    return isinstance(exc, CardOperationCancelled | CancelledError)


def message_for(exc: BaseException) -> str:
    """The French sentence for ``exc`` (logged with its traceback when unexpected)."""
    text = describe(exc)
    if text is None:
        logger.error("unexpected error", exc_info=exc)
        return tr(GENERIC)
    logger.info("error shown to the user: %s", type(exc).__name__)
    return text


def show_error(parent: QWidget | None, exc: BaseException, title: str = "Erreur") -> None:
    """Show ``exc`` as a French sentence in a message box (nothing for a cancellation)."""
    if is_silent(exc):
        return
    box = QMessageBox(QMessageBox.Icon.Warning, title, message_for(exc), parent=parent)
    box.setObjectName("errorBox")
    box.open()
