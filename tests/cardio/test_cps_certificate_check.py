"""The CPS certificate is read from the card at every session and checked as X.509 DER:
the check's verdict on the same bytes is kept, never a refusal, never the certificate."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography import x509

from cardio import layout
from cardio.cps import CpsSession
from cardio.errors import MalformedResponseError
from testbed.cards.emulated_connection import EmulatedConnection
from testbed.cards.factory import make_card


def _certificate_node(card: Any) -> Any:
    app = card.mf.children[layout.CPS_DF_APP]
    return app.children[layout.CPS_FILE_CERT_SIG]


def _read(card: Any) -> bytes:
    session = CpsSession(EmulatedConnection(card))
    with session.reserved():
        session.read()
        return session.certificate_der()


def test_each_session_reads_the_card_in_the_reader_and_a_damaged_certificate_always_fails() -> None:
    generaliste, remplacant = make_card("cps-generaliste"), make_card("cps-remplacant")
    node = _certificate_node(generaliste)
    good = node.content

    assert _read(generaliste) == good
    # Another card in the reader: its own certificate, not the one checked before.
    other = _read(remplacant)
    assert other != good
    assert x509.load_der_x509_certificate(other).subject != (
        x509.load_der_x509_certificate(good).subject
    )

    # The same card, its certificate damaged inside the SEQUENCE: refused at every read,
    # the refusal is not remembered as a verdict and the good bytes are not served instead.
    node.content = good[:4] + bytes(len(good) - 4)
    for _ in range(2):
        with pytest.raises(MalformedResponseError, match=r"not X\.509 DER"):
            _read(generaliste)

    node.content = good
    assert _read(generaliste) == good
