# Over 500 lines: one class holds the invoice's state and its flows; its widgets are split out.
"""The invoice on screen: who is billed, for which day and how he pays; the acts, priced
live, with rule errors next to the act they concern; then securing the FSE (CPS), or leaving
it waiting for the practitioner. What is shown is what :class:`client.desk.Invoice` carries
to the FSE."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from decimal import Decimal
from typing import Protocol

from billing.pricing import PricedInvoice
from client import desk
from client.context import AppContext
from ui import services
from ui.dialogs.focus import back_to_window
from ui.errors import message_for, show_error
from ui.fmt import euros
from ui.gui_relay import to_gui
from ui.qt import (
    QGroupBox,
    QKeySequence,
    QLabel,
    QMessageBox,
    QShortcut,
    Qt,
    QTimer,
    QToolButton,
    QVBoxLayout,
    Signal,
    Slot,
)
from ui.session import Practitioner, SessionState
from ui.tasks import TaskRunner
from ui.translation import tr
from ui.widgets.act_entry import ActEntry
from ui.widgets.acts_table import COL_ALD, COL_ERROR, COLUMNS, ActsTable
from ui.widgets.invoice_actions import InvoiceActions, Readiness
from ui.widgets.invoice_notices import InvoiceNotices, secured_state
from ui.widgets.invoice_options import AmountsGrid, CareOptions, PaymentRow
from ui.widgets.patient_lookup import PatientLookup
from ui.widgets.patient_panel import PatientChoice, PatientPanel

# The columns are re-exported: tests import them from here.
__all__ = [
    "ACT_KIND",
    "COLUMNS",
    "COL_ALD",
    "COL_ERROR",
    "PRICING_DELAY_MS",
    "DeskPage",
    "InvoicePanel",
]


class DeskPage(Protocol):
    """What the panel needs of the billing page (no import of the page: no circle)."""

    ctx: AppContext
    runner: TaskRunner
    session: SessionState
    patient_panel: PatientPanel


logger = logging.getLogger(__name__)

PRICING_DELAY_MS = 120
#: Kind of the referential entries that are consultations / acts (not majorations, IK):
#: the same one twice for a patient on one day asks for a confirmation.
ACT_KIND = "acte"


class InvoicePanel(QGroupBox):
    """Header, code search, favourites, acts table, payment, breakdown and the FSE actions."""

    fse_secured = Signal(object)
    invoice_saved = Signal(object)
    invoice_parked = Signal(object)  # draft id of an invoice parked at a card change
    #: What the securing waits for (the AMC's agreement), said from its worker thread.
    securing_progress = Signal(str)

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
        self.priced: PricedInvoice | None = None
        self.draft_id: str | None = None
        self.parked_draft_id: str | None = None
        self._generation = 0
        self.billed_today_codes: set[str] = set()
        layout = QVBoxLayout(self)

        self.notices = InvoiceNotices()
        self.header_label = self.notices.header_label
        self.confirmation = self.notices.confirmation
        self.parked_banner = self.notices.parked_banner
        self.parked_label = self.notices.parked_label
        self.abandon_button = self.notices.abandon_button
        self.abandon_button.clicked.connect(self.abandon_parked)
        layout.addWidget(self.header_label)
        layout.addWidget(self.confirmation)
        layout.addWidget(self.parked_banner)

        self.entry = ActEntry(self, self.ctx, lambda: self.care_date, self.runner)
        self.entry.code_chosen.connect(self.add_act_checked)
        self.code_edit = self.entry.code_edit
        self.completer = self.entry.completer
        self.edit_favourites_button = self.entry.edit_favourites_button
        layout.addLayout(self.entry.search_row)
        layout.addLayout(self.entry.favourites_row)

        self.table = ActsTable()
        self.table.edited.connect(self._schedule_pricing)
        self.table.ald_toggled.connect(self._on_ald_toggled)
        layout.addWidget(self.table, 1)
        delete = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table)
        delete.activated.connect(self.remove_selected)

        options = CareOptions()
        self.overrun_kind = options.overrun_kind
        self.overrun_amount = options.overrun_amount
        self.pathway = options.pathway
        self.treating = options.treating
        self.teleconsultation = options.teleconsultation
        self.teleconsultation.toggled.connect(self._schedule_pricing)
        self.overrun_kind.currentIndexChanged.connect(self._schedule_pricing)
        self.overrun_amount.valueChanged.connect(self._schedule_pricing)
        self.pathway.currentIndexChanged.connect(self._schedule_pricing)
        self.treating.toggled.connect(self._schedule_pricing)
        layout.addLayout(options.row)

        self.payment = PaymentRow()
        self.payment_mode = self.payment.payment_mode
        self.payment_means = self.payment.payment_means
        self.payment_reason = self.payment.payment_reason
        self.payment_mode.currentIndexChanged.connect(self._on_payment_changed)
        self.payment_means.currentIndexChanged.connect(self._show_to_collect)
        self.payment.row.insertWidget(self.payment.row.count() - 1, self.teleconsultation)
        layout.addLayout(self.payment.row)
        layout.addWidget(self.payment_reason)

        self.errors_label = QLabel("")
        self.errors_label.setObjectName("ruleErrors")
        self.errors_label.setProperty("role", "error")
        self.errors_label.setWordWrap(True)
        layout.addWidget(self.errors_label)

        amounts = AmountsGrid()
        self.amount_labels = amounts.labels
        layout.addLayout(amounts.grid)

        self.foot = InvoiceActions()
        self.state_label = self.foot.state_label
        self.print_receipt = self.foot.print_receipt
        self.save_button = self.foot.save_button
        self.secure_button = self.foot.secure_button
        self.save_button.clicked.connect(self.save_for_practitioner)
        self.secure_button.clicked.connect(self.secure)
        self.securing_progress.connect(self._say_securing)
        self.devis_button = self.foot.devis_button
        self.devis_button.clicked.connect(self.make_devis)
        layout.addWidget(self.state_label)
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            sc = QShortcut(QKeySequence(seq), self)
            sc.activated.connect(self.secure)
        layout.addLayout(self.foot.row)
        focus = QShortcut(QKeySequence("Ctrl+K"), self)
        focus.activated.connect(self.focus_code)

        self.lookup = PatientLookup(
            self, self.ctx, self.runner, lambda: self.page.patient_panel, lambda: self.care_date
        )
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
    @property
    def favourite_buttons(self) -> list[QToolButton]:
        return self.entry.favourite_buttons

    def show_favourites(self, favourites: tuple[str, ...]) -> None:
        self.entry.show_favourites(favourites)

    def edit_favourites(self) -> None:
        self.entry.edit_favourites()

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
        self.entry.focus()

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

    def _on_billed_today(
        self, patient: PatientChoice | None, day: dt.date, codes: set[str]
    ) -> None:
        if patient == self.patient and day == self.care_date:
            self.billed_today_codes = set(codes)

    # --- acts ---------------------------------------------------------------------
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
        label = services.act_label(entry) if entry is not None else "Code inconnu à cette date"
        coefficient = float(services.default_coefficient(entry))
        self.table.append_act(code, label, quantity, coefficient, ald=ald)
        self._refresh_ald_column()
        self._schedule_pricing()
        self._update_actions()

    def _on_ald_toggled(self) -> None:
        self._refresh_payment()
        self._schedule_pricing()

    def _patient_has_ald(self) -> bool:
        if self.patient is None:
            return False
        return "ALD" in self.patient.coverage_kinds(self.care_date)

    def _refresh_ald_column(self) -> None:
        """The « ALD » box only for a patient in ALD at the date of care."""
        self.table.show_ald(self._patient_has_ald())

    def set_ald(self, row: int, related: bool) -> None:
        self.table.set_ald(row, related)

    def remove_selected(self) -> None:
        self.table.remove_selected_rows()
        self._refresh_payment()
        self._schedule_pricing()
        self._update_actions()

    def load_draft(self, draft: services.Draft) -> None:
        """Reload an invoice prepared at the reception; securing it forgets the draft."""
        self.table.setRowCount(0)
        for act in draft.get("acts", []):
            self.add_act(
                str(act["code"]), int(act.get("quantity", 1)), ald=bool(act.get("ald", False))
            )
            self.table.set_coefficient(self.table.rowCount() - 1, float(act.get("coefficient", 1)))
        overrun = draft.get("overrun") or services.DraftOverrun(kind="", amount="0")
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
        self.table.set_quantity(row, quantity)

    def acts(self) -> list[desk.InvoiceAct]:
        return self.table.acts()

    # --- payment ------------------------------------------------------------------------
    def _selected_payment(self) -> desk.PaymentMode:
        return self.payment.selected_mode()

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
        self.payment.offer(choice, has_patient=self.patient is not None)
        self._update_header()
        self._show_to_collect()

    def _on_payment_changed(self, _index: int) -> None:
        self._refresh_payment()
        self._update_actions()

    def _show_to_collect(self, *_args: object) -> None:  # also a slot of Qt signals
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
        return self.payment.means()

    # --- the invoice ------------------------------------------------------------------
    def _invoice_for(
        self, patient: PatientChoice, acts: tuple[desk.InvoiceAct, ...]
    ) -> desk.Invoice:
        holder = self.practitioner or self.page.session.staff
        return desk.Invoice(
            patient=patient,
            care_date=self.care_date,
            acts=acts,
            payment=self._selected_payment(),
            situation=holder.situation if holder is not None else None,
            overrun_kind=str(self.overrun_kind.currentData() or ""),
            overrun_amount=Decimal(f"{self.overrun_amount.value():.2f}"),
            care_pathway=str(self.pathway.currentData() or "in"),
            treating_doctor=self.treating.isChecked(),
            means=self._means(),
            teleconsultation=self.teleconsultation.isChecked(),
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
    def _schedule_pricing(self, *_args: object) -> None:  # also a slot of Qt signals
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

    def _on_priced(self, generation: int, priced: PricedInvoice) -> None:
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

    def _show_priced(self, priced: PricedInvoice | None) -> None:
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
        self.table.show_priced(list(priced.lines), per_act)
        mixed = desk.mixed_ald_message(self.invoice()) if self.patient is not None else ""
        all_errors = (
            ([mixed] if mixed else [])
            + general
            + [f"Acte {i + 1} : {m}" for i, ms in sorted(per_act.items()) for m in ms]
        )
        self.errors_label.setText("\n".join(all_errors))

    # --- actions ------------------------------------------------------------------
    def _update_actions(self) -> None:
        self.foot.show_readiness(
            Readiness(
                has_patient=self.patient is not None,
                date_error=self.date_error,
                has_acts=self.table.rowCount() > 0,
                valid=self.priced is not None and services.priced_valid(self.priced),
                mixed_ald=bool(self.patient is not None and desk.mixed_ald_message(self.invoice())),
                can_sign=self.practitioner is not None and self.practitioner.may_sign,
            )
        )

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
                self.ctx,
                request,
                practitioner,
                draft_id,
                print_receipt=print_receipt,
                on_progress=functools.partial(to_gui, self.securing_progress),
            ),
            lambda outcome: self._on_secured(outcome, request),
            self._on_secure_failed,
            label="sécurisation FSE",
        )

    @Slot(str)
    def _say_securing(self, text: str) -> None:
        self.state_label.setText(tr(text))

    def make_devis(self) -> None:
        """The acts on screen kept as a devis for the patient (nothing secured)."""
        if not self.devis_button.isEnabled() or self.practitioner is None:
            return
        request = self.invoice()
        practitioner = self.practitioner
        self.devis_button.setEnabled(False)
        self.runner.submit(
            lambda: services.make_devis(self.ctx, request, practitioner),
            self._on_devis,
            self._on_devis_failed,
            label="devis",
        )

    def _on_devis(self, sentence: str) -> None:
        self.state_label.setText(sentence)
        self.devis_button.setEnabled(True)

    def _on_devis_failed(self, exc: BaseException) -> None:
        self.state_label.setText("Devis non enregistré : " + message_for(exc))
        self.devis_button.setEnabled(True)

    def _on_secured(self, outcome: services.SecureOutcome, request: desk.Invoice) -> None:
        self.clear_acts()
        self.draft_id = None
        self._load_billed_today()  # the acts just secured count for the next invoice
        self.state_label.setText(secured_state(outcome))
        self.fse_secured.emit(outcome)
        self.notices.show_secured(outcome, request)

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
        by = services.prepared_by(self.practitioner or self.page.session.staff)
        self.runner.submit(
            lambda: services.save_draft(self.ctx, request, draft_id, by),
            self._on_saved,
            lambda exc: show_error(self, exc, "Facture non enregistrée"),
            label="facture en attente",
        )

    def _on_saved(self, draft_id: str) -> None:
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
        by = services.prepared_by(self.practitioner or self.page.session.staff)
        self.clear_acts()
        self.draft_id = None
        self.notices.show_parked(reason, name, codes)
        self.runner.submit(
            lambda: services.save_draft(self.ctx, request, draft_id, by),
            self._on_parked,
            self._on_park_failed,
            label="facture mise en attente",
        )

    def _on_parked(self, draft_id: str) -> None:
        self.parked_draft_id = draft_id
        self.invoice_parked.emit(draft_id)

    def _on_park_failed(self, exc: BaseException) -> None:
        self.notices.show_park_failed(exc)

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
        self.notices.hide_parked()

    # --- patients without a card -----------------------------------------------------
    def search_patients(self, text: str) -> None:
        self.lookup.search(text)

    def request_adri(self, choice: PatientChoice | None) -> None:
        self.lookup.refresh_rights(choice)

    def lookup_nir(self, nir: str, birth: str, rank: str) -> None:
        self.lookup.by_nir(nir, birth, rank)
