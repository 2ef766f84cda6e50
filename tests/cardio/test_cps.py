"""The CPS session with scripted exchanges: PIN flow, identity, signature refusals."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator

import pytest
from fakes import ScriptedConnection, Step, step

from cardio import layout, sha256, tlv
from cardio.cps import CpsSession
from cardio.errors import (
    NotAllowedError,
    PinBlockedError,
    PinError,
    PinFormatError,
    SecurityStatusError,
)

SELECT_APP = "00A4040C0DE828BD080F8025000001FF0010"
VERIFY = "0020000108"
#: GET DATA on the PIN's security data object (its DOCP), as OpenSC's IAS-ECC driver sends it.
TRIES = "00CB3FFF0A4D087006BF810102A080"
DIGEST_INFO = "3031300D060960864801650304020105000420"


def docp(tries: int) -> bytes:
    """The card's answer to TRIES: 70 { BF 81 01 { A0 { 9A max, 9B remaining } } }."""
    inner = tlv.encode(0x9A, b"\x03") + tlv.encode(0x9B, bytes([tries]))
    return tlv.encode(0x70, tlv.encode(0xBF8101, tlv.encode(0xA0, inner)))


def pin_apdu(pin: str) -> str:
    return VERIFY + (pin.encode().hex() + "FF" * (8 - len(pin)))


def identity(card_type: str) -> bytes:
    return tlv.encode(
        layout.TAG_CPS_HOLDER,
        tlv.encode(0x80, card_type)
        + tlv.encode(0x81, "8")
        + tlv.encode(0x82, "10001234567")
        + tlv.encode(0x84, "22")
        + tlv.encode(0x85, "MEDECIN")
        + tlv.encode(0x86, "ALICE")
        + tlv.encode(0x87, "CPS0001"),
    )


def test_pin_flow_counts_down_then_blocks_and_never_retries() -> None:
    conn = ScriptedConnection(
        [
            step(SELECT_APP),
            step(TRIES, docp(3)),
            step(pin_apdu("1111"), b"", 0x63C2),
            step(pin_apdu("2222"), b"", 0x63C1),
            step(pin_apdu("3333"), b"", 0x6983),
            step(TRIES, docp(0)),
        ]
    )
    session = CpsSession(conn)
    assert session.pin_tries_left() == 3
    with pytest.raises(PinError) as first:
        session.verify_pin("1111")
    assert first.value.attempts_remaining == 2
    with pytest.raises(PinError) as second:
        session.verify_pin("2222")
    assert second.value.attempts_remaining == 1
    with pytest.raises(PinBlockedError):
        session.verify_pin("3333")
    assert session.pin_tries_left() == 0
    assert conn.done()  # each verify sent exactly once


def test_right_pin_resets_the_counter() -> None:
    conn = ScriptedConnection(
        [
            step(SELECT_APP),
            step(pin_apdu("1111"), b"", 0x63C2),
            step(pin_apdu("1234")),
            step(TRIES, docp(3)),  # verified: counter back to 3
        ]
    )
    session = CpsSession(conn)
    with pytest.raises(PinError):
        session.verify_pin("1111")
    session.verify_pin("1234")
    assert session.pin_tries_left() == layout.CPS_PIN_MAX_TRIES


@pytest.mark.parametrize("pin", ["123", "12345", "12a4", "", "１２３４", "12 4"])
def test_a_malformed_pin_is_never_sent(pin: str) -> None:
    conn = ScriptedConnection([])
    with pytest.raises(PinFormatError):
        CpsSession(conn).verify_pin(pin)
    assert conn.sent == []


def test_identity_and_situations_are_read() -> None:
    situation = tlv.encode(
        layout.TAG_CPS_SITUATION,
        tlv.encode(0x80, "1")
        + tlv.encode(0x81, "0")
        + tlv.encode(0x85, "12345678")
        + tlv.encode(0x86, "5")
        + tlv.encode(0x89, "01")
        + tlv.encode(0x8C, "1")
        + tlv.encode(0x8D, "1")
        + tlv.encode(0x8E, "Cabinet du Parc")
        + tlv.encode(0x8F, "1"),
    )
    ident = identity("0")
    conn = ScriptedConnection(
        [
            step(SELECT_APP),
            step("00A4020C02D001"),
            step("00B0000000", ident),
            step("00A4020C02D002"),
            step("00B0000000", situation),
        ]
    )
    card = CpsSession(conn).read()
    assert card.identity.card_type == "CPS" and card.identity.nom == "MEDECIN"
    assert card.identity.serial == "CPS0001"
    (sit,) = card.situations
    assert sit.billing_number == "12345678" and sit.may_sign_fse and sit.optam
    assert sit.structure_name == "Cabinet du Parc" and sit.replacement_number is None


