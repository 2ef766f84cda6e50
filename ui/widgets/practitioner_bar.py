"""Who bills: the CPS holder and the situation d'exercice, or what to do to start."""

from __future__ import annotations

import logging

from cardio.cps import Situation
from ui.qt import QComboBox, QFrame, QHBoxLayout, QLabel, QWidget, Signal
from ui.session import Practitioner, person_name
from ui.translation import QT_TRANSLATE_NOOP, tr

logger = logging.getLogger(__name__)

SECTORS = {
    "1": QT_TRANSLATE_NOOP("", "secteur 1"),
    "1DP": QT_TRANSLATE_NOOP("", "secteur 1 DP"),
    "2": QT_TRANSLATE_NOOP("", "secteur 2"),
}
MODES = {
    "0": QT_TRANSLATE_NOOP("", "libéral"),
    "1": QT_TRANSLATE_NOOP("", "salarié"),
    "4": QT_TRANSLATE_NOOP("", "remplaçant"),
}


def situation_text(situation: Situation) -> str:
    """'Cabinet X — libéral, secteur 1, n° 12345678' for the situation combo."""
    name = situation.structure_name or "Situation"
    mode = tr(MODES.get(situation.mode, ""))
    sector = tr(SECTORS.get(situation.secteur, ""))
    number = situation.billing_number
    details = ", ".join(x for x in (mode, sector, f"n° {number}" if number else "") if x)
    return f"{name} — {details}" if details else name


class PractitionerBar(QFrame):
    """Top bar of the billing page: practitioner, situation, and the staff card if any."""

    situation_selected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("practitionerBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        self.name_label = QLabel()
        self.name_label.setObjectName("practitionerName")
        self.name_label.setStyleSheet("font-weight: 600;")
        layout.addWidget(self.name_label)
        self.situations = QComboBox()
        self.situations.setObjectName("situations")
        self.situations.setMinimumWidth(260)
        self.situations.setToolTip(tr("Situation d'exercice sous laquelle facturer"))
        self.situations.currentIndexChanged.connect(self._on_index)
        layout.addWidget(self.situations, 1)
        self.staff_label = QLabel("")
        self.staff_label.setObjectName("staffLabel")
        self.staff_label.setProperty("role", "hint")
        layout.addWidget(self.staff_label)
        self._updating = False
        #: The PKCS#11 token awaited (its name, "" unnamed); None: none awaited.
        self._token_missing: str | None = None
        self._practitioner: Practitioner | None = None
        self.show_practitioner(None)

    def show_token_missing(self, name: object) -> None:
        """The desk's PKCS#11 token left (or never came): say so while nobody is shown."""
        self._token_missing = name if isinstance(name, str) else None
        if self._practitioner is None:
            self.show_practitioner(None)

    def show_practitioner(self, practitioner: Practitioner | None) -> None:
        self._updating = True
        self._practitioner = practitioner
        self.situations.clear()
        if practitioner is None:
            if self._token_missing is not None:
                token = f" « {self._token_missing} »" if self._token_missing else ""
                self.name_label.setText(
                    tr(
                        "Carte CPS absente (jeton PKCS#11{token}) : branchez-la ou "
                        "insérez-la pour signer, le code porteur sera demandé."
                    ).format(token=token)
                )
            else:
                self.name_label.setText(
                    tr("Aucune carte CPS : insérez la carte du praticien pour signer.")
                )
            self.situations.setVisible(False)
        else:
            civilite = "Dr " if str(getattr(practitioner.identity, "civilite", "")) == "22" else ""
            self.name_label.setText(f"{civilite}{practitioner.display_name}")
            for situation in practitioner.situations:
                self.situations.addItem(situation_text(situation))
            self.situations.setCurrentIndex(practitioner.situation_index)
            self.situations.setVisible(True)
        self._updating = False

    def show_staff(self, staff: Practitioner | None) -> None:
        if staff is None:
            self.staff_label.setText("")
        else:
            self.staff_label.setText(
                f"Accueil : {person_name(staff.identity)} (CPE, prépare sans signer)"
            )

    def _on_index(self, index: int) -> None:
        if not self._updating and index >= 0:
            self.situation_selected.emit(index)
