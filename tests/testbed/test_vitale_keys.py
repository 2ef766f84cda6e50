from __future__ import annotations

import os

from testbed import pki
from testbed.vitale_keys import card_key, certify, verify_certification

MOTHER = bytes(range(16))
SERIAL = bytes.fromhex("5601020304050607")
DIGEST = bytes(range(32))


def test_certification_is_8_bytes_and_deterministic() -> None:
    value = certify(MOTHER, SERIAL, DIGEST)
    assert len(value) == 8
    assert certify(MOTHER, SERIAL, DIGEST) == value


def test_certification_depends_on_serial_digest_and_mother_key() -> None:
    value = certify(MOTHER, SERIAL, DIGEST)
    assert certify(MOTHER, bytes.fromhex("5601020304050608"), DIGEST) != value
    assert certify(MOTHER, SERIAL, bytes(32)) != value
    assert certify(os.urandom(16), SERIAL, DIGEST) != value
    assert card_key(MOTHER, SERIAL) != card_key(MOTHER, bytes(8))


def test_verify_accepts_the_right_value_only() -> None:
    value = certify(MOTHER, SERIAL, DIGEST)
    assert verify_certification(MOTHER, SERIAL, DIGEST, value)
    tampered = bytes([value[0] ^ 1]) + value[1:]
    assert not verify_certification(MOTHER, SERIAL, DIGEST, tampered)
    assert not verify_certification(MOTHER, SERIAL, b"short", value)


def test_testbed_mother_key_is_16_bytes_and_stable() -> None:
    key = pki.vitale_mother_key()
    assert len(key) == 16
    assert pki.vitale_mother_key() == key
