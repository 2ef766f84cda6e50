"""Every euro has a status (issue #20): for one FSE, each part — AMO, AMC, patient — billed,
paid, partly paid (the amount missing and the motif in words), rejected (the motif and what
to do), waiting (since when, and the deadline: those of ``client.alerts``), closed by the
user (``client.remainders``).

The caisse parts come from the FSE's latest payment line (NOEMIE), its lot's transmission
and ARL; the patient part from what the desk recorded (``fse_settlements``, m011). Each part
on its own (issue #23): in gestion séparée the AMC part goes to the AMC in a DRE (and the
caisse's NOEMIE leaves it, 199 « pas de traitement »); it waits for the AMC's own payment
(``amc_payments``) until its contractual delay (``billing/tariffs/amc-delais.json``). A few
indexed lookups per FSE: the lists page through the database, never a walk of the store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from billing.fse_states import FseState
from billing.money_text import euros
from billing.noemie_motifs import MOTIFS
from billing.working_days import add_working_days
from client.labels import mode_guarantees_payment
from client.reject_actions import DEFAULT_REJECT_ACTION, PARTIAL_ACTION, REJECT_ACTIONS
from client.remainders import (
    CLOSURE_LABELS,
    Closure,
    ClosureMotif,
    amc_delays,
    latest_closure,
)
from client.settings import Settings
from client.store import FseRow, Store, parse_db_stamp
from client.store.amc_lots import AmcPaymentRow
from client.store.returns import AMC_LEFT_STATES, PaymentRow

ZERO = Decimal("0.00")


class Part(StrEnum):
    """Who pays a share of the FSE."""

    AMO = "amo"
    AMC = "amc"
    PATIENT = "patient"


PART_LABELS: dict[Part, str] = {Part.AMO: "AMO", Part.AMC: "AMC", Part.PATIENT: "Patient"}


class PartStatus(StrEnum):
    """Where one part's money stands."""

    NONE = "sans_objet"  # nothing billed on this part
    WAITING = "en_attente"
    PAID = "payee"
    PARTLY_PAID = "payee_partiellement"
    REJECTED = "rejetee"
    REFUSED = "refusee_arl"
    CLAIMED = "reclamee"  # unpaid remainder claimed from the caisse
    LOST = "perte_acceptee"  # unpaid remainder closed as a loss
    COLLECTED = "reglee"  # patient: collected at the desk
    TO_COLLECT = "a_encaisser"  # patient: not (fully) collected
    NOT_RECORDED = "non_renseignee"  # patient: the desk recorded nothing
    REPLACED = "remplacee"  # rectified: its rectificative bills the care
    CANCELLED = "annulee"


STATUS_LABELS: dict[PartStatus, str] = {
    PartStatus.NONE: "rien à payer",
    PartStatus.WAITING: "en attente",
    PartStatus.PAID: "payée",
    PartStatus.PARTLY_PAID: "payée partiellement",
    PartStatus.REJECTED: "rejetée",
    PartStatus.REFUSED: "refusée (ARL négatif)",
    PartStatus.CLAIMED: "reste réclamé à la caisse",
    PartStatus.LOST: "reste clos (perte acceptée)",
    PartStatus.COLLECTED: "réglée",
    PartStatus.TO_COLLECT: "à encaisser",
    PartStatus.NOT_RECORDED: "règlement non renseigné",
    PartStatus.REPLACED: "remplacée par une FSE rectificative",
    PartStatus.CANCELLED: "annulée",
}


@dataclass(frozen=True, slots=True)
class PartView:
    """One part of an FSE: its money and its status in words."""

    part: Part
    billed: Decimal
    paid: Decimal | None  # None while nothing came back
    missing: Decimal  # billed and not paid (0 while waiting)
    status: PartStatus
    text: str  # the status in a French sentence
    motif_code: str | None = None
    motif: str = ""  # the motif in words
    action: str = ""  # what to do, in French
    since: date | None = None
    deadline: date | None = None

    def to_json(self) -> dict[str, Any]:
        """For ``sesam returns status --json``."""
        return {
            "part": self.part.value,
            "facture": str(self.billed),
            "paye": None if self.paid is None else str(self.paid),
            "manquant": str(self.missing),
            "statut": self.status.value,
            "libelle": STATUS_LABELS[self.status],
            "texte": self.text,
            "motif": self.motif_code,
            "motif_libelle": self.motif,
            "action": self.action,
            "depuis": self.since.isoformat() if self.since else None,
            "echeance": self.deadline.isoformat() if self.deadline else None,
        }


