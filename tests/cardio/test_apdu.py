"""APDU building, T=0 procedure bytes and status-word mapping."""

from __future__ import annotations

import logging

import pytest
from fakes import ScriptedConnection, step

from cardio import apdu
from cardio.errors import (
    ApduError,
    CardFileNotFoundError,
    MalformedResponseError,
    NotAllowedError,
    PinBlockedError,
    PinError,
    SecurityStatusError,
)


@pytest.mark.parametrize(
    ("command", "encoded"),
    [
        (apdu.CommandApdu(0, 0x20, 0, 1), "00200001"),  # case 1
        (apdu.CommandApdu(0, 0xB0, 0x82, 0, le=256), "00B0820000"),  # case 2, Le 256 = 00
        (apdu.CommandApdu(0, 0xA4, 0, 0, b"\x3f\x00"), "00A40000023F00"),  # case 3
        (apdu.CommandApdu(0, 0x2A, 0x9E, 0x9A, b"\x01\x02", le=256), "002A9E9A02010200"),  # case 4
    ],
)
def test_commands_encode_and_parse_back(command: apdu.CommandApdu, encoded: str) -> None:
    assert command.to_bytes() == bytes.fromhex(encoded)
    assert apdu.CommandApdu.parse(bytes.fromhex(encoded)) == command


def test_61xx_chain_is_followed_with_get_response_and_accumulated() -> None:
    conn = ScriptedConnection(
        [
            step("00A404000BD250000002564954414C45", b"", 0x6104),
            step("00C0000004", "6F020102", 0x6102),
            step("00C0000002", "AABB"),
        ]
    )
    data = apdu.exchange(conn, bytes.fromhex("00A404000BD250000002564954414C45"))
    assert data == bytes.fromhex("6F020102AABB")
    assert conn.done()


def test_6cxx_resends_the_same_command_with_the_right_le() -> None:
    conn = ScriptedConnection([step("00B0820000", b"", 0x6C05), step("00B0820005", "0102030405")])
    assert apdu.exchange(conn, bytes.fromhex("00B0820000")) == bytes.fromhex("0102030405")


def test_a_card_that_keeps_asking_for_another_le_is_an_error_not_a_hang() -> None:
    conn = ScriptedConnection(
        [step("00B0820000", b"", 0x6C05)] + [step("00B0820005", b"", 0x6C05)] * 10
    )
    with pytest.raises(MalformedResponseError):
        apdu.exchange(conn, bytes.fromhex("00B0820000"))
    assert len(conn.sent) == apdu.MAX_WRONG_LENGTH_RETRIES + 1


@pytest.mark.parametrize(
    ("sw", "error", "ins"),
    [
        (0x6982, SecurityStatusError, 0x2A),
        (0x6983, PinBlockedError, 0x20),
        (0x63C0, PinBlockedError, 0x20),
        (0x6A82, CardFileNotFoundError, 0xA4),
        (0x6A88, NotAllowedError, 0x2A),
        (0x6A88, ApduError, 0xA4),  # 6A88 only means "no signing key" for a signature
        (0x6F00, ApduError, 0xB0),
    ],
)
def test_status_words_map_to_typed_errors(sw: int, error: type[Exception], ins: int) -> None:
    with pytest.raises(error):
        apdu.check(sw, apdu.CommandApdu(0, ins, 0, 0))


def test_63cx_carries_the_tries_left() -> None:
    with pytest.raises(PinError) as caught:
        apdu.check(0x63C2, apdu.CommandApdu(0, 0x20, 0, 1, b"1234\xff\xff\xff\xff"))
    assert caught.value.attempts_remaining == 2
    assert not isinstance(caught.value, PinBlockedError)


def test_pin_data_never_reaches_the_log(caplog: pytest.LogCaptureFixture) -> None:
    conn = ScriptedConnection([step("002000010831323334FFFFFFFF", b"", 0x63C2)])
    with caplog.at_level(logging.DEBUG, logger="cardio.apdu"), pytest.raises(PinError):
        apdu.exchange(conn, bytes.fromhex("002000010831323334FFFFFFFF"))
    text = caplog.text.replace(" ", "")
    assert "31323334" not in text and "1234" not in text
    assert "redacted" in caplog.text


def test_response_data_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    name = b"DUPONT"
    conn = ScriptedConnection([step("00B0820006", name)])
    with caplog.at_level(logging.DEBUG, logger="cardio.apdu"):
        apdu.exchange(conn, bytes.fromhex("00B0820006"))
    assert "DUPONT" not in caplog.text and name.hex() not in caplog.text.lower()


def test_read_file_follows_offsets_until_6b00() -> None:
    content = bytes(range(256)) * 2  # exactly two chunks: the card answers 6B00 after
    conn = ScriptedConnection(
        [
            step("00B0830000", content[:256]),
            step("00B0010000", content[256:]),
            step("00B0020000", b"", 0x6B00),
        ]
    )
    assert apdu.read_file(conn, sfi=3) == content
    assert conn.done()


def test_get_response_with_a_wrong_le_is_resent_with_the_right_one() -> None:
    conn = ScriptedConnection(
        [
            step("0088000120" + "00" * 32, b"", 0x6108),
            step("00C0000008", b"", 0x6C04),  # the card only has 4 bytes after all
            step("00C0000004", "01020304"),
        ]
    )
    assert apdu.exchange(conn, bytes.fromhex("0088000120" + "00" * 32)) == bytes.fromhex("01020304")


def test_read_file_of_a_short_file_resends_with_the_length_the_card_gives() -> None:
    conn = ScriptedConnection([step("00B0810000", b"", 0x6C03), step("00B0810003", "0A0B0C")])
    assert apdu.read_file(conn, sfi=1) == bytes.fromhex("0A0B0C")
    assert conn.done()


def test_read_file_bounds_a_card_that_keeps_asking_for_another_le_like_exchange() -> None:
    conn = ScriptedConnection(
        [step("00B0810000", b"", 0x6C05)] + [step("00B0810005", b"", 0x6C05)] * 10
    )
    with pytest.raises(MalformedResponseError, match="READ BINARY"):
        apdu.read_file(conn, sfi=1)
    assert len(conn.sent) == apdu.MAX_WRONG_LENGTH_RETRIES + 1


def test_read_file_follows_a_6cxx_then_a_61xx_chain() -> None:
    conn = ScriptedConnection(
        [
            step("00B0810000", b"", 0x6C04),
            step("00B0810004", "0102", 0x6102),
            step("00C0000002", "0304"),
        ]
    )
    assert apdu.read_file(conn, sfi=1) == bytes.fromhex("01020304")
    assert conn.done()
