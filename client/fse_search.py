"""The FSE list that answers questions (issue #20): who, when, how much, what was paid and
when, searched by patient (name or NIR), date of care, state, payment status, practitioner.

One typed query for the queue page's « Feuilles de soins » tab and ``sesam fse list``:
filtering, ordering (newest care first) and paging are done by SQLite (index of migration
m012); the count and totals of the status line by one aggregate. Patients are matched in
Python (accents: SQLite folds ASCII only), a few thousand rows, then their FSE by index.
The amounts are the stored ones (``fse``, ``payments``: both sealed by the audit journal)."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.fse_states import FseState
from client.reconciliation import Reconciliation
from client.store import Store

#: States the list leaves out unless asked for by name (« État »): nothing was billed.
HIDDEN_BY_DEFAULT = (FseState.DRAFT, FseState.CANCELLED)
#: States whose amounts no total counts: not billed, or billed again by a rectificative.
_UNCOUNTED = ("draft", "cancelled", "rectified")
#: States where the money is still to come (ARL or NOEMIE awaited).
_WAITING_STATES = (
    FseState.SECURED,
    FseState.IN_LOT,
    FseState.SENT,
    FseState.ACKNOWLEDGED,
)
_SETTLED = (FseState.PAID, FseState.REJECTED)
_WAITING_DETAIL = {
    FseState.SECURED: "dans un lot ouvert, pas encore envoyée",
    FseState.IN_LOT: "lot signé, en file d'envoi",
    FseState.SENT: "envoyée, accusé de réception (ARL) attendu",
    FseState.ACKNOWLEDGED: "acceptée (ARL positif), paiement attendu",
}

#: The outcome of FSE ``f``'s latest payment line (what its reconciliation shows).
_LATEST_OUTCOME = (
    "(SELECT p.outcome FROM payments p WHERE p.fse_uuid = f.fse_uuid ORDER BY p.id DESC LIMIT 1)"
)


def fold(text: str) -> str:
    """``text`` in upper case without accents (« Léa » and « LEA » search alike)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


@dataclass(frozen=True, slots=True)
class FseFilter:
    """What the user asks of the list; the defaults ask for everything billed."""

    text: str = ""  # patient: prefix of nom or prénom (accents and case ignored), or NIR digits
    care_from: date | None = None  # date of care, inclusive
    care_to: date | None = None
    states: tuple[FseState, ...] = ()  # none: every state but drafts and cancelled FSE
    payment: Reconciliation | None = None
    practitioner_id: str | None = None


@dataclass(frozen=True, slots=True)
class FseListRow:
    """One FSE as the list shows it."""

    fse_uuid: str
    number: int
    practitioner_id: str
    practitioner: str  # « NOM Prénom », or the billing number when the name is unknown
    patient_last_name: str
    patient_first_name: str
    care_date: date
    mode: str
    state: FseState
    total: Decimal
    amo: Decimal
    amc: Decimal
    patient_part: Decimal
    paid_amo: Decimal | None  # from the latest NOEMIE line, None before any
    paid_amc: Decimal | None
    paid_on: date | None
    status: Reconciliation | None  # None: not billed (draft, cancelled) or rectified
    motif_code: str | None
    motif_label: str  # the NOEMIE motif in words
    detail: str  # where it stands: « virement … », « lot signé, en file d'envoi »

    @property
    def patient(self) -> str:
        """« DURAND Léa »."""
        return " ".join(x for x in (self.patient_last_name, self.patient_first_name.title()) if x)

    @property
    def motif(self) -> str:
        """The motif code and its words (« 12 Assuré inconnu »), or ""."""
        return " ".join(x for x in (self.motif_code or "", self.motif_label) if x)


@dataclass(frozen=True, slots=True)
class FseListTotals:
    """How many FSE match and what they bill (cancelled and rectified ones count for 0)."""

    count: int
    total: Decimal


@dataclass(frozen=True, slots=True)
class PractitionerChoice:
    """A practitioner of this store, for the « Praticien » filter."""

    id: str
    name: str


# ---------------------------------------------------------------------------- conditions

Params = list[str | int]


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s'’-]+", fold(text)) if w]


