"""Recette du jour and journal (``client.recette``, ``sesam recette``): the FSE of the dates of
care, how each patient paid, money collected by payment means, « à encaisser », tiers payant
expected, cancelled FSE left out, date range and practitioner filters; JSON and PDF text.
Dates are derived from the workstation's today."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from am_support import FakeClock, open_cabinet
from test_replay_e2e import sesam

from client import recette
from client.fse_service import FseService, parse_fse_input
from client.store import FseRow, Store, open_store

TODAY = recette.workstation_today()


@pytest.fixture(autouse=True)
def _today_when_the_test_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The day the test runs, not the day the module was collected: a run can cross
    midnight, and the code under test asks for today when it runs."""
    monkeypatch.setattr(sys.modules[__name__], "TODAY", recette.workstation_today())


@dataclass
class Filled:
    direct_cash: FseRow  # paiement direct, espèces
    direct_cheque: FseRow  # paiement direct, chèque
    tp_amo_card: FseRow  # tiers payant AMO, the rest by carte
    tp_full: FseRow  # tiers payant AMO + AMC: nothing at the desk
    direct_unrecorded: FseRow  # paiement direct, nothing recorded: still « à encaisser »
    cancelled: FseRow
    yesterday: FseRow  # paiement direct espèces, the day before
    other: FseRow  # the second practitioner, today, espèces
    older: FseRow  # three days ago, outside the default ranges


def _create(store: Store, cabinet, care: date, amo: bool, amc: bool, beneficiary: int = 0):  # type: ignore[no-untyped-def]
    request = parse_fse_input(
        {
            "date_of_care": care.isoformat(),
            "practitioner": {},
            "patient": {},
            "acts": [{"code": "G"}],
            "beneficiary": beneficiary,
            "tiers_payant": {"amo": amo, "amc": amc},
            # the second practitioner's card has two situations: the first cabinet
            **({"situation": 1} if len(cabinet.cps.situations) > 1 else {}),
        }
    )
    return FseService(store, clock=FakeClock()).create(request, cabinet.cps, cabinet.vitale)


def _settle(store: Store, row: FseRow, means: str, amount: Decimal) -> None:
    store.record_settlement(row.id, means, amount, FakeClock()())


@pytest.fixture(scope="module")
def cabinets():  # type: ignore[no-untyped-def]
    return open_cabinet(), open_cabinet(cps="cps-deux-cabinets")


@pytest.fixture()
def filled(tmp_path: Path, cabinets):  # type: ignore[no-untyped-def]
    main, second = cabinets
    store = open_store(tmp_path / "sesam.db")
    try:
        f = Filled(
            direct_cash=_create(store, main, TODAY, False, False),
            direct_cheque=_create(store, main, TODAY, False, False, 1),
            tp_amo_card=_create(store, main, TODAY, True, False),
            tp_full=_create(store, main, TODAY, True, True),
            direct_unrecorded=_create(store, main, TODAY, False, False),
            cancelled=_create(store, main, TODAY, False, False),
            yesterday=_create(store, main, TODAY - timedelta(days=1), False, False),
            other=_create(store, second, TODAY, False, False),
            older=_create(store, main, TODAY - timedelta(days=3), False, False),
        )
        _settle(store, f.direct_cash, "especes", f.direct_cash.total_fees)
        _settle(store, f.direct_cheque, "cheque", f.direct_cheque.total_fees)
        _settle(store, f.tp_amo_card, "carte", f.tp_amo_card.total_fees - f.tp_amo_card.amo)
        _settle(store, f.cancelled, "especes", f.cancelled.total_fees)
        _settle(store, f.yesterday, "especes", f.yesterday.total_fees)
        _settle(store, f.other, "especes", f.other.total_fees)
        FseService(store, clock=FakeClock()).cancel(
            f.cancelled.number, "erreur de saisie", f.cancelled.practitioner_id
        )
        yield store, f
    finally:
        store.close()


