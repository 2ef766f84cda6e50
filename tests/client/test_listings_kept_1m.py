"""Issue #27, the last listing commands at 1M FSE (m033). ``sesam queue status`` reads the
lots, FSE and amounts kept per practitioner and outbox status: what it says must be what a
walk of every lot of the outbox and their FSE says, whatever the FSE and lots went through
(created, lotted, signed, sent, acknowledged, paid, rejected, rectified, cancelled out of a
signed lot, claimed, failed, retried). ``sesam fse list --patient`` finds its patients by
the search keys kept in the store: exactly whom comparing every patient finds, in a new
process without folding any patient, and a patient changed is found at once."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import test_fast_pages as fast
import test_pages_at_scale as scale
from am_support import Cabinet, FakeClock, close_lots, create_fse
from store_attacker import drop_trigger_in

from billing.fse_model import Beneficiary
from billing.fse_states import FseState
from client import fse_search
from client.cli.queue import queue_status
from client.fse_service import FseService
from client.migrations import m033_outbox_totals
from client.reconciliation import Reconciliation
from client.store import OutboxStatus, Store, open_store
from client.store.outbox import OutboxTotal
from client.store.search import FseFilter

# The store with every state of ``test_fast_pages`` (paid, partly paid, rejected, rectified,
# waiting); its ``cabinet`` and ``store`` are conftest.py's.
every_state = fast.every_state


def _walked(store: Store, practitioners: frozenset[str] | None = None) -> list[OutboxTotal]:
    """Per outbox status: its lots, their FSE and amounts, from every row."""
    out: list[OutboxTotal] = []
    for status in OutboxStatus:
        lots = [
            store.lot_by_id(r.id)
            for r in store.outbox_rows(status)
            if practitioners is None or store.lot_by_id(r.id).practitioner_id in practitioners
        ]
        if not lots:
            continue
        fses = [f for lot in lots for f in store.fse_list(lot_id=lot.id)]
        out.append(
            OutboxTotal(
                status=status,
                lots=len(lots),
                fse=len(fses),
                total=sum((f.total_fees for f in fses), Decimal("0.00")),
                amo=sum((f.amo for f in fses), Decimal("0.00")),
                amc=sum((f.amc for f in fses), Decimal("0.00")),
            )
        )
    return out


def _assert_kept_is_walked(store: Store) -> None:
    assert store.outbox.by_status() == _walked(store)
    (pid,) = {lot.practitioner_id for lot in store.lots()}
    assert store.outbox.by_status(frozenset({pid})) == _walked(store)
    assert store.outbox.by_status(frozenset({"someone-else"})) == []


def test_the_queue_totals_are_the_walk_through_every_step(
    every_state: Store, cabinet: Cabinet
) -> None:
    store = every_state
    # Sent and returned (paid, partly paid, rejected, one rectified), 6 in an open lot.
    statuses = {t.status for t in store.outbox.by_status()}
    assert statuses == {OutboxStatus.DONE, OutboxStatus.HELD}
    _assert_kept_is_walked(store)
    clock = FakeClock()
    close_lots(store, cabinet, clock)  # the open lot signed: held → pending
    _assert_kept_is_walked(store)
    create_fse(store, cabinet, 3, clock)  # a new open lot
    _assert_kept_is_walked(store)
    # One FSE cancelled out of the signed lot: the lot is voided (its outbox row goes),
    # its other FSE go back to an open lot.
    (signed,) = store.outbox_rows(OutboxStatus.PENDING)
    victim = store.fse_list(lot_id=signed.id)[0]
    FseService(store, clock=clock).cancel(victim.number, "erreur de saisie")
    assert store.fse_by_id(victim.id).state is FseState.CANCELLED
    assert store.outbox_get(signed.id) is None
    _assert_kept_is_walked(store)
    close_lots(store, cabinet, clock)
    claimed = store.outbox_claim("test", clock())
    assert claimed is not None
    assert {t.status for t in store.outbox.by_status()} >= {OutboxStatus.IN_FLIGHT}
    _assert_kept_is_walked(store)
    store.outbox_fail(claimed.id, "refusé par le concentrateur", clock())
    _assert_kept_is_walked(store)
    store.outbox_retry(claimed.id, clock())
    _assert_kept_is_walked(store)
    total = sum((t.fse for t in store.outbox.by_status()), 0)
    assert total == len([f for f in store.fse_list() if f.lot_id is not None]) >= 30


def test_the_migration_fills_the_queue_totals_of_an_existing_store(every_state: Store) -> None:
    store = every_state
    before = queue_status(store)
    paid_before = [fse_search.totals(store, FseFilter(payment=r)) for r in Reconciliation]
    with store.write():
        for name, table in (
            ("outbox_totals_insert", "outbox"),
            ("outbox_totals_delete", "outbox"),
            ("outbox_totals_update", "outbox"),
            ("outbox_totals_fse_insert", "fse"),
            ("outbox_totals_fse_delete", "fse"),
            ("outbox_totals_fse_update", "fse"),
            ("fse_outcome_totals_insert", "fse"),
            ("fse_outcome_totals_delete", "fse"),
            ("fse_outcome_totals_update", "fse"),
            ("fse_outcome_totals_payment", "payments"),
        ):
            drop_trigger_in(store, name, table)
        for table in (
            "outbox_totals",
            "fse_outcome_totals",
            "patient_words",
            "patient_words_version",
        ):
            store.db.execute(f"DROP TABLE {table}")
        m033_outbox_totals(store.db)
    assert queue_status(store) == before
    assert store.outbox.by_status() == _walked(store)
    assert [fse_search.totals(store, FseFilter(payment=r)) for r in Reconciliation] == paid_before
    _assert_payment_totals_are_the_walk(store)
    assert store.patient_words.synced()
    _assert_kept_keys_find_whom_comparing_finds(store)
    shown = {lot["statut"]: lot["fse"] for lot in before["lots"]}
    assert shown == {"done": 30, "held": 6}


def test_queue_status_prints_the_amounts_to_the_cent(every_state: Store) -> None:
    """The command's lines: the amounts summed exactly (cents), written with two decimals."""
    status = queue_status(every_state)
    walked = {t.status.name.lower(): t for t in _walked(every_state)}
    for lot in status["lots"]:
        kept = walked[lot["statut"]]
        assert (lot["lots"], lot["fse"]) == (kept.lots, kept.fse)
        assert lot["montant"] == f"{kept.total:.2f}"
        assert lot["amo"] == f"{kept.amo:.2f}" and lot["amc"] == f"{kept.amc:.2f}"


