"""« Corriger et renvoyer » : the rejected FSE's date of care, acts and tiers payant, shown
as billed and open to correction; validating signs its FSE rectificative
(``client.rectify``), which goes into the send queue."""

from __future__ import annotations

import datetime as dt

from billing.fse_states import FseState
from client.rectify import RectifyDraft, RectifyRequest, corrections_from
from client.rectify_apcv import APCV_CHOICES
from ui.dialogs.focus import back_to_window
from ui.fmt import date_fr
from ui.qt import (
    QCheckBox,
    QDate,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from ui.translation import tr

SIGN_BUTTON = "Signer la FSE rectificative"


def _codes(text: str) -> tuple[str, ...]:
    return tuple(c.strip().upper() for c in text.replace("+", ",").split(",") if c.strip())


class RectifyDialog(QDialog):
    """The corrections of one rejected FSE; ``request()`` once accepted."""

    def __init__(self, parent: QWidget | None, draft: RectifyDraft, motif: str = "") -> None:
        super().__init__(parent)
        self.draft = draft
        self.setObjectName("rectifyDialog")
        self.setWindowTitle(
            tr("Corriger et renvoyer la FSE n° %1").replace("%1", str(draft.number))
        )
        self.setModal(True)
        layout = QVBoxLayout(self)
        why = (
            tr("refusée par l'Assurance Maladie (ARL négatif)")
            if draft.state is FseState.REFUSED
            else tr("rejetée par la caisse")
        )
        intro = QLabel(
            f"FSE n° {draft.number} — {draft.patient or 'patient'} — soins du "
            f"{date_fr(draft.care_date)} — {why}" + (f" : {motif}" if motif else "") + "."
        )
        intro.setWordWrap(True)
        intro.setObjectName("rectifyIntro")
        layout.addWidget(intro)
        form = QFormLayout()
        self.date_edit = QDateEdit()
        self.date_edit.setObjectName("rectifyDate")
        self.date_edit.setDisplayFormat("dd/MM/yyyy")
        self.date_edit.setCalendarPopup(True)
        day = draft.care_date
        self.date_edit.setDate(QDate(day.year, day.month, day.day))
        today = dt.date.today()
        self.date_edit.setMaximumDate(QDate(today.year, today.month, today.day))
        form.addRow(tr("Date des soins :"), self.date_edit)
        self.acts_edit = QLineEdit(", ".join(draft.acts))
        self.acts_edit.setObjectName("rectifyActs")
        self.acts_edit.setToolTip(tr("Codes des actes séparés par des virgules, ex. : G, MEG"))
        self.acts_edit.textChanged.connect(self._check)
        form.addRow(tr("Actes :"), self.acts_edit)
        self.amo_box = QCheckBox(tr("tiers payant part obligatoire (AMO)"))
        self.amo_box.setChecked(draft.tiers_payant_amo)
        self.amc_box = QCheckBox(tr("tiers payant part complémentaire (AMC)"))
        self.amc_box.setChecked(draft.tiers_payant_amc)
        form.addRow(tr("Tiers payant :"), self.amo_box)
        form.addRow("", self.amc_box)
        # A rejected ApCV FSE: its session is used up; a new code, or sans Vitale by ADRi.
        self.apcv_code: QLineEdit | None = None
        if draft.apcv:
            self.apcv_code = QLineEdit()
            self.apcv_code.setObjectName("rectifyApcvCode")
            self.apcv_code.setPlaceholderText(
                tr("Code ApCV du patient (vide : SESAM sans Vitale par ADRi)")
            )
            form.addRow(tr("Nouveau code ApCV :"), self.apcv_code)
        layout.addLayout(form)
        hint = QLabel(
            tr(
                "La FSE corrigée reçoit un nouveau numéro et part dans un nouveau lot ; la FSE "
                "n°\u00a0%1 reste dans l'historique, marquée « rectifiée », et ne compte plus dans "
                "les totaux. Le patient est identifié par son NIR (sans carte Vitale)."
            ).replace("%1", str(draft.number))
            if not draft.apcv
            else tr(
                "La FSE corrigée reçoit un nouveau numéro et part dans un nouveau lot ; la FSE "
                "n°\u00a0%1 reste dans l'historique, marquée « rectifiée », et ne compte plus dans "
                "les totaux."
            ).replace("%1", str(draft.number))
        )
        hint.setWordWrap(True)
        hint.setObjectName("rectifyHint")
        layout.addWidget(hint)
        self.apcv_notice = QLabel(APCV_CHOICES if draft.apcv else "")
        self.apcv_notice.setObjectName("rectifyApcv")
        self.apcv_notice.setWordWrap(True)
        self.apcv_notice.setVisible(draft.apcv)
        layout.addWidget(self.apcv_notice)
        self.buttons = QDialogButtonBox()
        self.sign_button = self.buttons.addButton(
            tr(SIGN_BUTTON), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.sign_button.setObjectName("rectifySign")
        self.buttons.addButton(tr("Annuler"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(520, self.sizeHint().height())
        self._check()

    def _check(self) -> None:
        """An FSE bills at least one act: « Signer » waits for one."""
        self.sign_button.setEnabled(bool(_codes(self.acts_edit.text())))

    def request(self) -> RectifyRequest:
        """What the user validated, as the use case takes it."""
        chosen = self.date_edit.date()
        day = dt.date(chosen.year(), chosen.month(), chosen.day())
        corrections = corrections_from(
            self.draft,
            day,
            _codes(self.acts_edit.text()),
            self.amo_box.isChecked(),
            self.amc_box.isChecked(),
        )
        code = self.apcv_code.text().strip() if self.apcv_code is not None else ""
        return RectifyRequest(
            self.draft.number, self.draft.practitioner_id, corrections, apcv_code=code
        )


def ask_rectification(
    parent: QWidget | None, draft: RectifyDraft, motif: str = ""
) -> RectifyRequest | None:
    """Show the dialog; the request to sign, or None when the user cancelled."""
    dialog = RectifyDialog(parent, draft, motif)
    try:
        return dialog.request() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()
        back_to_window(parent)
