"""Alerts the user can act on: lots without ARL, lots that failed or were refused, FSE not
sent near the transmission deadline, FSE unpaid beyond the payment guarantee, payments that
match nothing.

Deadlines count French working days (``billing.working_days``): the payment guarantee is 5
working days for FSE sécurisées Vitale and the late-payment indemnity starts beyond 7
[convention 002 L4379]; FSE without the carte Vitale (dégradé, or sans Vitale on ADRi alone)
carry no guarantee [002 L4317, L4380] and get no payment alert. The transmission deadline is
configurable (the convention only says "délais réglementaires" [002 L4293]). Partly paid and
rejected FSE raise an alert until the user closes their unpaid remainder (a loss or a claim).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from billing.lot_states import LotState
from billing.money_text import count_fr, euros
from billing.working_days import add_working_days, working_days_between
from client.alert_summaries import ONE_BY_ONE, SUMMARIES
from client.reconciliation import Reconciliation
from client.reject_actions import DEFAULT_REJECT_ACTION, PARTIAL_ACTION, REJECT_ACTIONS
from client.remainders import (
    OpenRemainder,
    RemainderTotals,
    late_amc_parts,
    open_remainders,
    remainder_totals,
)
from client.settings import Settings
from client.store import OutboxStatus, Store, parse_db_stamp

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
    FSE_MISSING = "fse_absentes"  # numbers handed out, no FSE in the store
    LOTS_MISSING = "lots_absents"  # lots signed (counted outside the store), not in it
    NOT_QUEUED = "lot_hors_file"  # a signed lot without its outbox row: never sent
    PARTLY_PAID = "paiement_partiel"  # paid less than billed, remainder not closed
    REJECTED = "fse_rejetee"  # NOEMIE reject, remainder not closed
    AMC_LATE = "part_amc_en_retard"  # AMC part (gestion séparée) unpaid beyond its delay


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


def _day(moment: datetime) -> date:
    """The day at the workstation of an aware moment (stamps are stored in UTC): between
    midnight and 1-2 am in France the UTC date is still yesterday's, which would count
    deadlines and working days from the wrong day."""
    return moment.astimezone().date()


def _acked(store: Store) -> set[str]:
    return store.alerts.acked_keys()


def acknowledge(store: Store, key: str, now: datetime) -> bool:
    """Hide an alert (it comes back only if its key changes); False for an unknown key."""
    store.alerts.acknowledge(key, now)
    return True


#: Who is looking (issue #26): the practitioners whose alerts are shown; None: all.
Scope = frozenset[str] | None


def _lot_alerts(store: Store, settings: Settings, now: datetime, seen: Scope) -> list[Alert]:
    alerts: list[Alert] = []
    limit = timedelta(days=settings.arl_alert_days)
    for row in store.alerts.lots_without_arl(seen):
        start_text = row.received_at or row.first_attempt_at
        if start_text is None:
            continue
        start = parse_db_stamp(start_text)
        if now - start < limit:
            continue
        days = (now - start).days
        if row.received_at:
            message = (
                f"Lot n° {row.number} reçu par le concentrateur le {_fr(_day(start))}, "
                f"sans accusé de réception (ARL) depuis {days} jour(s)."
            )
            action = (
                "Relancez l'envoi (sesam queue send) : le lot est renvoyé sans risque de "
                "doublon. Si l'ARL ne vient toujours pas, contactez votre caisse."
            )
        else:
            message = (
                f"Lot n° {row.number} non transmis depuis le {_fr(_day(start))} "
                f"({row.attempts} essai(s)) : pas d'accusé de réception (ARL)."
            )
            action = "Vérifiez la connexion Internet puis relancez l'envoi (sesam queue send)."
        alerts.append(
            Alert(
                f"{AlertKind.ARL_MISSING.value}:{row.lot_id}",
                AlertKind.ARL_MISSING,
                AlertLevel.WARNING,
                message,
                action,
                _day(start).isoformat(),
            )
        )
    failures = store.outbox_rows(OutboxStatus.FAILED)
    if seen is not None:  # another practitioner's lots are not this card's business
        mine = store.alerts.seen_lots([f.id for f in failures], seen)
        failures = [f for f in failures if f.id in mine]
    for failed in failures:
        lot = store.lot_by_id(failed.id)
        alerts.append(
            Alert(
                f"{AlertKind.SEND_FAILED.value}:{failed.id}",
                AlertKind.SEND_FAILED,
                AlertLevel.URGENT,
                f"Lot n° {lot.number} en échec d'envoi : {failed.last_error or 'erreur inconnue'}",
                f"Corrigez la cause puis relancez-le (sesam queue retry {lot.number}).",
                _day(failed.updated_at).isoformat(),
            )
        )
    # Another practitioner's lots left out (few refused lots: filtered here).
    refused = [
        lot
        for lot in store.lots(state=LotState.REFUSED)
        if seen is None or lot.practitioner_id in seen
    ]
    arls = store.alerts.refusals([lot.id for lot in refused])
    for lot in refused:
        arl = arls.get(lot.id)
        motifs = json.loads(arl.motifs) if arl else []
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
                    _day(parse_db_stamp(arl.received_at)) if arl else _day(lot.created_at)
                ).isoformat(),
            )
        )
    return alerts


def _deadline_cutoff(today: date, settings: Settings) -> date:
    """The latest care date whose FSE, still unsent, gets a deadline alert today: the alert
    depends on the care date alone and grows with its age, so the database selects them."""
    sub = settings.holiday_subdivision
    day = today + timedelta(days=1)
    for _ in range(3660):
        day -= timedelta(days=1)
        deadline = add_working_days(
            day, settings.transmission_deadline_working_days, subdivision=sub
        )
        left = working_days_between(today, deadline, subdivision=sub)
        if today > deadline or left <= settings.transmission_warning_working_days:
            return day
    return day


def _guarantee_cutoff(today: date, settings: Settings) -> date:
    """The latest ARL date whose FSE, still unpaid, gets a guarantee alert today."""
    sub = settings.holiday_subdivision
    day = today + timedelta(days=1)
    for _ in range(3660):
        day -= timedelta(days=1)
        if working_days_between(day, today, subdivision=sub) > settings.guarantee_working_days:
            return day
    return day


#: Above this many FSE alerts of one kind (deadline, guarantee, indemnity), one alert sums
#: them up, as for the remainders: tens of thousands of lines help nobody (issue #27).
FSE_ONE_BY_ONE = 20

_DEADLINE_ACTION = (
    "Fermez le lot et envoyez-le (sesam queue send). En cas de nouvel échec, "
    "établissez un duplicata papier de la FSE."
)
_INDEMNITY_ACTION = "Signalez le retard à la caisse et demandez l'indemnité de retard."
_GUARANTEE_ACTION = "Récupérez les retours NOEMIE (sesam returns fetch) puis relancez la caisse."


def _fse_alerts(store: Store, settings: Settings, now: datetime, seen: Scope) -> list[Alert]:
    """Deadline and guarantee alerts. Only the FSE that have one are read (an index on the
    state, a bound on the date): at a million FSE a walk of every row took half a minute.
    Past :data:`FSE_ONE_BY_ONE` of a kind, one alert counts them."""
    return [
        *_deadline_alerts(store, settings, now, seen),
        *_guarantee_alerts(store, settings, now, seen),
    ]


def _deadline_alerts(store: Store, settings: Settings, now: datetime, seen: Scope) -> list[Alert]:
    today = _day(now)
    sub = settings.holiday_subdivision
    deadlines: dict[str, date] = {}
    unsent = store.alerts.unsent_fse(_deadline_cutoff(today, settings).isoformat(), seen)
    for fse in unsent:
        if fse.care_date not in deadlines:
            deadlines[fse.care_date] = add_working_days(
                date.fromisoformat(fse.care_date),
                settings.transmission_deadline_working_days,
                subdivision=sub,
            )
    if len(unsent) > FSE_ONE_BY_ONE:
        late = sum(1 for fse in unsent if today > deadlines[fse.care_date])
        oldest = unsent[0]  # oldest care first
        return [
            Alert(
                f"{AlertKind.DEADLINE.value}:ensemble:{len(unsent)}",
                AlertKind.DEADLINE,
                AlertLevel.URGENT if late else AlertLevel.WARNING,
                f"{count_fr(len(unsent))} FSE pas encore transmises, dont {count_fr(late)} hors "
                f"délai ; la plus ancienne : FSE n° {oldest.number} du "
                f"{_fr(date.fromisoformat(oldest.care_date))}.",
                "Fermez les lots et envoyez-les (sesam queue send). En cas de nouvel échec, "
                "établissez un duplicata papier des FSE hors délai.",
                oldest.care_date,
            )
        ]
    alerts: list[Alert] = []
    for fse in unsent:
        care_date = date.fromisoformat(fse.care_date)
        deadline = deadlines[fse.care_date]
        if today > deadline:
            level, when = AlertLevel.URGENT, f"délai dépassé depuis le {_fr(deadline)}"
        else:
            level, when = AlertLevel.WARNING, f"à transmettre avant le {_fr(deadline)}"
        alerts.append(
            Alert(
                f"{AlertKind.DEADLINE.value}:{fse.fse_uuid}",
                AlertKind.DEADLINE,
                level,
                f"FSE n° {fse.number} du {_fr(care_date)} pas encore transmise : {when}.",
                _DEADLINE_ACTION,
                fse.care_date,
            )
        )
    return alerts


def _guarantee_alerts(store: Store, settings: Settings, now: datetime, seen: Scope) -> list[Alert]:
    """Guarantee and indemnity alerts: the FSE are counted per ARL reception by the
    database; read one by one only for a kind that has few."""
    today = _day(now)
    sub = settings.holiday_subdivision
    # No garantie de paiement without the carte Vitale: mode 'vitale' only.
    received_before = _guarantee_cutoff(today, settings) + timedelta(days=1)
    waits: dict[date, int] = {}

    def classified(stamp: str) -> tuple[AlertKind | None, date, int]:
        start = _day(parse_db_stamp(stamp))
        waited = waits.get(start)
        if waited is None:
            waited = waits[start] = working_days_between(start, today, subdivision=sub)
        if waited > settings.indemnity_working_days:
            return AlertKind.INDEMNITY, start, waited
        if waited > settings.guarantee_working_days:
            return AlertKind.GUARANTEE, start, waited
        return None, start, waited

    # Per kind: its ARL stamps (oldest first) and how many FSE they cover.
    stamps: dict[AlertKind, list[str]] = {AlertKind.INDEMNITY: [], AlertKind.GUARANTEE: []}
    counts: dict[AlertKind, int] = {AlertKind.INDEMNITY: 0, AlertKind.GUARANTEE: 0}
    for group in store.alerts.acknowledged_vitale_by_arl(received_before.isoformat(), seen):
        kind, _start, _waited = classified(group.received_at)
        if kind is not None:
            stamps[kind].append(group.received_at)
            counts[kind] += group.n
    alerts: list[Alert] = []
    for kind, kind_stamps in stamps.items():
        if not kind_stamps:
            continue
        indemnity = kind is AlertKind.INDEMNITY
        level = AlertLevel.URGENT if indemnity else AlertLevel.WARNING
        action = _INDEMNITY_ACTION if indemnity else _GUARANTEE_ACTION
        if indemnity:
            why = (
                f"au-delà de {settings.indemnity_working_days} jours ouvrés, l'indemnité de "
                "retard de paiement est due."
            )
        else:
            why = (
                f"la garantie de traitement sous {settings.guarantee_working_days} jours "
                "ouvrés est dépassée."
            )
        if counts[kind] > FSE_ONE_BY_ONE:
            oldest = _day(parse_db_stamp(kind_stamps[0]))
            days = settings.indemnity_working_days if indemnity else settings.guarantee_working_days
            alerts.append(
                Alert(
                    f"{kind.value}:ensemble:{counts[kind]}",
                    kind,
                    level,
                    f"{count_fr(counts[kind])} FSE sécurisées Vitale non payées plus de "
                    f"{days} jours ouvrés après leur réception (la plus ancienne reçue le "
                    f"{_fr(oldest)}) : {why}",
                    action,
                    oldest.isoformat(),
                )
            )
            continue
        # A kind's stamps are one range of receptions (the wait grows with the age).
        rows = store.alerts.acknowledged_vitale(
            received_before.isoformat(),
            since=kind_stamps[0],
            until=kind_stamps[-1],
            practitioners=seen,
        )
        for row in rows:
            _kind, start, waited = classified(row.received_at)
            alerts.append(
                Alert(
                    f"{kind.value}:{row.fse_uuid}",
                    kind,
                    level,
                    f"FSE n° {row.number} sécurisée Vitale non payée {waited} jours ouvrés "
                    f"après sa réception ({_fr(start)}) : {why}",
                    action,
                    start.isoformat(),
                )
            )
    return alerts


def _unmatched_alerts(store: Store, seen: Scope) -> list[Alert]:
    alerts = []
    for row in store.returns.unmatched(practitioners=seen):
        what = (
            f"paiement de {euros(Decimal(row['paid_amo']))} AMO + "
            f"{euros(Decimal(row['paid_amc']))} AMC"
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
                _day(parse_db_stamp(row["recorded_at"])).isoformat(),
            )
        )
    return alerts


#: Above this many open remainders, one alert sums them up: a list of thousands of lines
#: helps nobody (and costs the dashboard), the FSE list filters them by payment status.
REMAINDERS_ONE_BY_ONE = 20


def _remainder_alerts(store: Store, seen: Scope) -> list[Alert]:
    """Partly paid and rejected FSE whose unpaid remainder the user has not closed (a loss
    or a claim: ``client.remainders``); the database reads those FSE only."""
    totals = remainder_totals(store, seen)
    if totals.unpaid_count > REMAINDERS_ONE_BY_ONE:
        return [_remainders_summed_up(store, totals, seen)]
    alerts = []
    for r in open_remainders(store, practitioners=seen):
        motif = " ".join(x for x in (r.motif_code or "", r.motif_label) if x)
        amount = euros(r.missing)
        if r.amc:  # the complémentaire's own answer to its DRE (gestion séparée)
            alerts.append(_amc_remainder_alert(r, motif, amount))
            continue
        if r.status is Reconciliation.REJECTED:
            kind, level = AlertKind.REJECTED, AlertLevel.URGENT
            message = (
                f"FSE n° {r.number} du {_fr(r.care_date)} rejetée par la caisse : "
                f"{motif or 'motif non précisé'} ({amount} non payés)."
            )
            action = REJECT_ACTIONS.get(r.motif_code or "", DEFAULT_REJECT_ACTION)
        else:
            kind, level = AlertKind.PARTLY_PAID, AlertLevel.WARNING
            message = (
                f"FSE n° {r.number} du {_fr(r.care_date)} payée partiellement : {amount} "
                f"non payés ({motif or 'motif non communiqué par la caisse'})."
            )
            action = PARTIAL_ACTION
        alerts.append(
            Alert(
                f"{kind.value}:{r.fse_uuid}",
                kind,
                level,
                message,
                action,
                r.returned_on.isoformat(),
            )
        )
    return alerts


#: What to do of an AMC part paid short or rejected by the AMC itself.
AMC_REMAINDER_ACTION = (
    "Lisez le motif de la complémentaire : réclamez-lui le montant (retour de la DRE) ou "
    "classez-le en perte (« Clore le reste dû… », sesam returns close)."
)


def _amc_remainder_alert(r: OpenRemainder, motif: str, amount: str) -> Alert:
    amc = f"la complémentaire n° {r.amc_number}" if r.amc_number else "la complémentaire"
    rejected = r.status is Reconciliation.REJECTED
    done = f"rejetée par {amc}" if rejected else f"payée partiellement par {amc}"
    kind = AlertKind.REJECTED if rejected else AlertKind.PARTLY_PAID
    return Alert(
        f"{kind.value}:{r.fse_uuid}:amc",
        kind,
        AlertLevel.URGENT if rejected else AlertLevel.WARNING,
        f"FSE n° {r.number} du {_fr(r.care_date)} : part complémentaire {done} : "
        f"{motif or 'motif non précisé'} ({amount} non payés).",
        AMC_REMAINDER_ACTION,
        r.returned_on.isoformat(),
    )


def _amc_alerts(store: Store, now: datetime, seen: Scope) -> list[Alert]:
    """AMC parts the caisse left to the AMC (gestion séparée) and the AMC has not paid
    within its contractual delay (issue #23: « AMC payments up to 30 days late »)."""
    alerts = []
    for late in late_amc_parts(store, now, practitioners=seen):
        amount = euros(late.amount)
        amc = f"l'AMC n° {late.amc_number}" if late.amc_number else "la complémentaire"
        alerts.append(
            Alert(
                f"{AlertKind.AMC_LATE.value}:{late.fse_uuid}",
                AlertKind.AMC_LATE,
                AlertLevel.WARNING,
                f"FSE n° {late.number} du {_fr(late.care_date)} : part complémentaire de "
                f"{amount} non payée par {amc}, délai dépassé depuis le "
                f"{_fr(late.deadline)}.",
                "Relancez la complémentaire (retour de la demande de remboursement, DRE) ; "
                "si elle a payé autrement, enregistrez son paiement.",
                late.deadline.isoformat(),
            )
        )
    return alerts


def _remainders_summed_up(store: Store, totals: RemainderTotals, seen: Scope) -> Alert:
    oldest = open_remainders(store, limit=1, practitioners=seen)
    partly = totals.unpaid_count - totals.rejected_count
    amount = euros(totals.unpaid_amount)
    return Alert(
        f"{AlertKind.REJECTED.value}:ensemble",
        AlertKind.REJECTED if totals.rejected_count else AlertKind.PARTLY_PAID,
        AlertLevel.URGENT if totals.rejected_count else AlertLevel.WARNING,
        f"{count_fr(totals.unpaid_count)} FSE non payées en entier "
        f"({count_fr(totals.rejected_count)} rejetées, {count_fr(partly)} payées "
        f"partiellement) : {amount} non payés.",
        "Ouvrez la liste des FSE, filtre « Paiement », pour corriger et renvoyer les rejets, "
        "puis clore ou réclamer chaque reste dû.",
        oldest[0].returned_on.isoformat() if oldest else date.today().isoformat(),
    )


def _ranges(numbers: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for n in numbers:
        if out and out[-1][1] == n - 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


_LOST_ACTION = (
    "Des FSE ont pu être sécurisées puis perdues (base écrasée, restaurée ou endommagée). "
    "Gardez une copie du dossier de données, lancez « sesam audit verify », restaurez la "
    "dernière sauvegarde si elle les contient (sesam restore) et prévenez le support ; "
    "ne refacturez pas ces patients avant vérification. Si la sécurisation de ces numéros "
    "avait échoué à l'écran, masquez l'alerte."
)


def gap_alerts(store: Store, now: datetime, seen: Scope = None) -> list[Alert]:
    """Gaps the user must hear of (issue #17): FSE numbers handed out (the counters and
    ``numbering.json``) with no FSE in the store and not known as unused, lots signed
    (counted outside the store) missing from it, signed lots missing from the outbox;
    those of the practitioners ``seen`` only when given."""
    alerts: list[Alert] = []
    today = _day(now).isoformat()
    marks = store.numbering.read()
    counters = {r.practitioner_id: r for r in store.alerts.counters(seen)}
    marked = {pid for pid in marks if seen is None or pid in seen}
    for pid in sorted(set(counters) | marked):
        row = counters.get(pid)
        mark = marks.get(pid, {})
        given = max(row.last_fse_number if row else 0, mark.get("fse", 0))
        if store.alerts.fse_numbers_held(pid, given) < given:
            known = store.alerts.fse_numbers_known(pid)
            missing = [n for n in range(1, given + 1) if n not in known]
            for first, last in _ranges(missing):
                what = (
                    f"FSE n° {first} : numéro attribué, absent du registre"
                    if first == last
                    else f"FSE n° {first} à {last} : numéros attribués, absents du registre"
                )
                alerts.append(
                    Alert(
                        f"{AlertKind.FSE_MISSING.value}:{pid}:{first}-{last}",
                        AlertKind.FSE_MISSING,
                        AlertLevel.URGENT,
                        f"{what} (praticien {pid}).",
                        _LOST_ACTION,
                        today,
                    )
                )
        closings = max(row.lot_closings if row else 0, mark.get("closing", 0))
        lost = closings - store.alerts.signed_lot_count(pid)
        if lost > 0:
            alerts.append(
                Alert(
                    f"{AlertKind.LOTS_MISSING.value}:{pid}:{closings}",
                    AlertKind.LOTS_MISSING,
                    AlertLevel.URGENT,
                    f"{count_fr(lost)} lot(s) signé(s) absent(s) du registre (praticien "
                    f"{pid}) : {count_fr(closings)} lot(s) signé(s) sur ce poste, "
                    f"{count_fr(closings - lost)} dans la base.",
                    "Ces lots ont pu partir ou non vers la caisse. Gardez une copie du dossier "
                    "de données, lancez « sesam audit verify » et prévenez le support ; les "
                    "retours NOEMIE de leurs FSE apparaîtront comme non rapprochés.",
                    today,
                )
            )
    for lot in store.alerts.unqueued_lots(seen):
        alerts.append(
            Alert(
                f"{AlertKind.NOT_QUEUED.value}:{lot.id}",
                AlertKind.NOT_QUEUED,
                AlertLevel.URGENT,
                f"Lot n° {lot.number} signé mais absent de la file d'envoi : il ne serait "
                "jamais transmis.",
                "Lancez « sesam audit verify » (la base a pu être modifiée hors du logiciel) "
                "et prévenez le support avant de refacturer ces FSE.",
                _day(parse_db_stamp(lot.closed_at)).isoformat() if lot.closed_at else today,
            )
        )
    return alerts


_ORDER = {AlertLevel.URGENT: 0, AlertLevel.WARNING: 1, AlertLevel.INFO: 2}


def compute_alerts(
    store: Store,
    settings: Settings,
    now: datetime,
    *,
    include_acknowledged: bool = False,
    practitioners: Scope = None,
    detail: frozenset[AlertKind] = frozenset(),
) -> list[Alert]:
    """Every current alert, most urgent first; those of ``practitioners``' FSE, lots and
    payments only when given (issue #26: who is looking). Past
    :data:`client.alert_summaries.ONE_BY_ONE` lots or payment lines of a kind, one alert
    counts them, unless the kind is in ``detail`` (issue #27)."""
    seen = practitioners
    alerts = [
        *_lot_alerts(store, settings, now, seen),
        *_fse_alerts(store, settings, now, seen),
        *_unmatched_alerts(store, seen),
        *_remainder_alerts(store, seen),
        *_amc_alerts(store, now, seen),
        *gap_alerts(store, now, seen),
    ]
    hidden = set() if include_acknowledged else _acked(store)
    alerts = [a for a in alerts if a.key not in hidden]
    # Summed after the hidden ones are left out (they are not counted), and the sum itself
    # can be hidden: its key names the count, so it comes back when the count changes.
    alerts = [a for a in summed_up(alerts, detail) if a.key not in hidden]
    return sorted(alerts, key=lambda a: (_ORDER[a.level], a.since, a.key))


def summed_up(alerts: list[Alert], detail: frozenset[AlertKind] = frozenset()) -> list[Alert]:
    """``alerts`` with each kind of :data:`client.alert_summaries.SUMMARIES` that has more
    than :data:`~client.alert_summaries.ONE_BY_ONE` of them (and is not in ``detail``)
    replaced by one alert counting them."""
    by_kind: dict[AlertKind, list[Alert]] = {}
    for alert in alerts:
        if alert.kind.value in SUMMARIES and alert.kind not in detail:
            by_kind.setdefault(alert.kind, []).append(alert)
    crowded = {kind: group for kind, group in by_kind.items() if len(group) > ONE_BY_ONE}
    if not crowded:
        return alerts
    kept = [a for a in alerts if a.kind not in crowded]
    for kind, group in crowded.items():
        texts = SUMMARIES[kind.value]
        since = min(a.since for a in group)
        words = {
            "n": count_fr(len(group)),
            "since": _fr(date.fromisoformat(since)),
            "kind": kind.value,
        }
        kept.append(
            Alert(
                f"{kind.value}:ensemble:{len(group)}",
                kind,
                min((a.level for a in group), key=_ORDER.__getitem__),
                texts.message.format(**words),
                texts.action.format(**words),
                since,
            )
        )
    return kept


def is_summed(alert: Alert) -> bool:
    """Does ``alert`` count lots or payment lines listed by ``detail`` (issue #27)?"""
    return alert.kind.value in SUMMARIES and alert.key.startswith(f"{alert.kind.value}:ensemble:")
