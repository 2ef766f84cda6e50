"""Returns: ARL processed once however often they come, NOEMIE files (from the server and
dropped in by the user) reconciled per FSE, unmatched payments kept and shown."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from am_support import FakeClock, client_settings, close_lots, create_fse, seeded

from billing.fse_states import FseState
from billing.lot_states import LotState
from billing.noemie import (
    InvoiceOutcome,
    NoemieFile,
    NoemieInvoice,
    NoemiePayment,
    build_noemie,
)
from client.returns import (
    ArlOutcome,
    NoemieImportError,
    Reconciliation,
    apply_arl,
    fetch_arls,
    fetch_noemie,
    import_noemie_file,
    reconcile,
    unmatched_payments,
)
from client.sender import Sender
from client.store import Store
from client.transport import HttpsTransport
from testbed.am.faults import FaultKind
from testbed.am.noemie_gen import ReturnPolicy
from testbed.am.server import AmServer


def _send_all(store: Store, am: AmServer, clock: FakeClock) -> HttpsTransport:
    settings = client_settings(am.url)
    transport = HttpsTransport(settings)
    report = Sender(store, transport, settings=settings, clock=clock, rng=seeded(1)).run()
    assert report.complete
    return transport


def test_arl_published_twice_is_applied_once(store, am, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    create_fse(store, cabinet, 2, clock, lot_size=1)
    close_lots(store, cabinet, clock)
    am.faults.set(FaultKind.ARL_TWICE)
    transport = _send_all(store, am, clock)
    events_before = len(store.fse_events(store.fse_list()[0].id))
    fetched = fetch_arls(store, transport, clock())
    # 2 lots x 2 copies, all known: the first copy came with the send, the second is a double.
    assert (fetched.applied, fetched.already_known, fetched.duplicates) == (0, 2, 2)
    assert len(store.fse_events(store.fse_list()[0].id)) == events_before
    dup = store.db.execute("SELECT sum(duplicates) FROM arl").fetchone()[0]
    assert dup == 4


def test_fetch_right_after_a_send_counts_no_double(store, am, cabinet) -> None:  # type: ignore[no-untyped-def]
    """The send brought each ARL back; the feed lists them again: known, not doubles."""
    clock = FakeClock()
    create_fse(store, cabinet, 2, clock, lot_size=1)
    close_lots(store, cabinet, clock)
    transport = _send_all(store, am, clock)
    fetched = fetch_arls(store, transport, clock())
    assert (fetched.applied, fetched.already_known, fetched.duplicates) == (0, 2, 0)


def test_lost_arl_is_recovered_from_the_feed(store, am, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    create_fse(store, cabinet, 1, clock)
    (lot_id,) = close_lots(store, cabinet, clock)
    am.faults.set(FaultKind.LOSE_ARL, count=1)
    settings = client_settings(am.url)
    transport = HttpsTransport(settings)
    Sender(store, transport, settings=settings, clock=clock).run()
    assert store.lot_by_id(lot_id).state is LotState.SENT
    # Resending (the next sender run) gets the ARL: the fault was for one lot only.
    clock.advance(3600)
    assert Sender(store, transport, settings=settings, clock=clock).run().complete
    assert store.lot_by_id(lot_id).state is LotState.ACKNOWLEDGED


def test_noemie_from_the_server_reconciles_every_fse(store, am, cabinet) -> None:  # type: ignore[no-untyped-def]
    # Fates follow each FSE's random uuid: with a third of each, 60 FSE miss one of the three
    # fates once in 10^10 runs (the default 10 % of rejects missed them 2 runs in 1 000).
    am.policy = ReturnPolicy(rejected_per_mille=333, partly_paid_per_mille=333)
    clock = FakeClock()
    create_fse(store, cabinet, 60, clock)
    close_lots(store, cabinet, clock)
    transport = _send_all(store, am, clock)
    reports = fetch_noemie(store, transport, clock())
    assert sum(r.paid + r.partly_paid + r.rejected for r in reports) == 60
    assert all(r.unmatched == 0 for r in reports)
    view = reconcile(store)
    statuses = {r.status for r in view}
    assert statuses == {Reconciliation.PAID, Reconciliation.PARTLY_PAID, Reconciliation.REJECTED}
    partly = next(r for r in view if r.status is Reconciliation.PARTLY_PAID)
    assert partly.paid_amo is not None and partly.paid_amo < partly.billed_amo
    rejected = next(r for r in view if r.status is Reconciliation.REJECTED)
    assert rejected.motif_code and rejected.motif_label
    assert {f.state for f in store.fse_list()} == {FseState.PAID, FseState.REJECTED}
    # Fetching again brings nothing new and changes nothing.
    assert fetch_noemie(store, transport, clock()) == []


def _foreign_file(fse_id: str, lot_id: str) -> bytes:
    stray = NoemieInvoice(
        fse_id, lot_id, date.today(), InvoiceOutcome.PAID, Decimal("26.50"), Decimal("0.00")
    )
    return build_noemie(
        NoemieFile(
            "AMSIMUL01",
            "123456789",
            7,
            date.today(),
            payments=(NoemiePayment("VIRMANUEL1", date.today(), (stray,)),),
        )
    )


def test_file_dropped_in_by_the_user_with_an_unknown_fse(store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    path = tmp_path / "RSP00000007.576"
    path.write_bytes(
        _foreign_file("5b4c9a3e-1111-4222-8333-444455556666", "6b4c9a3e-1111-4222-8333-4444")
    )
    report = import_noemie_file(store, path, clock())
    assert report.unmatched == 1 and report.paid == 0
    kept = unmatched_payments(store)
    assert len(kept) == 1 and kept[0]["paid_amo"] == "26.50"
    assert "aucune FSE" in kept[0]["reason"]
    again = import_noemie_file(store, path, clock())
    assert again.already_imported
    assert len(unmatched_payments(store)) == 1


def test_payment_before_the_arl_implies_the_lot_was_taken(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    (row,) = create_fse(store, cabinet, 1, clock)
    (lot_id,) = close_lots(store, cabinet, clock)
    data = build_noemie(
        NoemieFile(
            "AMSIMUL01",
            "123456789",
            8,
            date.today(),
            payments=(
                NoemiePayment(
                    "VIR1",
                    date.today(),
                    (
                        NoemieInvoice(
                            row.fse_uuid,
                            lot_id,
                            row.care_date,
                            InvoiceOutcome.PAID,
                            row.amo,
                            row.amc,
                        ),
                    ),
                ),
            ),
        )
    )
    from client.returns import import_noemie

    report = import_noemie(store, data, clock(), name="RSP8")
    assert report.paid == 1
    assert store.lot_by_id(lot_id).state is LotState.ACKNOWLEDGED
    assert store.fse_by_uuid(row.fse_uuid).state is FseState.PAID
    # The ARL that comes late changes nothing and is kept.
    from test_sender import _arl

    assert apply_arl(store, _arl(lot_id), clock()) is ArlOutcome.APPLIED
    assert store.fse_by_uuid(row.fse_uuid).state is FseState.PAID


def test_a_damaged_file_is_refused_with_a_french_message(store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "RSP.576"
    path.write_bytes(b"000 pas un fichier NOEMIE")
    with pytest.raises(NoemieImportError) as info:
        import_noemie_file(store, path, FakeClock()())
    assert "NOEMIE" in str(info.value)
    assert not unmatched_payments(store)


def test_waiting_fse_are_listed_as_waiting(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    create_fse(store, cabinet, 2, clock)
    view = reconcile(store)
    assert {r.status for r in view} == {Reconciliation.WAITING}
    assert "pas encore envoyée" in view[0].detail
