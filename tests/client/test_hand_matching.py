"""An unmatched payment matched by hand with an acknowledged FSE: the FSE becomes paid
(or partly paid), who and when are recorded, the orphan return is kept; an FSE already
paid or not acknowledged is refused with a French sentence. Also from ``sesam returns
match``."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from am_support import FakeClock, close_lots, create_fse
from test_replay_e2e import sesam
from test_returns import _foreign_file
from test_sender import _arl

from billing.fse_states import FseState
from client.returns import (
    FseAlreadyReconciledError,
    FseNotAcknowledgedError,
    Reconciliation,
    UnmatchedPaymentNotFoundError,
    apply_arl,
    import_noemie,
    match_payment_by_hand,
    reconcile,
    unmatched_payments,
)
from client.store import Store, open_store


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "sesam.db"


def _orphan(store: Store, clock: FakeClock, seq: str) -> int:
    data = _foreign_file(f"5b4c9a3e-1111-4222-8333-4444555566{seq}", "6b4c9a3e-1111-4222-8333")
    report = import_noemie(store, data, clock(), name=f"RSP{seq}")
    assert report.unmatched == 1
    return int(unmatched_payments(store)[-1]["id"])


def _acknowledged(store: Store, cabinet, clock: FakeClock, count: int) -> None:  # type: ignore[no-untyped-def]
    create_fse(store, cabinet, count, clock, lot_size=count)
    (lot_id,) = close_lots(store, cabinet, clock)
    apply_arl(store, _arl(lot_id), clock())


def test_a_payment_matched_by_hand_pays_the_fse_and_keeps_the_history(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    _acknowledged(store, cabinet, clock, 2)
    first = store.fse_list()[0]
    assert first.state is FseState.ACKNOWLEDGED
    payment = _orphan(store, clock, "01")
    clock.advance(60)

    done = match_payment_by_hand(store, payment, first.number, clock, by="secrétaire")

    fse = store.fse_by_uuid(first.fse_uuid)
    assert fse.state is FseState.PAID
    # 26.50 € paid: the consultation was billed otherwise -> partly paid, amounts shown.
    expected = (
        Reconciliation.PAID
        if (fse.amo, fse.amc) == (Decimal("26.50"), Decimal("0.00"))
        else Reconciliation.PARTLY_PAID
    )
    assert done.status is expected
    view = {r.number: r for r in reconcile(store)}
    assert view[fse.number].status is expected and view[fse.number].paid_amo == Decimal("26.50")
    last = store.fse_events(fse.id)[-1]
    assert last.to_state is FseState.PAID and last.detail is not None
    assert "rapprochement manuel par secrétaire" in last.detail
    assert [e.to_state for e in store.fse_events(fse.id)][:-1] != []  # earlier events kept
    # The orphan is kept, marked with who, when and which FSE; no longer listed as open.
    assert unmatched_payments(store) == []
    (kept,) = unmatched_payments(store, include_resolved=True)
    assert kept["resolved_by"] == "secrétaire" and kept["resolved_fse_uuid"] == fse.fse_uuid
    assert kept["resolved_at"] == done.at

    # The same return cannot be matched twice.
    with pytest.raises(UnmatchedPaymentNotFoundError) as again:
        match_payment_by_hand(store, payment, store.fse_list()[1].number, clock, by="x")
    assert "déjà été rapproché" in str(again.value)


def test_an_fse_already_paid_or_not_acknowledged_is_refused(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    _acknowledged(store, cabinet, clock, 1)
    paid = store.fse_list()[0]
    match_payment_by_hand(store, _orphan(store, clock, "02"), paid.number, clock, by="a")
    other = _orphan(store, clock, "03")
    with pytest.raises(FseAlreadyReconciledError) as info:
        match_payment_by_hand(store, other, paid.number, clock, by="a")
    assert "déjà payée" in str(info.value)

    (waiting,) = create_fse(store, cabinet, 1, clock)
    with pytest.raises(FseNotAcknowledgedError) as info2:
        match_payment_by_hand(store, other, waiting.number, clock, by="a")
    assert "pas d'ARL positif" in str(info2.value)
    assert store.fse_by_uuid(waiting.fse_uuid).state is FseState.SECURED
    # Nothing changed: the return is still waiting for its FSE.
    assert [u["id"] for u in unmatched_payments(store)] == [other]


def test_sesam_returns_match(tmp_path: Path, cabinet) -> None:  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "data"
    clock = FakeClock()
    store = open_store(data_dir / "sesam.db")
    try:
        _acknowledged(store, cabinet, clock, 1)
        number = store.fse_list()[0].number
        payment = _orphan(store, clock, "04")
    finally:
        store.close()
    listing = sesam(data_dir, "returns", "list", "--non-rapproches")
    assert f"n° {payment} :" in listing.stdout
    done = sesam(data_dir, "returns", "match", str(payment), str(number), "--json", "--par", "Dr B")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["fse"] == number and doc["par"] == "Dr B"
    assert doc["rapprochement"] in ("payee", "payee_partiellement")
    refused = sesam(data_dir, "returns", "match", str(payment), str(number))
    assert refused.returncode == 1 and "déjà été rapproché" in refused.stderr
    show = sesam(data_dir, "fse", "show", str(number))
    assert "rapprochement manuel par Dr B" in show.stdout
