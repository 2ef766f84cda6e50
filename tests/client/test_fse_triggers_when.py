"""Issue #27, recording an ARL (m034): the FSE's ``AFTER UPDATE`` triggers whose body does
nothing for most state changes (the remainders, the AMC remainders, the patient's totals)
fire only when they can change something. What the pages read from the tables they keep
must stay what a recount of the FSE and payments gives, whatever the FSE went through:
acknowledged, paid, partly paid, rejected, rectified, refused by a negative ARL, cancelled
out of a signed lot."""

from __future__ import annotations

from datetime import UTC, datetime

import test_fast_pages as fast
from am_support import Cabinet, FakeClock, close_lots, create_fse

from billing.arl import Arl, ArlStatus, motif
from billing.fse_states import FseState
from billing.lot_states import LotState
from client.arl_returns import ArlOutcome, apply_arl
from client.fse_service import FseService
from client.migrations import _M032
from client.store import OutboxStatus, Store
from client.store.dialect import to_postgres

every_state = fast.every_state

#: The patients' FSE count and cents as m032 fills them from the FSE.
_PATIENT_RECOUNT = _M032[1].split(") ", 1)[1]
#: The AMC remainders as m025 fills them from the AMC's answers.
_AMC_RECOUNT = """
    SELECT m.fse_uuid, m.id, f.practitioner_id,
        CASE WHEN m.outcome = 'rejete' THEN 'rejetee' ELSE 'payee_partiellement' END,
        m.billed_amc, m.paid_amc
    FROM amc_payments m JOIN fse f ON f.fse_uuid = m.fse_uuid
    WHERE (m.outcome = 'rejete' OR m.paid_amc <> m.billed_amc)
      AND f.state NOT IN ('cancelled', 'rectified')
"""


def _rows(store: Store, sql: str) -> list[tuple[object, ...]]:
    return sorted(tuple(r) for r in store.db.execute(sql).fetchall())


def _counted(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """Without the (patient, practitioner) pairs left at zero: all their FSE cancelled."""
    return [r for r in rows if r[2] or r[3]]


def _assert_kept_is_recounted(store: Store) -> None:
    kept = _rows(store, "SELECT patient_id, practitioner_id, listed, cents FROM patient_fse_totals")
    assert _counted(kept) == _counted(_rows(store, _PATIENT_RECOUNT))
    assert fast._kept(store) == fast._expected(store)
    assert _rows(
        store,
        "SELECT fse_uuid, amc_payment_id, practitioner_id, outcome, billed_amc, paid_amc "
        "FROM amc_remainders",
    ) == _rows(store, _AMC_RECOUNT)
    by_state = {
        str(s): int(n)
        for s, n in store.db.execute("SELECT state, count(*) FROM fse GROUP BY state").fetchall()
    }
    for table in ("fse_month_totals", "fse_status_counts", "fse_outcome_totals"):
        counted = store.db.execute(
            f"SELECT state, sum(n) FROM {table} GROUP BY state"  # noqa: S608
        ).fetchall()
        assert {str(s): int(n) for s, n in counted if n} == by_state, table


def test_the_kept_figures_are_the_recounts_through_every_state_change(
    every_state: Store, cabinet: Cabinet
) -> None:
    store = every_state
    states = {f.state for f in store.fse_list()}
    assert {FseState.PAID, FseState.REJECTED, FseState.RECTIFIED, FseState.SECURED} <= states
    _assert_kept_is_recounted(store)
    clock = FakeClock()
    # The waiting FSE signed, then their lot refused by a negative ARL (closed → refused).
    (refused,) = close_lots(store, cabinet, clock)
    arl = Arl(
        arl_id="ARL-neg",
        lot_id=refused,
        status=ArlStatus.NEGATIVE,
        received_at=datetime.now(UTC),
        fse_count=6,
        motifs=(motif("A05"),),
    )
    assert apply_arl(store, arl, clock()) is ArlOutcome.APPLIED
    assert store.lot_by_id(refused).state is LotState.REFUSED
    assert {f.state for f in store.fse_list(lot_id=refused)} == {FseState.REFUSED}
    _assert_kept_is_recounted(store)
    # New FSE signed, one cancelled out of its signed lot (the others back to secured).
    create_fse(store, cabinet, 3, clock)
    (signed,) = close_lots(store, cabinet, clock)
    victim = store.fse_list(lot_id=signed)[0]
    FseService(store, clock=clock).cancel(victim.number, "erreur de saisie")
    assert store.fse_by_id(victim.id).state is FseState.CANCELLED
    _assert_kept_is_recounted(store)
    # The two left signed again and acknowledged with the send's answer (→ sent → ack).
    (again,) = close_lots(store, cabinet, clock)
    assert store.outbox_get(again) is not None
    assert store.outbox_get(again).status is OutboxStatus.PENDING  # type: ignore[union-attr]
    ack = Arl("ARL-pos", again, ArlStatus.POSITIVE, datetime.now(UTC), 2)
    assert apply_arl(store, ack, clock(), contact="lot remis") is ArlOutcome.APPLIED
    assert {f.state for f in store.fse_list(lot_id=again)} == {FseState.ACKNOWLEDGED}
    _assert_kept_is_recounted(store)
    # The journal's chain holds (the fixture rectifies an FSE without its rectificative:
    # the books' check names that, not the chain).
    assert store.audit_verify().first_bad_seq is None


def test_a_trigger_with_a_condition_keeps_it_on_postgresql() -> None:
    """PostgreSQL evaluates ``WHEN`` on the trigger, before calling its function: the
    function's body is the SQLite body, the condition is not in it."""
    function, trigger = to_postgres(
        "CREATE TRIGGER t_update AFTER UPDATE OF state ON fse "
        "WHEN (NEW.state IN ('cancelled', 'rectified')) BEGIN "
        "DELETE FROM amc_remainders WHERE fse_uuid = OLD.fse_uuid; END"
    )
    assert trigger == (
        "CREATE TRIGGER t_update AFTER UPDATE OF state ON fse FOR EACH ROW "
        "WHEN (NEW.state IN ('cancelled', 'rectified')) EXECUTE FUNCTION t_update_fn()"
    )
    assert "WHEN" not in function and "DELETE FROM amc_remainders" in function
    # Without a condition, as before.
    _, plain = to_postgres(
        "CREATE TRIGGER t_insert AFTER INSERT ON fse BEGIN DELETE FROM x WHERE 1 = 1; END"
    )
    assert (
        plain
        == "CREATE TRIGGER t_insert AFTER INSERT ON fse FOR EACH ROW EXECUTE FUNCTION t_insert_fn()"
    )
