"""The CPS test set, run twice: on the emulated card by APDU (``CpsSession``) and on a
SoftHSM2 token by PKCS#11 (``Pkcs11CpsCard``), both holding the testbed's card key."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import softhsm
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from billing.cms import build_signed_data, verify_signed_data
from cardio.backend import PractitionerCard, SituationsUnavailableError
from cardio.cps import CpsIdentity, CpsSession, Situation
from cardio.errors import PinBlockedError, PinError, SecurityStatusError
from cardio.pkcs11_card import Pkcs11CpsCard, tries_from_flags
from client.messages import describe
from testbed import pki
from testbed.cards.emulated_connection import EmulatedConnection
from testbed.cards.factory import make_card

PROFILE = "cps-generaliste"

#: What the settings screen would hold for a token without situations.
CONFIGURED = Situation(
    number="1", mode="0", statut="1", secteur="1", structure="75000012300014",
    billing_number="75123456", billing_key="8", replacement_number=None,
    convention_code="1", specialty="01", price_zone="30", ik_zone="01", may_sign_fse=True,
    may_sign_lot=True, structure_name="Cabinet médical du Marais", optam=False,
)  # fmt: skip


def configured_situations(identity: CpsIdentity) -> tuple[Situation, ...]:
    return (CONFIGURED,) if identity.national_id == "810100123456" else ()


@pytest.fixture(scope="module")
def soft_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[softhsm.SoftToken]:
    if not softhsm.available():
        pytest.fail("SoftHSM2 is missing: apt-get install softhsm2 (scripts/setup.sh)")
    conf = softhsm.write_conf(tmp_path_factory.mktemp("softhsm"))
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)  # read by the module when it is loaded
    token = softhsm.make_token(
        conf, pki.card_private_key(PROFILE), pki.card_certificate(PROFILE), dict(os.environ)
    )
    yield token
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


@pytest.fixture(params=["apdu", "pkcs11"])
def card(request: pytest.FixtureRequest) -> Iterator[PractitionerCard]:
    if request.param == "apdu":
        yield CpsSession(EmulatedConnection(make_card(PROFILE)))
        return
    token: softhsm.SoftToken = request.getfixturevalue("soft_token")
    opened = Pkcs11CpsCard(token.module, slot=token.label, situations=configured_situations)
    try:
        yield opened
    finally:
        opened.close()


def _public_key() -> rsa.RSAPublicKey:
    key = pki.card_certificate(PROFILE).public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def test_identity_is_the_holder(card: PractitionerCard) -> None:
    assert isinstance(card, PractitionerCard)
    who = card.read_identity()
    assert (who.nom, who.prenom, who.national_id) == ("RENAUD", "CLAIRE", "810100123456")
    assert who.may_sign and who.card_type == "CPS"


def test_certificate_is_the_cards(card: PractitionerCard) -> None:
    der = card.certificate_der()
    assert x509.load_der_x509_certificate(der) == pki.card_certificate(PROFILE)


def test_situations_from_the_card_or_the_settings(card: PractitionerCard) -> None:
    (situation,) = card.read_situations()
    assert situation.billing_number == "75123456" and situation.specialty == "01"


def test_no_signature_before_the_pin(card: PractitionerCard) -> None:
    with pytest.raises(SecurityStatusError):
        card.sign(b"FSE 0001")


def test_wrong_pin_is_told_in_french_then_the_right_one_signs(card: PractitionerCard) -> None:
    with pytest.raises(PinError) as wrong:
        card.verify_pin("0000")
    assert not isinstance(wrong.value, PinBlockedError)
    assert wrong.value.attempts_remaining in (1, 2)
    assert describe(wrong.value).startswith("Code porteur incorrect. Il reste")
    card.verify_pin("1234")
    data = b"FSE 0001 " * 20
    signature = card.sign(data)
    _public_key().verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    digest = hashlib.sha256(b"lot 42").digest()
    _public_key().verify(card.sign_digest(digest), b"lot 42", padding.PKCS1v15(), hashes.SHA256())


def test_cms_signed_through_the_card_verifies_against_the_ca(card: PractitionerCard) -> None:
    card.verify_pin("1234")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    der = build_signed_data(b"<lot/>", card, now)
    ca = pki.ca_certificate().public_bytes(serialization.Encoding.DER)
    verified = verify_signed_data(der, ca)
    assert verified.content == b"<lot/>" and "RENAUD" in verified.signer_subject


def test_a_token_without_situations_says_so(soft_token: softhsm.SoftToken) -> None:
    with Pkcs11CpsCard(soft_token.module, slot=soft_token.label) as bare:
        assert bare.read_identity().nom == "RENAUD"
        with pytest.raises(SituationsUnavailableError):
            bare.read_situations()


def test_token_flags_map_to_tries_left() -> None:
    from pkcs11 import TokenFlag

    assert tries_from_flags(TokenFlag.USER_PIN_LOCKED | TokenFlag.USER_PIN_FINAL_TRY) == 0
    assert tries_from_flags(TokenFlag.USER_PIN_FINAL_TRY) == 1
    assert tries_from_flags(TokenFlag.USER_PIN_COUNT_LOW) == 2
    assert tries_from_flags(TokenFlag.LOGIN_REQUIRED) is None


def test_openssl_verifies_the_token_signature(
    soft_token: softhsm.SoftToken, tmp_path: Path
) -> None:
    import subprocess

    with Pkcs11CpsCard(soft_token.module, slot=soft_token.label) as token:
        token.verify_pin("1234")
        data = b"FSE 0002"
        (tmp_path / "data.bin").write_bytes(data)
        (tmp_path / "sig.bin").write_bytes(token.sign(data))
        pem = _public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        (tmp_path / "pub.pem").write_bytes(pem)
    result = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.bin", "data.bin"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0 and "Verified OK" in result.stdout
