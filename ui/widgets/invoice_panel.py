"""The acts of the invoice, priced live, with rule errors next to the act they concern, and
the actions that follow: secure the FSE (CPS), or leave it waiting for the practitioner."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ui import services
from ui.errors import message_for, show_error
from ui.fmt import euros
from ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QPushButton,
    QShortcut,
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

if TYPE_CHECKING:
    from ui.pages.billing import BillingPage

logger = logging.getLogger(__name__)

COLUMNS = [
    QT_TRANSLATE_NOOP("", "Code"),
    QT_TRANSLATE_NOOP("", "Libellé"),
    QT_TRANSLATE_NOOP("", "Qté"),
    QT_TRANSLATE_NOOP("", "Coef."),
    QT_TRANSLATE_NOOP("", "Honoraires"),
    QT_TRANSLATE_NOOP("", "Part AMO"),
    QT_TRANSLATE_NOOP("", "Règle"),
]
COL_CODE, COL_LABEL, COL_QTY, COL_COEF, COL_FEE, COL_AMO, COL_ERROR = range(7)
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


class InvoicePanel(QGroupBox):
    """Code search, favourites, acts table, live breakdown and the FSE actions."""

    fse_secured = Signal(object)
    invoice_saved = Signal(object)

    def __init__(self, page: BillingPage) -> None:
        super().__init__("Actes et montants")
        self.setObjectName("invoicePanel")
        self.page = page
        self.ctx = page.ctx
        self.runner = page.runner
        self.practitioner: Practitioner | None = None
        self.patient: PatientChoice | None = None
        self.care_date = dt.date.today()
        self.priced: Any = None
        self.draft_id: Any = None
        self._generation = 0
        self._search_results: list[Any] = []
        self._completed = False
        layout = QVBoxLayout(self)

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
        for number, code in enumerate(services.favourite_codes(self.ctx), start=1):
            button = QToolButton()
            button.setText(f"{code}")
            button.setObjectName(f"favourite_{code}")
            button.setToolTip(f"Ajouter {code} (Alt+{number})")
            button.setShortcut(QKeySequence(f"Alt+{number}"))
            button.clicked.connect(self._make_add(code))
            self.favourites_row.addWidget(button)
            self.favourite_buttons.append(button)
        self.favourites_row.addStretch(1)
        layout.addLayout(self.favourites_row)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("actsTable")
        self.table.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
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
            )
        ):
            caption = QLabel(caption_text)
            caption.setProperty("role", "hint")
            amount_label = QLabel("—")
            amount_label.setObjectName(f"amount_{key}")
            amount_label.setProperty("role", "amount")
            breakdown.addWidget(caption, 0, col)
            breakdown.addWidget(amount_label, 1, col)
            self.amount_labels[key] = amount_label
        layout.addLayout(breakdown)

        actions = QHBoxLayout()
        self.print_receipt = QCheckBox(tr("Imprimer le reçu"))
        self.print_receipt.setObjectName("printReceipt")
        actions.addWidget(self.print_receipt)
        actions.addStretch(1)
        self.state_label = QLabel("")
        self.state_label.setObjectName("invoiceState")
        self.state_label.setWordWrap(True)
        actions.addWidget(self.state_label, 2)
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
        focus = QShortcut(QKeySequence("Ctrl+K"), self.page)
        focus.activated.connect(self.focus_code)

        self._pricing_timer = QTimer(self)
        self._pricing_timer.setSingleShot(True)
        self._pricing_timer.setInterval(PRICING_DELAY_MS)
        self._pricing_timer.timeout.connect(self.reprice)
        self._update_actions()

    # --- context ------------------------------------------------------------------
    def on_practitioner_changed(self, practitioner: Practitioner | None) -> None:
        self.practitioner = practitioner
        self._schedule_pricing()
        self._update_actions()

    def on_patient_changed(self, choice: PatientChoice | None) -> None:
        self.patient = choice
        self.draft_id = None
        self._schedule_pricing()
        self._update_actions()

    def on_date_changed(self, day: dt.date) -> None:
        self.care_date = day
        self._schedule_pricing()

    def focus_code(self) -> None:
        self.code_edit.setFocus()
        self.code_edit.selectAll()

    # --- acts ---------------------------------------------------------------------
    def _make_add(self, code: str) -> Any:
        def add() -> None:
            self.add_act(code)

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
        # Qt forwards the Enter that picked the item to the line edit: skip that one.
        self._completed = True
        self.add_act(text.split(" — ", 1)[0].strip())
        QTimer.singleShot(0, self.code_edit.clear)

    def _on_code_entered(self) -> None:
        popup = self.completer.popup()
        if popup is not None:
            popup.hide()
        if self._completed:
            self._completed = False
            return
        text = self.code_edit.text().strip()
        if not text:
            return
        code = text.split(" — ", 1)[0].strip().upper()
        self.add_act(code)
        self.code_edit.clear()

    def add_act(self, code: str, quantity: int = 1) -> None:
        """Append one act; its label comes from the referential (unknown codes show so)."""
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
        self.table.setItem(row, COL_FEE, QTableWidgetItem("…"))
        self.table.setItem(row, COL_AMO, QTableWidgetItem(""))
        self.table.setItem(row, COL_ERROR, QTableWidgetItem(""))
        self.table.selectRow(row)
        self._schedule_pricing()
        self._update_actions()

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            self.table.removeRow(row)
        self._schedule_pricing()
        self._update_actions()

    def load_draft(self, draft: dict[str, Any]) -> None:
        """Reload an invoice prepared at the reception; securing it forgets the draft."""
        self.table.setRowCount(0)
        for act in draft.get("acts", []):
            self.add_act(str(act["code"]), int(act.get("quantity", 1)))
            coef = self.table.cellWidget(self.table.rowCount() - 1, COL_COEF)
            if isinstance(coef, QDoubleSpinBox):
                coef.setValue(float(act.get("coefficient", 1)))
        overrun = draft.get("overrun") or {}
        self.set_overrun(str(overrun.get("kind", "")), Decimal(str(overrun.get("amount", "0"))))
        self.pathway.setCurrentIndex(max(0, self.pathway.findData(draft.get("care_pathway", "in"))))
        self.draft_id = draft.get("id")
        self._schedule_pricing()

    def clear_acts(self) -> None:
        self.table.setRowCount(0)
        self.priced = None
        self._show_priced(None)
        self._update_actions()

    def set_overrun(self, kind: str, amount: Decimal) -> None:
        self.overrun_kind.setCurrentIndex(max(0, self.overrun_kind.findData(kind)))
        self.overrun_amount.setValue(float(amount))

    def set_quantity(self, row: int, quantity: int) -> None:
        spin = self.table.cellWidget(row, COL_QTY)
        if isinstance(spin, QSpinBox):
            spin.setValue(quantity)

    def acts(self) -> list[services.ActInput]:
        result = []
        for row in range(self.table.rowCount()):
            code_item = self.table.item(row, COL_CODE)
            qty = self.table.cellWidget(row, COL_QTY)
            coef = self.table.cellWidget(row, COL_COEF)
            if not (isinstance(qty, QSpinBox) and isinstance(coef, QDoubleSpinBox)):
                continue
            result.append(
                services.ActInput(
                    code=code_item.text() if code_item else "",
                    quantity=qty.value(),
                    coefficient=Decimal(f"{coef.value():.2f}"),
                )
            )
        return result

    def pricing_input(self) -> services.PricingInput:
        """What the screen holds, for pricing and securing."""
        return services.PricingInput(
            acts=self.acts(),
            care_date=self.care_date,
            practitioner=self.practitioner or self.page.session.staff,
            patient=self.patient,
            overrun_kind=str(self.overrun_kind.currentData() or ""),
            overrun_amount=Decimal(f"{self.overrun_amount.value():.2f}"),
            care_pathway=str(self.pathway.currentData() or "in"),
            treating_doctor=self.treating.isChecked(),
        )

    # --- pricing ------------------------------------------------------------------
    def _schedule_pricing(self, *_args: Any) -> None:
        self._generation += 1
        self._pricing_timer.start()
        self.secure_button.setEnabled(False)

    def reprice(self) -> None:
        """Price the acts in the background; only the latest answer is shown."""
        generation = self._generation
        acts = self.acts()
        if not acts:
            self.priced = None
            self._show_priced(None)
            self._update_actions()
            return
        request = self.pricing_input()
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
            label.setText(euros(getattr(priced, key, None)))
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
        all_errors = general + [
            f"Acte {i + 1} : {m}" for i, ms in sorted(per_act.items()) for m in ms
        ]
        self.errors_label.setText("\n".join(all_errors))

    # --- actions ------------------------------------------------------------------
    def _update_actions(self) -> None:
        has_acts = self.table.rowCount() > 0
        valid = self.priced is not None and services.priced_valid(self.priced)
        can_sign = self.practitioner is not None and self.practitioner.may_sign
        self.secure_button.setEnabled(has_acts and valid and can_sign and self.patient is not None)
        self.save_button.setEnabled(has_acts and self.patient is not None)
        if self.patient is None:
            self.state_label.setText(tr("Choisissez le patient."))
        elif not has_acts:
            self.state_label.setText(tr("Ajoutez les actes."))
        elif not valid:
            self.state_label.setText(tr("Corrigez les erreurs avant de sécuriser."))
        elif not can_sign:
            self.state_label.setText(tr("Prête : le praticien la sécurisera avec sa carte CPS."))
        else:
            self.state_label.setText(tr("Prête à sécuriser."))

    def secure(self) -> None:
        """Validate → FSE secured (Vitale certifies, or dégradé) → receipt if asked."""
        if not self.secure_button.isEnabled() or self.practitioner is None or self.patient is None:
            return
        request = self.pricing_input()
        self.secure_button.setEnabled(False)
        self.state_label.setText(tr("Sécurisation de la FSE…"))
        self.runner.submit(
            lambda: services.secure_fse(
                self.ctx, request, self.draft_id, print_receipt=self.print_receipt.isChecked()
            ),
            self._on_secured,
            self._on_secure_failed,
            label="sécurisation FSE",
        )

    def _on_secured(self, outcome: services.SecureOutcome) -> None:
        self.clear_acts()
        self.draft_id = None
        text = outcome.summary
        if outcome.documents:
            text += " " + tr("Imprimé : {names}.").format(
                names=", ".join(p.name for p in outcome.documents)
            )
        self.state_label.setText(text)
        self.fse_secured.emit(outcome)

    def _on_secure_failed(self, exc: BaseException) -> None:
        self.state_label.setText("FSE non sécurisée : " + message_for(exc))
        self._update_actions()
        show_error(self, exc, "FSE non sécurisée")

    def save_for_practitioner(self) -> None:
        """Reception: store the prepared invoice; the practitioner finds it waiting."""
        if not self.save_button.isEnabled() or self.patient is None:
            return
        request = self.pricing_input()
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