def test_recette_du_jour_by_payment_means(filled) -> None:  # type: ignore[no-untyped-def]
    store, f = filled
    main_id = f.direct_cash.practitioner_id
    day = recette.compute(store, recette.RecetteRequest.day(TODAY, main_id))
    listed = {line.number for line in day.lines}
    today_rows = [f.direct_cash, f.direct_cheque, f.tp_amo_card, f.tp_full, f.direct_unrecorded]
    assert listed == {r.number for r in today_rows}  # cancelled, yesterday, other: out
    assert day.cancelled_count == 1 and "1 FSE annulée" in day.exclusion_note
    t = day.totals
    assert t.fse_count == 5
    assert t.fees == sum((r.total_fees for r in today_rows), Decimal("0.00"))
    by = {m.means: (m.count, m.amount) for m in t.by_means}
    card_part = f.tp_amo_card.total_fees - f.tp_amo_card.amo
    assert by == {
        "especes": (1, f.direct_cash.total_fees),
        "cheque": (1, f.direct_cheque.total_fees),
        "carte": (1, card_part),
    }
    assert [m.label for m in t.by_means] == ["carte bancaire", "chèque", "espèces"]
    assert t.collected == f.direct_cash.total_fees + f.direct_cheque.total_fees + card_part
    # Paid nothing at the desk in paiement direct: the whole fee is still to collect; the
    # FSE in full tiers payant owes nothing at the desk (its G is fully covered or not).
    full_due = max(f.tp_full.total_fees - f.tp_full.amo - f.tp_full.amc, Decimal("0.00"))
    assert t.still_due == f.direct_unrecorded.total_fees + full_due
    assert t.expected_amo == f.tp_amo_card.amo + f.tp_full.amo
    assert t.expected_amc == f.tp_full.amc
    line = next(x for x in day.lines if x.number == f.direct_unrecorded.number)
    assert line.paid_by == "non renseigné" and line.still_due == line.total
    # The patient's name as the FSE list writes it: « DURAND Léa » (NOM Prénom).
    patient = store.patient(f.direct_unrecorded.patient_id)
    assert line.patient == f"{patient['last_name']} {patient['first_name'].title()}"
    cash = next(x for x in day.lines if x.number == f.direct_cash.number)
    assert cash.paid_by == "espèces" and cash.still_due == Decimal("0.00")
    assert all(isinstance(x.total, Decimal) for x in day.lines)


def test_range_and_practitioner_filter(filled) -> None:  # type: ignore[no-untyped-def]
    store, f = filled
    main_id, other_id = f.direct_cash.practitioner_id, f.other.practitioner_id
    assert main_id != other_id
    both = recette.compute(store, recette.RecetteRequest(TODAY - timedelta(days=1), TODAY))
    assert both.totals.fse_count == 7  # 5 + yesterday's + the other practitioner's
    assert f.older.number not in {x.number for x in both.lines if x.practitioner_id == main_id}
    per = {p.practitioner_id: p.totals for p in both.practitioners}
    assert per[other_id].fse_count == 1
    assert per[other_id].by_means[0].amount == f.other.total_fees
    assert per[main_id].fse_count == 6
    assert per[main_id].fees + per[other_id].fees == both.totals.fees
    cash = {m.means: m.amount for m in per[main_id].by_means}["especes"]
    assert cash == f.direct_cash.total_fees + f.yesterday.total_fees
    only_other = recette.compute(store, recette.RecetteRequest(TODAY, TODAY, other_id))
    assert [x.number for x in only_other.lines] == [f.other.number]
    assert only_other.cancelled_count == 0
    capped = recette.compute(
        store, recette.RecetteRequest(TODAY - timedelta(days=3), TODAY, max_lines=2)
    )
    assert len(capped.lines) == 2 and capped.totals.fse_count == 8 and not capped.complete
    future = TODAY + timedelta(days=10)
    empty = recette.compute(store, recette.RecetteRequest.day(future))
    assert not empty.lines and empty.totals.fees == Decimal("0.00")
    assert empty.empty_message.startswith("Aucune FSE") and f"{future:%d/%m/%Y}" in (
        empty.empty_message
    )
    with pytest.raises(recette.RecettePeriodError):
        recette.compute(store, recette.RecetteRequest(TODAY, TODAY - timedelta(days=1)))


