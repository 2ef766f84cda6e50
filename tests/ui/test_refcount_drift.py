"""Card work and sender work leave the references to None, True and False as they were.

PySide6 6.12.0 lost one reference to None per call of a Qt method returning nothing, and
references to True/False per bool signal emitted: the application aborted (none_dealloc,
bool_dealloc) once they ran out (docs/upstream-faults.md). These tests repeat the card and
sending work of a session and fail on such a drift, long before it would abort.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable

from PySide6.QtTest import QTest

from testbed.cards.factory import make_card
from tests.ui.test_fse_flow import add_codes, start_with_cards
from tests.ui.test_queue_flow import am, am_policy, am_window  # noqa: F401 - fixtures
from ui.qt import Qt
from ui.widgets.fse_list import FseColumn

CARD_ROUNDS = 5
# One FSE per sending: the first warms up, the next ones are counted each on its own.
COUNTED_SENDINGS = 3
# Each round of card work makes dozens of Qt calls (status bar, patient panel, signals) and
# the 6.12.0 fault lost one reference per call; noise from worker threads stays far below.
LOSS_TOLERANCE = 60
GAIN_TOLERANCE = 300


def wait_until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    """qtbot.waitUntil without its cost: with PySide6 6.11.3 each connect/disconnect keeps
    two references to None, and pytest-qt's wait connects a timer per poll (about six per
    poll), which would blur the counts; QTest.qWait makes no such call."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"condition not met in {timeout} s"
        QTest.qWait(5)


def _singletons() -> dict[str, int]:
    gc.collect()
    return {
        "None": sys.getrefcount(None),
        "True": sys.getrefcount(True),
        "False": sys.getrefcount(False),
    }


def _drift(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: after[name] - before[name] for name in before}


def _assert_no_drift(before: dict[str, int], after: dict[str, int]) -> None:
    drift = _drift(before, after)
    assert all(-LOSS_TOLERANCE <= d <= GAIN_TOLERANCE for d in drift.values()), drift


def _assert_no_steady_drift(drifts: list[dict[str, int]]) -> None:
    """A fault drifts by about as much each time the same work is done again; a one-off
    release elsewhere in the process (a thread of an earlier test ending, a cache
    emptied: once −88 in a full suite) drifts once: the median of the phases is judged."""
    for name in drifts[0]:
        median = statistics.median(d[name] for d in drifts)
        assert -LOSS_TOLERANCE <= median <= GAIN_TOLERANCE, (name, drifts)


def test_card_insertions_and_removals_keep_the_singletons(qtbot, window, fake_backend):
    start_with_cards(qtbot, window, fake_backend)
    panel = window.billing_page.patient_panel
    status = window.status.readers_label

    def vitale_round() -> None:
        fake_backend.remove("Lecteur B")
        wait_until(lambda: "Lecteur B : vide" in status.text() and panel.card is None)
        fake_backend.insert("Lecteur B", make_card("vitale-famille"))
        wait_until(lambda: "Lecteur B : carte Vitale" in status.text())
        wait_until(lambda: panel.card is not None)
        assert "bénéficiaires" in panel.source_label.text()
        assert panel.beneficiaries.count() > 1  # the family card, read again

    vitale_round()  # first read: caches filled
    before = _singletons()
    for _ in range(CARD_ROUNDS):
        vitale_round()
    after = _singletons()
    assert window.session.practitioner is not None  # the CPS session lived through it
    _assert_no_drift(before, after)


def test_sending_and_returns_keep_the_singletons(qtbot, am_window, fake_backend, am):  # noqa: F811
    window = am_window
    start_with_cards(qtbot, window, fake_backend)
    invoice = window.billing_page.invoice_panel
    # The same G for the same patient again and again: the desk asks, the test confirms.
    invoice.confirm_duplicate = lambda _code, _where: True
    panel = window.billing_page.patient_panel
    queue = window.queue_page
    secured = 0

    def secure(count: int) -> None:
        nonlocal secured
        window.go_to(0)
        for _ in range(count):
            secured += 1
            add_codes(qtbot, invoice, "G")
            qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)
            qtbot.keyClick(
                invoice.code_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
            )
            qtbot.waitUntil(lambda n=secured: f"FSE n° {n}" in invoice.state_label.text())
            panel.beneficiaries.setFocus()  # the next patient: the same bénéficiaire
            qtbot.keyClick(panel.beneficiaries, Qt.Key.Key_Return)
        window.go_to(1)
        qtbot.waitUntil(lambda: queue.fse_table.row_count() == secured, timeout=5000)

    def send_and_fetch_returns(new: int) -> None:
        """Send the ``new`` FSE just secured (the first rows: newest first), then get paid."""
        queue.send_now()
        wait_until(
            lambda: (
                queue.send_button.isEnabled()
                and all(
                    queue.fse_table.text(r, FseColumn.STATE) == "acceptée (ARL positif)"
                    for r in range(new)
                )
            ),
            timeout=30,
        )
        assert am.produce_returns() >= 1
        queue.fetch_returns()
        wait_until(
            lambda: (
                queue.returns_button.isEnabled()
                and all(
                    queue.fse_table.text(r, FseColumn.STATUS).startswith("payée")
                    for r in range(new)
                )
            ),
            timeout=30,
        )

    # A first sending imports and caches what sending needs (modules, TLS context).
    secure(1)
    send_and_fetch_returns(1)
    drifts = []
    for _ in range(COUNTED_SENDINGS):
        secure(1)
        before = _singletons()
        send_and_fetch_returns(1)
        drifts.append(_drift(before, _singletons()))
    _assert_no_steady_drift(drifts)
    assert queue.fse_table.row_count() == 1 + COUNTED_SENDINGS
    assert all(
        queue.fse_table.text(r, FseColumn.STATE) == "payée" for r in range(1 + COUNTED_SENDINGS)
    )
