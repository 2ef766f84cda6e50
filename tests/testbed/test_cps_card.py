"""The emulated CPx card, APDU by APDU, in process: the IAS-ECC file system, T=0, the PIN,
the security data objects and both signature paths (PSO HASH + CDS, INTERNAL AUTHENTICATE)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from cardio import layout, sha256, tlv
from testbed import pki
from testbed.cards.cps import SHA256_DIGEST_INFO_PREFIX, pin_block
from testbed.cards.emulated_connection import EmulatedConnection

Connect = Callable[[str], EmulatedConnection]

SELECT_APP = bytes.fromhex("00A4040C0D") + layout.CPS_AID
TRIES = bytes.fromhex("00200001")
GET_PIN_DOCP = bytes.fromhex("00CB3FFF0A4D087006BF810102A080")
MSE_DST_SIG = bytes.fromhex("002241B606840181800142")
MSE_AT_AUT = bytes.fromhex("002241A406840182800102")
CDS = bytes.fromhex("002A9E9A00")


def verify(conn: EmulatedConnection, pin: str) -> int:
    return conn.transmit(bytes.fromhex("0020000108") + pin_block(pin))[1]


def t0(conn: EmulatedConnection, apdu: bytes) -> tuple[bytes, int]:
    """Send a command that carries data; follow the card's 61XX with GET RESPONSE."""
    data, sw = conn.transmit(apdu)
    assert data == b"" and sw >> 8 == 0x61, f"expected 61XX, got {sw:04X}"
    out = b""
    while sw >> 8 == 0x61:
        chunk, sw = conn.transmit(bytes([0x00, 0xC0, 0x00, 0x00, sw & 0xFF]))
        out += chunk
    return out, sw


def pso_hash(data: bytes) -> bytes:
    state, bits, tail = sha256.partial(data)
    body = tlv.encode(0x90, state + bits.to_bytes(8, "big") if bits else b"")
    body += tlv.encode(0x80, tail)
    return bytes.fromhex("002A90A0") + bytes([len(body)]) + body


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


def test_mf_ef_atr_and_ef_dir_as_opensc_reads_them(emulated: Connect) -> None:
    conn = emulated("cps-generaliste")
    # OpenSC's first APDU on a CPx: SELECT 3F00/2F01 by path, FCP asked (P2=04), T=0.
    fcp, sw = t0(conn, bytes.fromhex("00A40904043F002F01"))
    assert sw == layout.SW_OK and fcp[0] == 0x62
    fields = tlv.by_tag(tlv.decode(fcp)[0].children())
    assert fields[0x83].value == layout.CPS_EF_ATR and fields[0x82].value == b"\x01"
    size = int.from_bytes(fields[0x80].value, "big")
    ef_atr, sw = conn.transmit(bytes.fromhex("00B0000000"))
    assert sw == layout.SW_OK and len(ef_atr) == size
    assert ef_atr[0] == 0x80  # the CPx quirk OpenSC skips
    atr_fields = tlv.by_tag(tlv.decode(ef_atr[1:]))
    assert atr_fields[0x4F].value == layout.CPS_AID
    assert len(atr_fields[0xE0].value) == 16  # IAS-ECC I/O buffer sizes
    assert conn.transmit(bytes.fromhex("00A4000C023F00")) == (b"", layout.SW_OK)
    ef_dir = read_file(conn, layout.CPS_EF_DIR)
    (application,) = tlv.find_all(tlv.decode(ef_dir), 0x61)
    app = tlv.by_tag(application.children())
    assert app[0x4F].value == layout.CPS_AID and app[0x50].text() == "CPX IAS"


def test_serial_by_sfi_from_the_application(emulated: Connect) -> None:
    conn = opened(emulated, "cps-generaliste")
    answer, sw = conn.transmit(bytes([0x00, 0xB0, 0x80 | layout.CPS_SFI_EF_SN, 0x00, 0x00]))
    assert sw == layout.SW_OK and answer[:2] == b"\x5a\x0a"
    assert answer[2:].hex().upper().startswith("80250000018000100001")