@dataclass(frozen=True, slots=True)
class EuroStatus:
    """Every part of one FSE, and the closure of its unpaid remainder (if any)."""

    fse_uuid: str
    number: int
    care_date: date
    state: FseState
    total_fees: Decimal
    parts: tuple[PartView, ...]
    closure: Closure | None

    @property
    def missing(self) -> Decimal:
        """What the caisse did not pay (AMO + AMC)."""
        return sum((p.missing for p in self.parts if p.part is not Part.PATIENT), ZERO)

    def part(self, part: Part) -> PartView:
        """One part's view."""
        return next(p for p in self.parts if p.part is part)

    def to_json(self) -> dict[str, Any]:
        """For ``sesam returns status --json``."""
        c = self.closure
        return {
            "fse": self.fse_uuid,
            "numero": self.number,
            "date_soins": self.care_date.isoformat(),
            "etat": self.state.value,
            "honoraires": str(self.total_fees),
            "manquant": str(self.missing),
            "parts": [p.to_json() for p in self.parts],
            "cloture": None
            if c is None
            else {
                "motif": c.motif.value,
                "libelle": CLOSURE_LABELS[c.motif],
                "montant": str(c.amount),
                "commentaire": c.comment,
                "le": c.closed_at.isoformat(),
            },
        }


def _fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _local_day(text: str) -> date:
    return parse_db_stamp(text).astimezone().date()


def _waiting(
    store: Store, fse: FseRow, settings: Settings, today: date
) -> tuple[str, date | None, date | None]:
    """(words, since, deadline) of an FSE whose money is still expected, with the
    deadlines the alerts use (``client.alerts``)."""
    sub = settings.holiday_subdivision
    if fse.state in (FseState.SECURED, FseState.IN_LOT):
        deadline = add_working_days(
            fse.care_date, settings.transmission_deadline_working_days, subdivision=sub
        )
        when = (
            f"délai de transmission dépassé depuis le {_fr(deadline)}"
            if today > deadline
            else f"à transmettre avant le {_fr(deadline)}"
        )
        return f"pas encore transmise : {when}", fse.created_at.astimezone().date(), deadline
    lot = store.transmissions.lot_return_times(fse.lot_id or "")
    if fse.state is FseState.SENT:
        sent = lot and (lot.received_at or lot.first_attempt_at)
        since = _local_day(str(sent)) if sent else None
        if since is None:
            return "envoyée, accusé de réception (ARL) attendu", None, None
        deadline = since + timedelta(days=settings.arl_alert_days)
        late = "en retard" if today > deadline else "attendu"
        text = (
            f"envoyée le {_fr(since)}, accusé de réception (ARL) {late} "
            f"(alerte après le {_fr(deadline)})"
        )
        return text, since, deadline
    since = _local_day(lot.arl_at) if lot and lot.arl_at else None
    if since is None:
        return "acceptée par la caisse, paiement attendu", None, None
    # No garantie de paiement without the carte Vitale (the card, or its application).
    if not mode_guarantees_payment(fse.mode):
        text = (
            f"acceptée le {_fr(since)}, paiement attendu (sans garantie de délai : FSE "
            "sans carte Vitale)"
        )
        return text, since, None
    guarantee = add_working_days(since, settings.guarantee_working_days, subdivision=sub)
    indemnity = add_working_days(since, settings.indemnity_working_days, subdivision=sub)
    if today > indemnity:
        text = f"indemnité de retard due depuis le {_fr(indemnity)}"
        deadline = indemnity
    elif today > guarantee:
        text = f"garantie de paiement dépassée depuis le {_fr(guarantee)}"
        deadline = guarantee
    else:
        text = f"garantie de paiement jusqu'au {_fr(guarantee)}"
        deadline = guarantee
    return f"acceptée le {_fr(since)}, paiement attendu : {text}", since, deadline