def test_a_cpe_is_refused_before_anything_is_sent_to_sign() -> None:
    conn = ScriptedConnection(
        [
            step(SELECT_APP),
            step("00A4020C02D001"),
            step("00B0000000", identity("2")),
        ]
    )
    with pytest.raises(NotAllowedError):
        CpsSession(conn).sign_digest(hashlib.sha256(b"lot").digest())
    assert not any(apdu[1] == layout.INS_PSO for apdu in conn.sent)


def test_signing_without_the_pin_is_a_security_status_error() -> None:
    digest = hashlib.sha256(b"lot").digest()
    conn = ScriptedConnection(
        [
            step(SELECT_APP),
            step("00A4020C02D001"),
            step("00B0000000", identity("0")),
            step("002241B606840181800142"),  # MSE SET DST: key 81, RSA PKCS#1 + SHA-256
            step("002A90A0229020" + digest.hex()),  # PSO HASH: the whole digest
            step("002A9E9A00", b"", 0x6982),  # PSO CDS refused: PIN not verified
        ]
    )
    with pytest.raises(SecurityStatusError):
        CpsSession(conn).sign_digest(digest)
    assert conn.done()


def test_sign_sends_the_hash_state_and_the_card_finishes_sha256() -> None:
    """IAS-ECC PSO HASH: the host hashes the whole 64-byte blocks, the card the rest."""
    data = bytes(range(100))  # one whole block, 36 bytes left
    prefix_state, bits, tail = sha256.partial(data)
    assert bits == 512 and tail == data[64:]
    assert sha256.finish(prefix_state, bits, tail) == hashlib.sha256(data).digest()
    hashed = "9028" + prefix_state.hex() + bits.to_bytes(8, "big").hex() + "8024" + tail.hex()
    conn = ScriptedConnection(
        [
            step(SELECT_APP),
            step("00A4020C02D001"),
            step("00B0000000", identity("0")),
            step("002241B606840181800142"),
            step("002A90A050" + hashed),
            step("002A9E9A00", bytes(256)),
            step("00A4020C025031"),  # the signature's length comes from the certificate
            step("00B0000000", b"", 0x6A82),
        ]
    )
    assert CpsSession(conn).sign(data) == bytes(256)
    assert conn.done()


def test_sign_rejects_a_digest_that_is_not_32_bytes() -> None:
    with pytest.raises(ValueError, match="32"):
        CpsSession(ScriptedConnection([])).sign_digest(b"short")


class _CountingConnection(ScriptedConnection):
    """Counts the PC/SC transactions (two pcscd round trips each on a real stack)."""

    def __init__(self, steps: list[Step]) -> None:
        super().__init__(steps)
        self.transactions = 0
        self.open = 0

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        self.transactions += 1
        self.open += 1
        try:
            yield
        finally:
            self.open -= 1


_SITUATION = tlv.encode(
    layout.TAG_CPS_SITUATION,
    tlv.encode(0x80, "1")
    + tlv.encode(0x81, "0")
    + tlv.encode(0x85, "12345678")
    + tlv.encode(0x86, "5")
    + tlv.encode(0x89, "01"),
)


def _whole_read() -> list[Step]:
    """The APDUs of ``CpsSession.read()``: application, identity, situations."""
    return [
        step(SELECT_APP),
        step("00A4020C02D001"),
        step("00B0000000", identity("0")),
        step("00A4020C02D002"),
        step("00B0000000", _SITUATION),
    ]


def test_a_whole_cps_read_holds_the_card_in_one_transaction() -> None:
    conn = _CountingConnection(_whole_read())
    card = CpsSession(conn).read()
    assert card.identity.nom == "MEDECIN" and len(card.situations) == 1
    assert conn.transactions == 1 and conn.open == 0 and conn.done()


def test_reads_grouped_under_reserved_share_one_transaction() -> None:
    conn = _CountingConnection(
        [*_whole_read(), step("00A4020C02D002"), step("00B0000000", _SITUATION)]
    )
    session = CpsSession(conn)
    with session.reserved():
        card = session.read()
        again = session.read_situations()
    assert card.situations == again
    assert conn.transactions == 1 and conn.open == 0 and conn.done()