def test_select_by_aid_returns_the_fcp_through_get_response(emulated: Connect) -> None:
    conn = emulated("cps-generaliste")
    fcp, sw = t0(conn, bytes.fromhex("00A404040D") + layout.CPS_AID)
    assert sw == layout.SW_OK
    fields = tlv.by_tag(tlv.decode(fcp)[0].children())
    assert fields[0x84].value == layout.CPS_AID and fields[0x82].value == b"\x38"
    assert conn.transmit(bytes.fromhex("00A4040C0DE828BD080F8025000001FF0020"))[1] == (
        layout.SW_FILE_NOT_FOUND
    )
    assert conn.transmit(bytes.fromhex("00A4020C02D009"))[1] == layout.SW_FILE_NOT_FOUND


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


def test_remplacant_situation_carries_his_number(emulated: Connect) -> None:
    conn = opened(emulated, "cps-remplacant")
    situation = tlv.decode(read_file(conn, layout.CPS_FILE_SITUATIONS))[0].children()
    assert tlv.find(situation, layout.TAG_SIT_MODE).text() == "4"  # type: ignore[union-attr]
    number = tlv.find(situation, layout.TAG_SIT_REPLACEMENT_NUMBER)
    assert number is not None and len(number.text()) == 9


def test_both_certificates_are_the_cards_chained_to_the_ca(emulated: Connect) -> None:
    conn = opened(emulated, "cps-generaliste")
    signing = x509.load_der_x509_certificate(read_file(conn, layout.CPS_FILE_CERT_SIG))
    auth = x509.load_der_x509_certificate(read_file(conn, layout.CPS_FILE_CERT_AUT))
    assert signing == pki.card_certificate("cps-generaliste")
    assert auth == pki.card_auth_certificate("cps-generaliste")
    assert signing.public_key() != auth.public_key()
    for cert in (signing, auth):
        cert.verify_directly_issued_by(pki.ca_certificate())
    cdf = read_file(conn, layout.CPS_FILE_CDF)
    assert layout.CPS_KEY_SIG_ID in cdf and layout.CPS_KEY_AUT_ID in cdf


def test_pin_tries_3_2_1_then_blocked(emulated: Connect) -> None:
    conn = opened(emulated, "cps-generaliste")
    assert conn.transmit(TRIES)[1] == 0x63C3
    assert verify(conn, "0000") == 0x63C2
    assert verify(conn, "0000") == 0x63C1
    assert conn.transmit(TRIES)[1] == 0x63C1
    assert verify(conn, "0000") == layout.SW_PIN_BLOCKED
    assert verify(conn, "1234") == layout.SW_PIN_BLOCKED  # even the right PIN now
    assert conn.transmit(TRIES)[1] == layout.SW_PIN_BLOCKED


def test_get_data_gives_the_pin_tries(emulated: Connect) -> None:
    conn = opened(emulated, "cps-generaliste")
    assert verify(conn, "0000") == 0x63C2
    answer, sw = t0(conn, GET_PIN_DOCP)
    assert sw == layout.SW_OK
    sdo = tlv.decode(tlv.decode(answer)[0].value)[0]
    assert sdo.tag == 0xBF8101
    docp = tlv.by_tag(tlv.find(sdo.children(), 0xA0).children())  # type: ignore[union-attr]
    assert docp[0x9A].value == b"\x03" and docp[0x9B].value == b"\x02"


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


@pytest.mark.parametrize("size", [0, 20, 64, 100, 300])
def test_card_finishes_the_hash_and_signs_after_the_pin(emulated: Connect, size: int) -> None:
    conn = opened(emulated, "cps-generaliste")
    data = bytes(range(256))[:size] * 2
    assert conn.transmit(MSE_DST_SIG) == (b"", layout.SW_OK)
    assert conn.transmit(pso_hash(data)) == (b"", layout.SW_OK)
    assert conn.transmit(CDS) == (b"", layout.SW_SECURITY_NOT_SATISFIED)
    assert verify(conn, "1234") == layout.SW_OK
    assert conn.transmit(pso_hash(data)) == (b"", layout.SW_OK)
    signature, sw = conn.transmit(CDS)
    assert sw == layout.SW_OK and len(signature) == 256
    key = pki.card_certificate("cps-generaliste").public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    assert conn.transmit(CDS)[1] == layout.SW_CONDITIONS_NOT_SATISFIED  # one hash, one signature


