"""FSE rectificative end to end: an FSE rejected by the simulated Assurance Maladie (NOEMIE)
is corrected, signed (Vitale of the testbed's cards, CPS signature of its new lot), sent and
paid; the original keeps its history; the totals count the care once; what cannot be
rectified is refused in French."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from am_support import (
    CARE_DATE,
    FakeClock,
    client_settings,
    close_lots,
    create_fse,
    seeded,
)

from billing.audit import AuditKind
from billing.fse_states import FseEventKind, FseState
from billing.lot_states import LotState
from client import dashboard, recette
from client.fse_service import FseService
from client.rectify import RectifyRefusedError, RectifyRequest, rectify
from client.remainders import open_remainders
from client.returns import fetch_noemie, reconcile, reconcile_summary
from client.sender import Sender
from client.store import Store, StoreError
from client.transport import HttpsTransport
from testbed.am.noemie_gen import ReturnPolicy
from testbed.am.server import AmServer


def _send_and_fetch(store: Store, am: AmServer, clock: FakeClock) -> None:
    """Send every signed lot and bring the NOEMIE returns back."""
    settings = client_settings(am.url)
    transport = HttpsTransport(settings)
    assert Sender(store, transport, settings=settings, clock=clock, rng=seeded(1)).run().complete
    clock.advance(60)
    fetch_noemie(store, transport, clock())


def _rejected(store: Store, am: AmServer, cabinet, clock: FakeClock, count: int = 1):  # type: ignore[no-untyped-def]
    am.policy = ReturnPolicy(rejected_per_mille=1000, partly_paid_per_mille=0)
    rows = create_fse(store, cabinet, count, clock)
    close_lots(store, cabinet, clock)
    _send_and_fetch(store, am, clock)
    return [store.fse_by_number(r.number, r.practitioner_id) for r in rows]


def test_rejected_fse_rectified_signed_sent_in_a_new_lot_and_paid(store, am, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    (original,) = _rejected(store, am, cabinet, clock)
    assert original.state is FseState.REJECTED
    events_before = store.fse_events(original.id)

    clock.advance(3600)
    service = FseService(store, clock=clock)
    done = rectify(service, RectifyRequest(original.number), cabinet.cps, None)
    new = done.rectificative

    # A new FSE, new number, same care priced again, naming the original in its document.
    assert new.number > original.number and new.fse_uuid != original.fse_uuid
    assert new.state is FseState.SECURED and new.care_date == original.care_date
    assert (new.total_fees, new.amo, new.amc) == (original.total_fees, original.amo, original.amc)
    assert new.fse().body.rectifies is not None
    assert new.fse().body.rectifies.fse_id == original.fse_uuid
    assert json.loads(new.canonical)["body"]["rectifies"]["number"] == original.number
    # The original keeps its history, one event more; the link reads both ways.
    assert done.original.state is FseState.RECTIFIED
    after = store.fse_events(original.id)
    assert after[: len(events_before)] == events_before
    assert after[-1].kind is FseEventKind.RECTIFIED
    assert f"n° {new.number}" in (after[-1].detail or "")
    assert store.rectification_links(original.id) == (None, new)
    assert store.rectification_links(new.id)[0] == done.original

    # Signed by the CPS in a new lot, sent, accepted and paid this time.
    am.policy = ReturnPolicy(rejected_per_mille=0, partly_paid_per_mille=0)
    close_lots(store, cabinet, clock)
    signed = store.fse_by_number(new.number, new.practitioner_id)
    assert signed.lot_id is not None and signed.lot_id != original.lot_id
    _send_and_fetch(store, am, clock)
    assert store.fse_by_number(new.number, new.practitioner_id).state is FseState.PAID
    assert store.fse_by_number(original.number, original.practitioner_id).state is (
        FseState.RECTIFIED
    )
    assert store.audit_verify().ok


def test_totals_count_the_care_once(store, am, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    original, other = _rejected(store, am, cabinet, clock, count=2)
    board_before = dashboard.compute(store, CARE_DATE, CARE_DATE, clock())
    assert board_before.fse_count == 2
    assert {r.number for r in open_remainders(store)} == {original.number, other.number}
    new = rectify(
        FseService(store, clock=clock), RectifyRequest(original.number), cabinet.cps, None
    ).rectificative

    board = dashboard.compute(store, CARE_DATE, CARE_DATE, clock())
    assert board.fse_count == 2  # the rectificative in place of its original
    assert board.billed == board_before.billed
    assert board.rejects == 1  # only the FSE not rectified is still a reject
    assert (board.waiting_amount, board.waiting_count) == (new.amo + new.amc, 1)
    # Its reject no longer waits for the user: the rectificative answers it.
    assert {r.number for r in open_remainders(store)} == {other.number}
    listed = {r.number for r in reconcile(store)}
    assert listed == {other.number, new.number}
    summary = reconcile_summary(store)
    assert (summary.listed, summary.refused, summary.waiting) == (2, 1, 1)
    totals = store.fse_totals_by_state()
    assert totals[FseState.RECTIFIED][0] == 1 and totals[FseState.REJECTED][0] == 1
    # The billing rules see the care once too: the history has the rectificative only.
    history = store.history(
        new.patient_id, CARE_DATE - timedelta(days=1), CARE_DATE + timedelta(days=1)
    )
    assert [h.fse_number for h in history if h.act_date == CARE_DATE] == [new.number]


def test_corrections_replace_the_original_values(store, am, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    (original,) = _rejected(store, am, cabinet, clock)
    day = CARE_DATE - timedelta(days=1)
    corrections = {"date_of_care": day.isoformat(), "tiers_payant": {"amo": True, "amc": False}}
    new = rectify(
        FseService(store, clock=clock),
        RectifyRequest(original.number, original.practitioner_id, corrections),
        cabinet.cps,
        None,
    ).rectificative
    body = new.fse().body
    assert new.care_date == day and [a.date for a in body.acts] == [day]
    assert body.tiers_payant.amo and not body.tiers_payant.amc
    # Same patient, identified by NIR (the patient has gone: no carte Vitale).
    assert new.patient_id == original.patient_id and new.mode == "sans_vitale"


def test_what_cannot_be_rectified_is_refused_in_french(store, am, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    (original,) = _rejected(store, am, cabinet, clock)
    service = FseService(store, clock=clock)
    new = rectify(service, RectifyRequest(original.number), cabinet.cps, None).rectificative
    with pytest.raises(RectifyRefusedError, match=f"déjà été rectifiée par la FSE n° {new.number}"):
        rectify(service, RectifyRequest(original.number), cabinet.cps, None)
    # Not sent yet (secured): not rejected, so nothing to rectify; the store is untouched.
    with pytest.raises(RectifyRefusedError, match="seule une FSE rejetée") as refused:
        rectify(service, RectifyRequest(new.number), cabinet.cps, None)
    assert "sécurisée" in str(refused.value)
    am.policy = ReturnPolicy(rejected_per_mille=0, partly_paid_per_mille=0)
    close_lots(store, cabinet, clock)
    _send_and_fetch(store, am, clock)
    with pytest.raises(RectifyRefusedError, match="« payée »"):
        rectify(service, RectifyRequest(new.number), cabinet.cps, None)
    assert store.fse_count() == 2
    assert store.audit_verify().ok


def test_the_rectificative_keeps_what_the_patient_paid_at_the_desk(store, am, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    (original,) = _rejected(store, am, cabinet, clock)
    store.record_settlement(original.id, "cheque", original.total_fees, clock())
    new = rectify(
        FseService(store, clock=clock), RectifyRequest(original.number), cabinet.cps, None
    ).rectificative
    assert store.settlement(new.id) == ("cheque", original.total_fees)
    assert store.settlement(original.id) == ("cheque", original.total_fees)  # its history
    # The recette counts the payment once, on the rectificative.
    day = recette.compute(store, recette.RecetteRequest(CARE_DATE, CARE_DATE))
    [line] = day.lines
    assert (line.number, line.means, line.collected) == (new.number, "cheque", new.total_fees)
    assert day.totals.collected == original.total_fees
    # Journaled in the rectification's transaction: the books check it.
    journaled = [e for e in store.audit_entries() if e.kind == AuditKind.SETTLEMENT.value]
    assert [e.fse_id for e in journaled] == [original.fse_uuid, new.fse_uuid]
    assert store.audit_verify().ok


def test_the_link_is_checked_against_the_journal(store, am, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    (original,) = _rejected(store, am, cabinet, clock)
    new = rectify(
        FseService(store, clock=clock), RectifyRequest(original.number), cabinet.cps, None
    ).rectificative
    assert store.audit_verify().ok
    # The link edited outside the software: the rectificative's signed document disagrees.
    (other,) = create_fse(store, cabinet, 1, clock)
    with store.write():
        store.db.execute(
            "UPDATE fse_rectifications SET rectificative_id = ? WHERE original_id = ?",
            [other.id, original.id],
        )
    report = store.audit_verify()
    assert not report.ok and f"FSE n° {original.number} rectifiée" in report.detail
    with store.write():
        store.db.execute("DELETE FROM fse_rectifications")
    report = store.audit_verify()
    assert not report.ok and "lien vers sa rectificative absent" in report.detail
    assert new.number != other.number


def test_an_fse_of_a_refused_lot_is_rectified_and_the_lot_not_sent_again(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    first, second = create_fse(store, cabinet, 2, clock)
    (lot_id,) = close_lots(store, cabinet, clock)
    store.lot_transition(lot_id, LotState.SENT, FseState.SENT, FseEventKind.SENT, clock())
    store.lot_transition(
        lot_id, LotState.REFUSED, FseState.REFUSED, FseEventKind.ARL_NEGATIVE, clock()
    )
    service = FseService(store, clock=clock)
    new = rectify(service, RectifyRequest(first.number), cabinet.cps, None).rectificative
    assert store.fse_by_number(first.number, first.practitioner_id).state is FseState.RECTIFIED
    # Sent again as signed, the lot would bill the first care twice: refused, in French.
    with pytest.raises(StoreError, match=f"FSE n° {first.number} a été remplacée"):
        store.outbox_retry(lot_id, clock())
    rectify(service, RectifyRequest(second.number), cabinet.cps, None)
    board = dashboard.compute(store, CARE_DATE, CARE_DATE, clock())
    assert (board.fse_count, board.rejects) == (2, 0)
    assert new.lot_id != lot_id
    assert store.audit_verify().ok
