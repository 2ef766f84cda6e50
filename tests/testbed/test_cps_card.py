"""The emulated CPx card, APDU by APDU, in process."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from cardio import layout, tlv
from testbed import pki
from testbed.cards.cps import SHA256_DIGEST_INFO_PREFIX, pin_block
from testbed.cards.emulated_connection import EmulatedConnection

Connect = Callable[[str], EmulatedConnection]

SELECT_APP = bytes.fromhex("00A4040C0D") + layout.CPS_AID
TRIES = bytes.fromhex("00200001")


def verify(conn: EmulatedConnection, pin: str) -> int:
    return conn.transmit(bytes.fromhex("0020000108") + pin_block(pin))[1]


def sign_apdu(digest: bytes) -> bytes:
    info = SHA256_DIGEST_INFO_PREFIX + digest
    return bytes.fromhex("002A9E9A") + bytes([len(info)]) + info + b"\x00"


def read_file(conn: EmulatedConnection, file_id: bytes) -> bytes:
    assert conn.transmit(bytes.fromhex("00A4020C02") + file_id) == (b"", layout.SW_OK)
    data = b""
    while True:
        answer, sw = conn.transmit(bytes([0x00, 0xB0, len(data) >> 8, len(data) & 0xFF, 0x00]))
        if sw == layout.SW_WRONG_P1P2:
            return data
        assert sw == layout.SW_OK
        data += answer
        if len(answer) < 256:
            return data


def opened(emulated: Connect, profile: str) -> EmulatedConnection:
    conn = emulated(profile)
    assert conn.atr == layout.CPS_ATR
    assert conn.transmit(SELECT_APP) == (b"", layout.SW_OK)
    return conn


def test_commands_need_the_application_selected(emulated: Connect) -> None:
    conn = emulated("cps-generaliste")
    assert conn.transmit(TRIES)[1] == layout.SW_CONDITIONS_NOT_SATISFIED
    assert conn.transmit(bytes.fromhex("00A4020C02D001"))[1] == layout.SW_FILE_NOT_FOUND
    assert conn.transmit(bytes.fromhex("00A4040C0DE828BD080F8025000001FF0020"))[1] == (
        layout.SW_FILE_NOT_FOUND
    )


def test_identity_and_situations_files(emulated: Connect) -> None:
    conn = opened(emulated, "cps-deux-cabinets")
    holder = tlv.decode(read_file(conn, layout.CPS_FILE_IDENTITY))[0]
    assert holder.tag == layout.TAG_CPS_HOLDER
    fields = holder.children()
    assert tlv.find(fields, layout.TAG_CPS_NOM).text() == "LEFÈVRE"  # type: ignore[union-attr]
    assert tlv.find(fields, layout.TAG_CPS_CARD_TYPE).text() == "0"  # type: ignore[union-attr]
    situations = tlv.find_all(
        tlv.decode(read_file(conn, layout.CPS_FILE_SITUATIONS)), layout.TAG_CPS_SITUATION
    )
    numbers = [
        tlv.find(s.children(), layout.TAG_SIT_BILLING_NUMBER).text()  # type: ignore[union-attr]
        for s in situations
    ]
    assert numbers == ["75234567", "92345678"]
    assert conn.transmit(bytes.fromhex("00A4020C02D009"))[1] == layout.SW_FILE_NOT_FOUND


def test_remplacant_situation_carries_his_number(emulated: Connect) -> None:
    conn = opened(emulated, "cps-remplacant")
    situation = tlv.decode(read_file(conn, layout.CPS_FILE_SITUATIONS))[0].children()
    assert tlv.find(situation, layout.TAG_SIT_MODE).text() == "4"  # type: ignore[union-attr]
    number = tlv.find(situation, layout.TAG_SIT_REPLACEMENT_NUMBER)
    assert number is not None and len(number.text()) == 9


def test_certificate_file_is_the_cards_certificate_chained_to_the_ca(emulated: Connect) -> None:
    conn = opened(emulated, "cps-generaliste")
    der = read_file(conn, layout.CPS_FILE_CERTIFICATE)
    assert len(der) > 256  # read over several READ BINARY
    cert = x509.load_der_x509_certificate(der)
    assert cert == pki.card_certificate("cps-generaliste")
    cert.verify_directly_issued_by(pki.ca_certificate())


def test_pin_tries_3_2_1_then_blocked(emulated: Connect) -> None:
    conn = opened(emulated, "cps-generaliste")
    assert conn.transmit(TRIES)[1] == 0x63C3
    assert verify(conn, "0000") == 0x63C2
    assert verify(conn, "0000") == 0x63C1
    assert conn.transmit(TRIES)[1] == 0x63C1
    assert verify(conn, "0000") == layout.SW_PIN_BLOCKED
    assert verify(conn, "1234") == layout.SW_PIN_BLOCKED  # even the right PIN now
    assert conn.transmit(TRIES)[1] == layout.SW_PIN_BLOCKED


def test_right_pin_resets_the_counter_and_tries_report_verified(emulated: Connect) -> None:
    conn = opened(emulated, "cps-generaliste")
    assert verify(conn, "9999") == 0x63C2
    assert verify(conn, "1234") == layout.SW_OK
    assert conn.transmit(TRIES)[1] == layout.SW_OK
    assert verify(conn, "9999") == 0x63C2  # counter went back to 3 before this try


def test_pin_block_of_wrong_length_is_refused(emulated: Connect) -> None:
    conn = opened(emulated, "cps-generaliste")
    assert conn.transmit(bytes.fromhex("002000010431323334"))[1] == layout.SW_WRONG_LENGTH
    assert conn.transmit(TRIES)[1] == 0x63C3  # and costs no try


def test_sign_refused_before_pin_then_verifies_with_the_certificate(emulated: Connect) -> None:
    conn = opened(emulated, "cps-generaliste")
    digest = hashlib.sha256(b"FSE 0001").digest()
    assert conn.transmit(sign_apdu(digest)) == (b"", layout.SW_SECURITY_NOT_SATISFIED)
    assert verify(conn, "1234") == layout.SW_OK
    signature, sw = conn.transmit(sign_apdu(digest))
    assert sw == layout.SW_OK and len(signature) == 256
    key = pki.card_certificate("cps-generaliste").public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(signature, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
    key.verify(signature, b"FSE 0001", padding.PKCS1v15(), hashes.SHA256())


def test_sign_rejects_something_else_than_a_sha256_digest_info(emulated: Connect) -> None:
    conn = opened(emulated, "cps-generaliste")
    verify(conn, "1234")
    raw = bytes(51)
    assert conn.transmit(bytes.fromhex("002A9E9A33") + raw + b"\x00")[1] == 0x6A80


@pytest.mark.parametrize("forget", ["power_off", "reset"])
def test_pin_state_is_forgotten_on_power_off_and_reset(emulated: Connect, forget: str) -> None:
    conn = opened(emulated, "cps-generaliste")
    assert verify(conn, "1234") == layout.SW_OK
    getattr(conn.card, forget)()
    conn.card.power_on()
    conn.transmit(SELECT_APP)
    assert conn.transmit(TRIES)[1] == 0x63C3
    assert conn.transmit(sign_apdu(bytes(32)))[1] == layout.SW_SECURITY_NOT_SATISFIED


def test_cpe_has_no_signing_key(emulated: Connect) -> None:
    conn = opened(emulated, "cpe-secretaire")
    assert verify(conn, "1234") == layout.SW_OK
    assert conn.transmit(sign_apdu(bytes(32))) == (b"", layout.SW_REFERENCE_NOT_FOUND)
    assert conn.transmit(bytes.fromhex("00A4020C02D003"))[1] == layout.SW_FILE_NOT_FOUND
    holder = tlv.decode(read_file(conn, layout.CPS_FILE_IDENTITY))[0].children()
    assert tlv.find(holder, layout.TAG_CPS_CARD_TYPE).text() == "2"  # type: ignore[union-attr]


def test_blocked_card_unblocks_with_the_puk(emulated: Connect) -> None:
    conn = opened(emulated, "cps-bloquee")
    assert conn.transmit(TRIES)[1] == layout.SW_PIN_BLOCKED
    assert verify(conn, "1234") == layout.SW_PIN_BLOCKED
    wrong = conn.transmit(bytes.fromhex("002C000110") + b"00000000" + pin_block("4321"))[1]
    assert wrong >> 4 == 0x63C and wrong & 0xF == 9
    right = conn.transmit(bytes.fromhex("002C000110") + b"12345678" + pin_block("4321"))[1]
    assert right == layout.SW_OK
    assert conn.transmit(TRIES)[1] == 0x63C3
    assert verify(conn, "1234") == 0x63C2  # the old PIN is gone
    assert verify(conn, "4321") == layout.SW_OK


def test_no_command_returns_the_private_key(emulated: Connect) -> None:
    conn = opened(emulated, "cps-generaliste")
    verify(conn, "1234")
    key = pki.card_private_key("cps-generaliste")
    secret = key.private_numbers().d.to_bytes(256, "big")
    prime = key.private_numbers().p.to_bytes(128, "big")
    answers = b""
    for ins in range(256):
        for p1, p2 in ((0, 0), (0x9E, 0x9A), (0x3F, 0xFF), (0x80, 0x01)):
            answer, _ = conn.transmit(bytes([0x00, ins, p1, p2, 0x00]))
            answers += answer
    for file_id in (b"\xd0\x00", b"\xd0\x04", b"\x3f\x00", b"\x00\x01"):
        assert conn.transmit(bytes.fromhex("00A4020C02") + file_id)[1] == layout.SW_FILE_NOT_FOUND
    assert secret[:16] not in answers and prime[:16] not in answers
