"""The queries of the FSE list that answers questions (``client.fse_search``): filtering,
ordering (newest care first) and paging by SQLite (index of migration m012), the count and
total of the status line by one aggregate. Patients are matched in Python by the caller
(accents: SQLite folds ASCII only), which passes their ids here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from billing.fse_states import FseState
from client.reconciliation import Reconciliation
from client.store.connection import Repository
from client.store.mapping import row_of
from client.store.rows import FSE_MODE_SQL
from client.store.scoping import within

#: States the list leaves out unless asked for by name (« État »): nothing was billed.
HIDDEN_BY_DEFAULT = (FseState.DRAFT, FseState.CANCELLED)
#: States whose amounts no total counts: not billed, or billed again by a rectificative.
_UNCOUNTED = ("draft", "cancelled", "rectified")
#: States where the money is still to come (ARL or NOEMIE awaited).
WAITING_STATES = (
    FseState.SECURED,
    FseState.IN_LOT,
    FseState.SENT,
    FseState.ACKNOWLEDGED,
)
SETTLED = (FseState.PAID, FseState.REJECTED)

#: The outcome of FSE ``f``'s latest payment line (what its reconciliation shows).
_LATEST_OUTCOME = (
    "(SELECT p.outcome FROM payments p WHERE p.fse_uuid = f.fse_uuid ORDER BY p.id DESC LIMIT 1)"
)

_ROWS = (
    f"SELECT f.fse_uuid, f.number, f.practitioner_id, f.care_date, {FSE_MODE_SQL} AS mode, "  # noqa: S608
    "f.state, "
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

Params = list[str | int]


@dataclass(frozen=True, slots=True)
class FseFilter:
    """What the user asks of the list; the defaults ask for everything billed."""

    text: str = ""  # patient: prefix of nom or prénom (accents and case ignored), or NIR digits
    care_from: date | None = None  # date of care, inclusive
    care_to: date | None = None
    states: tuple[FseState, ...] = ()  # none: every state but drafts and cancelled FSE
    payment: Reconciliation | None = None
    practitioner_id: str | None = None
    #: Who is looking (issue #26): only these practitioners' FSE; None: every one's.
    practitioners: frozenset[str] | None = None


class PatientMatch(NamedTuple):
    """The patients a search names (``ids``) among how many there are (``among``)."""

    ids: list[str]
    among: int


class PatientNames(NamedTuple):
    """What a patient is searched by (health data: never log it)."""

    id: str
    last_name: str | None
    first_name: str | None
    assure_nir: str | None
    beneficiary_nir: str | None


class SearchRow(NamedTuple):
    """One FSE with its patient, practitioner and latest payment line."""

    fse_uuid: str
    number: int
    practitioner_id: str
    care_date: date
    mode: str
    state: str
    total_fees: Decimal
    amo: Decimal
    amc: Decimal
    patient_remainder: Decimal
    patient_last: str | None
    patient_first: str | None
    pr_last: str | None
    pr_first: str | None
    outcome: str | None
    paid_amo: Decimal | None
    paid_amc: Decimal | None
    paid_on: str | None
    motif_code: str | None
    motif_label: str | None
    virement_ref: str | None


class PractitionerRow(NamedTuple):
    id: str
    pr_last: str | None
    pr_first: str | None


class FseSearch(Repository):
    """One page, the count and the total of the FSE a filter asks for."""

    def patients(self) -> list[PatientNames]:
        """Every patient, to be matched by name or NIR by the caller."""
        return [
            row_of(PatientNames, r)
            for r in self.db.query(
                "SELECT id, last_name, first_name, assure_nir, beneficiary_nir FROM patients"
            )
        ]

    def patients_version(self) -> int:
        """A number that changes whenever a patient is added, renamed or removed (kept by
        triggers, m021): the folded names a caller keeps are good while it stays."""
        row = self._one("SELECT n FROM patients_version WHERE id = 1")
        return int(row["n"]) if row else -1

    def page(
        self, flt: FseFilter, patients: PatientMatch | None, *, limit: int, offset: int = 0
    ) -> list[SearchRow]:
        """One page of the FSE matching ``flt``, the newest care first (then the newest)."""
        where, params = self._where(flt, patients, page=True)
        rows = self.db.query(
            f"{_ROWS}WHERE {where} ORDER BY f.care_date DESC, f.id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [row_of(SearchRow, r) for r in rows]

    def totals(self, flt: FseFilter, patients: PatientMatch | None) -> tuple[int, int]:
        """(how many FSE match, their fees in cents: cancelled and rectified ones count 0)."""
        if patients is None and flt == FseFilter(states=flt.states):
            return self._totals_by_state(flt.states)
        if patients is not None and flt == FseFilter(
            text=flt.text, practitioner_id=flt.practitioner_id, practitioners=flt.practitioners
        ):
            return self._totals_by_patient(flt, patients)
        if (
            patients is None
            and flt.payment is not None
            and flt
            == FseFilter(
                payment=flt.payment,
                practitioner_id=flt.practitioner_id,
                practitioners=flt.practitioners,
            )
        ):
            return self._totals_by_payment(flt, flt.payment)
        where, params = self._where(flt, patients, page=False)
        marks = ", ".join("?" * len(_UNCOUNTED))
        # Whole cents per row (exact for the stored two-decimal texts) summed as integers:
        # no float total.
        row = self._one(
            "SELECT count(*) AS n, coalesce(sum(CASE WHEN f.state NOT IN "  # noqa: S608
            f"({marks}) THEN CAST(round(CAST(f.total_fees AS REAL) * 100) AS INTEGER) END), 0) "
            "AS cents "
            f"FROM fse f WHERE {where}",
            [*_UNCOUNTED, *params],
        )
        return (int(row["n"]), int(row["cents"])) if row else (0, 0)

    def _totals_by_patient(self, flt: FseFilter, patients: PatientMatch) -> tuple[int, int]:
        """:meth:`totals` of a search by patient alone (with the practitioner and who is
        looking), from the counts the triggers keep per patient and practitioner (m032):
        one row per patient found rather than every FSE of theirs (a fifth of the store
        for « léa » in the benchmark's: 445–667 ms at 1M FSE)."""
        parts, params = ["1 = 1"], []
        if len(patients.ids) < patients.among:  # every patient: no condition to test
            parts.append("patient_id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(patients.ids))
        if flt.practitioner_id:
            parts.append("practitioner_id = ?")
            params.append(flt.practitioner_id)
        if flt.practitioners is not None:
            seen, ids = within("practitioner_id", flt.practitioners)
            parts.append(seen.removeprefix(" AND "))
            params += ids
        row = self._one(
            "SELECT coalesce(sum(listed), 0) AS n, coalesce(sum(cents), 0) AS cents "  # noqa: S608
            f"FROM patient_fse_totals WHERE {' AND '.join(parts)}",
            params,
        )
        return (int(row["n"]), int(row["cents"])) if row else (0, 0)

    def _totals_by_payment(self, flt: FseFilter, status: Reconciliation) -> tuple[int, int]:
        """:meth:`totals` of a filter on the payment status alone (with the practitioner and
        who is looking), from the counts and cents the triggers keep per practitioner, state
        and latest payment outcome (m033): a few rows, not every paid or rejected FSE
        tested for its latest payment line (1.4–1.8 s at 1M FSE)."""
        settled = [s.value for s in SETTLED]
        params: Params = []
        if status is Reconciliation.REFUSED:
            condition = "state = ?"
            params.append(FseState.REFUSED.value)
        elif status is Reconciliation.WAITING:
            waiting = [s.value for s in WAITING_STATES]
            condition = (
                f"(state IN ({', '.join('?' * len(waiting))}) "
                "OR (state IN (?, ?) AND outcome = ''))"
            )
            params += [*waiting, *settled]
        else:
            condition = "state IN (?, ?) AND outcome = ?"
            params += [*settled, str(status)]
        if flt.practitioner_id:
            condition += " AND practitioner_id = ?"
            params.append(flt.practitioner_id)
        if flt.practitioners is not None:
            seen, ids = within("practitioner_id", flt.practitioners)
            condition += seen
            params += ids
        row = self._one(
            "SELECT coalesce(sum(n), 0) AS n, coalesce(sum(cents), 0) AS cents "  # noqa: S608
            f"FROM fse_outcome_totals WHERE {condition}",
            params,
        )
        return (int(row["n"]), int(row["cents"])) if row else (0, 0)

    def _totals_by_state(self, states: tuple[FseState, ...]) -> tuple[int, int]:
        """:meth:`totals` of a filter on states alone (the list as it opens), from the
        month totals the triggers keep (m007): a few thousand rows whatever the size of the
        store, rather than every FSE (40 ms at 100 000 FSE)."""
        chosen = [s.value for s in states]
        shown = f"state IN ({', '.join('?' * len(chosen))})" if chosen else ""
        if not chosen:
            chosen = [s.value for s in HIDDEN_BY_DEFAULT]
            shown = f"state NOT IN ({', '.join('?' * len(chosen))})"
        marks = ", ".join("?" * len(_UNCOUNTED))
        row = self._one(
            "SELECT coalesce(sum(n), 0) AS n, coalesce(sum(CASE WHEN state NOT IN "  # noqa: S608
            f"({marks}) THEN CAST(round(CAST(total_fees AS REAL) * 100) AS INTEGER) * n END), 0) "
            "AS cents "
            f"FROM fse_month_totals WHERE {shown}",
            [*_UNCOUNTED, *chosen],
        )
        return (int(row["n"]), int(row["cents"])) if row else (0, 0)

    def practitioners(self) -> list[PractitionerRow]:
        """The practitioners who bill from this store, by name."""
        return [
            row_of(PractitionerRow, r)
            for r in self.db.query(
                "SELECT id, last_name AS pr_last, first_name AS pr_first FROM practitioners "
                "ORDER BY last_name, first_name, id"
            )
        ]

    def _settled_unpaid(self) -> bool:
        """Is any paid or rejected FSE without its payment line? (never, unless a store
        was mended by hand: counted by the triggers of ``fse_status_counts``, not a scan)"""
        row = self._one(
            "SELECT coalesce(sum(n), 0) AS n FROM fse_status_counts "
            "WHERE state IN (?, ?) AND outcome = ''",
            [s.value for s in SETTLED],
        )
        return row is not None and int(row["n"]) > 0

    def _payment_condition(self, status: Reconciliation, page: bool, params: Params) -> str:
        """FSE ``f`` whose reconciliation is ``status`` (as ``client.fse_search`` tells it)."""
        settled = [s.value for s in SETTLED]
        if status is Reconciliation.REFUSED:
            params.append(FseState.REFUSED.value)
            return "f.state = ?"
        if status is Reconciliation.WAITING:
            waiting = [s.value for s in WAITING_STATES]
            params += waiting
            condition = f"f.state IN ({', '.join('?' * len(waiting))})"
            if self._settled_unpaid():
                params += settled
                condition = f"({condition} OR (f.state IN (?, ?) AND {_LATEST_OUTCOME} IS NULL))"
            return condition
        params += [*settled, status.value]
        # A page: ``+f.state`` walks the dates newest first and stops at a page, rather
        # than sort every paid FSE (most of a store); a count: the state index.
        plus = "+" if page else ""
        return f"({plus}f.state IN (?, ?) AND {_LATEST_OUTCOME} = ?)"

    def _where(
        self, flt: FseFilter, patients: PatientMatch | None, page: bool
    ) -> tuple[str, Params]:
        """The ``WHERE`` clause on ``fse f`` of ``flt`` (the values as parameters),
        written for a ``page`` (newest first, up to a limit) or for a count."""
        params: Params = []
        parts: list[str] = []
        if patients is not None:
            # A few patients: their FSE by the patient index. Many (« d »): a page walks
            # the dates newest first until it is full (from 1 in 20 patients); a count
            # scans the table (from half of them: faster than the index then each row).
            few = len(patients.ids) * (20 if page else 2) <= patients.among
            if few:
                parts.append("f.patient_id IN (SELECT value FROM json_each(?))")
            else:
                # Tested row by row against the list hashed once: as a join PostgreSQL
                # expects 100 patients and rescans the list at every FSE (« léa »: 3 645
                # patients, 450 ms at 1M FSE; 4 ms so). Off the patient index on both.
                parts.append(
                    "CASE WHEN f.patient_id IN (SELECT value FROM json_each(?)) "
                    "THEN 1 ELSE 0 END = 1"
                )
            params.append(json.dumps(patients.ids))
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
            parts.append(self._payment_condition(flt.payment, page, params))
        if flt.practitioner_id:
            # Most FSE are a practitioner's: walk the dates rather than sort all of his.
            parts.append(f"{'+' if page else ''}f.practitioner_id = ?")
            params.append(flt.practitioner_id)
        if flt.practitioners is not None:
            seen, ids = within("f.practitioner_id", flt.practitioners)
            parts.append(seen.removeprefix(" AND "))
            params += ids
        return " AND ".join(parts), params
