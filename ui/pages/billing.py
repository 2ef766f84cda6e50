"""Patient et facturation: the practitioner, the patient, the acts, the breakdown, the FSE."""

from __future__ import annotations

import datetime as dt
import logging
from itertools import pairwise
from typing import TYPE_CHECKING

from cardio.vitale import VitaleCard
from client.usecases import scope
from ui import services
from ui.pages.base import Page
from ui.qt import QLabel, QSplitter, Qt, QTimer, QWidget, Slot
from ui.session import Practitioner
from ui.translation import QT_TRANSLATE_NOOP, tr
from ui.widgets.patient_panel import (
    SOURCE_APCV,
    SOURCE_NIR,
    SOURCE_VITALE,
    PatientChoice,
    PatientPanel,
)
from ui.widgets.practitioner_bar import PractitionerBar

if TYPE_CHECKING:
    from ui.pages.base import PageHost

logger = logging.getLogger(__name__)

#: How often « Factures préparées » is read again (one small query): an invoice the
#: reception addresses to the card already in appears within this delay (issue #26).
DRAFTS_REFRESH_MS = 20_000


def drafts_notice(drafts: list[scope.DraftNotice]) -> str:
    """The notice of the invoices prepared for this card ('' when none), in the
    interface's language (``scope.drafts_notice``'s sentence, translatable)."""
    if not drafts:
        return ""
    first = drafts[0]
    at = first.saved_at.astimezone()  # stored in UTC, said in the post's time
    more = tr(" (et %1 autre(s))").replace("%1", str(len(drafts) - 1)) if len(drafts) > 1 else ""
    return (
        tr(
            "%1 facture(s) préparée(s) pour vous à signer : la première par %2 le %3 "
            "à %4 (%5)%6. Ouvrez-la dans « Factures préparées »."
        )
        .replace("%1", str(len(drafts)))
        .replace(
            "%2",
            first.prepared_by_name or tr("la carte %1").replace("%1", first.prepared_by),
        )
        .replace("%3", f"{at:%d/%m/%Y}")
        .replace("%4", f"{at:%H:%M}")
        .replace("%5", ", ".join(first.acts) or tr("actes à compléter"))
        .replace("%6", more)
    )


