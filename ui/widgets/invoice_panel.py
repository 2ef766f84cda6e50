"""The invoice on screen: who is billed, for which day and how he pays; the acts, priced
live, with rule errors next to the act they concern; then securing the FSE (CPS), or leaving
it waiting for the practitioner. What is shown is what :class:`client.desk.Invoice` carries
to the FSE."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any, Protocol

from client import desk
from ui import services
from ui.dialogs.focus import back_to_window
from ui.errors import message_for, show_error
from ui.fmt import euros
from ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QShortcut,
    QSizePolicy,
    QSpinBox,
    QStringListModel,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTimer,
    QToolButton,
    QVBoxLayout,
    Signal,
)
from ui.session import Practitioner
from ui.translation import QT_TRANSLATE_NOOP, tr
from ui.widgets.patient_panel import PatientChoice


class DeskPage(Protocol):
    """What the panel needs of the billing page (no import of the page: no circle)."""

    ctx: Any
    runner: Any
    session: Any
    patient_panel: Any


logger = logging.getLogger(__name__)

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
PRICING_DELAY_MS = 120
#: Kind of the referential entries that are consultations / acts (not majorations, IK):
#: the same one twice for a patient on one day asks for a confirmation.
ACT_KIND = "acte"
#: The state line keeps its height whatever its text: the buttons never move.
STATE_LINES = 2


class InvoicePanel(QGroupBox):
    """Header, code search, favourites, acts table, payment, breakdown and the FSE actions."""

    fse_secured = Signal(object)
    invoice_saved = Signal(object)
    invoice_parked = Signal(object)  # draft id of an invoice parked at a card change

    def __init__(self, page: DeskPage) -> None:
        super().__init__("Actes et montants")
        self.setObjectName("invoicePanel")
        self.page = page
        self.ctx = page.ctx
        self.runner = page.runner
        self.practitioner: Practitioner | None = None
        self.patient: PatientChoice | None = None
        self.care_date = self._today()
        self.date_error = ""
        self.priced: Any = None
        self.draft_id: Any = None
        self.parked_draft_id: Any = None
        self._generation = 0
        self._search_results: list[Any] = []
        self._enter_guard = False
        self.billed_today_codes: set[str] = set()
        layout = QVBoxLayout(self)

        self.header_label = QLabel("")
        self.header_label.setObjectName("invoiceHeader")
        self.header_label.setProperty("role", "title")
        self.header_label.setWordWrap(True)
        layout.addWidget(self.header_label)

        self.confirmation = QLabel("")
        self.confirmation.setObjectName("confirmation")
        self.confirmation.setWordWrap(True)
        self.confirmation.setStyleSheet(
            "background: #e6f4ea; color: #0d4a22; border: 1px solid #1b7f3b; "
            "border-radius: 4px; padding: 6px; font-size: 15px; font-weight: 600;"
        )
        self.confirmation.setVisible(False)
        layout.addWidget(self.confirmation)

        self.parked_banner = QFrame()
        self.parked_banner.setObjectName("parkedBanner")
        self.parked_banner.setStyleSheet(
            "QFrame#parkedBanner { background: #fff4e5; border: 1px solid #b26a00; "
            "border-radius: 4px; }"
        )
        banner_row = QHBoxLayout(self.parked_banner)
        self.parked_label = QLabel("")
        self.parked_label.setObjectName("parkedLabel")
        self.parked_label.setWordWrap(True)
        banner_row.addWidget(self.parked_label, 1)
        self.abandon_button = QPushButton(tr("Abandonner cette facture"))
        self.abandon_button.setObjectName("abandonParked")
        self.abandon_button.clicked.connect(self.abandon_parked)
        banner_row.addWidget(self.abandon_button)
        self.parked_banner.setVisible(False)
        layout.addWidget(self.parked_banner)

        search_row = QHBoxLayout()
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("codeSearch")
        self.code_edit.setPlaceholderText(tr("Code ou libellé de l'acte, puis Entrée (Ctrl+K)"))
        self.code_edit.setClearButtonEnabled(True)
        self.completer_model = QStringListModel(self)
        self.completer = QCompleter(self.completer_model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        # The referential already matched code and label words (accents folded).
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.code_edit.setCompleter(self.completer)
        self.code_edit.textEdited.connect(self._on_code_edited)
        self.code_edit.returnPressed.connect(self._on_code_entered)
        self.completer.activated.connect(self._on_completion)
        search_row.addWidget(self.code_edit, 1)
        layout.addLayout(search_row)

        self.favourites_row = QHBoxLayout()
        self.favourites_row.addWidget(QLabel(tr("Favoris :")))
        self.favourite_buttons: list[QToolButton] = []
        self._favourites_end = QHBoxLayout()
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
        layout.addLayout(self.favourites_row)
        self.show_favourites(services.favourite_codes(self.ctx))

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("actsTable")
        self.table.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        ald_header = self.table.horizontalHeaderItem(COL_ALD)
        if ald_header is not None:
            ald_header.setToolTip(
                tr("En rapport avec l'ALD (ordonnancier bizone) : seul cet acte est exonéré")
            )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_LABEL, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_ERROR, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)
        for col, width in (
            (COL_CODE, 70),
            (COL_QTY, 52),
            (COL_COEF, 64),
            (COL_ALD, 44),
            (COL_FEE, 90),
            (COL_AMO, 80),
        ):
            self.table.setColumnWidth(col, width)
        self.table.verticalHeader().setVisible(False)
        layout.addWidget(self.table, 1)
        delete = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table)
        delete.activated.connect(self.remove_selected)

        options = QHBoxLayout()
        options.addWidget(QLabel(tr("Dépassement :")))
        self.overrun_kind = QComboBox()
        self.overrun_kind.setObjectName("overrunKind")
        for value, text in OVERRUN_KINDS:
            self.overrun_kind.addItem(tr(text), value)
            self.overrun_kind.setItemData(
                self.overrun_kind.count() - 1,
                tr(OVERRUN_TIPS.get(value, "Pas de dépassement")),
                Qt.ItemDataRole.ToolTipRole,
            )
        self.overrun_kind.currentIndexChanged.connect(self._schedule_pricing)
        options.addWidget(self.overrun_kind)
        self.overrun_amount = QDoubleSpinBox()
        self.overrun_amount.setObjectName("overrunAmount")
        self.overrun_amount.setRange(0, 9999)
        self.overrun_amount.setDecimals(2)
        self.overrun_amount.setSuffix(" €")
        self.overrun_amount.valueChanged.connect(self._schedule_pricing)
        options.addWidget(self.overrun_amount)
        options.addSpacing(12)
        options.addWidget(QLabel(tr("Parcours :")))
        self.pathway = QComboBox()
        self.pathway.setObjectName("pathway")
        for value, text in PATHWAYS:
            self.pathway.addItem(tr(text), value)
        self.pathway.currentIndexChanged.connect(self._schedule_pricing)
        options.addWidget(self.pathway)
        self.treating = QCheckBox(tr("Médecin traitant"))
        self.treating.setObjectName("treatingDoctor")
        self.treating.setChecked(True)
        self.treating.toggled.connect(self._schedule_pricing)
        options.addWidget(self.treating)
        options.addStretch(1)
        layout.addLayout(options)

        payment_row = QHBoxLayout()
        payment_row.addWidget(QLabel(tr("Paiement :")))
        self.payment_mode = QComboBox()
        self.payment_mode.setObjectName("paymentMode")
        for mode in desk.PaymentMode:
            self.payment_mode.addItem(tr(mode.label), mode.value)
        self.payment_mode.currentIndexChanged.connect(self._on_payment_changed)
        payment_row.addWidget(self.payment_mode)
        payment_row.addSpacing(12)
        payment_row.addWidget(QLabel(tr("Réglé par :")))
        self.payment_means = QComboBox()
        self.payment_means.setObjectName("paymentMeans")
        for means in (desk.PaymentMeans.CARD, desk.PaymentMeans.CASH, desk.PaymentMeans.CHEQUE):
            self.payment_means.addItem(tr(means.label), means.value)
        self.payment_means.currentIndexChanged.connect(self._show_to_collect)
        payment_row.addWidget(self.payment_means)
        payment_row.addStretch(1)
        layout.addLayout(payment_row)
        self.payment_reason = QLabel("")
        self.payment_reason.setObjectName("paymentReason")
        self.payment_reason.setProperty("role", "hint")
        self.payment_reason.setWordWrap(True)
        layout.addWidget(self.payment_reason)

        self.errors_label = QLabel("")
        self.errors_label.setObjectName("ruleErrors")
        self.errors_label.setProperty("role", "error")
        self.errors_label.setWordWrap(True)
        layout.addWidget(self.errors_label)

        breakdown = QGridLayout()
        self.amount_labels: dict[str, QLabel] = {}
        for col, (key, caption_text) in enumerate(
            (
                ("total_fees", "Honoraires"),
                ("amo", "Part AMO"),
                ("amc", "Part AMC"),
                ("participation_forfaitaire", "Participation forfaitaire"),
                ("patient_remainder", "Reste à charge patient"),
                ("to_collect", "À encaisser maintenant"),
            )
        ):
            caption = QLabel(caption_text)
            caption.setProperty("role", "hint")
            amount_label = QLabel("—")
            amount_label.setObjectName(f"amount_{key}")
            amount_label.setProperty("role", "amount")
            if key == "to_collect":
                amount_label.setStyleSheet("font-size: 18px; font-weight: 700; color: #1f3b57;")
            breakdown.addWidget(caption, 0, col)
            breakdown.addWidget(amount_label, 1, col)
            self.amount_labels[key] = amount_label
        layout.addLayout(breakdown)

        self.state_label = QLabel("")
        self.state_label.setObjectName("invoiceState")
        self.state_label.setWordWrap(True)
        self.state_label.setFixedHeight(self.state_label.fontMetrics().lineSpacing() * STATE_LINES)
        self.state_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        layout.addWidget(self.state_label)
        actions = QHBoxLayout()
        self.print_receipt = QCheckBox(tr("Imprimer le reçu"))
        self.print_receipt.setObjectName("printReceipt")
        actions.addWidget(self.print_receipt)
        actions.addStretch(1)
        self.save_button = QPushButton(tr("Mettre en attente (Ctrl+S)"))
        self.save_button.setObjectName("saveButton")
        self.save_button.setShortcut(QKeySequence("Ctrl+S"))
        self.save_button.clicked.connect(self.save_for_practitioner)
        actions.addWidget(self.save_button)
        self.secure_button = QPushButton(tr("Sécuriser la FSE (Ctrl+Entrée)"))
        self.secure_button.setObjectName("secureButton")
        self.secure_button.setDefault(False)
        self.secure_button.clicked.connect(self.secure)
        actions.addWidget(self.secure_button)
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            sc = QShortcut(QKeySequence(seq), self)
            sc.activated.connect(self.secure)
        layout.addLayout(actions)
        focus = QShortcut(QKeySequence("Ctrl+K"), self)
        focus.activated.connect(self.focus_code)

        self._pricing_timer = QTimer(self)
        self._pricing_timer.setSingleShot(True)
        self._pricing_timer.setInterval(PRICING_DELAY_MS)
        self._pricing_timer.timeout.connect(self.reprice)
        self._refresh_payment()
        self._update_header()
        self._update_actions()

    def _today(self) -> dt.date:
        clock = getattr(self.ctx, "clock", None)
        return clock().date() if callable(clock) else dt.date.today()

    # --- favourites -----------------------------------------------------------------
    def show_favourites(self, favourites: tuple[str, ...]) -> None:
        """One button per favourite; « G+MEG » adds both acts (Alt+1 … Alt+9)."""
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
        dialog = QInputDialog(self)
        dialog.setObjectName("favouritesDialog")
        dialog.setWindowTitle(tr("Favoris"))
        dialog.setLabelText(
            tr("Codes séparés par des virgules ; « + » pour une combinaison (ex. G+MEG) :")
        )
        dialog.setTextValue(", ".join(b.text().replace(" + ", "+") for b in self.favourite_buttons))
        accepted = dialog.exec() == QInputDialog.DialogCode.Accepted
        text = dialog.textValue()
        dialog.deleteLater()
        back_to_window(self)
        if not accepted:
            return
        try:
            favourites = services.save_favourites(self.ctx, text)
        except OSError as exc:
            show_error(self, exc, tr("Favoris non enregistrés"))
            return
        self.show_favourites(favourites)

    # --- context ------------------------------------------------------------------
    def on_practitioner_changed(self, practitioner: Practitioner | None) -> None:
        self.practitioner = practitioner
        self._schedule_pricing()
        self._update_actions()

    def on_patient_changed(self, choice: PatientChoice | None) -> None:
        """The patient selected is the invoice's patient, whatever selected him."""
        if choice != self.patient:
            self.confirmation.setVisible(False)
        self.patient = choice
        self.draft_id = None
        self.billed_today_codes = set()
        self._load_billed_today()
        self._refresh_ald_column()
        self._refresh_payment()
        self._update_header()
        self._schedule_pricing()
        self._update_actions()

    def on_date_changed(self, day: dt.date, error: str = "") -> None:
        self.care_date = day
        self.date_error = error
        self._load_billed_today()
        self._refresh_ald_column()
        self._refresh_payment()
        self._update_header()
        self._schedule_pricing()
        self._update_actions()

    def focus_code(self) -> None:
        self.code_edit.setFocus()
        self.code_edit.selectAll()

    def _update_header(self) -> None:
        self.header_label.setText(
            desk.invoice_header(self.patient, self.care_date, self.current_payment().label)
        )

    def _load_billed_today(self) -> None:
        """Codes already secured for this patient on the date of care (for the double check)."""
        if self.patient is None:
            return
        invoice = self._invoice_for(self.patient, ())
        patient = self.patient
        day = self.care_date
        self.runner.submit(
            lambda: services.codes_billed_on(self.ctx, invoice),
            lambda codes: self._on_billed_today(patient, day, codes),
            lambda exc: logger.warning("acts of the day unreadable: %s", type(exc).__name__),
            label="actes du jour",
        )

    def _on_billed_today(self, patient: Any, day: dt.date, codes: set[str]) -> None:
        if patient == self.patient and day == self.care_date:
            self.billed_today_codes = set(codes)

    # --- acts ---------------------------------------------------------------------
    def _make_add(self, codes: tuple[str, ...]) -> Any:
        def add() -> None:
            for code in codes:
                self.add_act_checked(code)

        return add

    def _on_code_edited(self, text: str) -> None:
        if len(text.strip()) < 1:
            return
        self._search_results = services.search_acts(self.ctx, text, self.care_date)
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
        self.add_act_checked(text.split(" — ", 1)[0].strip())

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
        self.add_act_checked(code)

    def _release_enter_guard(self) -> None:
        self._enter_guard = False
        self.code_edit.clear()

    def codes_on_invoice(self) -> list[str]:
        return [a.code.upper() for a in self.acts()]

    def add_act_checked(self, code: str, quantity: int = 1) -> bool:
        """Add an act; the same consultation twice for the patient on one day (on this
        invoice or an FSE already secured) asks first. True when added."""
        code = code.strip().upper()
        entry = services.lookup_act(self.ctx, code, self.care_date)
        kind = str(getattr(getattr(entry, "kind", None), "value", getattr(entry, "kind", "")))
        if kind == ACT_KIND:
            where = ""
            if code in self.codes_on_invoice():
                where = tr("est déjà sur cette facture")
            elif code in self.billed_today_codes:
                where = tr("a déjà été facturé à ce patient ce jour-là")
            if where and not self.confirm_duplicate(code, where):
                return False
        self.add_act(code, quantity)
        return True

    def confirm_duplicate(self, code: str, where: str) -> bool:
        name = self.patient.name if self.patient is not None else tr("ce patient")
        box = QMessageBox(self)
        box.setObjectName("duplicateActDialog")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(tr("Même acte deux fois"))
        box.setText(f"{code} {where} ({name}, {self.care_date:%d/%m/%Y}). L'ajouter quand même ?")
        yes = box.addButton(tr("Ajouter quand même"), QMessageBox.ButtonRole.YesRole)
        no = box.addButton(tr("Ne pas ajouter"), QMessageBox.ButtonRole.NoRole)
        yes.setObjectName("duplicateYes")
        no.setObjectName("duplicateNo")
        box.setDefaultButton(no)
        box.exec()
        added = box.clickedButton() is yes
        box.deleteLater()
        back_to_window(self, self.code_edit)
        return added

    def add_act(self, code: str, quantity: int = 1, *, ald: bool = False) -> None:
        """Append one act; its label comes from the referential (unknown codes show so)."""
        self.confirmation.setVisible(False)
        entry = services.lookup_act(self.ctx, code, self.care_date)
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, COL_CODE, QTableWidgetItem(code.upper()))
        label = services.act_label(entry) if entry is not None else "Code inconnu à cette date"
        self.table.setItem(row, COL_LABEL, QTableWidgetItem(label))
        qty = QSpinBox()
        qty.setRange(1, 99)
        qty.setValue(quantity)
        qty.valueChanged.connect(self._schedule_pricing)
        self.table.setCellWidget(row, COL_QTY, qty)
        coef = QDoubleSpinBox()
        coef.setRange(0.01, 999)
        coef.setDecimals(2)
        coef.setValue(float(services.default_coefficient(entry)))
        coef.valueChanged.connect(self._schedule_pricing)
        self.table.setCellWidget(row, COL_COEF, coef)
        ald_box = QCheckBox()
        ald_box.setObjectName(f"ald_{row}")
        ald_box.setToolTip(tr("En rapport avec l'ALD"))
        ald_box.setChecked(ald)
        ald_box.toggled.connect(self._on_ald_toggled)
        self.table.setCellWidget(row, COL_ALD, ald_box)
        self.table.setItem(row, COL_FEE, QTableWidgetItem("…"))
        self.table.setItem(row, COL_AMO, QTableWidgetItem(""))
        self.table.setItem(row, COL_ERROR, QTableWidgetItem(""))
        self.table.selectRow(row)
        self._refresh_ald_column()
        self._schedule_pricing()
        self._update_actions()

    def _on_ald_toggled(self, _checked: bool) -> None:
        self._refresh_payment()
        self._schedule_pricing()

    def _patient_has_ald(self) -> bool:
        if self.patient is None:
            return False
        return "ALD" in self.patient.coverage_kinds(self.care_date)

    def _refresh_ald_column(self) -> None:
        """The « ALD » box only for a patient in ALD at the date of care."""
        has_ald = self._patient_has_ald()
        self.table.setColumnHidden(COL_ALD, not has_ald)
        if not has_ald:
            for row in range(self.table.rowCount()):
                box = self.table.cellWidget(row, COL_ALD)
                if isinstance(box, QCheckBox) and box.isChecked():
                    box.blockSignals(True)
                    box.setChecked(False)
                    box.blockSignals(False)

    def set_ald(self, row: int, related: bool) -> None:
        box = self.table.cellWidget(row, COL_ALD)
        if isinstance(box, QCheckBox):
            box.setChecked(related)

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            self.table.removeRow(row)
        self._refresh_payment()
        self._schedule_pricing()
        self._update_actions()

    def load_draft(self, draft: dict[str, Any]) -> None:
        """Reload an invoice prepared at the reception; securing it forgets the draft."""
        self.table.setRowCount(0)
        for act in draft.get("acts", []):
            self.add_act(
                str(act["code"]), int(act.get("quantity", 1)), ald=bool(act.get("ald", False))
            )
            coef = self.table.cellWidget(self.table.rowCount() - 1, COL_COEF)
            if isinstance(coef, QDoubleSpinBox):
                coef.setValue(float(act.get("coefficient", 1)))
        overrun = draft.get("overrun") or {}
        self.set_overrun(str(overrun.get("kind", "")), Decimal(str(overrun.get("amount", "0"))))
        self.pathway.setCurrentIndex(max(0, self.pathway.findData(draft.get("care_pathway", "in"))))
        payment = self.payment_mode.findData(draft.get("payment", desk.PaymentMode.DIRECT.value))
        self.payment_mode.setCurrentIndex(max(0, payment))
        self.draft_id = draft.get("id")
        if self.draft_id and self.draft_id == self.parked_draft_id:
            self._hide_parked()
        self._refresh_payment()
        self._schedule_pricing()

    def clear_acts(self) -> None:
        self.table.setRowCount(0)
        self.priced = None
        self._show_priced(None)
        self._refresh_payment()
        self._update_actions()

    def has_acts(self) -> bool:
        return self.table.rowCount() > 0

    def set_overrun(self, kind: str, amount: Decimal) -> None:
        self.overrun_kind.setCurrentIndex(max(0, self.overrun_kind.findData(kind)))
        self.overrun_amount.setValue(float(amount))

    def set_quantity(self, row: int, quantity: int) -> None:
        spin = self.table.cellWidget(row, COL_QTY)
        if isinstance(spin, QSpinBox):
            spin.setValue(quantity)

    def acts(self) -> list[desk.InvoiceAct]:
        result = []
        for row in range(self.table.rowCount()):
            code_item = self.table.item(row, COL_CODE)
            qty = self.table.cellWidget(row, COL_QTY)
            coef = self.table.cellWidget(row, COL_COEF)
            ald = self.table.cellWidget(row, COL_ALD)
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

    # --- payment ------------------------------------------------------------------------
    def _selected_payment(self) -> desk.PaymentMode:
        return desk.PaymentMode(
            str(self.payment_mode.currentData() or desk.PaymentMode.DIRECT.value)
        )

    def current_payment(self) -> desk.PaymentMode:
        """The payment mode the invoice will carry (forced when the law says so)."""
        if self.patient is None:
            return self._selected_payment()
        return desk.effective_payment(self._invoice_for(self.patient, tuple(self.acts())))

    def _refresh_payment(self) -> None:
        """Offer the modes the patient's rights allow; force and explain the mandatory ones."""
        if self.patient is None:
            choice = desk.PaymentChoice(tuple(desk.PaymentMode))
        else:
            choice = desk.payment_choice(self._invoice_for(self.patient, tuple(self.acts())))
        model = self.payment_mode.model()
        self.payment_mode.blockSignals(True)
        for index in range(self.payment_mode.count()):
            mode = desk.PaymentMode(str(self.payment_mode.itemData(index)))
            item = model.item(index) if hasattr(model, "item") else None
            if item is not None:
                item.setEnabled(mode in choice.allowed)
        wanted = self._selected_payment()
        if wanted not in choice.allowed:
            wanted = choice.forced or choice.allowed[0]
        self.payment_mode.setCurrentIndex(self.payment_mode.findData(wanted.value))
        self.payment_mode.blockSignals(False)
        if choice.reason:
            self.payment_reason.setText(choice.reason)
        elif desk.PaymentMode.TIERS_PAYANT_AMO_AMC not in choice.allowed and self.patient:
            self.payment_reason.setText(
                tr("Pas de tiers payant complémentaire : la complémentaire ne l'accepte pas.")
            )
        else:
            self.payment_reason.setText("")
        self._update_header()
        self._show_to_collect()

    def _on_payment_changed(self, _index: int) -> None:
        self._refresh_payment()
        self._update_actions()

    def _show_to_collect(self, *_args: Any) -> None:
        label = self.amount_labels["to_collect"]
        if self.priced is None:
            label.setText("—")
            return
        amount = desk.to_collect(self.current_payment(), self.priced)
        label.setText(euros(amount))
        label.setToolTip(
            tr("Ce que le patient règle maintenant ({means})").replace(
                "{means}", self.payment_means.currentText()
            )
        )

    def _means(self) -> desk.PaymentMeans:
        return desk.PaymentMeans(
            str(self.payment_means.currentData() or desk.PaymentMeans.CARD.value)
        )

    # --- the invoice ------------------------------------------------------------------
    def _invoice_for(self, patient: PatientChoice, acts: tuple[desk.InvoiceAct, ...]) -> Any:
        holder = self.practitioner or self.page.session.staff
        return desk.Invoice(
            patient=patient,
            care_date=self.care_date,
            acts=acts,
            payment=self._selected_payment(),
            situation=getattr(holder, "situation", None),
            overrun_kind=str(self.overrun_kind.currentData() or ""),
            overrun_amount=Decimal(f"{self.overrun_amount.value():.2f}"),
            care_pathway=str(self.pathway.currentData() or "in"),
            treating_doctor=self.treating.isChecked(),
            means=self._means(),
        )

    def invoice(self) -> desk.Invoice:
        """What the screen holds, for pricing and securing (a patient must be chosen)."""
        if self.patient is None:
            raise desk.DeskError("Choisissez le patient.")
        invoice = self._invoice_for(self.patient, tuple(self.acts()))
        from dataclasses import replace

        result: desk.Invoice = replace(invoice, payment=desk.effective_payment(invoice))
        return result

    def pricing_input(self) -> desk.Invoice:
        return self.invoice()

    # --- pricing ------------------------------------------------------------------
    def _schedule_pricing(self, *_args: Any) -> None:
        self._generation += 1
        self._pricing_timer.start()
        self.secure_button.setEnabled(False)

    def reprice(self) -> None:
        """Price the acts in the background; only the latest answer is shown."""
        generation = self._generation
        acts = self.acts()
        if not acts or self.patient is None:
            self.priced = None
            self._show_priced(None)
            self._update_actions()
            return
        request = self.invoice()
        self.runner.submit(
            lambda: services.price(self.ctx, request),
            lambda priced: self._on_priced(generation, priced),
            lambda exc: self._on_pricing_failed(generation, exc),
            label="tarification",
        )

    def _on_priced(self, generation: int, priced: Any) -> None:
        if generation != self._generation:
            return
        self.priced = priced
        self._show_priced(priced)
        self._update_actions()

    def _on_pricing_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.priced = None
        self._show_priced(None)
        self.errors_label.setText(message_for(exc))
        self._update_actions()

    def _show_priced(self, priced: Any) -> None:
        if priced is None:
            for label in self.amount_labels.values():
                label.setText("—")
            self.errors_label.setText("")
            return
        for key, label in self.amount_labels.items():
            if key != "to_collect":
                label.setText(euros(getattr(priced, key, None)))
        self._show_to_collect()
        per_act: dict[int, list[str]] = {}
        general: list[str] = []
        for index, message in services.priced_errors(priced):
            if index is None:
                general.append(message)
            else:
                per_act.setdefault(index, []).append(message)
        lines = list(getattr(priced, "lines", ()))
        for row in range(self.table.rowCount()):
            line = lines[row] if row < len(lines) else None
            self.table.setItem(row, COL_FEE, QTableWidgetItem(euros(getattr(line, "amount", None))))
            self.table.setItem(
                row, COL_AMO, QTableWidgetItem(euros(getattr(line, "amo_amount", None)))
            )
            label_item = self.table.item(row, COL_LABEL)
            if line is not None and line.label and label_item is not None:
                label_item.setText(line.label)
            text = " ".join(per_act.get(row, []))
            item = QTableWidgetItem(text or "ok")
            item.setForeground(Qt.GlobalColor.darkRed if text else Qt.GlobalColor.darkGreen)
            item.setToolTip(text)
            self.table.setItem(row, COL_ERROR, item)
        mixed = desk.mixed_ald_message(self.invoice()) if self.patient is not None else ""
        all_errors = (
            ([mixed] if mixed else [])
            + general
            + [f"Acte {i + 1} : {m}" for i, ms in sorted(per_act.items()) for m in ms]
        )
        self.errors_label.setText("\n".join(all_errors))

    # --- actions ------------------------------------------------------------------
    def _update_actions(self) -> None:
        has_acts = self.table.rowCount() > 0
        valid = self.priced is not None and services.priced_valid(self.priced)
        mixed = bool(self.patient is not None and desk.mixed_ald_message(self.invoice()))
        can_sign = self.practitioner is not None and self.practitioner.may_sign
        ready = has_acts and valid and not mixed and not self.date_error
        self.secure_button.setEnabled(ready and can_sign and self.patient is not None)
        self.save_button.setEnabled(has_acts and self.patient is not None)
        if self.patient is None:
            self.state_label.setText(tr("Choisissez le patient."))
        elif self.date_error:
            self.state_label.setText(self.date_error)
        elif not has_acts:
            self.state_label.setText(tr("Ajoutez les actes."))
        elif not valid or mixed:
            self.state_label.setText(tr("Corrigez les erreurs avant de sécuriser."))
        elif not can_sign:
            self.state_label.setText(tr("Prête : le praticien la sécurisera avec sa carte CPS."))
        else:
            self.state_label.setText(tr("Prête à sécuriser."))

    def secure(self) -> None:
        """Validate → FSE secured (Vitale certifies, or dégradé) → receipt if asked."""
        if not self.secure_button.isEnabled() or self.practitioner is None or self.patient is None:
            return
        request = self.invoice()
        practitioner = self.practitioner
        draft_id = self.draft_id
        print_receipt = self.print_receipt.isChecked()
        self.secure_button.setEnabled(False)
        self.state_label.setText(tr("Sécurisation de la FSE…"))
        self.runner.submit(
            lambda: services.secure_fse(
                self.ctx, request, practitioner, draft_id, print_receipt=print_receipt
            ),
            lambda outcome: self._on_secured(outcome, request),
            self._on_secure_failed,
            label="sécurisation FSE",
        )

    def _on_secured(self, outcome: services.SecureOutcome, request: desk.Invoice) -> None:
        self.clear_acts()
        self.draft_id = None
        self._load_billed_today()  # the acts just secured count for the next invoice
        text = outcome.summary
        if outcome.documents:
            # Written to the documents folder; « envoyé à l'imprimante » comes only once the
            # user confirmed the print dialog (status bar).
            text += " " + tr("Documents enregistrés : {names}.").format(
                names=", ".join(p.name for p in outcome.documents)
            )
        self.state_label.setText(text)
        self.fse_secured.emit(outcome)
        collect = outcome.to_collect if outcome.to_collect is not None else Decimal("0.00")
        means = request.means.label if request.means is not None else ""
        if collect > 0:
            money = tr("à encaisser maintenant : {amount} ({means})").format(
                amount=euros(collect), means=means
            )
        else:
            money = tr("rien à encaisser ({payment})").format(payment=outcome.payment)
        self.confirmation.setText(
            tr("FSE n° {number} sécurisée pour {name} — {money}.").format(
                number=outcome.fse_id, name=outcome.patient_name, money=money
            )
        )
        self.confirmation.setVisible(True)

    def _on_secure_failed(self, exc: BaseException) -> None:
        self.state_label.setText("FSE non sécurisée : " + message_for(exc))
        self._update_actions()
        show_error(self, exc, "FSE non sécurisée")
        back_to_window(self)

    def save_for_practitioner(self) -> None:
        """Reception: store the prepared invoice; the practitioner finds it waiting."""
        if not self.save_button.isEnabled() or self.patient is None:
            return
        request = self.invoice()
        draft_id = self.draft_id
        self.runner.submit(
            lambda: services.save_draft(self.ctx, request, draft_id),
            self._on_saved,
            lambda exc: show_error(self, exc, "Facture non enregistrée"),
            label="facture en attente",
        )

    def _on_saved(self, draft_id: Any) -> None:
        self.draft_id = draft_id
        self.state_label.setText(tr("Facture enregistrée : elle attend le praticien."))
        self.invoice_saved.emit(draft_id)

    # --- card changes -----------------------------------------------------------------
    def park(self, reason: str) -> None:
        """The card of the invoice's patient left with acts on it: the invoice is put aside
        under his name (never carried to the next patient); « Abandonner » forgets it."""
        if self.patient is None or not self.has_acts():
            return
        request = self._invoice_for(self.patient, tuple(self.acts()))
        name = self.patient.name
        codes = ", ".join(a.code for a in request.acts)
        draft_id = self.draft_id
        self.clear_acts()
        self.draft_id = None
        self.parked_label.setText(
            tr(
                "{reason} : la facture de {name} ({codes}) est mise en attente sous son nom. "
                "Reprenez-la quand il revient, ou abandonnez-la."
            ).format(reason=reason, name=name, codes=codes)
        )
        self.parked_banner.setVisible(True)
        self.runner.submit(
            lambda: services.save_draft(self.ctx, request, draft_id),
            self._on_parked,
            self._on_park_failed,
            label="facture mise en attente",
        )

    def _on_parked(self, draft_id: Any) -> None:
        self.parked_draft_id = draft_id
        self.invoice_parked.emit(draft_id)

    def _on_park_failed(self, exc: BaseException) -> None:
        self.parked_label.setText(
            tr("La facture n'a pas pu être mise en attente : {why}").format(why=message_for(exc))
        )

    def abandon_parked(self) -> None:
        draft_id = self.parked_draft_id
        self._hide_parked()
        if draft_id is None:
            return
        self.runner.submit(
            lambda: services.delete_draft(self.ctx, draft_id),
            lambda _none: self.invoice_saved.emit(None),
            lambda exc: show_error(self, exc, "Facture en attente"),
            label="abandon de la facture",
        )

    def _hide_parked(self) -> None:
        self.parked_draft_id = None
        self.parked_banner.setVisible(False)

    # --- patients without a card -----------------------------------------------------
    def search_patients(self, text: str) -> None:
        self.runner.submit(
            lambda: self.ctx.db.submit(
                lambda store: services.search_patients(store, text)
            ).result(),
            self.page.patient_panel.show_search_results,
            lambda exc: show_error(self, exc, "Recherche de patient"),
            label="recherche patient",
        )

    def request_adri(self, choice: PatientChoice | None) -> None:
        if choice is None:
            self.page.patient_panel.search_hint.setText(
                tr("Choisissez d'abord le patient dont il faut actualiser les droits.")
            )
            return
        self.page.patient_panel.search_hint.setText(tr("Interrogation ADRi…"))
        self.runner.submit(
            lambda: services.adri_refresh(self.ctx, choice, self.care_date),
            self._on_adri_done,
            self._on_adri_failed,
            label="ADRi",
        )

    def lookup_nir(self, nir: str, birth: str, rank: str) -> None:
        day = self.care_date
        self.runner.submit(
            lambda: services.query_adri(self.ctx, nir, birth, rank, day),
            self._on_adri_done,
            self._on_adri_failed,
            label="ADRi",
        )

    def _on_adri_done(self, patient: services.AdriPatient) -> None:
        self.page.patient_panel.show_adri(patient)

    def _on_adri_failed(self, exc: BaseException) -> None:
        self.page.patient_panel.search_hint.setText("ADRi : " + message_for(exc))
