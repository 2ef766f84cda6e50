"""The FSE state machine: every allowed transition, and the forbidden ones users could try."""

from __future__ import annotations

import pytest

from billing.fse_states import (
    CANCELLABLE_STATES,
    RECTIFIABLE_STATES,
    TRANSITIONS,
    UNCOUNTED_STATES,
    FseState,
    FseStateError,
    can_transition,
    check_duplicata,
    check_transition,
)

S = FseState

ALLOWED = {
    (S.DRAFT, S.SECURED),
    (S.DRAFT, S.CANCELLED),
    (S.SECURED, S.IN_LOT),
    (S.SECURED, S.CANCELLED),
    (S.IN_LOT, S.SENT),
    (S.IN_LOT, S.CANCELLED),
    (S.IN_LOT, S.SECURED),
    (S.SENT, S.ACKNOWLEDGED),
    (S.SENT, S.REFUSED),
    (S.REFUSED, S.SENT),
    (S.ACKNOWLEDGED, S.PAID),
    (S.ACKNOWLEDGED, S.REJECTED),
    # An FSE rectificative replaces a rejected (NOEMIE) or refused (ARL) FSE.
    (S.REJECTED, S.RECTIFIED),
    (S.REFUSED, S.RECTIFIED),
}


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("wanted", list(S))
def test_exactly_the_documented_transitions_are_allowed(current: S, wanted: S) -> None:
    assert can_transition(current, wanted) == ((current, wanted) in ALLOWED)


@pytest.mark.parametrize("state", [S.SENT, S.ACKNOWLEDGED, S.REFUSED, S.PAID, S.REJECTED])
def test_nothing_that_left_the_workstation_can_be_cancelled(state: S) -> None:
    with pytest.raises(FseStateError) as info:
        check_transition(state, S.CANCELLED, number=42)
    assert "42" in str(info.value)
    assert state not in CANCELLABLE_STATES


def test_a_refused_lot_can_be_sent_again_but_a_paid_fse_is_final() -> None:
    check_transition(S.REFUSED, S.SENT)
    assert TRANSITIONS[S.PAID] == frozenset()
    assert TRANSITIONS[S.CANCELLED] == frozenset()


def test_duplicata_only_for_an_existing_non_cancelled_fse() -> None:
    check_duplicata(S.PAID)
    check_duplicata(S.SECURED)
    for state in (S.DRAFT, S.CANCELLED):
        with pytest.raises(FseStateError):
            check_duplicata(state)


def test_a_rectified_fse_is_final_and_counts_in_no_total() -> None:
    assert TRANSITIONS[S.RECTIFIED] == frozenset()
    assert set(RECTIFIABLE_STATES) == {S.REJECTED, S.REFUSED}
    assert S.RECTIFIED in UNCOUNTED_STATES and S.REJECTED not in UNCOUNTED_STATES
    with pytest.raises(FseStateError):
        check_transition(S.PAID, S.RECTIFIED, number=7)
