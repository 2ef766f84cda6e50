"""The FSE list that answers questions (issue #20): who, when, how much, what was paid and
when, searched by patient (name or NIR), date of care, state, payment status, practitioner.

One typed query for the queue page's « Feuilles de soins » tab and ``sesam fse list``:
filtering, ordering (newest care first) and paging are done by SQLite (index of migration
m012); the count and totals of the status line by one aggregate. Patients are matched in
Python (accents: SQLite folds ASCII only), a few thousand rows, then their FSE by index.
The amounts are the stored ones (``fse``, ``payments``: both sealed by the audit journal)."""

from __future__ import annotations

import bisect
import logging
import re
import weakref
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from billing.fse_states import FseState
from client.display_names import patient_name
from client.folding import KeyKind, fold, words
from client.reconciliation import Reconciliation
from client.store import StorageError, Store
from client.store import search as queries
from client.store.search import FseFilter, PatientMatch, SearchRow

logger = logging.getLogger(__name__)

#: States where the money is still to come (ARL or NOEMIE awaited).
_WAITING_STATES = (
    FseState.SECURED,
    FseState.IN_LOT,
    FseState.SENT,
    FseState.ACKNOWLEDGED,
)
_SETTLED = (FseState.PAID, FseState.REJECTED)
#: States the list leaves out unless asked for by name (« État »): nothing was billed.
HIDDEN_BY_DEFAULT = queries.HIDDEN_BY_DEFAULT
_WAITING_DETAIL = {
    FseState.SECURED: "dans un lot ouvert, pas encore envoyée",
    FseState.IN_LOT: "lot signé, en file d'envoi",
    FseState.SENT: "envoyée, accusé de réception (ARL) attendu",
    FseState.ACKNOWLEDGED: "acceptée (ARL positif), paiement attendu",
}


class FseListRow(NamedTuple):
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
        return patient_name(self.patient_last_name, self.patient_first_name)

    @property
    def motif(self) -> str:
        """The motif code and its words (« 12 Assuré inconnu »), or ""."""
        return " ".join(x for x in (self.motif_code or "", self.motif_label) if x)


@dataclass(frozen=True, slots=True)
class FseListTotals:
    """How many FSE match and what they bill (cancelled and rectified ones count for 0)."""

    count: int
    total: Decimal


class PractitionerChoice(NamedTuple):
    """A practitioner of this store, for the « Praticien » filter."""

    id: str
    name: str


# ---------------------------------------------------------------------------- conditions


def _words(text: str) -> list[str]:
    return words(text)


class _Folded(NamedTuple):
    """A patient as the search compares him: NIRs, and names folded once."""

    id: str
    assure_nir: str
    beneficiary_nir: str
    last: str  # the nom folded
    names: tuple[str, ...]  # the words of the nom and the prénom, folded


class _Index(NamedTuple):
    """The store's patients folded, and sorted for a prefix to find its patients by
    bisection (a search compared every patient: 31–43 ms for 20 000 of them)."""

    patients: list[_Folded]
    words: list[tuple[str, int]]  # (a word of a nom or a prénom, the patient's position)
    lasts: list[tuple[str, int]]  # (the whole nom folded, position)
    nirs: list[tuple[str, int]]  # (the assuré's or the bénéficiaire's NIR, position)

    @classmethod
    def of(cls, patients: list[_Folded]) -> _Index:
        return cls(
            patients,
            sorted((w, i) for i, p in enumerate(patients) for w in set(p.names)),
            sorted((p.last, i) for i, p in enumerate(patients)),
            sorted(
                (nir, i)
                for i, p in enumerate(patients)
                for nir in {p.assure_nir, p.beneficiary_nir}
            ),
        )


def _starting(pairs: list[tuple[str, int]], prefix: str) -> set[int]:
    """The positions whose text starts with ``prefix`` (``pairs`` sorted)."""
    at = bisect.bisect_left(pairs, (prefix, -1))
    found = set()
    while at < len(pairs) and pairs[at][0].startswith(prefix):
        found.add(pairs[at][1])
        at += 1
    return found


#: Each store's patients folded and sorted (folding is most of a search: 40 ms for 2 000
#: patients), with the ``patients_version`` they were read at.
_FOLDED: weakref.WeakKeyDictionary[object, tuple[int, _Index]] = weakref.WeakKeyDictionary()


def _kept_keys(store: Store, compact: str, text: str) -> tuple[list[str], int] | None:
    """:func:`matching_patients` from the keys the store keeps (m033) by its index: a new
    process (``sesam fse list --patient``) folds no patient. None when they are stale."""
    keys = store.patient_words
    if not keys.synced():
        return None
    if compact[:1].isdigit():
        hits = keys.starting(KeyKind.NIR, compact)
    else:
        found = _words(text)
        # One word: a nom starting with it has it as the start of its first word already.
        hits = keys.starting(KeyKind.LAST, " ".join(found)) if len(found) != 1 else set()
        if found:
            each = sorted((keys.starting(KeyKind.WORD, w) for w in found), key=len)
            hits |= set.intersection(*each)
    return sorted(hits), keys.count_patients()


