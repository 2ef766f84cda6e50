"""Issue #27 at 1M FSE: what the pages read from tables and indexes kept for them (m032) —
the FSE list's count and total per patient, the signed lots per practitioner, the
acknowledged Vitale FSE and the waiting amounts of the dashboard — must say exactly what a
walk of every FSE says, on a store holding every state; the patient search's sorted
index finds the patients the comparison of every patient finds."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import test_fast_pages as fast
from am_support import Cabinet
from store_attacker import drop_trigger_in

from billing.fse_states import FseEventKind, FseState
from client.fse_search import FseFilter, FseListTotals, _words, fold, matching_patients, totals
from client.migrations import m032_fast_pages_1m
from client.store import Store

_WAITING = (FseState.SECURED, FseState.IN_LOT, FseState.SENT, FseState.ACKNOWLEDGED)
_UNCOUNTED = (FseState.DRAFT, FseState.CANCELLED, FseState.RECTIFIED)
# The store with every state of ``test_fast_pages`` (paid, partly paid, rejected, rectified,
# waiting); its ``cabinet`` and ``store`` are conftest.py's.
every_state = fast.every_state

#: A date filter that leaves every FSE in: the count then walks the FSE rows themselves.
_EVERY_DATE = date(1900, 1, 1)


def _walked_totals(store: Store, patients: set[str], practitioner: str | None) -> FseListTotals:
    shown = [
        f
        for f in store.fse_list()
        if f.patient_id in patients
        and f.state not in (FseState.DRAFT, FseState.CANCELLED)
        and (practitioner is None or f.practitioner_id == practitioner)
    ]
    return FseListTotals(
        count=len(shown),
        total=sum((f.total_fees for f in shown if f.state not in _UNCOUNTED), Decimal("0.00")),
    )


def _every_text(store: Store) -> list[str]:
    """Texts a user types: each patient's nom and prénom cut short, both, NIR starts."""
    texts = {"", "d", "zz", "durand léa", "lea dur"}
    for p in store.search.patients():
        last, first = str(p.last_name), str(p.first_name)
        texts |= {last[:1], last[:3], first[:2], f"{first} {last[:2]}", f"{last} {first}"}
        texts |= {str(p.assure_nir)[:5], str(p.beneficiary_nir)[:13]}
    return sorted(texts)


def test_the_search_totals_by_patient_are_the_walks(every_state: Store) -> None:
    store = every_state
    # One FSE cancelled: it leaves the list and its total (a rectified one is in the store).
    waiting = store.fse_list(state=FseState.SECURED)[0]
    store.transition_fse(waiting.id, FseState.CANCELLED, FseEventKind.CANCELLED, datetime.now(UTC))
    (pid,) = {f.practitioner_id for f in store.fse_list()}
    assert Counter(f.state for f in store.fse_list())[FseState.RECTIFIED] == 1
    for text in _every_text(store):
        found, _among = matching_patients(store, text)
        if not found and text.strip():
            continue
        expected = _walked_totals(store, set(found), None)
        assert totals(store, FseFilter(text=text)) == expected, text
        assert totals(store, FseFilter(text=text, care_from=_EVERY_DATE)) == expected, text
        assert totals(store, FseFilter(text=text, practitioner_id=pid)) == expected, text
        nobody = FseFilter(text=text, practitioner_id="someone-else")
        assert totals(store, nobody) == FseListTotals(0, Decimal("0.00")), text
        seen = FseFilter(text=text, practitioners=frozenset({pid}))
        assert totals(store, seen) == expected, text
        assert totals(store, FseFilter(text=text, practitioners=frozenset())).count == 0


def _compare_every_patient(store: Store, text: str) -> list[str]:
    """The search as it was: every patient compared (the definition)."""
    compact = re.sub(r"[\s.]", "", text).upper()
    words = _words(text)
    found = []
    for p in store.search.patients():
        last = fold(str(p.last_name))
        names = _words(last) + _words(str(p.first_name))
        if compact[:1].isdigit():
            hit = str(p.assure_nir).startswith(compact) or str(p.beneficiary_nir).startswith(
                compact
            )
        else:
            hit = last.startswith(" ".join(words)) or all(
                any(n.startswith(w) for n in names) for w in words
            )
        if hit:
            found.append(p.id)
    return sorted(found)


def test_the_patient_search_finds_whom_comparing_every_patient_finds(
    every_state: Store,
) -> None:
    store = every_state
    texts = _every_text(store)
    assert len(texts) > 10
    for text in texts:
        found, among = matching_patients(store, text)
        assert sorted(found) == _compare_every_patient(store, text), text
        assert among == len(store.search.patients())
    assert matching_patients(store, "zz")[0] == []


