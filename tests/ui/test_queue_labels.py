"""The desk's queue page names the FSE and lot states with the words of ``sesam``
(``client.labels``): one table per state for the CLI and the GUI (issue #18)."""

from __future__ import annotations

from types import SimpleNamespace

from billing.fse_states import FseState
from billing.lot_states import LotState
from client.labels import FSE_STATE_LABELS, LOT_STATE_LABELS, RECONCILIATION_LABELS
from client.reconciliation import Reconciliation
from ui.pages.queue import LOT_COLUMNS
from ui.widgets.fse_list import COLUMNS as FSE_COLUMNS


def _column(columns: list, title: str):  # type: ignore[no-untyped-def]
    (found,) = [c for c in columns if c.title == title]
    return found


def test_the_queue_page_says_what_sesam_says(qtbot) -> None:  # type: ignore[no-untyped-def]
    fse = SimpleNamespace(
        number=7,
        care_date="2026-01-02",
        mode="degrade",
        state=FseState.ACKNOWLEDGED,
        status=Reconciliation.PARTLY_PAID,
        billed_amo=0,
        paid_amo=None,
        motif_code=None,
        motif_label="",
        detail="",
    )
    assert _column(FSE_COLUMNS, "État").text(fse) == FSE_STATE_LABELS[FseState.ACKNOWLEDGED]
    assert (
        _column(FSE_COLUMNS, "Rapprochement").text(fse)
        == RECONCILIATION_LABELS[Reconciliation.PARTLY_PAID]
    )
    lot = SimpleNamespace(
        number=3, kind="fse", organism="01-751-7511", mode="vitale", fse_count=2,
        state=LotState.REFUSED,
    )  # fmt: skip
    assert _column(LOT_COLUMNS, "État").text((lot, None)) == LOT_STATE_LABELS[LotState.REFUSED]


def test_the_shared_labels_are_translated_in_english(qtbot) -> None:  # type: ignore[no-untyped-def]
    from ui.app import install_translators
    from ui.qt import QApplication
    from ui.translation import tr

    app = QApplication.instance()
    translators = install_translators(app, "en")
    try:
        assert tr(FSE_STATE_LABELS[FseState.ACKNOWLEDGED]) == "accepted (positive ARL)"
        assert tr(LOT_STATE_LABELS[LotState.REFUSED]) == "refused (negative ARL): send again"
        partly = RECONCILIATION_LABELS[Reconciliation.PARTLY_PAID]
        assert tr(partly) == "partly paid (amount differs)"
    finally:
        for translator in translators:
            app.removeTranslator(translator)
