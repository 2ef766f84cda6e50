"""Dashboard figures from known data: télétransmission rate without the dégradé, fees billed
by month of care and received by month of payment (Decimal), amounts waiting, rejects, days
since the last transmission; the queries use indexes; ``sesam dashboard --json``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from am_support import FakeClock, close_lots, create_fse
from test_replay_e2e import sesam
from test_sender import _arl

from billing.fse_states import FseState
from billing.noemie import (
    InvoiceOutcome,
    NoemieFile,
    NoemieInvoice,
    NoemiePayment,
    NoemieRejects,
    build_noemie,
)
from client import dashboard
from client.fse_service import FseService, parse_fse_input
from client.returns import apply_arl, import_noemie, note_attempt
from client.store import Store, open_store

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _fill(store: Store, cabinet) -> list:  # type: ignore[no-untyped-def]
    """3 FSE Vitale in October (one paid in November, one rejected, one acknowledged) and
    one dégradé in November (secured, not sent)."""
    clock = FakeClock(NOW - timedelta(hours=1))  # the test PKI covers every date since 2000
    rows = create_fse(store, cabinet, 3, clock, care=date(2026, 10, 5))
    (lot_id,) = close_lots(store, cabinet, clock)
    note_attempt(store, lot_id, datetime(2026, 11, 16, 18, 0, tzinfo=UTC))
    apply_arl(store, _arl(lot_id), clock())
    degraded = parse_fse_input(
        {
            "date_of_care": "2026-11-02",
            "practitioner": {},
            "patient": {},
            "acts": [{"code": "G"}],
            "beneficiary": 0,
            "mode": "degrade",
            "degrade_reason": "lecteur Vitale en panne",
        }
    )
    rows.append(FseService(store, clock=clock).create(degraded, cabinet.cps, cabinet.vitale))
    paid, rejected = rows[0], rows[1]
    noemie = NoemieFile(
        "AMSIMUL01",
        "123456789",
        9,
        date(2026, 11, 10),
        payments=(
            NoemiePayment(
                "VIR9",
                date(2026, 11, 10),
                (
                    NoemieInvoice(
                        paid.fse_uuid,
                        lot_id,
                        paid.care_date,
                        InvoiceOutcome.PAID,
                        paid.amo,
                        paid.amc,
                    ),
                ),
            ),
        ),
        rejects=(
            NoemieRejects(
                date(2026, 11, 10),
                (
                    NoemieInvoice(
                        rejected.fse_uuid,
                        lot_id,
                        rejected.care_date,
                        InvoiceOutcome.REJECTED,
                        motif_code="A05",
                        motif_label="droits non ouverts",
                    ),
                ),
            ),
        ),
    )
    report = import_noemie(store, build_noemie(noemie), clock(), name="RSP9")
    assert report.paid == 1 and report.rejected == 1
    return [store.fse_by_uuid(r.fse_uuid) for r in rows]


def test_figures_from_known_data(tmp_path: Path, cabinet) -> None:  # type: ignore[no-untyped-def]
    store = open_store(tmp_path / "sesam.db")
    try:
        rows = _fill(store, cabinet)
        assert [r.state for r in rows] == [
            FseState.PAID,
            FseState.REJECTED,
            FseState.ACKNOWLEDGED,
            FseState.SECURED,
        ]
        g = rows[0]
        assert g.total_fees == Decimal("30.00")  # one consultation G
        part = g.amo + g.amc
        figures = dashboard.compute(store, date(2026, 10, 1), date(2026, 11, 30), NOW)
    finally:
        store.close()
    assert figures.fse_count == 4 and figures.vitale_count == 3 and figures.degrade_count == 1
    assert figures.teletransmission_rate == Decimal("75.0")
    assert figures.fees == Decimal("120.00")
    assert figures.billed == sum((r.amo + r.amc for r in rows), Decimal("0.00"))
    assert figures.received == part and isinstance(figures.received, Decimal)
    # Waiting: the acknowledged one and the dégradé one, whatever their month.
    assert figures.waiting_amount == rows[2].amo + rows[2].amc + rows[3].amo + rows[3].amc
    assert figures.waiting_count == 2 and figures.rejects == 1
    assert figures.days_since_transmission == 4  # 16 → 20 November
    october, november = figures.months
    assert (october.month, october.fse_count, october.fees, october.rejects) == (
        "2026-10",
        3,
        Decimal("90.00"),
        1,
    )
    assert october.received == Decimal("0.00")  # paid in November: counted there
    assert (november.fse_count, november.fees, november.received) == (1, Decimal("30.00"), part)
    assert november.label == "11/2026"


def test_a_period_without_data_and_a_reversed_period(tmp_path: Path) -> None:
    store = open_store(tmp_path / "sesam.db")
    try:
        empty = dashboard.compute(store, date(2026, 1, 1), date(2026, 1, 31), NOW)
        assert empty.fse_count == 0 and empty.teletransmission_rate is None
        assert empty.received == Decimal("0.00") and empty.days_since_transmission is None
        with pytest.raises(dashboard.DashboardPeriodError) as info:
            dashboard.compute(store, date(2026, 2, 1), date(2026, 1, 1), NOW)
        assert "avant" in str(info.value)
    finally:
        store.close()


@pytest.mark.sqlite_only  # SQLite's query plan (EXPLAIN QUERY PLAN) of the file's indexes
def test_the_dashboard_queries_use_indexes(tmp_path: Path) -> None:
    store = open_store(tmp_path / "sesam.db")
    try:
        for sql in dashboard.QUERIES:
            params = ["2026-10-01", "2026-11-30"] if "?" in sql else []
            plan = [str(r[-1]) for r in store.db.execute("EXPLAIN QUERY PLAN " + sql, params)]
            # The month totals (a few rows per month and state) may be read whole: the
            # waiting amounts (m032), not the FSE's tens of thousands of waiting rows.
            rows = [s for s in plan if s.startswith(("SCAN", "SEARCH"))]
            assert all("USING" in s or s == "SCAN fse_month_totals" for s in rows), (
                sql,
                plan,
            )
    finally:
        store.close()


def test_sesam_dashboard_json(tmp_path: Path, cabinet) -> None:  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "data"
    store = open_store(data_dir / "sesam.db")
    try:
        _fill(store, cabinet)
    finally:
        store.close()
    done = sesam(data_dir, "dashboard", "--json", "--from", "2026-10-01", "--to", "2026-11-30")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["fse"] == 4 and doc["taux_teletransmission"] == "75.0"
    assert doc["honoraires"] == "120.00" and doc["rejets"] == 1
    assert [m["mois"] for m in doc["mois"]] == ["2026-10", "2026-11"]
    text = sesam(data_dir, "dashboard", "--from", "2026-10-01", "--to", "2026-11-30")
    assert "Taux de télétransmission (hors dégradé) : 75.0 %" in text.stdout
    bad = sesam(data_dir, "dashboard", "--from", "2026-12-01", "--to", "2026-11-30")
    assert bad.returncode == 2 and "avant" in bad.stderr


def _totals_match_the_rows(store: Store) -> None:
    """The month totals the triggers keep are exactly a GROUP BY of the rows."""
    kept = store.db.execute(
        "SELECT month, mode, state, total_fees, amo, amc, n FROM fse_month_totals "
        "WHERE n != 0 ORDER BY 1, 2, 3, 4, 5, 6"
    ).fetchall()
    counted = store.db.execute(
        "SELECT substr(care_date, 1, 7), mode, state, total_fees, amo, amc, count(*) FROM fse "
        "GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"
    ).fetchall()
    assert kept == counted
    kept = store.db.execute(
        "SELECT month, outcome, paid_amo, paid_amc, n FROM payment_month_totals "
        "WHERE n != 0 ORDER BY 1, 2, 3, 4"
    ).fetchall()
    counted = store.db.execute(
        "SELECT coalesce(substr(paid_on, 1, 7), ''), outcome, paid_amo, paid_amc, count(*) "
        "FROM payments GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
    ).fetchall()
    assert kept == counted


def test_periods_that_cut_months_count_only_their_days(tmp_path: Path, cabinet) -> None:  # type: ignore[no-untyped-def]
    store = open_store(tmp_path / "sesam.db")
    try:
        rows = _fill(store, cabinet)  # 3 FSE on 5 October, 1 on 2 November, paid 10 November
        _totals_match_the_rows(store)
        after_the_5th = dashboard.compute(store, date(2026, 10, 6), date(2026, 11, 30), NOW)
        assert after_the_5th.fse_count == 1 and after_the_5th.fees == Decimal("30.00")
        assert after_the_5th.months[0].fse_count == 0
        until_the_9th = dashboard.compute(store, date(2026, 10, 5), date(2026, 11, 9), NOW)
        assert until_the_9th.fse_count == 4 and until_the_9th.received == Decimal("0.00")
        one_day = dashboard.compute(store, date(2026, 11, 10), date(2026, 11, 10), NOW)
        assert one_day.fse_count == 0 and one_day.received == rows[0].amo + rows[0].amc
    finally:
        store.close()


def test_month_totals_follow_every_write_of_the_rows(tmp_path: Path, cabinet) -> None:  # type: ignore[no-untyped-def]
    """Whatever writes the FSE and payments (the store, a repair by hand), the totals follow
    in the same transaction, and a rolled-back write leaves them as they were."""
    store = open_store(tmp_path / "sesam.db")
    try:
        rows = _fill(store, cabinet)
        db = store.db.conn
        with store.write():
            db.execute(
                "UPDATE fse SET care_date = '2026-09-30' WHERE fse_uuid = ?", [rows[2].fse_uuid]
            )
            db.execute("UPDATE payments SET paid_on = '2026-12-01'")
        _totals_match_the_rows(store)
        september = dashboard.compute(store, date(2026, 9, 1), date(2026, 9, 30), NOW)
        assert september.fse_count == 1
        with pytest.raises(RuntimeError, match="abandon"), store.write():
            db.execute("UPDATE fse SET state = 'cancelled'")
            raise RuntimeError("abandon")
        _totals_match_the_rows(store)
        assert dashboard.compute(store, date(2026, 9, 1), date(2026, 9, 30), NOW).fse_count == 1
        with store.write():
            db.execute("DELETE FROM payments")
        _totals_match_the_rows(store)
        assert dashboard.compute(store, date(2026, 9, 1), date(2026, 12, 31), NOW).received == 0
    finally:
        store.close()
