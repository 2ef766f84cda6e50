"""One label table per state, shared by the CLI and the GUI (issue #18): every state has
its French words, and the desk's queue page and ``sesam`` say the same ones."""

from __future__ import annotations

from billing.fse import SecuringMode
from billing.fse_states import FseState
from billing.lot_states import LotState
from cardio.probe import CardKind
from client import labels
from client.cli import queue as cli_queue
from client.reconciliation import Reconciliation
from client.returns import LABELS
from client.store import OutboxStatus


def test_every_state_has_its_french_words() -> None:
    for enum, table in (
        (FseState, labels.FSE_STATE_LABELS),
        (LotState, labels.LOT_STATE_LABELS),
        (OutboxStatus, labels.OUTBOX_STATUS_LABELS),
        (Reconciliation, labels.RECONCILIATION_LABELS),
        (SecuringMode, labels.MODE_LABELS),
        (CardKind, labels.CARD_KIND_LABELS),
    ):
        assert set(table) == set(enum), enum
        assert all(text.strip() for text in table.values()), enum
        # Two states never read the same: the user could not tell them apart.
        assert len(set(table.values())) == len(table), enum


def test_the_cli_and_the_returns_use_the_shared_tables() -> None:
    assert cli_queue.STATUS_LABELS is labels.OUTBOX_STATUS_LABELS
    assert cli_queue.FSE_LABELS is labels.FSE_STATE_LABELS
    assert LABELS is labels.RECONCILIATION_LABELS


def test_a_stored_value_unknown_to_this_version_is_shown_as_it_is() -> None:
    assert labels.fse_state_label("in_lot") == "lot signé, à envoyer"
    assert labels.fse_state_label("future_state") == "future_state"
    assert labels.lot_state_label("refused") == "refusé (ARL négatif) : à renvoyer"
    assert labels.mode_label("degrade") == "dégradé"
    assert labels.card_kind_label("cps") == "carte CPS/CPE"
    assert labels.card_kind_label("") == "carte"