class BillingPage(Page):
    """One patient billed in a few keystrokes: patient on the left, acts on the right."""

    title = QT_TRANSLATE_NOOP("", "Patient et facturation")

    def __init__(self, window: PageHost) -> None:
        super().__init__(window)
        self.practitioner_bar = PractitionerBar()
        self.layout_.addWidget(self.practitioner_bar)
        # Issue #26: the invoices a receptionist prepared for the card in the reader.
        self.addressed_notice = QLabel()
        self.addressed_notice.setObjectName("addressed_drafts")
        self.addressed_notice.setWordWrap(True)
        self.addressed_notice.hide()
        self.layout_.addWidget(self.addressed_notice)
        settings = getattr(self.ctx, "settings", None)
        self.patient_panel = PatientPanel(
            today=lambda: self.ctx.clock().date(),
            deadline_working_days=int(
                getattr(settings, "transmission_deadline_working_days", 3) or 3
            ),
            holiday_subdivision=getattr(settings, "holiday_subdivision", None),
        )
        from ui.widgets.invoice_panel import InvoicePanel

        self.invoice_panel = InvoicePanel(self)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.patient_panel)
        splitter.addWidget(self.invoice_panel)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        self.patient_panel.setMinimumWidth(340)
        self.patient_panel.setMaximumWidth(480)
        self.layout_.addWidget(splitter, 1)

        self.session.practitioner_changed.connect(self._on_practitioner_changed)
        self.session.staff_changed.connect(self._on_staff_changed)
        self.session.vitale_changed.connect(self._on_vitale_changed)
        self.practitioner_bar.situation_selected.connect(self._on_situation_selected)
        self.patient_panel.patient_chosen.connect(self._on_patient_chosen)
        self.patient_panel.patient_confirmed.connect(self.invoice_panel.focus_code)
        self.patient_panel.search_requested.connect(self._on_search_requested)
        self.patient_panel.adri_requested.connect(self._on_adri_requested)
        self.patient_panel.nir_lookup_requested.connect(self._on_nir_lookup)
        self.patient_panel.apcv_entry.code_entered.connect(self._on_apcv_code)
        self.patient_panel.date_changed.connect(self._on_date_changed)
        self.patient_panel.draft_requested.connect(self._on_draft_requested)
        self.invoice_panel.invoice_saved.connect(self._on_drafts_changed)
        self.invoice_panel.fse_secured.connect(self._on_drafts_changed)
        self.invoice_panel.fse_secured.connect(self._on_fse_secured)
        self.invoice_panel.invoice_parked.connect(self._on_drafts_changed)
        # What another post (the reception) prepares meanwhile shows up by itself.
        self.drafts_timer = QTimer(self)
        self.drafts_timer.setInterval(DRAFTS_REFRESH_MS)
        self.drafts_timer.timeout.connect(self.refresh_drafts)
        window.card_flow.card_failed.connect(self._on_card_failed)
        window.card_flow.token_missing.connect(self.practitioner_bar.show_token_missing)
        self._set_tab_order()

    def tab_chain(self) -> list[QWidget]:
        """The widgets Tab goes through, in order: the main path first, then the rest."""
        patient, invoice = self.patient_panel, self.invoice_panel
        return [
            # date of care -> patient -> act code -> acts -> overrun -> pathway -> secure
            patient.date_edit,
            patient.beneficiaries,
            invoice.code_edit,
            invoice.table,
            invoice.overrun_kind,
            invoice.overrun_amount,
            invoice.pathway,
            invoice.treating,
            invoice.payment_mode,
            invoice.payment_means,
            invoice.secure_button,
            # then the less frequent ones
            invoice.save_button,
            invoice.devis_button,
            invoice.teleconsultation,
            invoice.print_receipt,
            *invoice.favourite_buttons,
            patient.search_edit,
            patient.apcv_entry.field,
            patient.apcv_entry.image_button,
            patient.nir_button,
            patient.adri_button,
            patient.degraded_button,
            patient.new_patient_button,
            invoice.edit_favourites_button,
            patient.drafts_combo,
            patient.resume_button,
            self.practitioner_bar.situations,
        ]

    def _set_tab_order(self) -> None:
        chain = self.tab_chain()
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)

    def start(self) -> None:
        self.refresh_drafts()
        self.drafts_timer.start()

    def refresh_drafts(self) -> None:
        # Those the card in the reader may open (ctx.viewer: set by _look_from).
        self.runner.submit(
            lambda: scope.desk_drafts(self.ctx),
            self.patient_panel.show_drafts,
            label="factures préparées",
        )

    @Slot(object)
    def _on_drafts_changed(self, _what: object) -> None:
        self.refresh_drafts()

    @Slot(object)
    def _on_draft_requested(self, draft: services.Draft) -> None:
        identity = draft.get("identity") or {}
        vitale = self.session.vitale
        card = vitale[1] if vitale else None
        person = services.matching_beneficiary(card, identity)
        if vitale is not None and card is not None and person is not None:
            choice = PatientChoice(SOURCE_VITALE, person, card, vitale[0])
        else:
            choice = PatientChoice(SOURCE_NIR, services.patient_from_identity(identity))
        self.patient_panel.choose_draft_patient(choice)
        self.invoice_panel.load_draft(draft)

    @Slot(object)
    def _on_date_changed(self, day: dt.date) -> None:
        self.invoice_panel.on_date_changed(day, self.patient_panel.date_error)

    @Slot(object)
    def _on_fse_secured(self, _outcome: object) -> None:
        # A back-dated FSE never makes the next one back-dated.
        self.patient_panel.reset_date()

    @Slot(str, object)
    def _on_card_failed(self, reader: str, exc: BaseException) -> None:
        from ui.card_flow import VITALE
        from ui.errors import is_silent, message_for

        if self.main.card_flow.kinds.get(reader) != VITALE or is_silent(exc):
            return
        people = getattr(exc, "beneficiaries", None)  # client.vitale_public: names were read
        if people:
            self.patient_panel.show_public_vitale(reader, tuple(people))
        else:
            self.patient_panel.show_unreadable_vitale(reader, message_for(exc))

    @Slot(object)
    def _on_practitioner_changed(self, practitioner: Practitioner | None) -> None:
        self.practitioner_bar.show_practitioner(practitioner)
        self.invoice_panel.on_practitioner_changed(practitioner)
        self._look_from(practitioner or self.session.staff)  # then the drafts it may open

    @Slot(object)
    def _on_staff_changed(self, staff: Practitioner | None) -> None:
        self.practitioner_bar.show_staff(staff)
        self._look_from(self.session.practitioner or staff)

    def _look_from(self, card: Practitioner | None) -> None:
        """The card in the reader decides what the post shows (issue #26): the scope of
        the FSE list and the dashboard, and the invoices prepared for it."""
        card_id = card.identity.national_id if card is not None else None
        own = frozenset(
            s.billing_number + s.billing_key
            for s in (card.situations if card is not None and card.may_sign else ())
            if not s.replacement_number  # a remplaçant's: recorded as he bills
        )
        self.runner.submit(
            lambda: scope.look_from_card(self.ctx, card_id, own),
            self._show_addressed,
            label="factures préparées pour la carte",
        )

    def _show_addressed(self, looking: scope.Looking) -> None:
        text = drafts_notice(looking.drafts)
        self.addressed_notice.setText(text)
        self.addressed_notice.setVisible(bool(text))
        self.refresh_drafts()  # now listed for this card

    @Slot(int)
    def _on_situation_selected(self, index: int) -> None:
        self.session.select_situation(index)

    @Slot(object)
    def _on_vitale_changed(self, vitale: tuple[str, VitaleCard] | None) -> None:
        """A card leaves or comes: the invoice of the patient of the previous card never
        goes to the next one; the date of care goes back to today."""
        card = vitale[1] if vitale is not None else None
        invoice = self.invoice_panel
        previous = invoice.patient
        if (
            previous is not None
            and previous.card is not None
            and previous.source != SOURCE_APCV  # an ApCV session has no card to lose
            and not previous.is_on_card(card)
        ):
            if invoice.has_acts():
                invoice.park(
                    f"Carte Vitale de {previous.name} retirée"
                    if vitale is None
                    else "Autre carte Vitale insérée"
                )
            self.patient_panel.choice = None
            self._on_patient_chosen(None)
        if vitale is None:
            self.patient_panel.clear_vitale()
            return
        reader, card = vitale
        self.patient_panel.reset_date()
        self.patient_panel.show_vitale(reader, card)
        self.main.go_to(0)

    @Slot(object)
    def _on_patient_chosen(self, choice: PatientChoice | None) -> None:
        self.session.set_patient(choice)
        self.invoice_panel.on_patient_changed(choice)

    @Slot(str)
    def _on_search_requested(self, text: str) -> None:
        self.invoice_panel.search_patients(text)

    @Slot(str, str, str)
    def _on_nir_lookup(self, nir: str, birth: str, rank: str) -> None:
        self.invoice_panel.lookup_nir(nir, birth, rank)

    @Slot(str)
    def _on_apcv_code(self, text: str) -> None:
        self.invoice_panel.lookup.by_apcv(text)

    @Slot()
    def _on_adri_requested(self) -> None:
        self.invoice_panel.request_adri(self.patient_panel.choice)
