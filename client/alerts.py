"""Alerts the user can act on: lots without ARL, lots that failed or were refused, FSE not
sent near the transmission deadline, FSE unpaid beyond the payment guarantee, payments that
match nothing.

Deadlines count French working days (``billing.working_days``): the payment guarantee is 5
working days for FSE sécurisées Vitale and the late-payment indemnity starts beyond 7
[convention 002 L4379]; FSE without the carte Vitale (dégradé, or sans Vitale on ADRi alone)
carry no guarantee [002 L4317, L4380] and get no payment alert. The transmission deadline is
configurable (the convention only says "délais réglementaires" [002 L4293]).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from billing.fse_states import FseState
from billing.lot import LotState
from billing.working_days import add_working_days, working_days_between
from client.settings import Settings
from client.store import OutboxStatus, Store, parse_db_stamp, stamp

logger = logging.getLogger(__name__)


class AlertKind(StrEnum):
    """What an alert is about."""

    ARL_MISSING = "arl_manquant"
    SEND_FAILED = "envoi_en_echec"
    LOT_REFUSED = "lot_refuse"
    DEADLINE = "delai_de_transmission"
    GUARANTEE = "garantie_de_paiement"
    INDEMNITY = "indemnite_de_retard"
    UNMATCHED = "paiement_non_rapproche"


class AlertLevel(StrEnum):
    """How urgent."""

    INFO = "info"
    WARNING = "attention"
    URGENT = "urgent"


@dataclass(frozen=True, slots=True)
class Alert:
    """One thing for the user to look at, with what to do."""

    key: str
    kind: AlertKind
    level: AlertLevel
    message: str
    action: str
    since: str  # AAAA-MM-JJ

    def to_json(self) -> dict[str, Any]:
        """For ``sesam alerts --json``."""
        return {
            "cle": self.key,
            "type": self.kind.value,
            "niveau": self.level.value,
            "message": self.message,
            "action": self.action,
            "depuis": self.since,
        }


def _fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _acked(store: Store) -> set[str]:
    return {str(r["key"]) for r in store.db.query("SELECT key FROM alerts_ack")}


def acknowledge(store: Store, key: str, now: datetime) -> bool:
    """Hide an alert (it comes back only if its key changes); False for an unknown key."""
    with store.write():
        store.db.execute(
            "INSERT INTO alerts_ack (key, acked_at) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET acked_at = excluded.acked_at",
            [key, stamp(now)],
        )
    return True


def _lot_alerts(store: Store, settings: Settings, now: datetime) -> list[Alert]:
    alerts: list[Alert] = []
    limit = timedelta(days=settings.arl_alert_days)
    rows = store.db.query(
        "SELECT t.lot_id, t.first_attempt_at, t.received_at, t.attempts, l.number, l.state "
        "FROM transmissions t JOIN lots l ON l.id = t.lot_id "
        "LEFT JOIN arl a ON a.lot_id = t.lot_id WHERE a.lot_id IS NULL"
    )
    for row in rows:
        if row["state"] in (LotState.ACKNOWLEDGED.value, LotState.REFUSED.value):
            continue
        start_text = row["received_at"] or row["first_attempt_at"]
        if start_text is None:
            continue
        start = parse_db_stamp(start_text)
        if now - start < limit:
            continue
        days = (now - start).days
        if row["received_at"]:
            message = (
                f"Lot n° {row['number']} reçu par le concentrateur le {_fr(start.date())}, "
                f"sans accusé de réception (ARL) depuis {days} jour(s)."
            )
            action = (
                "Relancez l'envoi (sesam queue send) : le lot est renvoyé sans risque de "
                "doublon. Si l'ARL ne vient toujours pas, contactez votre caisse."
            )
        else:
            message = (
                f"Lot n° {row['number']} non transmis depuis le {_fr(start.date())} "
                f"({row['attempts']} essai(s)) : pas d'accusé de réception (ARL)."
            )
            action = "Vérifiez la connexion Internet puis relancez l'envoi (sesam queue send)."
        alerts.append(
            Alert(
                f"{AlertKind.ARL_MISSING.value}:{row['lot_id']}",
                AlertKind.ARL_MISSING,
                AlertLevel.WARNING,
                message,
                action,
                start.date().isoformat(),
            )
        )
    for failed in store.outbox_rows(OutboxStatus.FAILED):
        lot = store.lot_by_id(failed.id)
        alerts.append(
            Alert(
                f"{AlertKind.SEND_FAILED.value}:{failed.id}",
                AlertKind.SEND_FAILED,
                AlertLevel.URGENT,
                f"Lot n° {lot.number} en échec d'envoi : {failed.last_error or 'erreur inconnue'}",
                f"Corrigez la cause puis relancez-le (sesam queue retry {lot.number}).",
                failed.updated_at.date().isoformat(),
            )
        )
    for lot in store.lots(state=LotState.REFUSED):
        arl = list(store.db.query("SELECT motifs, received_at FROM arl WHERE lot_id = ?", [lot.id]))
        motifs = json.loads(arl[0]["motifs"]) if arl else []
        text = "; ".join(f"{m['code']} {m['libelle']}" for m in motifs[:3]) or "motif non précisé"
        alerts.append(
            Alert(
                f"{AlertKind.LOT_REFUSED.value}:{lot.id}",
                AlertKind.LOT_REFUSED,
                AlertLevel.URGENT,
                f"Lot n° {lot.number} refusé par le concentrateur (ARL négatif) : {text}.",
                "Corrigez les FSE concernées et refacturez-les ; le lot tel quel sera refusé "
                "à nouveau.",
                (
                    parse_db_stamp(arl[0]["received_at"]).date() if arl else lot.created_at.date()
                ).isoformat(),
            )
        )
    return alerts


def _fse_alerts(store: Store, settings: Settings, now: datetime) -> list[Alert]:
    alerts: list[Alert] = []
    today = now.date()
    sub = settings.holiday_subdivision
    for fse in store.fse_list():
        if fse.state in (FseState.SECURED, FseState.IN_LOT):
            deadline = add_working_days(
                fse.care_date, settings.transmission_deadline_working_days, subdivision=sub
            )
            left = working_days_between(today, deadline, subdivision=sub)
            if today > deadline:
                level, when = AlertLevel.URGENT, f"délai dépassé depuis le {_fr(deadline)}"
            elif left <= settings.transmission_warning_working_days:
                level, when = AlertLevel.WARNING, f"à transmettre avant le {_fr(deadline)}"
            else:
                continue
            alerts.append(
                Alert(
                    f"{AlertKind.DEADLINE.value}:{fse.fse_uuid}",
                    AlertKind.DEADLINE,
                    level,
                    f"FSE n° {fse.number} du {_fr(fse.care_date)} pas encore transmise : {when}.",
                    "Fermez le lot et envoyez-le (sesam queue send). En cas de nouvel échec, "
                    "établissez un duplicata papier de la FSE.",
                    fse.care_date.isoformat(),
                )
            )
    acknowledged = store.db.query(
        "SELECT f.fse_uuid, f.number, f.mode, f.lot_id, a.received_at "
        "FROM fse f JOIN arl a ON a.lot_id = f.lot_id WHERE f.state = ?",
        [FseState.ACKNOWLEDGED.value],
    )
    for row in acknowledged:
        if row["mode"] != "vitale":
            continue  # no garantie de paiement without the carte Vitale
        start = parse_db_stamp(row["received_at"]).date()
        waited = working_days_between(start, today, subdivision=sub)
        if waited > settings.indemnity_working_days:
            kind, level = AlertKind.INDEMNITY, AlertLevel.URGENT
            message = (
                f"FSE n° {row['number']} sécurisée Vitale non payée {waited} jours ouvrés après "
                f"sa réception ({_fr(start)}) : au-delà de {settings.indemnity_working_days} "
                "jours ouvrés, l'indemnité de retard de paiement est due."
            )
            action = "Signalez le retard à la caisse et demandez l'indemnité de retard."
        elif waited > settings.guarantee_working_days:
            kind, level = AlertKind.GUARANTEE, AlertLevel.WARNING
            message = (
                f"FSE n° {row['number']} sécurisée Vitale non payée {waited} jours ouvrés après "
                f"sa réception ({_fr(start)}) : la garantie de traitement sous "
                f"{settings.guarantee_working_days} jours ouvrés est dépassée."
            )
            action = "Récupérez les retours NOEMIE (sesam returns fetch) puis relancez la caisse."
        else:
            continue
        alerts.append(
            Alert(
                f"{kind.value}:{row['fse_uuid']}", kind, level, message, action, start.isoformat()
            )
        )
    return alerts


def _unmatched_alerts(store: Store) -> list[Alert]:
    alerts = []
    for row in store.db.query("SELECT * FROM unmatched_payments WHERE resolved_at IS NULL"):
        what = (
            f"paiement de {row['paid_amo']} € AMO + {row['paid_amc']} € AMC"
            if row["outcome"] == "P"
            else f"rejet {row['motif_code']}"
        )
        alerts.append(
            Alert(
                f"{AlertKind.UNMATCHED.value}:{row['noemie_sha256'][:12]}:{row['fse_uuid']}",
                AlertKind.UNMATCHED,
                AlertLevel.WARNING,
                f"Retour NOEMIE non rapproché : {what} pour la FSE {row['fse_uuid']} "
                f"(soins du {row['care_date']}) : {row['reason']}.",
                "Vérifiez la facture concernée ; le retour est conservé "
                "(sesam returns list --non-rapproches).",
                parse_db_stamp(row["recorded_at"]).date().isoformat(),
            )
        )
    return alerts


_ORDER = {AlertLevel.URGENT: 0, AlertLevel.WARNING: 1, AlertLevel.INFO: 2}


def compute_alerts(
    store: Store, settings: Settings, now: datetime, *, include_acknowledged: bool = False
) -> list[Alert]:
    """Every current alert, most urgent first."""
    alerts = [
        *_lot_alerts(store, settings, now),
        *_fse_alerts(store, settings, now),
        *_unmatched_alerts(store),
    ]
    if not include_acknowledged:
        hidden = _acked(store)
        alerts = [a for a in alerts if a.key not in hidden]
    return sorted(alerts, key=lambda a: (_ORDER[a.level], a.since, a.key))