def test_cds_never_signs_data_it_is_handed(emulated: Connect) -> None:
    conn = opened(emulated, "cps-generaliste")
    verify(conn, "1234")
    conn.transmit(MSE_DST_SIG)
    info = SHA256_DIGEST_INFO_PREFIX + bytes(32)
    assert conn.transmit(bytes.fromhex("002A9E9A33") + info + b"\x00")[1] == 0x6A80


def test_authentication_key_signs_by_internal_authenticate(emulated: Connect) -> None:
    conn = opened(emulated, "cps-generaliste")
    digest = hashlib.sha256(b"TLS handshake").digest()
    info = SHA256_DIGEST_INFO_PREFIX + digest
    authenticate = bytes.fromhex("00880000") + bytes([len(info)]) + info
    assert conn.transmit(MSE_AT_AUT) == (b"", layout.SW_OK)
    assert conn.transmit(authenticate)[1] == layout.SW_SECURITY_NOT_SATISFIED
    verify(conn, "1234")
    signature, sw = t0(conn, authenticate)
    assert sw == layout.SW_OK
    key = pki.card_auth_certificate("cps-generaliste").public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(signature, b"TLS handshake", padding.PKCS1v15(), hashes.SHA256())
    # each key does its own job only
    assert conn.transmit(bytes.fromhex("002241B606840182800142"))[1] == (
        layout.SW_REFERENCE_NOT_FOUND
    )
    assert conn.transmit(bytes.fromhex("002241A406840181800102"))[1] == (
        layout.SW_REFERENCE_NOT_FOUND
    )


@pytest.mark.parametrize("forget", ["power_off", "reset"])
def test_pin_state_is_forgotten_on_power_off_and_reset(emulated: Connect, forget: str) -> None:
    conn = opened(emulated, "cps-generaliste")
    assert verify(conn, "1234") == layout.SW_OK
    getattr(conn.card, forget)()
    conn.card.power_on()
    conn.transmit(SELECT_APP)
    assert conn.transmit(TRIES)[1] == 0x63C3
    conn.transmit(MSE_DST_SIG)
    conn.transmit(pso_hash(b"FSE"))
    assert conn.transmit(CDS)[1] == layout.SW_SECURITY_NOT_SATISFIED


def test_cpe_has_no_signing_key(emulated: Connect) -> None:
    conn = opened(emulated, "cpe-secretaire")
    assert verify(conn, "1234") == layout.SW_OK
    assert conn.transmit(MSE_DST_SIG) == (b"", layout.SW_REFERENCE_NOT_FOUND)
    assert conn.transmit(CDS) == (b"", layout.SW_REFERENCE_NOT_FOUND)
    for file_id in (layout.CPS_FILE_CERT_SIG, layout.CPS_FILE_PRKDF, layout.CPS_FILE_CDF):
        assert conn.transmit(bytes.fromhex("00A4020C02") + file_id)[1] == layout.SW_FILE_NOT_FOUND
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


def test_no_command_returns_a_private_key(emulated: Connect) -> None:
    conn = opened(emulated, "cps-generaliste")
    verify(conn, "1234")
    secrets = []
    for key in (
        pki.card_private_key("cps-generaliste"),
        pki.card_auth_private_key("cps-generaliste"),
    ):
        numbers = key.private_numbers()
        secrets += [numbers.d.to_bytes(256, "big")[:16], numbers.p.to_bytes(128, "big")[:16]]
    answers = b""
    for ins in range(256):
        for p1, p2 in ((0, 0), (0x9E, 0x9A), (0x3F, 0xFF), (0x80, 0x01)):
            answer, sw = conn.transmit(bytes([0x00, ins, p1, p2, 0x00]))
            answers += answer
            if sw >> 8 == 0x61:
                answers += conn.transmit(bytes([0x00, 0xC0, 0x00, 0x00, sw & 0xFF]))[0]
    for query in ("4D097007BF9001037F4880", "4D097007BF9002037F4880", "4D087006BF900102A080"):
        answer, sw = conn.transmit(
            bytes.fromhex("00CB3FFF") + bytes([len(query) // 2]) + bytes.fromhex(query)
        )
        answers += answer
    assert not any(secret in answers for secret in secrets)