def test_the_dashboard_counts_are_the_walks(
    store: Store,
    cabinet: Cabinet,
) -> None:
    """Acknowledged Vitale FSE per ARL, waiting amounts and signed lots, as the rows say."""
    now = fast._late(store, cabinet, 3, days_ago=40)
    received_before = now.isoformat()
    listed = store.alerts.acknowledged_vitale(received_before)
    assert len(listed) == 3
    by_arl = Counter(a.received_at for a in listed)
    counted = store.alerts.acknowledged_vitale_by_arl(received_before)
    assert {c.received_at: c.n for c in counted} == dict(by_arl)
    (pid,) = {f.practitioner_id for f in store.fse_list()}
    assert store.alerts.acknowledged_vitale_by_arl(received_before, frozenset({"x"})) == []
    mine = store.alerts.acknowledged_vitale_by_arl(received_before, frozenset({pid}))
    assert sum(c.n for c in mine) == 3
    waiting = Counter((f.amo, f.amc) for f in store.fse_list() if f.state in _WAITING)
    groups = store.figures.waiting_groups()
    assert {(g.amo, g.amc): g.n for g in groups} == dict(waiting)
    assert sum(g.n for g in groups) == 6
    signed = [lot for lot in store.lots(kind="fse") if lot.closed_at is not None]
    assert store.alerts.signed_lot_count(pid) == len(signed) >= 1


def test_the_migration_fills_the_kept_counts_of_an_existing_store(
    every_state: Store,
) -> None:
    store = every_state
    (pid,) = {f.practitioner_id for f in store.fse_list()}
    texts = ["durand", "lé", "", store.search.patients()[0].assure_nir[:6]]
    before = [totals(store, FseFilter(text=str(t))) for t in texts]
    signed = store.alerts.signed_lot_count(pid)
    with store.write():
        for name, table in (
            ("patient_fse_totals_insert", "fse"),
            ("patient_fse_totals_delete", "fse"),
            ("patient_fse_totals_update", "fse"),
            ("lot_signed_counts_insert", "lots"),
            ("lot_signed_counts_delete", "lots"),
            ("lot_signed_counts_update", "lots"),
        ):
            drop_trigger_in(store, name, table)
        for table in ("patient_fse_totals", "lot_signed_counts"):
            store.db.execute(f"DROP TABLE {table}")
        for index in ("fse_guarantee", "fse_apcv_only"):
            store.db.execute(f"DROP INDEX {index}")
        m032_fast_pages_1m(store.db)
    assert [totals(store, FseFilter(text=str(t))) for t in texts] == before
    assert before[0].count >= 30
    assert store.alerts.signed_lot_count(pid) == signed >= 1


def test_billing_a_known_patient_keeps_the_search_folded_names(
    every_state: Store, cabinet: Cabinet
) -> None:
    """The FSE's upsert of its patient changes nothing of his names: the search keeps its
    folded patients (folding them all again took 0.3–0.5 s at 20 000 patients); a renamed
    patient is folded again at once."""
    store = every_state
    before = store.search.patients_version()
    fast.create_fse(store, cabinet, 2, fast.FakeClock())
    assert store.search.patients_version() == before
    (first, *_others) = store.search.patients()
    store.db.execute("UPDATE patients SET first_name = 'ZÉPHYR' WHERE id = ?", [first.id])
    assert store.search.patients_version() == before + 1
    assert matching_patients(store, "zephyr")[0] == [first.id]


def test_lot_list_shows_the_newest_screenful_and_says_how_to_see_more(
    store: Store,
    cabinet: Cabinet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``sesam lot list`` on a ten-year store listed its 100 000 lots: a screenful now, the
    newest, with the way to the others; ``--tout`` and ``--json`` still give every lot."""
    from client.cli import main

    fast.create_fse(store, cabinet, 7, fast.FakeClock(), lot_size=1)
    fast.close_lots(store, cabinet, fast.FakeClock())
    numbers = sorted(lot.number for lot in store.lots(kind="fse"))
    assert len(numbers) == 7
    monkeypatch.setenv("SESAM_DATA_DIR", str(tmp_path))
    assert main(["lot", "list", "--par-page", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [int(line.split()[0]) for line in lines[:3]] == numbers[-3:]  # newest last
    assert lines[3] == "(3 lots sur 7, page 1 : --page 2 pour les précédents, --tout pour tous)"
    assert main(["lot", "list", "--par-page", "3", "--page", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [int(line.split()[0]) for line in lines] == numbers[:1]
    assert main(["lot", "list", "--tout"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 7
    assert main(["lot", "list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 7
