"""Issue #27: the lists and figures the pages open with are read by the database from
tables it keeps (the unpaid remainders, m021) or by one query per page (the
reconciliation): they must say exactly what a walk of every FSE and payment line says, on a
store holding every state — paid, partly paid, rejected, refused, waiting, remainders
claimed, lost and rectified."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from am_support import (
    Cabinet,
    DealtReturnPolicy,
    FakeClock,
    client_settings,
    close_lots,
    create_fse,
    send_and_fetch_returns,
)
from test_sender import FakeTransport

from billing.fse_states import FseEventKind, FseState
from client import alerts as alerts_module
from client import remainders
from client.alerts import AlertKind, AlertLevel, acknowledge, compute_alerts, gap_alerts
from client.fse_search import (
    HIDDEN_BY_DEFAULT,
    FseFilter,
    FseListTotals,
    matching_patients,
    search,
    totals,
)
from client.migrations import m021_fast_pages
from client.reconciliation import Reconciliation
from client.remainders import ClosureMotif, close_remainder, open_remainders, remainder_totals
from client.returns import reconcile, reconcile_page
from client.sender import Sender
from client.store import Store, stamp

SETTINGS = client_settings("https://127.0.0.1:1")


@pytest.fixture
def every_state(store: Store, cabinet: Cabinet, tmp_path: Path) -> Store:
    """30 FSE returned by the simulated caisse (paid, partly paid, rejected), then the user's
    work on them: one remainder claimed, one claimed then lost, one rejected FSE replaced
    (rectified); then 6 FSE still waiting in an open lot."""
    clock = FakeClock()
    create_fse(store, cabinet, 30, clock)
    policy = DealtReturnPolicy(rejected_per_mille=300, partly_paid_per_mille=400)
    send_and_fetch_returns(store, cabinet, clock, tmp_path / "ledger.sqlite", policy)
    unpaid = open_remainders(store)
    partly = [r for r in unpaid if r.status is Reconciliation.PARTLY_PAID]
    rejected = [r for r in unpaid if r.status is Reconciliation.REJECTED]
    assert len(partly) >= 2 and len(rejected) >= 2, "the policy's shares give both, surely"
    close_remainder(store, partly[0].number, ClosureMotif.CLAIMED, clock)
    close_remainder(store, partly[1].number, ClosureMotif.CLAIMED, clock)
    close_remainder(store, partly[1].number, ClosureMotif.LOSS, clock)
    gone = store.fse_by_number(rejected[0].number)
    store.transition_fse(gone.id, FseState.RECTIFIED, FseEventKind.RECTIFIED, clock())
    create_fse(store, cabinet, 6, clock)
    return store


def _walk(store: Store) -> list[dict[str, object]]:
    """The remainders as the definition reads them from every payment line (the query the
    pages ran before m021)."""
    values = [*remainders.UNPAID_OUTCOMES, FseState.PAID.value, FseState.REJECTED.value]
    return [dict(r) for r in store.db.query(remainders._SQL_REMAINDERS, values)]


def _kept(store: Store) -> list[tuple[object, ...]]:
    rows = store.returns.remainders(include_claimed=True)
    lost = [
        r
        for r in (store.returns.remainder_of(w["fse_uuid"]) for w in _walk(store))  # type: ignore[arg-type]
        if r is not None and r.closed == ClosureMotif.LOSS.value
    ]
    return sorted((r.fse_uuid, r.id, r.outcome, r.paid_amo, r.closed) for r in [*rows, *lost])


def _expected(store: Store) -> list[tuple[object, ...]]:
    return sorted(
        (r["fse_uuid"], r["id"], r["outcome"], Decimal(str(r["paid_amo"])), r["closed"])
        for r in _walk(store)
    )


def test_the_kept_remainders_are_the_walks_after_payments_closures_and_rectification(
    every_state: Store,
) -> None:
    store = every_state
    expected = _expected(store)
    assert _kept(store) == expected
    closed = Counter(r[4] for r in expected)
    assert closed[None] >= 1 and closed["reclame"] == 1 and closed["perte"] == 1
    # The open ones (what the alerts list), oldest return first, in pages as the walk.
    oldest_first = sorted(_walk(store), key=lambda r: int(str(r["id"])))
    walk_open = [r["fse_uuid"] for r in oldest_first if r["closed"] is None]
    assert [r.fse_uuid for r in open_remainders(store)] == walk_open
    assert [r.fse_uuid for r in open_remainders(store, limit=2, offset=1)] == walk_open[1:3]


def test_the_remainder_totals_are_the_walks(every_state: Store) -> None:
    store = every_state
    totals = remainder_totals(store)
    walk = _walk(store)
    missing = {
        r["fse_uuid"]: remainders.missing_amount(
            Decimal(str(r["billed_amo"])),
            Decimal(str(r["billed_amc"])),
            Decimal(str(r["paid_amo"])),
            Decimal(str(r["paid_amc"])),
        )
        for r in walk
    }
    owed = [r for r in walk if missing[r["fse_uuid"]] > 0]
    open_ = [r for r in owed if r["closed"] is None]
    assert totals.unpaid_count == len(open_)
    assert totals.unpaid_amount == sum((missing[r["fse_uuid"]] for r in open_), Decimal("0.00"))
    assert totals.rejected_count == sum(1 for r in open_ if r["outcome"] == "rejetee")
    assert totals.claimed_count == 1 and totals.lost_count == 1


@pytest.mark.sqlite_only  # a SQLite store of before the PostgreSQL backend (m021)
def test_the_migration_fills_the_remainders_of_an_existing_store(every_state: Store) -> None:
    store = every_state
    before = _kept(store)
    with store.write():
        for name in (
            "remainder_counts_insert",
            "remainder_counts_delete",
            "remainder_counts_update",
            "remainders_payment",
            "remainders_fse_insert",
            "remainders_fse_update",
            "remainders_fse_delete",
            "remainders_closure",
            "fse_counts_insert",
            "fse_counts_delete",
            "fse_counts_update",
            "patients_version_insert",
            "patients_version_update",
            "patients_version_delete",
        ):
            store.db.execute(f"DROP TRIGGER {name}")
        for table in ("remainders", "remainder_counts", "fse_counts", "patients_version"):
            store.db.execute(f"DROP TABLE {table}")
        store.db.execute("DROP INDEX lots_signed")
        m021_fast_pages(store.db)
    assert _kept(store) == before == _expected(store)
    assert remainder_totals(store).lost_count == 1
    (pid,) = {f.practitioner_id for f in store.fse_list()}
    assert store.alerts.fse_numbers_held(pid, 36) == 36


def _reconciled_by_walk(store: Store) -> list[tuple[object, ...]]:
    """What the reconciliation said when it walked every FSE row and payment line."""
    latest = store.returns.latest_payments()
    out = []
    for fse in store.fse_list():
        if fse.state in (FseState.CANCELLED, FseState.DRAFT, FseState.RECTIFIED):
            continue
        pay = latest.get(fse.fse_uuid)
        settled = pay is not None and fse.state in (FseState.PAID, FseState.REJECTED)
        if fse.state is FseState.REFUSED:
            status = Reconciliation.REFUSED
        elif settled:
            assert pay is not None
            status = Reconciliation(pay.outcome)
        else:
            status = Reconciliation.WAITING
        out.append(
            (
                fse.fse_uuid,
                fse.number,
                fse.state,
                status,
                fse.amo,
                fse.amc,
                pay.paid_amo if settled and pay else None,
                pay.paid_amc if settled and pay else None,
            )
        )
    return out


def _shown(rows: list[object]) -> list[tuple[object, ...]]:
    return [
        (
            r.fse_uuid,
            r.number,
            r.state,
            r.status,
            r.billed_amo,
            r.billed_amc,
            r.paid_amo,
            r.paid_amc,
        )  # type: ignore[attr-defined]
        for r in rows
    ]


def test_the_reconciliation_pages_are_the_walks(every_state: Store) -> None:
    store = every_state
    walk = _reconciled_by_walk(store)
    assert _shown(reconcile(store)) == walk  # number order, every FSE listed
    newest = walk[::-1]
    assert _shown(reconcile_page(store, 10)) == newest[:10]
    assert _shown(reconcile_page(store, 10, 30)) == newest[30:40]
    statuses = Counter(w[3] for w in walk)
    assert statuses[Reconciliation.WAITING] >= 6 and statuses[Reconciliation.PAID] >= 1
    for status in Reconciliation:
        chosen = [w for w in newest if w[3] is status]
        assert _shown(reconcile_page(store, 100, status=status)) == chosen, status
        assert _shown(reconcile_page(store, 2, 1, status=status)) == chosen[1:3], status


def test_the_list_totals_of_states_are_the_walks(every_state: Store) -> None:
    """The FSE list's status line as it opens (no filter, or states only) is read from the
    month totals: the same count and fees as the FSE themselves."""
    store = every_state
    fse = store.fse_list()
    uncounted = (FseState.DRAFT, FseState.CANCELLED, FseState.RECTIFIED)
    for states in [
        (),
        (FseState.PAID,),
        (FseState.SECURED, FseState.REJECTED),
        (FseState.RECTIFIED,),
    ]:
        shown = [
            f for f in fse if (f.state in states if states else f.state not in HIDDEN_BY_DEFAULT)
        ]
        expected = FseListTotals(
            count=len(shown),
            total=sum((f.total_fees for f in shown if f.state not in uncounted), Decimal("0.00")),
        )
        assert totals(store, FseFilter(states=states)) == expected, states
    assert totals(store, FseFilter(states=(FseState.RECTIFIED,))).count == 1


def test_the_gap_check_counts_the_numbers_held_as_the_walk(every_state: Store) -> None:
    store = every_state
    (pid,) = {f.practitioner_id for f in store.fse_list()}
    numbers = {f.number for f in store.fse_list()}
    top = max(numbers)
    assert store.alerts.fse_numbers_held(pid, top) == len(numbers) == top
    # Numbers handed out beyond the last FSE: those are missing, and said so.
    assert store.alerts.fse_numbers_held(pid, top + 3) == top
    assert [a.message for a in gap_alerts(store, datetime.now(UTC))] == []
    # A count below the highest FSE (a store mended by hand) reads the index instead.
    assert store.alerts.fse_numbers_held(pid, 10) == len({n for n in numbers if n <= 10})


def _late(store: Store, cabinet: Cabinet, count: int, days_ago: int) -> datetime:
    """``count`` FSE of ``days_ago`` days ago, secured and never sent; and ``count`` more
    acknowledged by an ARL of then and never paid. Returns now."""
    then = datetime.now(UTC) - timedelta(days=days_ago)
    clock = FakeClock(then)
    create_fse(store, cabinet, count, clock, care=then.date())
    close_lots(store, cabinet, clock)
    Sender(store, FakeTransport(), settings=SETTINGS, clock=clock).run()
    store.db.execute("UPDATE arl SET received_at = ?", [stamp(then)])
    create_fse(store, cabinet, count, clock, care=then.date())
    return datetime.now(UTC)


def test_many_late_fse_make_one_alert_per_kind(
    store: Store, cabinet: Cabinet, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = _late(store, cabinet, 3, days_ago=40)
    one_by_one = compute_alerts(store, SETTINGS, now)
    kinds = Counter(a.kind for a in one_by_one)
    assert kinds[AlertKind.DEADLINE] == 3 and kinds[AlertKind.INDEMNITY] == 3
    monkeypatch.setattr(alerts_module, "FSE_ONE_BY_ONE", 2)
    summed = compute_alerts(store, SETTINGS, now)
    (deadline,) = [a for a in summed if a.kind is AlertKind.DEADLINE]
    first = min(f.number for f in store.fse_list(state=FseState.SECURED))
    day = (now - timedelta(days=40)).date().strftime("%d/%m/%Y")
    assert deadline.level is AlertLevel.URGENT
    assert deadline.message == (
        f"3 FSE pas encore transmises, dont 3 hors délai ; la plus ancienne : FSE n° {first} "
        f"du {day}."
    )
    (indemnity,) = [a for a in summed if a.kind is AlertKind.INDEMNITY]
    assert indemnity.message.startswith("3 FSE sécurisées Vitale non payées plus de 7 jours")
    assert "indemnité de retard" in indemnity.message and indemnity.level is AlertLevel.URGENT
    # Hidden, it comes back when another FSE joins it (its key counts them).
    acknowledge(store, deadline.key, now)
    assert AlertKind.DEADLINE not in {a.kind for a in compute_alerts(store, SETTINGS, now)}


def test_the_patient_search_sees_a_patient_renamed_since_the_last_search(
    every_state: Store,
) -> None:
    """The folded names are kept between searches, until a patient changes."""
    store = every_state
    found, among = matching_patients(store, "zorglub")
    assert found == [] and among >= 1
    (first, *_others) = store.search.patients()
    store.db.execute("UPDATE patients SET last_name = 'ZÖRGLUB' WHERE id = ?", [first.id])
    assert matching_patients(store, "zorglub") == ([first.id], among)
    listed = search(store, FseFilter(text="Zorglub"), limit=50)
    assert {r.fse_uuid for r in listed} == {
        f.fse_uuid for f in store.fse_list() if f.patient_id == first.id
    }
    assert listed and {r.patient_last_name for r in listed} == {"ZÖRGLUB"}
