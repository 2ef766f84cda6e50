"""How acts are entered on the invoice: a code or label words with completion from the
referential, or one click on a favourite (« G+MEG » adds both). The entry only names codes
(:attr:`ActEntry.code_chosen`); the panel checks and adds them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from billing.referential_types import TariffRow
from client.context import AppContext
from client.errors import ClientError
from ui import services
from ui.dialogs.focus import back_to_window
from ui.errors import show_error
from ui.qt import (
    QCompleter,
    QHBoxLayout,
    QInputDialog,
    QKeySequence,
    QLabel,
    QLineEdit,
    QObject,
    QStringListModel,
    Qt,
    QTimer,
    QToolButton,
    QWidget,
    Signal,
)
from ui.tasks import TaskRunner
from ui.translation import tr


class ActEntry(QObject):
    """The code search line and the favourites row (two layouts the panel adds)."""

    code_chosen = Signal(str)

    def __init__(
        self,
        owner: QWidget,
        ctx: AppContext,
        care_date: Callable[[], dt.date],
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(owner)
        self._owner = owner
        self._ctx = ctx
        self._care_date = care_date
        self._search_results: list[TariffRow] = []
        self._enter_guard = False

        self.search_row = QHBoxLayout()
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("codeSearch")
        self.code_edit.setPlaceholderText(tr("Code ou libellé de l'acte, puis Entrée (Ctrl+K)"))
        self.code_edit.setClearButtonEnabled(True)
        self.completer_model = QStringListModel(owner)
        self.completer = QCompleter(self.completer_model, owner)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        # The referential already matched code and label words (accents folded).
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.code_edit.setCompleter(self.completer)
        self.code_edit.textEdited.connect(self._on_code_edited)
        self.code_edit.returnPressed.connect(self._on_code_entered)
        self.completer.activated.connect(self._on_completion)
        self.search_row.addWidget(self.code_edit, 1)

        self.favourites_row = QHBoxLayout()
        self.favourites_row.addWidget(QLabel(tr("Favoris :")))
        self.favourite_buttons: list[QToolButton] = []
        self.edit_favourites_button = QToolButton()
        self.edit_favourites_button.setObjectName("editFavourites")
        self.edit_favourites_button.setText(tr("Modifier…"))
        self.edit_favourites_button.setToolTip(
            tr("Favoris séparés par des virgules ; « G+MEG » ajoute les deux actes")
        )
        self.edit_favourites_button.clicked.connect(self.edit_favourites)
        self._favourites_box = QHBoxLayout()
        self.favourites_row.addLayout(self._favourites_box)
        self.favourites_row.addWidget(self.edit_favourites_button)
        self.favourites_row.addStretch(1)
        # The saved ones read on the database thread: the window never waits on the store
        # (opening an old store converts it, minutes at 1 M FSE).
        self._favourites_edited = False
        self._favourites_shown: tuple[str, ...] | None = None
        self.show_favourites(services.configured_favourites(ctx))
        if runner is not None:
            runner.submit(
                lambda: services.favourite_codes(ctx), self._on_saved_favourites, label=""
            )
        else:
            self.show_favourites(services.favourite_codes(ctx))

    def _on_saved_favourites(self, favourites: tuple[str, ...]) -> None:
        if not self._favourites_edited:  # an edit made meanwhile is newer
            self.show_favourites(favourites)

    # --- favourites -----------------------------------------------------------------
    def show_favourites(self, favourites: tuple[str, ...]) -> None:
        """One button per favourite; « G+MEG » adds both acts (Alt+1 … Alt+9)."""
        if favourites == self._favourites_shown:
            # The saved ones, read at start, are most often those already shown: buttons
            # rebuilt for nothing cost the first paint its layout again (issue #27).
            return
        self._favourites_shown = tuple(favourites)
        for button in self.favourite_buttons:
            self._favourites_box.removeWidget(button)
            button.deleteLater()
        self.favourite_buttons = []
        for number, favourite in enumerate(favourites, start=1):
            codes = services.favourite_parts(favourite)
            if not codes:
                continue
            button = QToolButton()
            button.setText(" + ".join(codes))
            button.setObjectName("favourite_" + "_".join(codes))
            if number <= 9:
                button.setToolTip(f"Ajouter {' + '.join(codes)} (Alt+{number})")
                button.setShortcut(QKeySequence(f"Alt+{number}"))
            button.clicked.connect(self._make_add(codes))
            self._favourites_box.addWidget(button)
            self.favourite_buttons.append(button)

    def edit_favourites(self) -> None:
        """Favourites typed as « G, G+MEG, VG+MD+IK », kept for the next sessions."""
        dialog = QInputDialog(self._owner)
        dialog.setObjectName("favouritesDialog")
        dialog.setWindowTitle(tr("Favoris"))
        dialog.setLabelText(
            tr("Codes séparés par des virgules ; « + » pour une combinaison (ex. G+MEG) :")
        )
        dialog.setTextValue(", ".join(b.text().replace(" + ", "+") for b in self.favourite_buttons))
        accepted = dialog.exec() == QInputDialog.DialogCode.Accepted
        text = dialog.textValue()
        dialog.deleteLater()
        back_to_window(self._owner)
        if not accepted:
            return
        try:
            favourites = services.save_favourites(self._ctx, text)
        except (OSError, ClientError) as exc:  # the store refused (disk full, read-only)
            show_error(self._owner, exc, tr("Favoris non enregistrés"))
            return
        self._favourites_edited = True
        self.show_favourites(favourites)

    def _make_add(self, codes: tuple[str, ...]) -> Callable[[], None]:
        def add() -> None:
            for code in codes:
                self.code_chosen.emit(code)

        return add

    # --- code search ----------------------------------------------------------------
    def focus(self) -> None:
        self.code_edit.setFocus()
        self.code_edit.selectAll()

    def _on_code_edited(self, text: str) -> None:
        if len(text.strip()) < 1:
            return
        self._search_results = services.search_acts(self._ctx, text, self._care_date())
        self.completer_model.setStringList(
            [f"{services.act_code(e)} — {services.act_label(e)}" for e in self._search_results]
        )
        if self._search_results:
            self.completer.complete()

    def _on_completion(self, text: str) -> None:
        """A completion picked with the mouse (or the Enter already handled: ignored)."""
        QTimer.singleShot(0, self.code_edit.clear)
        if self._enter_guard:
            return
        self.code_chosen.emit(text.split(" — ", 1)[0].strip())

    def _on_code_entered(self) -> None:
        """One Entrée, one act: the highlighted completion, else the code typed. QCompleter
        also reports the same Enter as a completion right after: that one is ignored."""
        popup = self.completer.popup()
        code = ""
        if popup is not None and popup.isVisible():
            index = popup.currentIndex()
            if index.isValid():
                code = str(index.data()).split(" — ", 1)[0].strip()
            popup.hide()
        text = self.code_edit.text().strip()
        if not code and text:
            code = text.split(" — ", 1)[0].strip().upper()
        self.code_edit.clear()
        if not code:
            return
        self._enter_guard = True
        QTimer.singleShot(0, self._release_enter_guard)
        self.code_chosen.emit(code)

    def _release_enter_guard(self) -> None:
        self._enter_guard = False
        self.code_edit.clear()