def _refusal_motif(store: Store, fse: FseRow) -> str:
    text = store.transmissions.arl_motifs(fse.lot_id or "")
    motifs = json.loads(text) if text is not None else []
    mine = [m for m in motifs if m.get("fse") in (None, "", fse.fse_uuid)]
    return "; ".join(f"{m['code']} {m['libelle']}" for m in mine[:3]) or "motif non précisé"


def _caisse_part(
    part: Part,
    billed: Decimal,
    pay: PaymentRow | None,
    fse: FseRow,
    closure: Closure | None,
    waiting: tuple[str, date | None, date | None] | None,
    refusal: str,
) -> PartView:
    if fse.state is FseState.CANCELLED:
        return PartView(part, billed, None, ZERO, PartStatus.CANCELLED, "FSE annulée")
    if fse.state is FseState.RECTIFIED:
        text = "remplacée par une FSE rectificative, qui porte ce montant"
        return PartView(part, billed, None, ZERO, PartStatus.REPLACED, text)
    if billed <= 0:
        return PartView(part, billed, None, ZERO, PartStatus.NONE, "rien de facturé")
    if fse.state is FseState.REFUSED:
        return PartView(
            part,
            billed,
            None,
            billed,
            PartStatus.REFUSED,
            f"refusée par le concentrateur (ARL négatif) : {refusal}",
            motif=refusal,
            action="Corrigez la cause puis renvoyez le lot, ou établissez une FSE rectificative.",
        )
    if pay is None or fse.state not in (FseState.PAID, FseState.REJECTED):
        text, since, deadline = waiting or ("en attente", None, None)
        return PartView(
            part, billed, None, ZERO, PartStatus.WAITING, text, since=since, deadline=deadline
        )
    code = pay.motif_code or None
    words = MOTIFS.get(code or "", pay.motif_label or "")
    returned = date.fromisoformat(pay.paid_on) if pay.paid_on else None
    returned = returned or _local_day(pay.recorded_at)
    if pay.outcome == "rejetee":
        status, paid = PartStatus.REJECTED, ZERO
        text = f"rejetée le {_fr(returned)} : {words or 'motif non précisé'}"
        action = REJECT_ACTIONS.get(code or "", DEFAULT_REJECT_ACTION)
    else:
        paid = pay.paid_amo if part is Part.AMO else pay.paid_amc
        if paid >= billed:
            return PartView(
                part,
                billed,
                paid,
                ZERO,
                PartStatus.PAID,
                f"payée le {_fr(returned)}",
                since=returned,
            )
        status = PartStatus.PARTLY_PAID
        text = (
            f"payée partiellement le {_fr(returned)} : {euros(billed - paid)} non payés "
            f"({words or 'motif non communiqué par la caisse'})"
        )
        action = PARTIAL_ACTION
    missing = billed - paid
    if closure is not None:
        status = PartStatus.LOST if closure.motif is ClosureMotif.LOSS else PartStatus.CLAIMED
        text += f" — {closure.label}"
        action = "Rien à faire." if closure.motif is ClosureMotif.LOSS else "Suivez la réclamation."
    return PartView(part, billed, paid, missing, status, text, code, words, action, since=returned)