def _assert_kept_keys_find_whom_comparing_finds(store: Store) -> None:
    """In a new process (a store opened again: nothing folded in memory), every text a
    user types finds exactly the patients comparing every patient finds."""
    fresh = open_store(store.path)
    try:
        assert fresh.patient_words.synced()
        among = len(fresh.search.patients())
        for text in scale._every_text(fresh):
            assert fse_search.matching_patients(fresh, text) == (
                scale._compare_every_patient(fresh, text),
                among,
            ), text
        assert fse_search._FOLDED.get(fresh.search) is None  # no patient folded
    finally:
        fresh.close()


def test_the_kept_search_keys_find_whom_comparing_every_patient_finds(
    every_state: Store,
) -> None:
    _assert_kept_keys_find_whom_comparing_finds(every_state)


def test_a_patient_written_or_changed_is_found_by_his_new_name_at_once(
    every_state: Store, cabinet: Cabinet
) -> None:
    store = every_state
    # A new patient billed (his card read): found by the kept keys, accents folded.
    newcomer = Beneficiary(
        assure_nir="2990175123456",
        assure_nir_key="12",
        birth_date="19990101",
        rang="1",
        qualite="00",
    )
    with store.write():
        pid = store.upsert_person(newcomer, "LÉVÊQUE", "Anaïs", datetime.now(UTC))
    assert store.patient_words.synced()
    assert fse_search.matching_patients(store, "leveque ana")[0] == [pid]
    assert fse_search.matching_patients(store, "29901 75")[0] == [pid]
    # His card read again with another prénom: the old one no longer finds him.
    with store.write():
        store.upsert_person(newcomer, "LÉVÊQUE", "Zoé", datetime.now(UTC))
    assert fse_search.matching_patients(store, "leveque zoe")[0] == [pid]
    assert fse_search.matching_patients(store, "anais")[0] == []
    # Billing known patients changes no key.
    create_fse(store, cabinet, 2, FakeClock())
    assert store.patient_words.synced()
    # Renamed by hand (not through the store): the keys are stale, the search folds every
    # patient as before and finds him, and writes the keys again for the next process.
    store.db.execute("UPDATE patients SET last_name = 'ÉPÉE' WHERE id = ?", [pid])
    assert not store.patient_words.synced()
    assert fse_search.matching_patients(store, "epee")[0] == [pid]
    assert store.patient_words.synced()
    _assert_kept_keys_find_whom_comparing_finds(store)


def _walked_payment(store: Store, flt: FseFilter) -> fse_search.FseListTotals:
    """The FSE the list shows for ``flt`` (each tested for its latest payment line)."""
    rows = fse_search.search(store, flt, limit=100_000)
    counted = [r.total for r in rows if r.state not in scale._UNCOUNTED]
    return fse_search.FseListTotals(len(rows), sum(counted, Decimal("0.00")))


def _assert_payment_totals_are_the_walk(store: Store) -> None:
    (pid,) = {f.practitioner_id for f in store.fse_list()}
    for status in Reconciliation:
        expected = _walked_payment(store, FseFilter(payment=status))
        assert fse_search.totals(store, FseFilter(payment=status)) == expected, status
        mine = FseFilter(payment=status, practitioner_id=pid)
        assert fse_search.totals(store, mine) == expected, status
        seen = FseFilter(payment=status, practitioners=frozenset({pid}))
        assert fse_search.totals(store, seen) == expected, status
        nobody = FseFilter(payment=status, practitioner_id="someone-else")
        assert fse_search.totals(store, nobody).count == 0


def test_the_payment_totals_are_the_walk_through_every_step(
    every_state: Store, cabinet: Cabinet
) -> None:
    """Paid, partly paid, rejected (NOEMIE lines after the FSE), one rectified, a remainder
    claimed, 6 waiting: then one cancelled, the open lot signed and claimed."""
    store = every_state
    counts = {r: fse_search.totals(store, FseFilter(payment=r)).count for r in Reconciliation}
    assert counts[Reconciliation.PAID] >= 1 and counts[Reconciliation.REJECTED] >= 1
    assert counts[Reconciliation.PARTLY_PAID] >= 1 and counts[Reconciliation.WAITING] == 6
    _assert_payment_totals_are_the_walk(store)
    clock = FakeClock()
    waiting = store.fse_list(state=FseState.SECURED)[0]
    FseService(store, clock=clock).cancel(waiting.number, "erreur de saisie")
    _assert_payment_totals_are_the_walk(store)
    close_lots(store, cabinet, clock)
    assert store.outbox_claim("test", clock()) is not None
    _assert_payment_totals_are_the_walk(store)
    assert fse_search.totals(store, FseFilter(payment=Reconciliation.WAITING)).count == 5