def matching_patients(store: Store, text: str) -> tuple[list[str], int]:
    """Ids of the patients ``text`` names, and how many patients there are: a NIR's start
    (the assuré's or the bénéficiaire's), or every word starting the nom or
    the prénom (« durand léa », « lea dur »), or the whole text starting the nom (« de la
    font »)."""
    # A NIR starts with a digit (Corsica's hold « 2A » / « 2B »); a name never does.
    compact = re.sub(r"[\s.]", "", text).upper()
    by_nir = compact[:1].isdigit()
    words = _words(text)
    whole = " ".join(words)
    found: list[str] = []
    among = 0
    for r in store.db.query(
        "SELECT id, last_name, first_name, assure_nir, beneficiary_nir FROM patients"
    ):
        among += 1
        if by_nir:
            hit = str(r["assure_nir"]).startswith(compact) or str(r["beneficiary_nir"]).startswith(
                compact
            )
        else:
            last = fold(str(r["last_name"]))
            names = _words(last) + _words(str(r["first_name"]))
            hit = last.startswith(whole) or all(any(n.startswith(w) for n in names) for w in words)
        if hit:
            found.append(str(r["id"]))
    return found, among


def _settled_unpaid(store: Store) -> bool:
    """Is any paid or rejected FSE without its payment line? (never, unless a store was
    mended by hand: counted by the triggers of ``fse_status_counts``, not by a scan)"""
    row = next(
        iter(
            store.db.query(
                "SELECT coalesce(sum(n), 0) AS n FROM fse_status_counts "
                "WHERE state IN (?, ?) AND outcome = ''",
                [s.value for s in _SETTLED],
            )
        )
    )
    return int(row["n"]) > 0


def _payment_condition(store: Store, status: Reconciliation, page: bool, params: Params) -> str:
    """FSE ``f`` whose reconciliation is ``status`` (as :func:`_status` tells it)."""
    settled = [s.value for s in _SETTLED]
    if status is Reconciliation.REFUSED:
        params.append(FseState.REFUSED.value)
        return "f.state = ?"
    if status is Reconciliation.WAITING:
        waiting = [s.value for s in _WAITING_STATES]
        params += waiting
        condition = f"f.state IN ({', '.join('?' * len(waiting))})"
        if _settled_unpaid(store):
            params += settled
            condition = f"({condition} OR (f.state IN (?, ?) AND {_LATEST_OUTCOME} IS NULL))"
        return condition
    params += [*settled, status.value]
    # A page: ``+f.state`` walks the dates newest first and stops at a page, rather than
    # sort every paid FSE (most of a store); a count: the state index.
    plus = "+" if page else ""
    return f"({plus}f.state IN (?, ?) AND {_LATEST_OUTCOME} = ?)"


def _where(store: Store, flt: FseFilter, page: bool) -> tuple[str, Params]:
    """The ``WHERE`` clause on ``fse f`` of ``flt`` (the values as parameters), written
    for a ``page`` (newest first, up to a limit) or for a count."""
    params: Params = []
    parts: list[str] = []
    if _words(flt.text):
        found, among = matching_patients(store, flt.text)
        # A few patients: their FSE by the patient index. Many (« d »): a page walks the
        # dates newest first until it is full (from 1 in 20 patients); a count scans the
        # table (from half of them: faster than the index then each row).
        few = len(found) * (20 if page else 2) <= among
        column = "f.patient_id" if few else "+f.patient_id"
        parts.append(f"{column} IN (SELECT value FROM json_each(?))")  # noqa: S608
        params.append(json.dumps(found))
    if flt.care_from is not None:
        parts.append("f.care_date >= ?")
        params.append(flt.care_from.isoformat())
    if flt.care_to is not None:
        parts.append("f.care_date <= ?")
        params.append(flt.care_to.isoformat())
    if flt.states:
        parts.append(f"f.state IN ({', '.join('?' * len(flt.states))})")
        params += [s.value for s in flt.states]
    else:
        parts.append(f"f.state NOT IN ({', '.join('?' * len(HIDDEN_BY_DEFAULT))})")
        params += [s.value for s in HIDDEN_BY_DEFAULT]
    if flt.payment is not None:
        parts.append(_payment_condition(store, flt.payment, page, params))
    if flt.practitioner_id:
        # Most FSE are a practitioner's: walk the dates rather than sort all of his.
        parts.append(f"{'+' if page else ''}f.practitioner_id = ?")
        params.append(flt.practitioner_id)
    return " AND ".join(parts), params


# ------------------------------------------------------------------------------- queries