def _left_to_amc(
    store: Store, fse: FseRow, amc_number: str, today: date
) -> tuple[str, date | None, date | None]:
    """(words, since, deadline) of an AMC part awaited from the AMC: its delay counts from
    the AMC's acknowledgement of the DRE, else from the caisse's ARL."""
    sent = store.alerts.amc_part_sent(fse.fse_uuid)
    amc_number = sent.amc_number if sent is not None else amc_number
    who = f"l'AMC n° {amc_number}" if amc_number else "la complémentaire"
    if sent is not None:
        since = _local_day(sent.ack_at) if sent.ack_at else None
        if since is None:
            return f"demande de remboursement (DRE) à {who} pas encore reçue", None, None
    else:
        lot = store.transmissions.lot_return_times(fse.lot_id or "")
        since = _local_day(lot.arl_at) if lot and lot.arl_at else None
        if since is None:
            return f"à payer par {who} (gestion séparée)", None, None
    deadline = since + timedelta(days=amc_delays(store).days(since, amc_number))
    if today > deadline:
        text = f"à payer par {who} (gestion séparée) : délai dépassé depuis le {_fr(deadline)}"
    else:
        text = f"à payer par {who} (gestion séparée) avant le {_fr(deadline)}"
    return text, since, deadline


def _paid_by_amc(fse: FseRow, own: AmcPaymentRow, closure: Closure | None) -> PartView:
    """The AMC part as the AMC's own return (DRE) settled it."""
    billed = fse.amc
    words = own.motif_label or MOTIFS.get(own.motif_code, "")
    if own.outcome == "rejete":
        status, paid = PartStatus.REJECTED, ZERO
        text = (
            f"rejetée par la complémentaire le {_fr(own.paid_on)} : {words or 'motif non précisé'}"
        )
        action = "Lisez le motif de la complémentaire ; facturez le patient ou réclamez-lui."
    elif own.paid_amc >= billed:
        text = f"payée par la complémentaire le {_fr(own.paid_on)}"
        return PartView(
            Part.AMC, billed, own.paid_amc, ZERO, PartStatus.PAID, text, since=own.paid_on
        )
    else:
        status, paid = PartStatus.PARTLY_PAID, own.paid_amc
        text = (
            f"payée partiellement par la complémentaire le {_fr(own.paid_on)} : "
            f"{euros(billed - paid)} non payés ({words or 'motif non communiqué'})"
        )
        action = PARTIAL_ACTION
    if closure is not None:
        status = PartStatus.LOST if closure.motif is ClosureMotif.LOSS else PartStatus.CLAIMED
        text += f" — {closure.label}"
    return PartView(
        Part.AMC,
        billed,
        paid,
        billed - paid,
        status,
        text,
        own.motif_code or None,
        words,
        action,
        since=own.paid_on,
    )


def _amc_part(
    store: Store,
    fse: FseRow,
    pay: PaymentRow | None,
    closure: Closure | None,
    waiting: tuple[str, date | None, date | None] | None,
    refusal: str,
    today: date,
) -> PartView:
    """The AMC part on its own: the AMC's own payment when it came (gestion séparée), else
    awaited from the AMC when a DRE carries it or the caisse left it to the AMC, else the
    caisse's line (gestion unique: the caisse pays both parts)."""
    if fse.amc <= 0 or fse.state in (FseState.CANCELLED, FseState.RECTIFIED, FseState.REFUSED):
        return _caisse_part(Part.AMC, fse.amc, pay, fse, closure, waiting, refusal)
    if not fse.tiers_payant_amc:  # the patient advanced it; his AMC repays him, not us
        text = "réglée par le patient (sans tiers payant complémentaire)"
        return PartView(Part.AMC, fse.amc, None, ZERO, PartStatus.NONE, text)
    own = store.amc_lots.payment_of(fse.fse_uuid)
    if own is not None:
        return _paid_by_amc(fse, own, closure)
    left = pay is not None and pay.amc_state in AMC_LEFT_STATES and fse.tiers_payant_amc
    if not left and store.alerts.amc_part_sent(fse.fse_uuid) is None:
        return _caisse_part(Part.AMC, fse.amc, pay, fse, closure, waiting, refusal)
    text, since, deadline = _left_to_amc(store, fse, pay.amc_number if pay else "", today)
    late = deadline is not None and today > deadline
    return PartView(
        Part.AMC,
        fse.amc,
        None,
        ZERO,
        PartStatus.WAITING,
        text,
        action="Relancez la complémentaire ; si elle a payé autrement, notez-le." if late else "",
        since=since,
        deadline=deadline,
    )


