"""Recette du jour and the journal of a period (issue #20): the FSE of the dates of care
``start``..``end`` (one practitioner or all), what each costs and how the patient paid at the
desk, with the totals a desk checks at closing time — fees, money collected by payment means,
« à encaisser » still due, tiers payant parts expected from the caisses — per practitioner
when several bill here. Used by ``sesam recette`` and by the dashboard's « Recette » tab.

Drafts and cancelled FSE are left out (the cancelled ones are counted, to say so). The totals
are SQL aggregates: amounts are stored as text that SQL would sum as floats, so the query
groups by amount and counts, and the groups are summed here as ``Decimal`` (as
``client.dashboard`` does). The listed FSE can be capped (``max_lines``); the totals never are.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from billing.fse_states import UNCOUNTED_STATES
from client.display_names import patient_name
from client.output_files import write_output
from client.payment_means import PaymentMeans
from client.store import Store, figures
from client.store.figures import RecetteGroup

if TYPE_CHECKING:
    from billing.documents.recette import RecetteSheet, SheetLine, SheetTotals

# The paper's model is imported where used: the recette on screen (``sesam recette``) goes
# without it, nor the desk's FSE, card and CMS code (issue #27).

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")

# The SQL below leaves out the states that count in no total (a rectified FSE counts through
# its rectificative), as client.dashboard does.
assert {s.value for s in UNCOUNTED_STATES} == {"draft", "cancelled", "rectified"}  # noqa: S101

#: Label of FSE for which the desk recorded no payment (CLI, older FSE, nothing to collect).
NOT_RECORDED = "non renseigné"

# The SQL is the store's (``client.store.figures``); named here too for the tests.
SQL_TOTALS = figures.SQL_TOTALS


class RecettePeriodError(ValueError):
    """The period asked for ends before it starts (French ``str()``)."""

    def __init__(self, start: date, end: date) -> None:
        super().__init__(f"Période invalide : le {end:%d/%m/%Y} est avant le {start:%d/%m/%Y}.")


def workstation_today() -> date:
    """Today on this workstation (local time): the day a desk closes."""
    return datetime.now().astimezone().date()


def means_label(means: str) -> str:
    """« espèces », « chèque », « carte bancaire »… as recorded; « non renseigné » for none."""
    if not means:
        return NOT_RECORDED
    try:
        return PaymentMeans(means).label
    except ValueError:  # a means recorded by a newer version: shown as stored
        return means


@dataclass(frozen=True, slots=True)
class RecetteRequest:
    """Dates of care ``start``..``end`` (included), one practitioner or all (None)."""

    start: date
    end: date
    practitioner_id: str | None = None
    max_lines: int | None = None  # FSE listed at most (the totals count them all)
    #: Who is looking (issue #26): only these practitioners' FSE; None: the whole store.
    scope: frozenset[str] | None = None

    @classmethod
    def day(cls, day: date, practitioner_id: str | None = None) -> RecetteRequest:
        return cls(day, day, practitioner_id)


class RecetteLine(NamedTuple):
    """One FSE of the period and how its patient paid."""

    practitioner_id: str
    number: int
    care_date: date
    patient: str  # "Prénom NOM"
    state: str  # billing.fse_states.FseState value
    total: Decimal
    amo: Decimal
    amc: Decimal
    patient_part: Decimal  # what is left to the patient (ticket modérateur, forfaits)
    tiers_payant_amo: bool
    tiers_payant_amc: bool
    means: str  # PaymentMeans value recorded at the desk, "" when none
    collected: Decimal  # collected at the desk

    @property
    def due_at_desk(self) -> Decimal:
        """What the patient owes the practitioner: all but the parts in tiers payant."""
        return _due(self.total, self.amo, self.amc, self.tiers_payant_amo, self.tiers_payant_amc)

    @property
    def still_due(self) -> Decimal:
        """« À encaisser »: owed at the desk and not recorded as collected."""
        return max(self.due_at_desk - self.collected, ZERO)

    @property
    def expected_from_caisses(self) -> Decimal:
        """Parts in tiers payant: paid to the practitioner by the caisses (NOEMIE)."""
        return (self.amo if self.tiers_payant_amo else ZERO) + (
            self.amc if self.tiers_payant_amc else ZERO
        )

    @property
    def paid_by(self) -> str:
        """How the patient paid, in words: « espèces », « non renseigné », « rien à payer »."""
        if self.means:
            return means_label(self.means)
        return "rien à payer" if self.due_at_desk == ZERO else NOT_RECORDED


def _due(total: Decimal, amo: Decimal, amc: Decimal, tp_amo: bool, tp_amc: bool) -> Decimal:
    # As client.desk.to_collect: the patient pays what no caisse pays the practitioner.
    due = total - (amo if tp_amo else ZERO) - (amc if tp_amc else ZERO)
    return max(due, ZERO)


@dataclass(frozen=True, slots=True)
class MeansTotal:
    """Money collected at the desk with one payment means."""

    means: str  # PaymentMeans value
    label: str
    count: int
    amount: Decimal


class RecetteTotals(NamedTuple):
    """Sums over FSE of the period."""

    fse_count: int = 0
    fees: Decimal = ZERO  # honoraires (total of the FSE)
    amo: Decimal = ZERO
    amc: Decimal = ZERO
    patient_part: Decimal = ZERO
    due_at_desk: Decimal = ZERO  # owed by the patients to the practitioner
    collected: Decimal = ZERO  # recorded as collected at the desk
    still_due: Decimal = ZERO  # « à encaisser »
    expected_amo: Decimal = ZERO  # tiers payant AMO expected from the caisses
    expected_amc: Decimal = ZERO  # tiers payant AMC expected from the complémentaires
    by_means: tuple[MeansTotal, ...] = ()

    @property
    def expected_from_caisses(self) -> Decimal:
        return self.expected_amo + self.expected_amc


class PractitionerRecette(NamedTuple):
    """The totals of one practitioner."""

    practitioner_id: str
    name: str
    totals: RecetteTotals


class Recette(NamedTuple):
    """The recette of a period: its FSE, the totals, the totals per practitioner."""

    start: date
    end: date
    practitioner_id: str | None
    lines: tuple[RecetteLine, ...]
    totals: RecetteTotals
    practitioners: tuple[PractitionerRecette, ...]
    cancelled_count: int  # cancelled FSE of the period, left out
    rectified_count: int = 0  # rectified FSE of the period: their rectificative counts

    @property
    def complete(self) -> bool:
        """Every FSE of the period is in ``lines`` (not capped)."""
        return len(self.lines) == self.totals.fse_count

    @property
    def period_label(self) -> str:
        if self.start == self.end:
            return f"du {self.start:%d/%m/%Y}"
        return f"du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y}"

    @property
    def empty_message(self) -> str:
        """« Aucune FSE … »: said instead of an empty table."""
        who = f" pour le praticien {self.practitioner_id}" if self.practitioner_id else ""
        if self.start == self.end:
            return f"Aucune FSE à la date de soins du {self.start:%d/%m/%Y}{who}."
        return f"Aucune FSE aux dates de soins {self.period_label}{who}."

    @property
    def exclusion_note(self) -> str:
        """Says what is left out, so that the sums can be checked."""
        note = "FSE annulées, rectifiées (comptées par leur rectificative) et brouillons exclus"
        counts = [
            f"{n} FSE {word} sur la période"
            for n, word in (
                (self.cancelled_count, "annulée(s)"),
                (self.rectified_count, "rectifiée(s)"),
            )
            if n
        ]
        return note + (f" ({', '.join(counts)})" if counts else "") + "."


class _Sums:
    """Accumulates grouped rows (amount × count) into RecetteTotals."""

    def __init__(self) -> None:
        self.count = 0
        self.values = {
            k: ZERO
            for k in (
                "fees",
                "amo",
                "amc",
                "patient_part",
                "due",
                "collected",
                "still_due",
                "exp_amo",
                "exp_amc",
            )
        }
        self.means: dict[str, tuple[int, Decimal]] = {}

    def add(self, row: RecetteGroup) -> None:
        n = row.n
        total, amo, amc = row.total_fees, row.amo, row.amc
        tp_amo, tp_amc = bool(row.tp_amo), bool(row.tp_amc)
        collected = row.collected
        due = _due(total, amo, amc, tp_amo, tp_amc)
        self.count += n
        for key, value in (
            ("fees", total),
            ("amo", amo),
            ("amc", amc),
            ("patient_part", row.patient_remainder),
            ("due", due),
            ("collected", collected),
            ("still_due", max(due - collected, ZERO)),
            ("exp_amo", amo if tp_amo else ZERO),
            ("exp_amc", amc if tp_amc else ZERO),
        ):
            self.values[key] += value * n
        means = row.means
        if means:
            count, amount = self.means.get(means, (0, ZERO))
            self.means[means] = (count + n, amount + collected * n)

    def totals(self) -> RecetteTotals:
        v = self.values
        return RecetteTotals(
            fse_count=self.count,
            fees=v["fees"],
            amo=v["amo"],
            amc=v["amc"],
            patient_part=v["patient_part"],
            due_at_desk=v["due"],
            collected=v["collected"],
            still_due=v["still_due"],
            expected_amo=v["exp_amo"],
            expected_amc=v["exp_amc"],
            by_means=tuple(
                MeansTotal(m, means_label(m), c, a) for m, (c, a) in sorted(self.means.items())
            ),
        )


def _name(first: object, last: object) -> str:
    return f"{first or ''} {str(last or '').upper()}".strip()


def practitioners(store: Store) -> list[tuple[str, str]]:
    """(id, « Prénom NOM ») of the practitioners who billed here, for the filters."""
    return [
        (r.id, _name(r.first_name, r.last_name) or r.id) for r in store.figures.practitioner_names()
    ]


def compute(store: Store, request: RecetteRequest) -> Recette:
    """The recette of ``request`` (one read transaction of a few grouped queries).

    :raises RecettePeriodError: the period ends before it starts.
    """
    if request.end < request.start:
        raise RecettePeriodError(request.start, request.end)
    who, scope = request.practitioner_id, request.scope
    names = dict(practitioners(store))
    with store.conn.read():  # the lines and the totals agree
        overall = _Sums()
        per: dict[str, _Sums] = {}
        for row in store.figures.recette_groups(request.start, request.end, who, scope):
            overall.add(row)
            per.setdefault(row.practitioner_id, _Sums()).add(row)
        limit = -1 if request.max_lines is None else request.max_lines
        lines = tuple(
            RecetteLine(
                practitioner_id=r.practitioner_id,
                number=r.number,
                care_date=r.care_date,
                patient=patient_name(r.last_name, r.first_name),
                state=r.state,
                total=r.total_fees,
                amo=r.amo,
                amc=r.amc,
                patient_part=r.patient_remainder,
                tiers_payant_amo=bool(r.tp_amo),
                tiers_payant_amc=bool(r.tp_amc),
                means=r.means or "",
                collected=Decimal(r.collected or "0.00"),
            )
            for r in store.figures.recette_lines(request.start, request.end, who, limit, scope)
        )
        left_out = store.figures.recette_left_out(request.start, request.end, who, scope)
    return Recette(
        start=request.start,
        end=request.end,
        practitioner_id=who,
        lines=lines,
        totals=overall.totals(),
        practitioners=tuple(
            PractitionerRecette(pid, names.get(pid, pid), sums.totals())
            for pid, sums in sorted(per.items())
        ),
        cancelled_count=left_out.get("cancelled", 0),
        rectified_count=left_out.get("rectified", 0),
    )


def _totals_block(caption: str, totals: RecetteTotals) -> SheetTotals:
    from billing.documents.recette import SheetTotals

    return SheetTotals(
        caption=caption,
        rows=(
            (f"Honoraires ({totals.fse_count} FSE)", totals.fees),
            ("Dus par les patients", totals.due_at_desk),
            ("Encaissé au cabinet", totals.collected),
            ("À encaisser", totals.still_due),
            ("Tiers payant AMO attendu", totals.expected_amo),
            ("Tiers payant AMC attendu", totals.expected_amc),
        ),
        by_means=tuple((m.label, m.count, m.amount) for m in totals.by_means),
    )


def sheet(recette: Recette, cabinet: str, printed_on: date) -> RecetteSheet:
    """What the paper recette prints (``cabinet``: the name at its head): a section per
    practitioner (his FSE, his totals), then the totals of all when several."""
    from billing.documents.recette import RecetteSheet, SheetLine, SheetSection

    def lines(practitioner_id: str) -> tuple[SheetLine, ...]:
        return tuple(
            SheetLine(
                number=str(line.number),
                care_date=line.care_date,
                patient=line.patient,
                total=line.total,
                amo=line.amo,
                amc=line.amc,
                patient_part=line.patient_part,
                paid_by=line.paid_by,
            )
            for line in recette.lines
            if line.practitioner_id == practitioner_id
        )

    several = len(recette.practitioners) > 1
    sections = tuple(
        SheetSection(
            caption=f"Praticien {p.name} ({p.practitioner_id})",
            lines=lines(p.practitioner_id),
            totals=_totals_block("Totaux du praticien" if several else "Totaux", p.totals),
        )
        for p in recette.practitioners
    )
    notes = [recette.exclusion_note]
    if not recette.complete:
        notes.append(f"Liste limitée aux {len(recette.lines)} premières FSE ; totaux complets.")
    return RecetteSheet(
        cabinet=cabinet,
        period=recette.period_label,
        printed_on=printed_on,
        sections=sections,
        grand_total=_totals_block("Totaux de la période", recette.totals) if several else None,
        notes=tuple(notes),
        empty=recette.empty_message,
    )


def cabinet_name(recette: Recette, names: list[tuple[str, str]]) -> str:
    """The name at the head of the paper: the practitioners of the period (the settings hold
    no cabinet name yet)."""
    ids = [p.practitioner_id for p in recette.practitioners] or (
        [recette.practitioner_id] if recette.practitioner_id else [n[0] for n in names]
    )
    known = dict(names)
    doctors = [f"Dr {known[i]}" for i in ids if i in known]
    return "Cabinet " + ", ".join(doctors) if doctors else "Cabinet"


def pdf(store: Store, request: RecetteRequest, printed_on: date, cabinet: str = "") -> bytes:
    """The recette of ``request`` as a text PDF (every FSE listed)."""
    from billing.documents.recette import render_recette

    recette = compute(store, RecetteRequest(request.start, request.end, request.practitioner_id))
    return render_recette(
        sheet(recette, cabinet or cabinet_name(recette, practitioners(store)), printed_on)
    )


def save_pdf(
    store: Store, request: RecetteRequest, folder: Path, printed_on: date, cabinet: str = ""
) -> Path:
    """Write the recette PDF in ``folder`` (0600; replaces the one of the same period)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    who = f"-{request.practitioner_id}" if request.practitioner_id else ""
    name = f"recette-{request.start.isoformat()}-{request.end.isoformat()}{who}.pdf"
    return write_output(folder / name, pdf(store, request, printed_on, cabinet), force=True)


