"""The patient side of the point of care: bénéficiaires of the Vitale card and their rights,
or, without a card, the local patients, identification by NIR, or dégradé chosen explicitly."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from cardio import layout
from ui.fmt import date_fr, nir_display
from ui.qt import (
    QAbstractItemView,
    QComboBox,
    QDate,
    QDateEdit,
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
from ui.translation import QT_TRANSLATE_NOOP, tr

logger = logging.getLogger(__name__)

QUALITES = {
    "00": QT_TRANSLATE_NOOP("", "assuré"),
    "01": QT_TRANSLATE_NOOP("", "ascendant"),
    "02": QT_TRANSLATE_NOOP("", "conjoint"),
    "03": QT_TRANSLATE_NOOP("", "conjoint divorcé"),
    "04": QT_TRANSLATE_NOOP("", "concubin"),
    "05": QT_TRANSLATE_NOOP("", "conjoint séparé"),
    "06": QT_TRANSLATE_NOOP("", "enfant"),
    "07": QT_TRANSLATE_NOOP("", "bénéficiaire hors article 313"),
    "08": QT_TRANSLATE_NOOP("", "veuf"),
    "09": QT_TRANSLATE_NOOP("", "autre ayant droit"),
}

#: How the patient was identified (goes with the FSE: SESAM-Vitale or SESAM dégradé).
SOURCE_VITALE = "vitale"
SOURCE_LOCAL = "local"
SOURCE_NIR = "nir"
SOURCE_DEGRADED = "degrade"


@dataclass(frozen=True, slots=True)
class PatientChoice:
    """The patient being billed and how he was identified."""

    source: str
    beneficiary: Any  # cardio.vitale.Beneficiary, or a stored patient
    card: Any = None  # cardio.vitale.VitaleCard when read from a card
    reader: str | None = None
    patient_id: Any = None  # id in the local store, once created

    @property
    def name(self) -> str:
        return person_name(self.beneficiary)

    @property
    def nir(self) -> str:
        b = self.beneficiary
        with_key = getattr(b, "nir_with_key", None)
        if isinstance(with_key, str):
            return with_key
        nir = str(getattr(b, "nir", "") or "")
        key = str(getattr(b, "nir_key", "") or "")
        return nir + key if len(nir) == 13 else nir

    @property
    def degraded(self) -> bool:
        return self.source != SOURCE_VITALE


def rights_lines(beneficiary: Any, day: dt.date) -> list[tuple[str, str]]:
    """(role, sentence) lines for the rights at ``day``: role is 'ok', 'error' or 'hint'."""
    rights_at = getattr(beneficiary, "rights_at", None)
    if not callable(rights_at):
        return [("hint", "Droits non lus : vérifiez-les par ADRi.")]
    rights = rights_at(day)
    lines: list[tuple[str, str]] = []
    if rights.amo:
        lines.append(("ok", f"Droits AMO ouverts au {date_fr(day)}."))
    else:
        lines.append(("error", f"Pas de droits AMO au {date_fr(day)} : actualisez par ADRi."))
    for coverage in rights.coverages:
        lines.append(("ok", _coverage_text(coverage)))
    amc = rights.amc
    if amc is not None:
        tp = "tiers payant" if amc.tiers_payant else "sans tiers payant"
        lines.append(("hint", f"Complémentaire {amc.organism} ({tp})."))
    else:
        lines.append(("hint", "Pas de complémentaire sur la carte."))
    return lines


def _coverage_text(coverage: Any) -> str:
    kind = str(getattr(coverage, "kind", ""))
    code = str(getattr(coverage, "code", "") or "")
    end = getattr(coverage, "end", None)
    until = f" jusqu'au {date_fr(end)}" if end else ""
    if kind == layout.COVERAGE_ALD:
        return f"ALD (exonération du ticket modérateur){until} — code {code}."
    if kind == layout.COVERAGE_C2S:
        return f"C2S (complémentaire santé solidaire){until} : pas d'avance de frais."
    if kind == layout.COVERAGE_MATERNITY:
        return f"Maternité (prise en charge à 100 %){until}."
    if kind == layout.COVERAGE_AT_MP:
        return f"Accident du travail / maladie professionnelle{until}."
    return f"{kind} {code}{until}."


class PatientPanel(QGroupBox):
    """Vitale bénéficiaires (pick one with the arrows and Entrée), rights, alternatives."""

    patient_chosen = Signal(object)  # PatientChoice | None
    search_requested = Signal(str)
    adri_requested = Signal()
    nir_lookup_requested = Signal(str, str, str)  # NIR, birth date AAAAMMJJ, rang
    draft_requested = Signal(object)  # a prepared invoice (dict)
    date_changed = Signal(object)  # dt.date

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Patient", parent)
        self.setObjectName("patientPanel")
        self.card: Any = None
        self.reader: str | None = None
        self.choice: PatientChoice | None = None
        layout_ = QVBoxLayout(self)

        date_row = QHBoxLayout()
        date_row.addWidget(QLabel(tr("Date des soins :")))
        self.date_edit = QDateEdit()
        self.date_edit.setObjectName("careDate")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("dd/MM/yyyy")
        self.date_edit.setDate(QDate.currentDate())
        self.date_edit.dateChanged.connect(self._on_date_changed)
        date_row.addWidget(self.date_edit)
        date_row.addStretch(1)
        layout_.addLayout(date_row)

        drafts_row = QHBoxLayout()
        self.drafts_combo = QComboBox()
        self.drafts_combo.setObjectName("drafts")
        self.drafts_combo.setToolTip(tr("Factures préparées à l'accueil, qui attendent la CPS"))
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
        self.nir_button = QPushButton(tr("Identifier par NIR (ADRi)… Ctrl+I"))
        self.nir_button.setObjectName("nirButton")
        self.nir_button.setShortcut(QKeySequence("Ctrl+I"))
        self.nir_button.clicked.connect(self.ask_nir)
        layout_.addWidget(self.nir_button)
        self.search_hint = QLabel("")
        self.search_hint.setProperty("role", "hint")
        self.search_hint.setWordWrap(True)
        layout_.addWidget(self.search_hint)

        shortcut = QShortcut(QKeySequence("Ctrl+F"), self)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(self._focus_search)
        self._items: list[tuple[str, Any, Any]] = []  # (source, person, card)
        self._nir_validator = QRegularExpressionValidator(r"[12]\d{12}(\d{2})?")

    @property
    def care_date(self) -> dt.date:
        qdate = self.date_edit.date()
        return dt.date(qdate.year(), qdate.month(), qdate.day())

    def set_care_date(self, day: dt.date) -> None:
        self.date_edit.setDate(QDate(day.year, day.month, day.day))

    # --- invoices prepared at the reception ------------------------------------------
    def show_drafts(self, drafts: list[dict[str, Any]]) -> None:
        self.drafts_combo.clear()
        for draft in drafts:
            acts = ", ".join(a["code"] for a in draft.get("acts", []))
            self.drafts_combo.addItem(f"{draft.get('patient_name', '')} — {acts}", draft)
        self.drafts_widget.setVisible(bool(drafts))

    def _on_resume(self) -> None:
        draft = self.drafts_combo.currentData()
        if draft:
            self.draft_requested.emit(draft)

    def choose_draft_patient(self, choice: PatientChoice) -> None:
        self._fill([(choice.source, choice.beneficiary, choice.card)])
        self.choice = choice
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
    def show_vitale(self, reader: str, card: Any) -> None:
        self.card, self.reader = card, reader
        people = tuple(getattr(card, "beneficiaries", ()) or ())
        self.source_label.setText(
            f"Carte Vitale ({reader}) : {len(people)} bénéficiaire"
            f"{'s' if len(people) > 1 else ''}. Choisissez avec les flèches, puis Entrée."
        )
        valid = getattr(card, "is_valid_at", None)
        if callable(valid) and not valid(self.care_date):
            self.source_label.setText(
                self.source_label.text() + " Carte expirée : facturez en dégradé ou par ADRi."
            )
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

    def show_search_results(self, people: list[Any]) -> None:
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

    def _fill(self, items: list[tuple[str, Any, Any]]) -> None:
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
        self.beneficiaries.blockSignals(False)
        self.rights_box.setText("")
        if items:
            self.beneficiaries.setCurrentRow(0)

    def show_adri(self, patient: Any) -> None:
        """ADRi's answer: shown as the rights of record; the patient can be billed sans Vitale."""
        self._fill([(SOURCE_NIR, patient, None)])
        rights = patient.rights
        self.source_label.setText(
            f"Droits ADRi au {date_fr(rights.at)} (réf. {rights.reference}). ADRi ne garantit "
            "pas le paiement. Entrée pour facturer en SESAM sans Vitale."
        )
        self.beneficiaries.setFocus()

    def _on_row_changed(self, row: int) -> None:
        if not 0 <= row < len(self._items):
            self.rights_box.setText("")
            return
        _source, person, _card = self._items[row]
        self._show_rights(person)

    def _show_rights(self, person: Any) -> None:
        colors = {"ok": "#1b7f3b", "error": "#b3261e", "hint": "#5a6570"}
        html = "<br>".join(
            f'<span style="color:{colors[role]}">{text}</span>'
            for role, text in rights_lines(person, self.care_date)
        )
        nir = PatientChoice(SOURCE_LOCAL, person).nir
        self.rights_box.setText(f"NIR {nir_display(nir)}<br>{html}")

    def _on_item_activated(self, _item: QListWidgetItem) -> None:
        self.choose_row(self.beneficiaries.currentRow())

    def choose_row(self, row: int) -> None:
        if not 0 <= row < len(self._items):
            return
        source, person, card = self._items[row]
        patient_id = getattr(person, "id", None) if source == SOURCE_LOCAL else None
        if source == SOURCE_LOCAL:
            source = SOURCE_NIR  # a known patient without his card: SESAM sans Vitale
        self.choice = PatientChoice(source, person, card, self.reader if card else None, patient_id)
        self.patient_chosen.emit(self.choice)

    def _on_date_changed(self, _date: QDate) -> None:
        row = self.beneficiaries.currentRow()
        if 0 <= row < len(self._items):
            self._show_rights(self._items[row][1])
        self.date_changed.emit(self.care_date)

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
        from ui.qt import QDialog, QDialogButtonBox, QFormLayout, QSpinBox

        dialog = QDialog(self)
        dialog.setObjectName("nirDialog")
        dialog.setWindowTitle(tr("Identifier le patient par son NIR"))
        form = QFormLayout(dialog)
        nir = QLineEdit(
            self.search_edit.text().strip()
            if self.search_edit.text().strip().replace(" ", "").isdigit()
            else ""
        )
        nir.setPlaceholderText(tr("13 ou 15 chiffres"))
        birth = QDateEdit()
        birth.setDisplayFormat("dd/MM/yyyy")
        birth.setDate(QDate(1980, 1, 1))
        rank = QSpinBox()
        rank.setRange(1, 9)
        form.addRow(tr("NIR de l'assuré :"), nir)
        form.addRow(tr("Date de naissance :"), birth)
        form.addRow(tr("Rang de naissance :"), rank)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        form.addRow(buttons)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.search_hint.setText(tr("Interrogation ADRi…"))
            self.nir_lookup_requested.emit(
                nir.text().replace(" ", ""), birth.date().toString("yyyyMMdd"), str(rank.value())
            )
        dialog.deleteLater()

    def _on_degraded(self) -> None:
        """Dégradé needs an identified patient: the selected one, or a NIR typed in search."""
        row = self.beneficiaries.currentRow()
        if 0 <= row < len(self._items):
            _source, person, card = self._items[row]
            self.choice = PatientChoice(
                SOURCE_DEGRADED, person, card, None, getattr(person, "id", None)
            )
            self.patient_chosen.emit(self.choice)
            self.search_hint.setText(
                tr("Mode dégradé choisi : la feuille de soins sera imprimée pour signature.")
            )
            return
        self.search_hint.setText(
            tr(
                "Pour le mode dégradé, cherchez d'abord le patient (nom ou NIR), puis "
                "choisissez-le."
            )
        )
