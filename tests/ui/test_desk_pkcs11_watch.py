"""The desk follows its PKCS#11 token (a SoftHSM2 token, in no PC/SC reader): when it goes,
the practitioner's session ends, its PKCS#11 session is closed and the bar says the card is
missing; when it comes back, the PIN is asked again, once, by the usual dialog."""

from __future__ import annotations

import json
import os
from pathlib import Path

from cardio.pkcs11_card import Pkcs11CpsCard
from testbed.cards.factory import make_card
from tests.cardio import softhsm
from tests.ui.conftest import PinAnswers
from tests.ui.test_desk_pkcs11 import PROFILE, SITUATION, soft_token

__all__ = ["soft_token"]  # the fixture, used by name


def _settings(window, token: str) -> None:
    settings = {"backend": "pkcs11", "pkcs11_module": softhsm.SOFTHSM_MODULE,
                "pkcs11_slot": token, "situations": [SITUATION]}  # fmt: skip
    (window.ctx.data_dir / "carte-cps.json").write_text(json.dumps(settings), encoding="utf-8")


def test_the_token_pulled_ends_the_session_and_its_return_asks_the_pin(
    qtbot, window, fake_backend, soft_token: str
) -> None:
    conf = Path(os.environ["SOFTHSM2_CONF"])
    _settings(window, soft_token)
    fake_backend.insert("Lecteur B", make_card("vitale-famille"))  # no CPS in any reader
    pins = PinAnswers("1234", "1234")
    window.interaction.prompt = pins
    window.card_flow.token_watch.set_interval(100)
    window.start()
    qtbot.waitUntil(lambda: window.session.practitioner is not None, timeout=10000)
    bar = window.billing_page.practitioner_bar
    first = window.session.practitioner
    assert isinstance(first.session, Pkcs11CpsCard)
    assert "RENAUD" in bar.name_label.text() and len(pins.asked) == 1

    softhsm.pull_token(conf)
    qtbot.waitUntil(lambda: window.session.practitioner is None, timeout=5000)
    qtbot.waitUntil(lambda: first.session._session is None, timeout=5000)  # session dropped
    qtbot.waitUntil(lambda: "Carte CPS absente" in bar.name_label.text(), timeout=5000)
    assert "« CPS-TEST »" in bar.name_label.text()
    assert not bar.situations.isVisible()
    qtbot.wait(500)  # a few polls while it is away: no PIN asked, nobody shown
    assert len(pins.asked) == 1 and window.session.practitioner is None

    softhsm.refill_token(conf, PROFILE, dict(os.environ))
    qtbot.waitUntil(lambda: window.session.practitioner is not None, timeout=10000)
    second = window.session.practitioner
    assert second.session is not first.session and isinstance(second.session, Pkcs11CpsCard)
    assert [(left, wrong) for _reader, left, wrong in pins.asked] == [(None, False)] * 2
    assert "RENAUD" in bar.name_label.text() and bar.situations.isVisible()
    # The session of the token back signs: the PIN was verified on it.
    signature = window.ctx.card_thread.call(second.session.sign, b"feuille de soins")
    assert len(signature) == 256
    window.card_flow.token_watch.stop()  # before the fixture finalises the module


def test_a_cancelled_pin_is_not_asked_again_until_the_token_comes_back(
    qtbot, window, fake_backend, soft_token: str
) -> None:
    conf = Path(os.environ["SOFTHSM2_CONF"])
    _settings(window, soft_token)
    pins = PinAnswers(None, "1234")  # the first prompt is cancelled
    window.interaction.prompt = pins
    window.card_flow.token_watch.set_interval(100)
    window.start()
    qtbot.waitUntil(lambda: len(pins.asked) == 1, timeout=10000)
    qtbot.wait(600)  # the token stays: the desk does not ask again by itself
    assert len(pins.asked) == 1 and window.session.practitioner is None

    softhsm.pull_token(conf)
    bar = window.billing_page.practitioner_bar
    qtbot.waitUntil(lambda: "Carte CPS absente" in bar.name_label.text(), timeout=5000)
    softhsm.refill_token(conf, PROFILE, dict(os.environ))
    qtbot.waitUntil(lambda: window.session.practitioner is not None, timeout=10000)
    assert len(pins.asked) == 2 and "RENAUD" in bar.name_label.text()
    window.card_flow.token_watch.stop()