def to_json(recette: Recette) -> dict[str, object]:
    """For ``sesam recette --json``: French keys, amounts as strings."""

    def totals(t: RecetteTotals) -> dict[str, object]:
        return {
            "fse": t.fse_count,
            "honoraires": str(t.fees),
            "part_amo": str(t.amo),
            "part_amc": str(t.amc),
            "part_patient": str(t.patient_part),
            "du_par_les_patients": str(t.due_at_desk),
            "encaisse": str(t.collected),
            "a_encaisser": str(t.still_due),
            "tiers_payant_amo_attendu": str(t.expected_amo),
            "tiers_payant_amc_attendu": str(t.expected_amc),
            "par_mode": [
                {"mode": m.means, "libelle": m.label, "fse": m.count, "montant": str(m.amount)}
                for m in t.by_means
            ],
        }

    return {
        "du": recette.start.isoformat(),
        "au": recette.end.isoformat(),
        "praticien": recette.practitioner_id,
        "fse_annulees_exclues": recette.cancelled_count,
        "fse_rectifiees_exclues": recette.rectified_count,
        "fse": [
            {
                "numero": line.number,
                "praticien": line.practitioner_id,
                "date_soins": line.care_date.isoformat(),
                "patient": line.patient,
                "etat": line.state,
                "total": str(line.total),
                "part_amo": str(line.amo),
                "part_amc": str(line.amc),
                "part_patient": str(line.patient_part),
                "tiers_payant_amo": line.tiers_payant_amo,
                "tiers_payant_amc": line.tiers_payant_amc,
                "reglement": line.means or None,
                "reglement_libelle": line.paid_by,
                "encaisse": str(line.collected),
                "a_encaisser": str(line.still_due),
            }
            for line in recette.lines
        ],
        "totaux": totals(recette.totals),
        "par_praticien": [
            {"praticien": p.practitioner_id, "nom": p.name, **totals(p.totals)}
            for p in recette.practitioners
        ],
    }
