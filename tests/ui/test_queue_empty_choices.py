"""The « Envoi et suivi » page on a store without unmatched payments: its tab says there is
none (not a blank table), and the FSE list's state filter offers only states an FSE can be
in once stored (no « brouillon »: an FSE is stored secured, the choice always listed none)."""

from __future__ import annotations

from billing.fse_states import FseState
from client.labels import fse_state_label


def test_empty_unmatched_tab_says_so_and_no_draft_state_is_offered(qtbot, window) -> None:
    queue = window.queue_page
    window.go_to(window.stack.indexOf(queue))
    qtbot.waitUntil(lambda: queue.tabs.tabText(2) == "Paiements non rapprochés (0)", timeout=10000)
    queue.tabs.setCurrentIndex(2)
    assert queue.unmatched_empty.isVisible()
    assert "Aucun paiement non rapproché" in queue.unmatched_empty.text()

    combo = queue.fse_list.state_combo
    offered = [combo.itemText(i) for i in range(combo.count())]
    assert offered[0] == "Tous les états"
    assert "brouillon" not in offered
    stored = [s for s in FseState if s is not FseState.DRAFT]
    assert offered[1:] == [fse_state_label(s.value) for s in stored]
    assert [combo.itemData(i) for i in range(1, combo.count())] == stored