def _patient_part(store: Store, fse: FseRow) -> PartView:
    billed = fse.patient_remainder
    if fse.state in (FseState.CANCELLED, FseState.RECTIFIED):
        status = PartStatus.CANCELLED if fse.state is FseState.CANCELLED else PartStatus.REPLACED
        return PartView(Part.PATIENT, billed, None, ZERO, status, STATUS_LABELS[status])
    # At the desk the patient pays what no tiers payant covers (client.desk.to_collect).
    due = fse.total_fees - (fse.amo if fse.tiers_payant_amo else ZERO)
    due -= fse.amc if fse.tiers_payant_amc else ZERO
    due = max(due, ZERO)
    if due <= 0 and billed <= 0:
        return PartView(
            Part.PATIENT, billed, None, ZERO, PartStatus.NONE, "rien à la charge du patient"
        )
    row = store.returns.settlement_row(fse.id)
    if row is None:
        return PartView(
            Part.PATIENT,
            billed,
            None,
            ZERO,
            PartStatus.NOT_RECORDED,
            f"aucun règlement enregistré à l'accueil ({euros(due)} à régler au cabinet)",
            action="Enregistrez le règlement du patient à l'accueil.",
        )
    collected = row.amount
    on = _local_day(row.recorded_at)
    means = {"especes": "espèces", "cheque": "chèque", "carte": "carte"}.get(row.means, "")
    if collected >= due:
        text = f"réglée le {_fr(on)} ({euros(collected)}, {means})"
        return PartView(Part.PATIENT, billed, collected, ZERO, PartStatus.COLLECTED, text, since=on)
    return PartView(
        Part.PATIENT,
        billed,
        collected,
        due - collected,
        PartStatus.TO_COLLECT,
        f"{euros(due - collected)} à encaisser ({euros(collected)} réglés le {_fr(on)}, {means})",
        action="Encaissez le reste auprès du patient.",
        since=on,
    )


def euro_status(store: Store, fse: FseRow, settings: Settings, now: datetime) -> EuroStatus:
    """Each part of ``fse`` and its status, read from a few indexed rows."""
    pay = store.returns.latest_payment(fse.fse_uuid)
    closure = latest_closure(store, fse.fse_uuid)
    waiting = None
    if fse.state in (FseState.SECURED, FseState.IN_LOT, FseState.SENT, FseState.ACKNOWLEDGED):
        waiting = _waiting(store, fse, settings, now.astimezone().date())
    refusal = _refusal_motif(store, fse) if fse.state is FseState.REFUSED else ""
    parts = (
        _caisse_part(Part.AMO, fse.amo, pay, fse, closure, waiting, refusal),
        _amc_part(store, fse, pay, closure, waiting, refusal, now.astimezone().date()),
        _patient_part(store, fse),
    )
    return EuroStatus(
        fse_uuid=fse.fse_uuid,
        number=fse.number,
        care_date=fse.care_date,
        state=fse.state,
        total_fees=fse.total_fees,
        parts=parts,
        closure=closure,
    )


def status_by_number(
    store: Store, number: int, settings: Settings, now: datetime, practitioner_id: str | None = None
) -> EuroStatus:
    """:func:`euro_status` of FSE ``number``. :raises NotFoundError: no such FSE."""
    return euro_status(store, store.fse_by_number(number, practitioner_id), settings, now)


def status_lines(status: EuroStatus, *, actions: bool = True) -> list[str]:
    """The statuses in French, one line per part (CLI and GUI), with what to do."""
    lines = [f"FSE n° {status.number} du {_fr(status.care_date)} — {euros(status.total_fees)}"]
    for p in status.parts:
        amount = euros(p.billed)
        line = f"{PART_LABELS[p.part]} ({amount}) : {p.text}"
        if actions and p.action and p.status not in (PartStatus.PAID, PartStatus.COLLECTED):
            line += f". {p.action}"
        lines.append(line)
    if status.closure is not None and status.closure.comment:
        lines.append(f"Commentaire : {status.closure.comment}")
    return lines
