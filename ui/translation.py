"""Translation of the interface: French source strings, other languages from ``ui/i18n/``.

``tr("...")`` is found by ``pyside6-lupdate`` (see ``docs/ui.md``); strings built at import
time are marked with ``QT_TRANSLATE_NOOP("", "...")`` and translated where shown.
"""

from __future__ import annotations

from ui.qt import QCoreApplication


def tr(text: str) -> str:
    """The text in the interface language (French when no translation is installed)."""
    return QCoreApplication.translate("", text)


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Mark ``text`` for translation without translating it (import-time constants)."""
    return text
