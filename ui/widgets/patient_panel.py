# Over 500 lines: one widget, the desk's patient column (card, list, search, NIR, dégradé).
"""The patient side of the point of care: bénéficiaires of the Vitale card and their rights,
or, without a card, the local patients, identification by NIR, or dégradé chosen explicitly."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from cardio.vitale import Beneficiary, PublicBeneficiary, VitaleCard
from client.apcv import ApcvBeneficiary, ApcvSession
from client.context import LocalPatient
from client.desk import DeskError, InvoicePatient, PatientSource, check_care_date
from client.usecases.rights import AdriPatient
from client.usecases.scope import DeskDraft
from ui.dialogs.focus import back_to_window
from ui.dialogs.without_card import ask_degrade_reason, ask_nir
from ui.fmt import date_fr, nir_display
from ui.qt import (
    QAbstractItemView,
    QComboBox,
    QDate,
    QGroupBox,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRegularExpressionValidator,
    QShortcut,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.session import person_name
from ui.translation import tr
from ui.widgets.beneficiary_text import QUALITES, is_public, rights_lines
from ui.widgets.care_date import CareDateEdit

# Re-exported: callers import these from the panel.
__all__ = [
    "QUALITES",
    "SOURCE_DEGRADED",
    "SOURCE_LOCAL",
    "SOURCE_NIR",
    "SOURCE_VITALE",
    "CareDateEdit",
    "PatientChoice",
    "PatientPanel",
    "rights_lines",
]

logger = logging.getLogger(__name__)

#: How the patient was identified (goes with the FSE: SESAM-Vitale or SESAM dégradé).
SOURCE_VITALE = PatientSource.VITALE.value
SOURCE_LOCAL = PatientSource.LOCAL.value
SOURCE_NIR = PatientSource.NIR.value
SOURCE_DEGRADED = PatientSource.DEGRADED.value
SOURCE_APCV = PatientSource.APCV.value

#: The patient being billed and how he was identified (the desk's typed invoice patient).
PatientChoice = InvoicePatient
#: Whom the list shows: a Vitale's bénéficiaire (or only its public zone, from a damaged
#: card), a patient of the local file or typed by hand, or ADRi's answer.
Person = Beneficiary | PublicBeneficiary | LocalPatient | AdriPatient | ApcvBeneficiary
#: A line of the list: (source, person, the Vitale or the ApCV session he came with).
_Item = tuple[str, Person, VitaleCard | ApcvSession | None]


def draft_label(draft: DeskDraft) -> str:
    """The line of a prepared invoice: « patient — acts — préparée par X le … à … »."""
    doc = draft.document
    acts = ", ".join(str(a.get("code", "")) for a in doc.get("acts", []) if isinstance(a, dict))
    text = f"{doc.get('patient_name', '')} — {acts}"
    if draft.prepared_by:
        at = draft.saved_at.astimezone()
        text += (
            tr(" — préparée par %1 le %2 à %3")
            .replace("%1", draft.prepared_by_name or draft.prepared_by)
            .replace("%2", f"{at:%d/%m/%Y}")
            .replace("%3", f"{at:%H:%M}")
        )
    return text


class PatientPanel(QGroupBox):
    """Vitale bénéficiaires (the one selected is the one billed), rights, alternatives."""

    patient_chosen = Signal(object)  # PatientChoice | None: the invoice's patient
    patient_confirmed = Signal()  # Entrée / double click: on to the acts
    search_requested = Signal(str)
    adri_requested = Signal()
    nir_lookup_requested = Signal(str, str, str)  # NIR, birth date AAAAMMJJ, rang
    draft_requested = Signal(object)  # a prepared invoice (dict)
    date_changed = Signal(object)  # dt.date

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        today: Callable[[], dt.date] = dt.date.today,
        deadline_working_days: int = 3,
        holiday_subdivision: str | None = None,
    ) -> None:
        super().__init__("Patient", parent)
        self.setObjectName("patientPanel")
        self.today = today
        self.deadline_working_days = deadline_working_days
        self.holiday_subdivision = holiday_subdivision
        self.card: VitaleCard | None = None
        self.reader: str | None = None
        self.choice: PatientChoice | None = None
        self.date_error = ""  # the date of care cannot be billed (future)
        layout_ = QVBoxLayout(self)

        date_row = QHBoxLayout()
        date_row.addWidget(QLabel(tr("Date des soins :")))
        self.date_edit = CareDateEdit()
        self.date_edit.setObjectName("careDate")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("dd/MM/yyyy")
        self.date_edit.setToolTip(tr("Tapez la date (ex. 05122026) ou choisissez-la ; Ctrl+D"))
        self._set_qdate(self.today())
        self.date_edit.dateChanged.connect(self._on_date_changed)
        date_row.addWidget(self.date_edit)
        date_row.addStretch(1)
        layout_.addLayout(date_row)
        self.date_hint = QLabel("")
        self.date_hint.setObjectName("careDateHint")
        self.date_hint.setProperty("role", "error")
        self.date_hint.setWordWrap(True)
        self.date_hint.setVisible(False)
        layout_.addWidget(self.date_hint)

        drafts_row = QHBoxLayout()
        self.drafts_combo = QComboBox()
        self.drafts_combo.setObjectName("drafts")
        self.drafts_combo.setToolTip(tr("Factures préparées ou mises en attente"))
        drafts_row.addWidget(self.drafts_combo, 1)
        self.resume_button = QPushButton(tr("Reprendre (Ctrl+E)"))
        self.resume_button.setObjectName("resumeDraft")
        self.resume_button.setShortcut(QKeySequence("Ctrl+E"))
        self.resume_button.clicked.connect(self._on_resume)
        drafts_row.addWidget(self.resume_button)
        self.drafts_widget = QWidget()
        self.drafts_widget.setLayout(drafts_row)
        drafts_row.setContentsMargins(0, 0, 0, 0)
        layout_.addWidget(self.drafts_widget)
        self.show_drafts([])

        self.source_label = QLabel(tr("Insérez la carte Vitale, ou cherchez le patient."))
        self.source_label.setObjectName("patientSource")
        self.source_label.setWordWrap(True)
        layout_.addWidget(self.source_label)

        self.beneficiaries = QListWidget()
        self.beneficiaries.setObjectName("beneficiaries")
        self.beneficiaries.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.beneficiaries.setMinimumHeight(110)
        self.beneficiaries.currentRowChanged.connect(self._on_row_changed)
        self.beneficiaries.itemActivated.connect(self._on_item_activated)
        layout_.addWidget(self.beneficiaries, 1)

        self.rights_box = QLabel("")
        self.rights_box.setObjectName("rights")
        self.rights_box.setWordWrap(True)
        self.rights_box.setTextFormat(Qt.TextFormat.RichText)
        self.rights_box.setMinimumHeight(70)
        self.rights_box.setAlignment(Qt.AlignmentFlag.AlignTop)
        layout_.addWidget(self.rights_box)

        self.adri_button = QPushButton(tr("Actualiser les droits (ADRi)"))
        self.adri_button.setObjectName("adriButton")
        self.adri_button.setToolTip(tr("Ctrl+R"))
        self.adri_button.setShortcut(QKeySequence("Ctrl+R"))
        self.adri_button.clicked.connect(self.adri_requested)
        layout_.addWidget(self.adri_button)

        search_row = QHBoxLayout()
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("patientSearch")
        self.search_edit.setPlaceholderText(tr("Nom du patient ou NIR (Ctrl+F)"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.returnPressed.connect(self._on_search)
        search_row.addWidget(self.search_edit, 1)
        self.degraded_button = QPushButton(tr("Mode dégradé"))
        self.degraded_button.setObjectName("degradedButton")
        self.degraded_button.setToolTip(
            tr(
                "Facturer sans carte Vitale : feuille de soins papier signée par le patient, "
                "puis numérisée (SCOR). Ctrl+Maj+D"
            )
        )
        self.degraded_button.setShortcut(QKeySequence("Ctrl+Shift+D"))
        self.degraded_button.clicked.connect(self._on_degraded)
        search_row.addWidget(self.degraded_button)
        layout_.addLayout(search_row)
        from ui.widgets.apcv_entry import ApcvEntry

        self.apcv_entry = ApcvEntry()  # the application carte Vitale's code
        layout_.addWidget(self.apcv_entry)
        buttons_row = QHBoxLayout()
        self.nir_button = QPushButton(tr("Identifier par NIR (ADRi)… Ctrl+I"))
        self.nir_button.setObjectName("nirButton")
        self.nir_button.setShortcut(QKeySequence("Ctrl+I"))
        self.nir_button.clicked.connect(self.ask_nir)
        buttons_row.addWidget(self.nir_button, 1)
        self.new_patient_button = QPushButton(tr("Nouveau patient… Ctrl+N"))
        self.new_patient_button.setObjectName("newPatientButton")
        self.new_patient_button.setToolTip(
            tr("Saisir l'identité d'un patient sans carte (première visite, mode dégradé)")
        )
        self.new_patient_button.setShortcut(QKeySequence("Ctrl+N"))
        self.new_patient_button.clicked.connect(self.create_patient)
        buttons_row.addWidget(self.new_patient_button, 1)
        layout_.addLayout(buttons_row)
        self.search_hint = QLabel("")
        self.search_hint.setProperty("role", "hint")
        self.search_hint.setWordWrap(True)
        layout_.addWidget(self.search_hint)

        shortcut = QShortcut(QKeySequence("Ctrl+F"), self)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(self._focus_search)
        date_shortcut = QShortcut(QKeySequence("Ctrl+D"), self)
        date_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        date_shortcut.activated.connect(self.date_edit.setFocus)
        self._items: list[_Item] = []
        self._nir_validator = QRegularExpressionValidator(r"[12]\d{12}(\d{2})?")
        #: Reason preset for the next dégradé (a Vitale that could not be read).
        self.preset_degrade_reason = ""
        #: The list holds names a damaged or public-only Vitale gave (Entrée completes them).
        self._public_names = False
        self._check_date()

    # --- date of care ----------------------------------------------------------------
    @property
    def care_date(self) -> dt.date:
        qdate = self.date_edit.date()
        return dt.date(qdate.year(), qdate.month(), qdate.day())

    def _set_qdate(self, day: dt.date) -> None:
        self.date_edit.setDate(QDate(day.year, day.month, day.day))

    def set_care_date(self, day: dt.date) -> None:
        self._set_qdate(day)

    def reset_date(self) -> None:
        """Back to today (after each FSE and each new card): a back-dated invoice is never
        carried to the next patient."""
        self._set_qdate(self.today())
        self._check_date()

    def _check_date(self) -> None:
        try:
            warning = check_care_date(
                self.care_date, self.today(), self.deadline_working_days, self.holiday_subdivision
            )
            self.date_error = ""
            self.date_hint.setProperty("role", "hint")
        except DeskError as exc:
            warning = str(exc)
            self.date_error = warning
            self.date_hint.setProperty("role", "error")
        self.date_hint.setText(warning)
        self.date_hint.setStyleSheet(
            "color: #b3261e;" if self.date_error else ("color: #8a5a00;" if warning else "")
        )
        self.date_hint.setVisible(bool(warning))

    def _on_date_changed(self, _date: QDate) -> None:
        self._check_date()
        row = self.beneficiaries.currentRow()
        if 0 <= row < len(self._items):
            self._show_rights(self._items[row][1])
        self.date_changed.emit(self.care_date)

    # --- invoices prepared at the reception ------------------------------------------
    def show_drafts(self, drafts: list[DeskDraft]) -> None:
        """« Factures préparées »: each with its patient, its acts, and who prepared it
        when (a receptionist's, addressed to the card in the reader: issue #26)."""
        combo = self.drafts_combo
        labels = [draft_label(d) for d in drafts]
        self.drafts_widget.setVisible(bool(drafts))
        shown = [
            (combo.itemText(i), (combo.itemData(i) or {}).get("id")) for i in range(combo.count())
        ]
        if shown == [(label, d.id) for label, d in zip(labels, drafts, strict=True)]:
            return  # read again, unchanged (the page's timer): the choice stays as it is
        chosen = combo.currentData()
        chosen_id = chosen.get("id") if isinstance(chosen, dict) else None
        combo.clear()
        for label, draft in zip(labels, drafts, strict=True):
            combo.addItem(label, draft.document)
            if draft.document.get("id") == chosen_id:
                combo.setCurrentIndex(combo.count() - 1)

    def _on_resume(self) -> None:
        draft = self.drafts_combo.currentData()
        if draft:
            self.draft_requested.emit(draft)

    def choose_draft_patient(self, choice: PatientChoice) -> None:
        self._fill([(choice.source, choice.beneficiary, choice.card)], select=False)
        self.choice = choice
        self.beneficiaries.blockSignals(True)
        self.beneficiaries.setCurrentRow(0)
        self.beneficiaries.blockSignals(False)
        self._show_rights(choice.beneficiary)
        self.source_label.setText(
            "Facture préparée à l'accueil"
            + (
                " : carte Vitale du patient insérée."
                if choice.card is not None
                else " : SESAM sans Vitale (identité saisie à l'accueil)."
            )
        )
        self.patient_chosen.emit(choice)

    # --- Vitale --------------------------------------------------------------------
    def show_vitale(self, reader: str, card: VitaleCard) -> None:
        self.card, self.reader = card, reader
        self.preset_degrade_reason = ""
        people = card.beneficiaries
        if len(people) == 1:
            text = f"Carte Vitale ({reader}) : un bénéficiaire, choisi."
        else:
            text = (
                f"Carte Vitale ({reader}) : {len(people)} bénéficiaires. Choisissez avec les "
                "flèches ou la souris ; Entrée passe aux actes."
            )
        if not card.is_valid_at(self.care_date):
            text += " Carte expirée : facturez en dégradé ou par ADRi."
        self.source_label.setText(text)
        self._fill([(SOURCE_VITALE, p, card) for p in people])
        if people:
            self.beneficiaries.setFocus()

    def clear_vitale(self) -> None:
        if self.choice is not None and self.choice.source == SOURCE_VITALE:
            self.choice = None
            self.patient_chosen.emit(None)
        self.card = None
        self._fill([])
        self.source_label.setText(
            tr("Carte Vitale retirée. Insérez une carte, ou cherchez le patient.")
        )

    def show_unreadable_vitale(self, reader: str, message: str) -> None:
        """A Vitale inserted that cannot be read: say so, and offer the dégradé."""
        self.card, self.reader = None, reader
        self._fill([])
        self.preset_degrade_reason = "carte Vitale défectueuse"
        self.source_label.setText(
            f"Carte Vitale illisible ({reader}) : {message} Facturez en mode dégradé "
            "(Ctrl+Maj+D) : cherchez le patient ou saisissez-le (Nouveau patient)."
        )

    def show_public_vitale(self, reader: str, people: tuple[PublicBeneficiary, ...]) -> None:
        """A Vitale that gave only its public zone (names, NIR; rights unreadable) or, damaged,
        only its names: those are shown to pick from, billed in dégradé, never « illisible »."""
        self.card, self.reader = None, reader
        self.preset_degrade_reason = "carte Vitale défectueuse"
        self._public_names = True
        self._fill([(SOURCE_DEGRADED, p, None) for p in people])
        self.source_label.setText(
            f"Carte Vitale ({reader}) : identité lue ({len(people)} bénéficiaire"
            f"{'s' if len(people) > 1 else ''}), droits non lisibles. Choisissez le "
            "bénéficiaire puis Entrée : la FSE sera faite en mode dégradé avec cette identité, "
            "elle ne sera pas « sécurisée Vitale » (pas de garantie de paiement). "
            "Vous pouvez aussi l'identifier par NIR (ADRi) pour facturer sans Vitale."
        )
        if people:
            self.beneficiaries.setFocus()

    def complete_public(self, person: Person) -> None:
        """The identity a damaged or public-only Vitale gave, completed by hand (qualité,
        régime, caisse, centre; the NIR when the card did not give it), billed in dégradé."""
        from ui.dialogs.patient import NewPatientDialog

        patient = NewPatientDialog.ask(self, prefill=person)
        back_to_window(self)
        if patient is not None:
            self.show_created(patient, self.preset_degrade_reason or "carte Vitale défectueuse")
            self.patient_confirmed.emit()

    def show_search_results(self, people: list[LocalPatient]) -> None:
        self.card = None
        self._fill([(SOURCE_LOCAL, p, None) for p in people])
        self.source_label.setText(
            f"{len(people)} patient{'s' if len(people) != 1 else ''} trouvé"
            f"{'s' if len(people) > 1 else ''} dans le fichier local."
            if people
            else "Aucun patient trouvé dans le fichier local."
        )
        if people:
            self.beneficiaries.setFocus()

    def _fill(self, items: list[_Item], *, select: bool = True) -> None:
        """Show ``items``; a single one is selected at once (it is the patient billed)."""
        if not all(is_public(person) for _s, person, _c in items) or not items:
            self._public_names = False
        self._items = items
        self.beneficiaries.blockSignals(True)
        self.beneficiaries.clear()
        for source, person, _card in items:
            birth = getattr(person, "birth_date", None) or getattr(person, "birth_date_raw", None)
            qualite = tr(QUALITES.get(str(getattr(person, "qualite", "") or ""), ""))
            text = f"{person_name(person)}   né(e) le {date_fr(birth)}"
            if qualite:
                text += f"   ({qualite})"
            if source == SOURCE_LOCAL:
                text += "   — fichier local"
            self.beneficiaries.addItem(QListWidgetItem(text))
        self.beneficiaries.setCurrentRow(-1)
        self.beneficiaries.blockSignals(False)
        self.rights_box.setText("")
        if select and len(items) == 1:
            self.beneficiaries.setCurrentRow(0)

    def show_adri(self, patient: AdriPatient) -> None:
        """ADRi's answer: shown as the rights of record; the patient can be billed sans Vitale."""
        self._fill([(SOURCE_NIR, patient, None)])
        rights = patient.rights
        self.source_label.setText(
            f"Droits ADRi au {date_fr(rights.at)} (réf. {rights.reference}). ADRi ne garantit "
            "pas le paiement. Entrée pour facturer en SESAM sans Vitale."
        )
        self.beneficiaries.setFocus()

    def show_apcv(self, session: ApcvSession) -> None:
        """An ApCV session: its bénéficiaires and rights shown like a card's; the one
        chosen is billed « ApCV » (the session signs the FSE)."""
        from ui.widgets.apcv_entry import session_text

        self.card, self.reader = None, None
        self.preset_degrade_reason = ""
        self._fill([(SOURCE_APCV, p, session) for p in session.beneficiaries])
        self.source_label.setText(session_text(session))
        self.apcv_entry.say("")
        self.beneficiaries.setFocus()

    def show_created(self, patient: LocalPatient, degrade_reason: str = "") -> None:
        """A patient typed by hand: billed sans Vitale, or in dégradé with its reason."""
        source = SOURCE_DEGRADED if degrade_reason else SOURCE_NIR
        self._fill([(source, patient, None)], select=False)
        self.choice = PatientChoice(source, patient, degrade_reason=degrade_reason)
        self.beneficiaries.blockSignals(True)
        self.beneficiaries.setCurrentRow(0)
        self.beneficiaries.blockSignals(False)
        self._show_rights(patient)
        self.source_label.setText(
            f"Patient saisi à la main : mode dégradé ({degrade_reason})."
            if degrade_reason
            else "Patient saisi à la main : SESAM sans Vitale (vérifiez ses droits par ADRi)."
        )
        self.patient_chosen.emit(self.choice)

    def _on_row_changed(self, row: int) -> None:
        """Any selection change (arrows, click, Entrée) makes that person the invoice's."""
        if not 0 <= row < len(self._items):
            self.rights_box.setText("")
            return
        _source, person, _card = self._items[row]
        self._show_rights(person)
        self.choose_row(row)

    def _show_rights(self, person: Person) -> None:
        colors = {"ok": "#1b7f3b", "error": "#b3261e", "hint": "#5a6570"}
        html = "<br>".join(
            f'<span style="color:{colors[role]}">{text}</span>'
            for role, text in rights_lines(person, self.care_date)
        )
        nir = PatientChoice(SOURCE_LOCAL, person).nir
        self.rights_box.setText(f"NIR {nir_display(nir)}<br>{html}")

    def _on_item_activated(self, _item: QListWidgetItem) -> None:
        row = self.beneficiaries.currentRow()
        if self._public_names and 0 <= row < len(self._items):
            self.choose_row(row)
            self.complete_public(self._items[row][1])
            return
        self.choose_row(row)
        if self.choice is not None:
            self.patient_confirmed.emit()

    def choose_row(self, row: int) -> None:
        if not 0 <= row < len(self._items):
            return
        source, person, card = self._items[row]
        patient_id = getattr(person, "id", None) if source == SOURCE_LOCAL else None
        if source == SOURCE_LOCAL:
            source = SOURCE_NIR  # a known patient without his card: SESAM sans Vitale
        reason = self.choice.degrade_reason if self.choice is not None else ""
        reason = reason or self.preset_degrade_reason
        choice = PatientChoice(
            source,
            person,
            card,
            self.reader if card else None,
            patient_id,
            reason if source == SOURCE_DEGRADED else "",
        )
        if choice == self.choice:
            return
        self.choice = choice
        self.patient_chosen.emit(self.choice)

    # --- without a card ------------------------------------------------------------
    def _focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def _on_search(self) -> None:
        text = self.search_edit.text().strip()
        if text:
            self.search_requested.emit(text)

    def ask_nir(self) -> None:
        """Sans Vitale: NIR, birth date and rang, then ADRi gives identity and rights."""
        query = ask_nir(self, self.search_edit.text().strip())
        if query is not None:
            self.search_hint.setText(tr("Interrogation ADRi…"))
            self.nir_lookup_requested.emit(query.nir, query.birth, query.rank)

    def create_patient(self, degrade_reason: str = "") -> None:
        """Type a patient's identity by hand (first visit without card, dégradé)."""
        from ui.dialogs.patient import NewPatientDialog

        patient = NewPatientDialog.ask(self)
        back_to_window(self)
        if patient is not None:
            self.show_created(patient, degrade_reason if isinstance(degrade_reason, str) else "")

    def ask_degrade_reason(self) -> str | None:
        """Why the FSE is made in dégradé (the FSE carries it); None when cancelled."""
        return ask_degrade_reason(self, self.preset_degrade_reason)

    def _on_degraded(self) -> None:
        """Dégradé: its reason first, then the selected patient, or one typed by hand."""
        reason = self.ask_degrade_reason()
        if reason is None:
            return
        row = self.beneficiaries.currentRow()
        if 0 <= row < len(self._items):
            _source, person, card = self._items[row]
            if isinstance(card, ApcvSession):  # the ApCV did not secure: its identity only
                card = None
            self.choice = PatientChoice(
                SOURCE_DEGRADED, person, card, None, getattr(person, "id", None), reason
            )
            self.patient_chosen.emit(self.choice)
            self.search_hint.setText(
                tr(
                    "Mode dégradé ({reason}) : la feuille de soins sera imprimée pour signature."
                ).replace("{reason}", reason)
            )
            return
        self.create_patient(reason)
