"""What the AMC did not pay reaches the books (issue #23): the simulated AMC (real HTTPS)
pays one DRE short and rejects another; their missing amounts enter the unpaid remainders
(the list, the alerts, the dashboard's totals, kept by the m025 triggers), and closing one
with a reason closes it, journaled; the real store, cards emulated in-process."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from am_support import FakeClock, client_settings, open_cabinet
from amc_support import amc_server, amc_settings, create_tp_fse

from billing.referential import Referential
from client import dashboard
from client.alerts import compute_alerts
from client.amc.dre import build_dre_lots, send_dre_lots
from client.amc.engagement import OnlineEngagement
from client.amc.returns import fetch_returns
from client.amc.transport import AmcTransport
from client.fse_service import FseService
from client.reconciliation import Reconciliation
from client.remainders import (
    ClosureMotif,
    RemainderTotals,
    close_remainder,
    open_remainders,
    remainder_totals,
)
from client.store import FseRow, Store, open_store
from testbed.amc.payments import AmcPolicy, Fate


def _short_and_rejected(store: Store, tmp_path: Path) -> tuple[FseRow, FseRow, FseRow]:
    """Three FSE in gestion séparée: the AMC pays the first in full, the second short, and
    rejects the third."""
    cabinet = open_cabinet(vitale="vitale-amc-separee")
    clock = FakeClock()
    with amc_server(tmp_path / "amc.sqlite") as amc:
        gate = OnlineEngagement(
            store, AmcTransport(amc_settings(amc.url)), Referential.load_default()
        )
        rows = [create_tp_fse(store, cabinet, gate)[0] for _ in range(3)]
        amc.policy = AmcPolicy(
            forced=(
                (rows[0].fse_uuid, Fate.PAID),
                (rows[1].fse_uuid, Fate.PARTLY_PAID),
                (rows[2].fse_uuid, Fate.REJECTED),
            )
        )
        FseService(store, clock=clock).close_lots(cabinet.signer, cabinet.cps, all_lots=True)
        ids = {s.billing_number + s.billing_key for s in cabinet.cps.situations}
        build_dre_lots(store, cabinet.signer, ids, clock)
        settings = amc_settings(amc.url)
        transport = AmcTransport(settings)
        try:
            send_dre_lots(store, transport, settings, clock)
            fetch_returns(store, transport, clock)
        finally:
            transport.close()
    return rows[0], rows[1], rows[2]


def test_what_the_amc_did_not_pay_is_an_unpaid_remainder(store: Store, tmp_path: Path) -> None:
    paid, short, rejected = _short_and_rejected(store, tmp_path)
    by_fse = {p.fse_uuid: p for p in store.amc_lots.payments()}
    short_missing = short.amc - by_fse[short.fse_uuid].paid_amc
    assert Decimal(0) < short_missing < short.amc

    listed = {r.fse_uuid: r for r in open_remainders(store)}
    assert paid.fse_uuid not in listed  # paid in full: nothing owed
    assert listed[short.fse_uuid].missing == short_missing
    assert listed[short.fse_uuid].status is Reconciliation.PARTLY_PAID
    assert listed[rejected.fse_uuid].missing == rejected.amc
    assert listed[rejected.fse_uuid].status is Reconciliation.REJECTED
    assert all(r.amc and r.amc_number for r in listed.values())
    # A page of one at a time gives the same remainders.
    paged = [r.fse_uuid for i in range(3) for r in open_remainders(store, limit=1, offset=i)]
    assert paged == [r.fse_uuid for r in open_remainders(store)]

    totals = remainder_totals(store)
    assert totals.unpaid_amount == short_missing + rejected.amc
    assert (totals.unpaid_count, totals.rejected_count) == (2, 1)
    board = dashboard.last_months(store, FakeClock()())
    assert board.unpaid_amount == totals.unpaid_amount and board.unpaid_count == 2

    alerts = compute_alerts(store, client_settings("https://127.0.0.1:9"), FakeClock()())
    texts = [a.message for a in alerts if a.key.endswith(":amc")]
    assert any(
        f"FSE n° {rejected.number} " in t and "rejetée par la complémentaire" in t for t in texts
    )
    assert any(f"FSE n° {short.number} " in t and "payée partiellement" in t for t in texts)


def test_an_amc_remainder_is_closed_with_its_reason(store: Store, tmp_path: Path) -> None:
    _, short, rejected = _short_and_rejected(store, tmp_path)
    clock = FakeClock()
    closure = close_remainder(store, rejected.number, ClosureMotif.LOSS, clock, comment="radié")
    assert closure.amount == rejected.amc
    claim = close_remainder(store, short.number, ClosureMotif.CLAIMED, clock)
    assert open_remainders(store) == []
    assert [r.fse_uuid for r in open_remainders(store, include_claimed=True)] == [short.fse_uuid]
    totals = remainder_totals(store)
    assert (totals.unpaid_amount, totals.unpaid_count) == (Decimal("0.00"), 0)
    assert (totals.lost_amount, totals.lost_count) == (rejected.amc, 1)
    assert (totals.claimed_amount, totals.claimed_count) == (claim.amount, 1)
    assert store.audit_verify().breach is None  # the closures are journaled
    # Each card sees its practitioners' only (issue #26), the closed ones too.
    assert remainder_totals(store, frozenset({rejected.practitioner_id})) == totals
    assert remainder_totals(store, frozenset({"autre-praticien"})) == RemainderTotals()
    mine = open_remainders(
        store, include_claimed=True, practitioners=frozenset({short.practitioner_id})
    )
    assert [r.fse_uuid for r in mine] == [short.fse_uuid]
    assert open_remainders(store, include_claimed=True, practitioners=frozenset({"x"})) == []


def test_a_store_from_before_m025_gets_its_amc_remainders(tmp_path: Path) -> None:
    """The AMC's answers recorded before the migration are read into the remainders."""
    import sqlite3

    path = tmp_path / "sesam.db"
    store = open_store(path, database_url="")
    try:
        _, short, rejected = _short_and_rejected(store, tmp_path)
        before = remainder_totals(store)
    finally:
        store.close()
    raw = sqlite3.connect(path)  # the store as m024 left it
    with raw:
        for name in (
            "amc_remainder_counts_insert",
            "amc_remainder_counts_delete",
            "amc_remainder_counts_update",
            "amc_remainders_payment",
            "amc_remainders_fse_update",
            "amc_remainders_fse_delete",
            "amc_remainders_closure",
        ):
            raw.execute(f"DROP TRIGGER {name}")
        raw.execute("DROP TABLE amc_remainder_counts")
        raw.execute("DROP TABLE amc_remainders")
        raw.execute("ALTER TABLE amc_conventions DROP COLUMN delay_days")
        raw.execute("DELETE FROM _sqlite_migrations WHERE name = 'm025_amc_remainders'")
    raw.close()
    store = open_store(path, database_url="")  # m025 runs
    try:
        assert remainder_totals(store) == before
        assert {r.fse_uuid for r in open_remainders(store)} == {short.fse_uuid, rejected.fse_uuid}
    finally:
        store.close()
