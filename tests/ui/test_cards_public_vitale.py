"""The desk with a carte Vitale that gives only its public zone (what a real Vitale 2 gives
this program): the user is told how many bénéficiaires the card named and what to do."""

from __future__ import annotations

import pytest

from ui.errors import message_for

pytestmark = pytest.mark.pcsc

VITALE_READER = 1


def test_public_only_vitale_is_explained_not_called_unreadable(
    qtbot, pcsc_window, card_server, monkeypatch
):
    shown = []
    monkeypatch.setattr("ui.main_window.show_error", lambda p, e, t="": shown.append(e))
    card_server.insert(VITALE_READER, "vitale-publique", fresh=True)
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=10000)
    text = message_for(shown[0])
    assert "ne donne que l'identité de ses 5 bénéficiaire(s)" in text
    assert "mode « sans Vitale »" in text and "garantie de paiement" in text
    assert "illisible" not in text
