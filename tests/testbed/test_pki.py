from __future__ import annotations

import datetime as dt
import multiprocessing
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from testbed import pki
from testbed.cards.profiles import cps_profiles


def test_directory_and_private_files_are_private(testbed_dir: Path) -> None:
    paths = pki.ensure_pki()
    assert paths.root.is_relative_to(testbed_dir)
    assert stat.S_IMODE(testbed_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(paths.root.stat().st_mode) == 0o700
    for private in (paths.ca_key, paths.mother_key, paths.card_key("cps-generaliste")):
        assert stat.S_IMODE(private.stat().st_mode) == 0o600


def test_ca_is_the_testbed_health_ca() -> None:
    ca = pki.ca_certificate()
    cn = ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert cn == "AC Testbed Santé"
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_every_signing_card_has_an_rsa2048_certificate_chained_to_the_ca() -> None:
    ca = pki.ca_certificate()
    for name, profile in cps_profiles().items():
        if not profile.has_signing_key:
            with pytest.raises(FileNotFoundError):
                pki.card_certificate(name)
            continue
        cert = pki.card_certificate(name)
        cert.verify_directly_issued_by(ca)
        key = cert.public_key()
        assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
        assert key.public_numbers() == pki.card_private_key(name).public_key().public_numbers()
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        assert usage.digital_signature and usage.content_commitment
        subject = cert.subject
        cn = subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        assert profile.holder.nom in str(cn)
        serial = subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value
        assert serial == profile.holder.national_id


def test_crl_revokes_exactly_the_revoked_card() -> None:
    crl = pki.crl()
    assert crl.is_signature_valid(pki.ca_certificate().public_key())  # type: ignore[arg-type]
    revoked = pki.card_certificate("cps-revoquee").serial_number
    assert crl.get_revoked_certificate_by_serial_number(revoked) is not None
    good = pki.card_certificate("cps-generaliste").serial_number
    assert crl.get_revoked_certificate_by_serial_number(good) is None
    assert len(list(crl)) == 1


def test_expired_card_certificate_is_expired() -> None:
    now = dt.datetime.now(dt.UTC)
    assert pki.card_certificate("cps-expiree-cert").not_valid_after_utc < now
    assert pki.card_certificate("cps-generaliste").not_valid_after_utc > now + dt.timedelta(
        days=3 * 365
    )


def test_tls_server_and_client_certificates() -> None:
    paths = pki.ensure_pki()
    ca = pki.ca_certificate()
    server = x509.load_pem_x509_certificate(paths.server_cert.read_bytes())
    server.verify_directly_issued_by(ca)
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    eku = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in eku
    client = x509.load_pem_x509_certificate(paths.client_cert.read_bytes())
    client.verify_directly_issued_by(ca)
    eku = client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in eku


def test_other_ca_is_unrelated() -> None:
    other = pki.other_ca_certificate()
    assert other.subject != pki.ca_certificate().subject
    with pytest.raises((InvalidSignature, ValueError)):
        pki.card_certificate("cps-generaliste").verify_directly_issued_by(other)


def _generate(base: str) -> str:
    return pki.ca_certificate(Path(base)).fingerprint(pki.hashes.SHA256()).hex()


def test_two_processes_generating_at_once_share_one_pki(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        fingerprints = pool.map(_generate, [str(tmp_path)] * 2)
    assert fingerprints[0] == fingerprints[1]
    assert _generate(str(tmp_path)) == fingerprints[0]  # reused, not regenerated
