"""The French words for every state the user reads, one table per state, shared by the
``sesam`` command and the desk (issue #18: the CLI and the GUI named the same FSE, lot and
card states differently).

The GUI passes these texts through ``tr()`` (French is the source language; the English
translations are in ``ui/i18n/en.py``). Each table covers every member of its enum:
``tests/client/test_labels.py`` fails when a state is added without its words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from billing.fse_states import FseState
from billing.lot_states import LotState
from billing.ocam import OcamDossier, OcamProfession
from billing.securing_modes import SecuringMode  # not billing.fse_model: its records
from client.reconciliation import Reconciliation
from client.store import OutboxStatus

if TYPE_CHECKING:
    from cardio.probe import CardKind
    from cardio.vitale_values import AmcGestion, AmcService

    # The card's tables, made on first use (``__getattr__`` below): the listings read
    # none of them and ``cardio.probe`` / ``cardio.vitale_values`` cost ~10 ms (issue #27).
    CARD_KIND_LABELS: dict[CardKind, str]
    AMC_GESTION_LABELS: dict[AmcGestion, str]
    AMC_SERVICE_LABELS: dict[AmcService, str]


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks a label for ``pyside6-lupdate``, which finds the call by this name (docs/ui.md);
    the GUI translates it with ``tr()`` where shown. ``client`` imports no Qt."""
    return text


#: An FSE's state (singular, the FSE is feminine).
FSE_STATE_LABELS: dict[FseState, str] = {
    FseState.DRAFT: QT_TRANSLATE_NOOP("", "brouillon"),
    FseState.SECURED: QT_TRANSLATE_NOOP("", "sécurisée, lot ouvert"),
    FseState.IN_LOT: QT_TRANSLATE_NOOP("", "lot signé, à envoyer"),
    FseState.SENT: QT_TRANSLATE_NOOP("", "envoyée, ARL attendu"),
    FseState.ACKNOWLEDGED: QT_TRANSLATE_NOOP("", "acceptée (ARL positif)"),
    FseState.REFUSED: QT_TRANSLATE_NOOP("", "refusée (ARL négatif)"),
    FseState.PAID: QT_TRANSLATE_NOOP("", "payée"),
    FseState.REJECTED: QT_TRANSLATE_NOOP("", "rejetée"),
    FseState.CANCELLED: QT_TRANSLATE_NOOP("", "annulée"),
    FseState.RECTIFIED: QT_TRANSLATE_NOOP("", "rectifiée (remplacée par sa FSE rectificative)"),
}

#: A lot's state.
LOT_STATE_LABELS: dict[LotState, str] = {
    LotState.OPEN: QT_TRANSLATE_NOOP("", "ouvert"),
    LotState.CLOSED: QT_TRANSLATE_NOOP("", "signé, à envoyer"),
    LotState.SENT: QT_TRANSLATE_NOOP("", "envoyé, ARL attendu"),
    LotState.ACKNOWLEDGED: QT_TRANSLATE_NOOP("", "accepté (ARL positif)"),
    LotState.REFUSED: QT_TRANSLATE_NOOP("", "refusé (ARL négatif) : à renvoyer"),
    LotState.VOIDED: QT_TRANSLATE_NOOP("", "annulé"),
}

#: A lot's place in the télétransmission queue (its outbox row).
OUTBOX_STATUS_LABELS: dict[OutboxStatus, str] = {
    OutboxStatus.HELD: QT_TRANSLATE_NOOP("", "lot ouvert (pas encore signé)"),
    OutboxStatus.PENDING: QT_TRANSLATE_NOOP("", "en attente d'envoi"),
    OutboxStatus.IN_FLIGHT: QT_TRANSLATE_NOOP("", "envoi en cours"),
    OutboxStatus.DONE: QT_TRANSLATE_NOOP("", "envoyé"),
    OutboxStatus.FAILED: QT_TRANSLATE_NOOP("", "en échec (action requise)"),
}

#: Where an FSE stands for the practitioner's money (ARL and NOEMIE returns).
RECONCILIATION_LABELS: dict[Reconciliation, str] = {
    Reconciliation.PAID: QT_TRANSLATE_NOOP("", "payée"),
    Reconciliation.PARTLY_PAID: QT_TRANSLATE_NOOP("", "payée partiellement (montant différent)"),
    Reconciliation.REJECTED: QT_TRANSLATE_NOOP("", "rejetée"),
    Reconciliation.REFUSED: QT_TRANSLATE_NOOP("", "refusée (ARL négatif)"),
    Reconciliation.WAITING: QT_TRANSLATE_NOOP("", "en attente"),
}

#: How an FSE was secured.
MODE_LABELS: dict[SecuringMode, str] = {
    SecuringMode.VITALE: QT_TRANSLATE_NOOP("", "Vitale"),
    SecuringMode.SANS_VITALE: QT_TRANSLATE_NOOP("", "sans Vitale"),
    SecuringMode.DEGRADE: QT_TRANSLATE_NOOP("", "dégradé"),
    SecuringMode.APCV: QT_TRANSLATE_NOOP("", "ApCV (appli carte Vitale)"),
}


def fse_state_label(value: str) -> str:
    """The words of a stored FSE state; an unknown value (a newer database) as it is."""
    try:
        return FSE_STATE_LABELS[FseState(value)]
    except ValueError:
        return value