def _folded(store: Store) -> _Index:
    """The store's patients folded, read again only when a patient changed."""
    version = store.search.patients_version()
    kept = _FOLDED.get(store.search)
    if kept is not None and kept[0] == version:
        return kept[1]
    folded = []
    for r in store.search.patients():
        last = fold(str(r.last_name))
        folded.append(
            _Folded(
                r.id,
                str(r.assure_nir),
                str(r.beneficiary_nir),
                last,
                tuple(_words(last) + _words(str(r.first_name))),
            )
        )
    index = _Index.of(folded)
    _FOLDED[store.search] = (version, index)
    # The kept keys were stale (a patient changed outside ``upsert_person``): written
    # again for the next process, in a transaction of their own (not inside a caller's
    # read snapshot). A store that cannot be written now keeps folding.
    if not store.db.conn.in_transaction:
        try:
            with store.write():
                store.patient_words.replace_all()
        except StorageError:
            logger.warning("clés de recherche des patients non réécrites (base non modifiable)")
    return index


def matching_patients(store: Store, text: str) -> tuple[list[str], int]:
    """Ids of the patients ``text`` names, and how many patients there are: a NIR's start
    (the assuré's or the bénéficiaire's), or every word starting the nom or
    the prénom (« durand léa », « lea dur »), or the whole text starting the nom (« de la
    font »)."""
    # A NIR starts with a digit (Corsica's hold « 2A » / « 2B »); a name never does.
    compact = re.sub(r"[\s.]", "", text).upper()
    kept = _kept_keys(store, compact, text)
    if kept is not None:
        return kept
    index = _folded(store)
    if compact[:1].isdigit():
        hits = _starting(index.nirs, compact)
    else:
        words = _words(text)
        hits = _starting(index.lasts, " ".join(words))
        if words:
            each = sorted((_starting(index.words, w) for w in words), key=len)
            hits |= set.intersection(*each)
    return [index.patients[i].id for i in sorted(hits)], len(index.patients)


def _patients(store: Store, flt: FseFilter) -> PatientMatch | None:
    """The patients ``flt`` names, None when it names none (no text)."""
    if not _words(flt.text):
        return None
    found, among = matching_patients(store, flt.text)
    return PatientMatch(found, among)


def search(store: Store, flt: FseFilter, *, limit: int, offset: int = 0) -> list[FseListRow]:
    """One page of the FSE matching ``flt``, the newest care first (then the newest FSE)."""
    rows = store.search.page(flt, _patients(store, flt), limit=limit, offset=offset)
    return [_row(r) for r in rows]


def totals(store: Store, flt: FseFilter) -> FseListTotals:
    """How many FSE match ``flt`` and what they bill (the status line under the list)."""
    count, cents_total = store.search.totals(flt, _patients(store, flt))
    cents = Decimal(cents_total)
    return FseListTotals(count=count, total=(cents / 100).quantize(Decimal("0.01")))


def practitioners(store: Store) -> list[PractitionerChoice]:
    """The practitioners who bill from this store (the filter offers them when several)."""
    return [
        PractitionerChoice(id=r.id, name=_practitioner_name(r.pr_last, r.pr_first, r.id))
        for r in store.search.practitioners()
    ]


def _practitioner_name(last: str | None, first: str | None, fallback: str) -> str:
    name = " ".join(str(x) for x in (last or "", str(first or "").title()) if x)
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


def _row(r: SearchRow) -> FseListRow:
    state = FseState(r.state)
    outcome = r.outcome
    settled = outcome is not None and state in _SETTLED
    if state is FseState.REFUSED:
        detail = "à corriger puis renvoyer"
    elif settled:
        detail = f"virement {r.virement_ref}" if r.virement_ref else ""
    else:
        detail = _WAITING_DETAIL.get(state, "")
    return FseListRow(
        fse_uuid=r.fse_uuid,
        number=r.number,
        practitioner_id=r.practitioner_id,
        practitioner=_practitioner_name(r.pr_last, r.pr_first, r.practitioner_id),
        patient_last_name=r.patient_last or "",
        patient_first_name=r.patient_first or "",
        care_date=r.care_date,
        mode=r.mode,
        state=state,
        total=r.total_fees,
        amo=r.amo,
        amc=r.amc,
        patient_part=r.patient_remainder,
        paid_amo=r.paid_amo,
        paid_amc=r.paid_amc,
        paid_on=date.fromisoformat(r.paid_on) if r.paid_on else None,
        status=_status(state, outcome),
        motif_code=r.motif_code or None,
        motif_label=r.motif_label or "",
        detail=detail,
    )