def test_rectified_fse_counts_through_its_rectificative(filled) -> None:  # type: ignore[no-untyped-def]
    store, f = filled
    # As client.rectify leaves the original once its rectificative is secured.
    store.db.execute("UPDATE fse SET state = 'rectified' WHERE id = ?", [f.direct_cheque.id])
    day = recette.compute(store, recette.RecetteRequest.day(TODAY, f.direct_cash.practitioner_id))
    assert f.direct_cheque.number not in {x.number for x in day.lines}
    assert day.totals.fse_count == 4 and day.rectified_count == 1
    assert "1 FSE rectifiée(s)" in day.exclusion_note
    assert recette.to_json(day)["fse_rectifiees_exclues"] == 1


@pytest.mark.sqlite_only  # SQLite's query plan (EXPLAIN QUERY PLAN) of the file's indexes
def test_totals_use_the_care_date_index(filled) -> None:  # type: ignore[no-untyped-def]
    store, _ = filled
    plan = " ".join(
        str(r["detail"])
        for r in store.db.query(
            "EXPLAIN QUERY PLAN " + recette.SQL_TOTALS, ["2026-01-01", "2026-01-02", None, None]
        )
    )
    # a range of an index on the date of care, never a scan of every FSE
    assert plan.startswith("SEARCH f USING") and "(care_date>? AND care_date<?)" in plan, plan


def test_cli_json_pdf_and_empty_day(filled, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _store, f = filled
    main_id = f.direct_cash.practitioner_id
    done = sesam(tmp_path, "recette", "--json", "--praticien", main_id)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["du"] == data["au"] == TODAY.isoformat()
    assert data["fse_annulees_exclues"] == 1
    totaux = data["totaux"]
    assert totaux["fse"] == 5 and isinstance(totaux["encaisse"], str)
    assert Decimal(totaux["a_encaisser"]) >= f.direct_unrecorded.total_fees
    modes = {m["mode"]: m["montant"] for m in totaux["par_mode"]}
    assert modes["especes"] == str(f.direct_cash.total_fees)
    assert {x["numero"] for x in data["fse"]} >= {f.direct_cash.number, f.tp_full.number}
    assert all(isinstance(x["total"], str) for x in data["fse"])

    out = tmp_path / "recette.pdf"
    done = sesam(
        tmp_path, "recette", "--du", (TODAY - timedelta(days=1)).isoformat(), "--pdf", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert "Recette enregistrée" in done.stdout and "Totaux" in done.stdout
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Cabinet Dr CLAIRE RENAUD" in text  # the practitioners' cabinet at its head
    assert f"Recette du {TODAY - timedelta(days=1):%d/%m/%Y} au {TODAY:%d/%m/%Y}" in text
    assert "espèces" in text and "chèque" in text and "carte bancaire" in text
    assert "À encaisser" in text and "FSE annulées, rectifiées" in text
    assert "PAUL LEFÈVRE" in text  # a block per practitioner
    patient = _store.patient(f.direct_cash.patient_id)
    assert f"{patient['last_name']} {patient['first_name'].title()}" in text  # NOM Prénom

    (tmp_path / "settings.json").write_text(json.dumps({"cabinet_name": "Cabinet des Tilleuls"}))
    done = sesam(tmp_path, "recette", "--pdf", str(out), "--force")
    assert done.returncode == 0, done.stderr
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Cabinet des Tilleuls" in text and f"Recette du {TODAY:%d/%m/%Y}" in text

    future = (TODAY + timedelta(days=30)).isoformat()
    done = sesam(tmp_path, "recette", "--du", future, "--au", future)
    assert done.returncode == 0 and done.stdout.startswith("Aucune FSE"), done.stdout
    done = sesam(tmp_path, "recette", "--du", TODAY.isoformat(), "--au", "2000-01-01")
    assert done.returncode == 2 and "Période invalide" in done.stderr
