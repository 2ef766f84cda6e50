"""CMS SignedData built around an external signer: checked by openssl and by billing."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from fse_support import make_ca, make_leaf, make_pki

from billing.cms import CmsError, build_signed_data, verify_signed_data
from billing.signing import SoftwareSigner

CONTENT = '{"format":"SESAM-LOT","n":1,"texte":"Égalité"}'.encode()


def openssl_verify(der: bytes, ca_pem: bytes, tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    lot = tmp_path / "lot.p7m"
    ca = tmp_path / "ca.pem"
    lot.write_bytes(der)
    ca.write_bytes(ca_pem)
    return subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-in",
            str(lot),
            "-CAfile",
            str(ca),
            "-purpose",
            "any",
        ],
        capture_output=True,
        check=False,
    )


def test_openssl_accepts_the_signed_data_and_prints_the_exact_content(tmp_path: Path) -> None:
    pki = make_pki()
    der = build_signed_data(CONTENT, pki.signer, datetime.now(UTC))
    result = openssl_verify(der, pki.ca_pem, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == CONTENT
    assert b"Verification successful" in result.stderr


def test_billing_verifier_returns_content_signer_and_signing_time() -> None:
    pki = make_pki("DR RENAUD CLAIRE")
    at = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    # The throw-away certificate is valid from yesterday: sign "now" for the chain check.
    at = datetime.now(UTC).replace(microsecond=0)
    verified = verify_signed_data(build_signed_data(CONTENT, pki.signer, at), pki.ca_der)
    assert verified.content == CONTENT
    assert verified.signing_time == at
    assert "DR RENAUD CLAIRE" in verified.signer_subject
    assert verified.signer_certificate_der == pki.signer.certificate_der()


def test_one_flipped_content_byte_is_rejected_by_openssl_and_billing(tmp_path: Path) -> None:
    pki = make_pki()
    der = bytearray(build_signed_data(CONTENT, pki.signer, datetime.now(UTC)))
    der[der.index(CONTENT) + 5] ^= 0x01
    assert openssl_verify(bytes(der), pki.ca_pem, tmp_path).returncode != 0
    with pytest.raises(CmsError, match="empreinte du contenu"):
        verify_signed_data(bytes(der), pki.ca_der)


def test_a_flipped_signature_byte_is_rejected() -> None:
    pki = make_pki()
    der = bytearray(build_signed_data(CONTENT, pki.signer, datetime.now(UTC)))
    der[-10] ^= 0x01  # the signature is the last field of the structure
    with pytest.raises(CmsError, match="signature RSA"):
        verify_signed_data(bytes(der), pki.ca_der)


def test_a_certificate_from_another_ca_is_rejected(tmp_path: Path) -> None:
    pki, other = make_pki(), make_pki()
    der = build_signed_data(CONTENT, pki.signer, datetime.now(UTC))
    assert openssl_verify(der, other.ca_pem, tmp_path).returncode != 0
    with pytest.raises(CmsError, match="autorité"):
        verify_signed_data(der, other.ca_der)


def test_signing_outside_the_certificate_validity_is_rejected() -> None:
    ca_key, ca = make_ca()
    now = datetime.now(UTC)
    key, leaf = make_leaf(
        ca_key, ca, not_before=now - timedelta(days=30), not_after=now - timedelta(days=1)
    )
    signer = SoftwareSigner(key, leaf.public_bytes(serialization.Encoding.DER))
    der = build_signed_data(CONTENT, signer, now)
    with pytest.raises(CmsError, match="validité"):
        verify_signed_data(der, ca.public_bytes(serialization.Encoding.DER))


def test_garbage_is_a_cms_error_not_a_crash() -> None:
    pki = make_pki()
    for data in (b"", b"\x30\x03\x02\x01\x01", b"not der at all"):
        with pytest.raises(CmsError):
            verify_signed_data(data, pki.ca_der)
