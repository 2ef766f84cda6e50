"""The desk started with the PKCS#11 backend and a token in no PC/SC reader (a SoftHSM2
token holding the testbed key and certificate of ``cps-generaliste``): no reader event will
announce it, so the desk opens it at start, through the usual PIN dialog."""

from __future__ import annotations

import json

from cardio.pkcs11_card import Pkcs11CpsCard
from testbed.cards.factory import make_card
from tests.cardio import softhsm
from tests.ui.conftest import PinAnswers
from tests.ui.test_desk_pkcs11 import SITUATION, soft_token

__all__ = ["soft_token"]  # the fixture, used by name


def test_desk_opens_the_token_at_start_with_the_pin_dialog(
    qtbot, window, fake_backend, soft_token: str
) -> None:
    settings = {"backend": "pkcs11", "pkcs11_module": softhsm.SOFTHSM_MODULE,
                "pkcs11_slot": soft_token, "situations": [SITUATION]}  # fmt: skip
    (window.ctx.data_dir / "carte-cps.json").write_text(json.dumps(settings), encoding="utf-8")
    fake_backend.insert("Lecteur B", make_card("vitale-famille"))  # no CPS in any reader
    pins = PinAnswers("0000", "1234")  # a wrong PIN first: told, then typed again
    window.interaction.prompt = pins
    window.start()
    qtbot.waitUntil(lambda: window.session.practitioner is not None, timeout=10000)
    practitioner = window.session.practitioner
    assert isinstance(practitioner.session, Pkcs11CpsCard)
    assert practitioner.identity.nom == "RENAUD"
    assert practitioner.situations[0].structure_name == "Cabinet des réglages PKCS#11"
    # One dialog per try, naming the token's slot, as for a card in a reader.
    assert [(left, wrong) for _reader, left, wrong in pins.asked] == [(None, False), (2, True)]
    assert pins.asked[0][0] == practitioner.reader and practitioner.reader
    # The Vitale of the reader is read as before, beside the token.
    panel = window.billing_page.patient_panel
    qtbot.waitUntil(lambda: panel.beneficiaries.count() > 0, timeout=10000)


def test_desk_on_the_apdu_backend_asks_nothing_at_start(qtbot, window, fake_backend) -> None:
    pins = PinAnswers()
    window.interaction.prompt = pins
    fake_backend.insert("Lecteur B", make_card("vitale-famille"))
    window.start()
    panel = window.billing_page.patient_panel
    qtbot.waitUntil(lambda: panel.beneficiaries.count() > 0, timeout=10000)
    assert pins.asked == [] and window.session.practitioner is None