_ROWS = (
    "SELECT f.fse_uuid, f.number, f.practitioner_id, f.care_date, f.mode, f.state, "
    "f.total_fees, f.amo, f.amc, f.patient_remainder, "
    "pa.last_name AS patient_last, pa.first_name AS patient_first, "
    "pr.last_name AS pr_last, pr.first_name AS pr_first, "
    "p.outcome, p.paid_amo, p.paid_amc, p.paid_on, p.motif_code, p.motif_label, "
    "p.virement_ref "
    "FROM fse f JOIN patients pa ON pa.id = f.patient_id "
    "LEFT JOIN practitioners pr ON pr.id = f.practitioner_id "
    "LEFT JOIN payments p ON p.id = "
    "(SELECT max(p2.id) FROM payments p2 WHERE p2.fse_uuid = f.fse_uuid) "
)


def search(store: Store, flt: FseFilter, *, limit: int, offset: int = 0) -> list[FseListRow]:
    """One page of the FSE matching ``flt``, the newest care first (then the newest FSE)."""
    where, params = _where(store, flt, page=True)
    rows = store.db.query(
        f"{_ROWS}WHERE {where} ORDER BY f.care_date DESC, f.id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return [_row(r) for r in rows]


def totals(store: Store, flt: FseFilter) -> FseListTotals:
    """How many FSE match ``flt`` and what they bill (the status line under the list)."""
    where, params = _where(store, flt, page=False)
    marks = ", ".join("?" * len(_UNCOUNTED))
    # Whole cents per row (exact for the stored two-decimal texts) summed as integers: no
    # float total.
    row = next(
        iter(
            store.db.query(
                "SELECT count(*) AS n, coalesce(sum(CASE WHEN f.state NOT IN "  # noqa: S608
                f"({marks}) THEN CAST(round(f.total_fees * 100) AS INTEGER) END), 0) AS cents "
                f"FROM fse f WHERE {where}",
                [*_UNCOUNTED, *params],
            )
        )
    )
    cents = Decimal(int(row["cents"]))
    return FseListTotals(count=int(row["n"]), total=(cents / 100).quantize(Decimal("0.01")))


def practitioners(store: Store) -> list[PractitionerChoice]:
    """The practitioners who bill from this store (the filter offers them when several)."""
    return [
        PractitionerChoice(id=str(r["id"]), name=_practitioner_name(r, str(r["id"])))
        for r in store.db.query(
            "SELECT id, last_name AS pr_last, first_name AS pr_first FROM practitioners "
            "ORDER BY last_name, first_name, id"
        )
    ]


def _practitioner_name(r: dict[str, object], fallback: str) -> str:
    name = " ".join(str(x) for x in (r["pr_last"] or "", str(r["pr_first"] or "").title()) if x)
    return name or fallback


def _status(state: FseState, outcome: str | None) -> Reconciliation | None:
    if state in (FseState.DRAFT, FseState.CANCELLED) or state not in (
        *_WAITING_STATES,
        *_SETTLED,
        FseState.REFUSED,
    ):
        return None
    if state is FseState.REFUSED:
        return Reconciliation.REFUSED
    if outcome is not None and state in _SETTLED:
        return Reconciliation(outcome)
    return Reconciliation.WAITING


def _row(r: dict[str, object]) -> FseListRow:
    state = FseState(str(r["state"]))
    outcome = str(r["outcome"]) if r["outcome"] is not None else None
    settled = outcome is not None and state in _SETTLED
    if state is FseState.REFUSED:
        detail = "à corriger puis renvoyer"
    elif settled:
        detail = f"virement {r['virement_ref']}" if r["virement_ref"] else ""
    else:
        detail = _WAITING_DETAIL.get(state, "")
    return FseListRow(
        fse_uuid=str(r["fse_uuid"]),
        number=int(str(r["number"])),
        practitioner_id=str(r["practitioner_id"]),
        practitioner=_practitioner_name(r, str(r["practitioner_id"])),
        patient_last_name=str(r["patient_last"] or ""),
        patient_first_name=str(r["patient_first"] or ""),
        care_date=date.fromisoformat(str(r["care_date"])),
        mode=str(r["mode"]),
        state=state,
        total=Decimal(str(r["total_fees"])),
        amo=Decimal(str(r["amo"])),
        amc=Decimal(str(r["amc"])),
        patient_part=Decimal(str(r["patient_remainder"])),
        paid_amo=Decimal(str(r["paid_amo"])) if r["paid_amo"] is not None else None,
        paid_amc=Decimal(str(r["paid_amc"])) if r["paid_amc"] is not None else None,
        paid_on=date.fromisoformat(str(r["paid_on"])) if r["paid_on"] else None,
        status=_status(state, outcome),
        motif_code=str(r["motif_code"]) if r["motif_code"] else None,
        motif_label=str(r["motif_label"] or ""),
        detail=detail,
    )
