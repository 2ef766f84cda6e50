"""The desk started with the PKCS#11 backend (``carte-cps.json``): the CPS's insertion is
seen in the reader, the card is then reached through the middleware (a SoftHSM2 token
holding the testbed key and certificate of ``cps-generaliste``), the PIN dialog logs in
(``C_Login``) and one FSE is secured."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pkcs11
import pytest

from cardio.pkcs11_card import Pkcs11CpsCard
from testbed.cards.factory import make_card
from tests.cardio import softhsm
from tests.ui.conftest import PinAnswers
from tests.ui.test_fse_flow import add_codes
from ui.qt import Qt

ROOT = Path(__file__).resolve().parents[2]
PROFILE = "cps-generaliste"
SITUATION = {
    "number": "1", "mode": "0", "statut": "1", "secteur": "1", "structure": "75000012300014",
    "billing_number": "75123456", "billing_key": "8", "convention_code": "1",
    "specialty": "01", "price_zone": "30", "ik_zone": "01",
    "structure_name": "Cabinet des réglages PKCS#11",
}  # fmt: skip


@pytest.fixture
def soft_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A SoftHSM2 token holding the CPS, which the desk reaches in this process."""
    conf = softhsm.make_token_in_child(tmp_path / "softhsm", PROFILE, dict(os.environ))
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    # python-pkcs11 keeps one initialised library per path, and SoftHSM2 reads its
    # configuration at C_Initialize: start it again here, and leave it finalised so
    # that the next user initialises it with its own configuration.
    module = pkcs11.lib(softhsm.SOFTHSM_MODULE)
    module.reinitialize()
    yield softhsm.TOKEN_LABEL
    module.finalize()


def test_desk_on_the_pkcs11_backend_asks_the_pin_and_secures_an_fse(
    qtbot, window, fake_backend, soft_token: str
) -> None:
    settings = {"backend": "pkcs11", "pkcs11_module": softhsm.SOFTHSM_MODULE,
                "pkcs11_slot": soft_token, "situations": [SITUATION]}  # fmt: skip
    (window.ctx.data_dir / "carte-cps.json").write_text(json.dumps(settings), encoding="utf-8")
    pins = PinAnswers("0000", "1234")  # a wrong PIN first: told, then typed again
    window.interaction.prompt = pins
    # In the readers before the start: a CPS in a reader is the card, never the token
    # that the desk offers at start when no reader holds one (test_desk_pkcs11_token).
    fake_backend.insert("Lecteur A", make_card(PROFILE))  # its insertion opens the token
    fake_backend.insert("Lecteur B", make_card("vitale-famille"))
    window.start()
    qtbot.waitUntil(lambda: window.session.practitioner is not None, timeout=10000)
    panel = window.billing_page.patient_panel
    qtbot.waitUntil(lambda: panel.beneficiaries.count() > 0, timeout=10000)
    panel.beneficiaries.setFocus()
    qtbot.keyClick(panel.beneficiaries, Qt.Key.Key_Return)
    practitioner = window.session.practitioner
    assert practitioner is not None and isinstance(practitioner.session, Pkcs11CpsCard)
    assert practitioner.identity.nom == "RENAUD"
    assert practitioner.situations[0].structure_name == "Cabinet des réglages PKCS#11"
    # The token gives no exact count: the first prompt shows none, the second says "wrong".
    assert [(left, wrong) for _reader, left, wrong in pins.asked] == [(None, False), (2, True)]

    invoice = window.billing_page.invoice_panel
    add_codes(qtbot, invoice, "G")
    qtbot.waitUntil(invoice.secure_button.isEnabled, timeout=5000)
    qtbot.keyClick(invoice.code_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "FSE n° 1" in invoice.state_label.text(), timeout=10000)
    assert "sécurisée Vitale" in invoice.state_label.text()
    rows = window.ctx.db.submit(lambda store: store.fse_list()).result()
    assert [(r.number, r.mode, str(r.total_fees)) for r in rows] == [(1, "vitale", "30.00")]
    assert rows[0].practitioner_id == "751234568" and rows[0].vitale_certification

    # Taking the card out ends the practitioner session and its PKCS#11 login.
    fake_backend.remove("Lecteur A")
    qtbot.waitUntil(lambda: window.session.practitioner is None, timeout=10000)
    qtbot.waitUntil(lambda: practitioner.session._session is None, timeout=5000)