def lot_state_label(value: str) -> str:
    """The words of a stored lot state; an unknown value as it is."""
    try:
        return LOT_STATE_LABELS[LotState(value)]
    except ValueError:
        return value


def mode_label(value: str) -> str:
    """The words of a stored securing mode; an unknown value as it is."""
    try:
        return MODE_LABELS[SecuringMode(value)]
    except ValueError:
        return value


def mode_guarantees_payment(value: str) -> bool:
    """Whether an FSE of this (stored) mode carries the garantie de paiement: secured by
    the carte Vitale, the card or its application (ApCV) [002 L4380]."""
    try:
        return SecuringMode(value).guarantees_payment
    except ValueError:
        return False


def card_kind_label(value: str) -> str:
    """The words of a card kind (``CardKind`` value); an unknown value: « carte »."""
    from cardio.probe import CardKind

    labels: dict[CardKind, str] = _card_table("CARD_KIND_LABELS")
    try:
        return labels[CardKind(value)]
    except ValueError:
        return "carte"


#: Said while the desk asks the complémentaire's agreement (tiers payant AMC) before securing.
AMC_ASKING = QT_TRANSLATE_NOOP("", "Demande d'accord à la complémentaire…")

#: The files sent on an OCAM's information request (issue #23, seed 000).
OCAM_DOSSIER_LABELS: dict[OcamDossier, str] = {
    OcamDossier.ADMINISTRATIF: QT_TRANSLATE_NOOP("", "dossier administratif"),
    OcamDossier.MEDICAL: QT_TRANSLATE_NOOP("", "dossier médical"),
    OcamDossier.COPIE: QT_TRANSLATE_NOOP("", "copie des documents du patient"),
}

#: Who may receive a medical file for an OCAM.
OCAM_PROFESSION_LABELS: dict[OcamProfession, str] = {
    OcamProfession.DENTISTE: QT_TRANSLATE_NOOP("", "chirurgien-dentiste"),
    OcamProfession.MEDECIN: QT_TRANSLATE_NOOP("", "médecin"),
}


#: The application refuses to start on a Qt binding that loses references (ui/qt_check.py,
#: docs/upstream-faults.md); ``{version}``: the installed Qt version.
QT_REFERENCE_FAULT = (
    "La bibliothèque d'interface Qt {version} installée perd des références internes "
    "(défaut connu de PySide6 6.12.0) : l'application s'arrêterait brutalement en cours de "
    "travail. Réinstallez les versions testées avec « bash scripts/setup.sh » "
    "(PySide6 6.11.3), puis relancez l'application."
)


def _card_tables() -> dict[str, Any]:
    from cardio.probe import CardKind
    from cardio.vitale_values import AmcGestion, AmcService

    #: The card found in a reader.
    CARD_KIND_LABELS: dict[CardKind, str] = {
        CardKind.VITALE: QT_TRANSLATE_NOOP("", "carte Vitale"),
        CardKind.CPS: QT_TRANSLATE_NOOP("", "carte CPS/CPE"),
        CardKind.UNKNOWN: QT_TRANSLATE_NOOP("", "carte non reconnue"),
    }

    #: How the complémentaire is paid in tiers payant (card tag 86).
    AMC_GESTION_LABELS: dict[AmcGestion, str] = {
        AmcGestion.UNIQUE: QT_TRANSLATE_NOOP("", "gestion unique (la caisse paie les deux parts)"),
        AmcGestion.SEPAREE: QT_TRANSLATE_NOOP(
            "", "gestion séparée (la complémentaire paie sa part elle-même)"
        ),
    }

    #: The kinds of care for which the complémentaire accepts the tiers payant (card tag 87).
    AMC_SERVICE_LABELS: dict[AmcService, str] = {
        AmcService.CONSULTATIONS: QT_TRANSLATE_NOOP("", "consultations"),
        AmcService.TECHNIQUES: QT_TRANSLATE_NOOP("", "actes techniques"),
        AmcService.DENTAIRE: QT_TRANSLATE_NOOP("", "soins dentaires"),
        AmcService.PROTHESE_DENTAIRE: QT_TRANSLATE_NOOP("", "prothèses dentaires"),
        AmcService.PHARMACIE: QT_TRANSLATE_NOOP("", "pharmacie"),
        AmcService.BIOLOGIE: QT_TRANSLATE_NOOP("", "biologie"),
        AmcService.OPTIQUE: QT_TRANSLATE_NOOP("", "optique"),
        AmcService.AUXILIAIRES: QT_TRANSLATE_NOOP("", "auxiliaires médicaux"),
        AmcService.HOSPITALISATION: QT_TRANSLATE_NOOP("", "hospitalisation"),
    }

    return {
        "CARD_KIND_LABELS": CARD_KIND_LABELS,
        "AMC_GESTION_LABELS": AMC_GESTION_LABELS,
        "AMC_SERVICE_LABELS": AMC_SERVICE_LABELS,
    }


def _card_table(name: str) -> Any:
    """One of the card's tables, made once with the others and kept as module globals."""
    if name not in globals():
        globals().update(_card_tables())
    return globals()[name]


def __getattr__(name: str) -> Any:
    """The card's tables on first use (PEP 562); any other name is missing."""
    if name not in ("CARD_KIND_LABELS", "AMC_GESTION_LABELS", "AMC_SERVICE_LABELS"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _card_table(name)
