"""The test PKI, generated once in the testbed state directory and reused by every process.

It holds: the CA of emulated cards "AC Testbed Santé" and its CRL; one RSA-2048 key and
certificate per CPx profile with a signing key (the emulated card's secret storage: card
keys live here, never in ``cardio``); a TLS server certificate for localhost and a TLS client
certificate for the practitioner's machine (mutual TLS with the simulated Assurance Maladie);
a second, unrelated CA for negative tests; and the Vitale mother key. A file lock makes
concurrent first runs safe.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import ipaddress
import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from testbed.cards.profiles import CpsProfile, cps_profiles
from testbed.state import testbed_dir
from testbed.vitale_keys import MOTHER_KEY_LENGTH

logger = logging.getLogger(__name__)

CA_NAME = "AC Testbed Santé"
OTHER_CA_NAME = "AC Inconnue de Test"
ORGANIZATION = "Testbed SESAM"
_DAY = dt.timedelta(days=1)
#: Lifetime of the certificates generated for a fresh testbed directory.
_VALIDITY = dt.timedelta(days=365 * 10)
#: Start of validity of every certificate that is not meant to be expired. The PKI is made
#: on the day the tests run, but tests sign at dates they choose (a Christmas week, a New
#: Year, a tariff change): from this fixed past date on, a test clock set in the past stays
#: within validity whatever the day the suite runs, and a clock set up to ten years ahead too.
VALID_FROM = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class PkiPaths:
    """Where the test PKI lives on disk (PEM files; the mother key is 16 raw bytes)."""

    root: Path
    ca_cert: Path
    ca_key: Path
    crl: Path
    crl_der: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca_cert: Path
    other_ca_key: Path
    mother_key: Path
    cards: Path

    @classmethod
    def under(cls, base: Path) -> PkiPaths:
        root = base / "pki"
        return cls(
            root=root,
            ca_cert=root / "ca.cert.pem",
            ca_key=root / "ca.key.pem",
            crl=root / "ca.crl.pem",
            crl_der=root / "ca.crl",
            server_cert=root / "server.cert.pem",
            server_key=root / "server.key.pem",
            client_cert=root / "client.cert.pem",
            client_key=root / "client.key.pem",
            other_ca_cert=root / "other-ca.cert.pem",
            other_ca_key=root / "other-ca.key.pem",
            mother_key=root / "vitale-mother.key",
            cards=root / "cards",
        )

    def card_cert(self, profile: str) -> Path:
        """The certificate of the CPx profile's signing key."""
        return self.cards / f"{profile}.cert.pem"

    def card_key(self, profile: str) -> Path:
        """The private key of the CPx profile (emulated card secret storage)."""
        return self.cards / f"{profile}.key.pem"

    def card_auth_cert(self, profile: str) -> Path:
        """The certificate of the CPx profile's authentication key (CPS_PRIV_AUT)."""
        return self.cards / f"{profile}.auth.cert.pem"

    def card_auth_key(self, profile: str) -> Path:
        """The authentication private key of the CPx profile (emulated card storage)."""
        return self.cards / f"{profile}.auth.key.pem"


# --- small file helpers ---------------------------------------------------------------


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    tmp.replace(path)


def _write_public(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _save_key(path: Path, key: rsa.RSAPrivateKey) -> None:
    _write_private(
        path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def _load_key(path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError(f"{path} does not hold an RSA key")
    return key


def _load_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _save_cert(path: Path, cert: x509.Certificate) -> None:
    _write_public(path, cert.public_bytes(serialization.Encoding.PEM))


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn: str, **extra: str) -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
    ]
    oids = {
        "ou": NameOID.ORGANIZATIONAL_UNIT_NAME,
        "serial": NameOID.SERIAL_NUMBER,
        "given": NameOID.GIVEN_NAME,
        "surname": NameOID.SURNAME,
        "title": NameOID.TITLE,
    }
    attrs += [x509.NameAttribute(oids[k], v) for k, v in extra.items()]
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def _ca_cert(key: rsa.RSAPrivateKey, cn: str, now: dt.datetime) -> x509.Certificate:
    name = _name(cn)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(VALID_FROM)
        .not_valid_after(now + _VALIDITY * 2)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _leaf(
    ca_key: rsa.RSAPrivateKey,
    ca: x509.Certificate,
    key: rsa.RSAPrivateKey,
    subject: x509.Name,
    *,
    not_before: dt.datetime,
    not_after: dt.datetime,
    usage: str,
    san: list[x509.GeneralName] | None = None,
) -> x509.Certificate:
    signing = usage == "signature"
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=signing,
                key_encipherment=not signing,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    if usage == "server":
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    elif usage == "client":
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


# --- generation -----------------------------------------------------------------------


@contextmanager
def _locked(paths: PkiPaths) -> Iterator[None]:
    paths.root.mkdir(parents=True, exist_ok=True, mode=0o700)
    paths.root.chmod(0o700)
    with open(paths.root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _card_subject(profile: CpsProfile) -> x509.Name:
    holder = profile.holder
    return _name(
        f"{holder.prenom.title()} {holder.nom}",
        ou=f"CPS {profile.serial}",
        serial=holder.national_id,
        given=holder.prenom,
        surname=holder.nom,
    )


def _ensure_card(
    paths: PkiPaths, profile: CpsProfile, ca_key: rsa.RSAPrivateKey, ca: x509.Certificate
) -> bool:
    """Create the profile's keys and certificates when missing; True when the signing
    certificate was created (the CRL lists signing certificates only)."""
    if not profile.has_signing_key:
        return False
    if not paths.card_auth_cert(profile.name).exists():
        _ensure_auth_key(paths, profile, ca_key, ca)
    if paths.card_cert(profile.name).exists():
        return False
    now = dt.datetime.now(dt.UTC)
    if profile.certificate == "expired":
        not_before, not_after = now - 3 * 365 * _DAY, now - 30 * _DAY
    else:
        not_before, not_after = VALID_FROM, now + _VALIDITY
    key = _new_key()
    cert = _leaf(
        ca_key,
        ca,
        key,
        _card_subject(profile),
        not_before=not_before,
        not_after=not_after,
        usage="signature",
    )
    _save_key(paths.card_key(profile.name), key)
    _save_cert(paths.card_cert(profile.name), cert)
    logger.info("test PKI: key and certificate created for card profile %s", profile.name)
    return True


def _ensure_auth_key(
    paths: PkiPaths, profile: CpsProfile, ca_key: rsa.RSAPrivateKey, ca: x509.Certificate
) -> None:
    """The second key pair of a CPS3 (CPS_PRIV_AUT: authentication), same holder."""
    now = dt.datetime.now(dt.UTC)
    key = _new_key()
    cert = _leaf(
        ca_key,
        ca,
        key,
        _card_subject(profile),
        # From the same fixed past day as the signing certificate: a test whose clock is
        # set back must not find the card's second certificate not yet valid.
        not_before=VALID_FROM,
        not_after=now + _VALIDITY,
        usage="authentication",
    )
    _save_key(paths.card_auth_key(profile.name), key)
    _save_cert(paths.card_auth_cert(profile.name), cert)


def _write_crl(paths: PkiPaths, ca_key: rsa.RSAPrivateKey, ca: x509.Certificate) -> None:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.subject)
        .last_update(now - _DAY)
        .next_update(now + _VALIDITY)
    )
    for profile in cps_profiles().values():
        if profile.certificate != "revoked":
            continue
        cert = _load_cert(paths.card_cert(profile.name))
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(now - _DAY)
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
            .build()
        )
    crl = builder.sign(ca_key, hashes.SHA256())
    _write_public(paths.crl, crl.public_bytes(serialization.Encoding.PEM))
    _write_public(paths.crl_der, crl.public_bytes(serialization.Encoding.DER))


def _generate_base(paths: PkiPaths) -> None:
    now = dt.datetime.now(dt.UTC)
    paths.cards.mkdir(exist_ok=True, mode=0o700)
    if not paths.mother_key.exists():
        _write_private(paths.mother_key, secrets.token_bytes(MOTHER_KEY_LENGTH))
    if not paths.ca_cert.exists():
        ca_key = _new_key()
        _save_key(paths.ca_key, ca_key)
        _save_cert(paths.ca_cert, _ca_cert(ca_key, CA_NAME, now))
        logger.info("test PKI: CA created in %s", paths.root)
    if not paths.other_ca_cert.exists():
        other_key = _new_key()
        _save_key(paths.other_ca_key, other_key)
        _save_cert(paths.other_ca_cert, _ca_cert(other_key, OTHER_CA_NAME, now))
    ca_key, ca = _load_key(paths.ca_key), _load_cert(paths.ca_cert)
    if not paths.server_cert.exists():
        key = _new_key()
        cert = _leaf(
            ca_key,
            ca,
            key,
            _name("localhost", ou="Assurance Maladie simulée"),
            not_before=VALID_FROM,
            not_after=now + _VALIDITY,
            usage="server",
            san=[
                x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            ],
        )
        _save_key(paths.server_key, key)
        _save_cert(paths.server_cert, cert)
    if not paths.client_cert.exists():
        key = _new_key()
        cert = _leaf(
            ca_key,
            ca,
            key,
            _name("Poste praticien testbed", ou="Logiciel de facturation"),
            not_before=VALID_FROM,
            not_after=now + _VALIDITY,
            usage="client",
        )
        _save_key(paths.client_key, key)
        _save_cert(paths.client_cert, cert)


def ensure_pki(base: Path | None = None) -> PkiPaths:
    """Create whatever part of the test PKI is missing (once), and return its paths."""
    paths = PkiPaths.under(base or testbed_dir())
    profiles = cps_profiles()
    complete = (
        paths.crl.exists()
        and paths.client_cert.exists()
        and paths.mother_key.exists()
        and all(
            paths.card_cert(p.name).exists() and paths.card_auth_cert(p.name).exists()
            for p in profiles.values()
            if p.has_signing_key
        )
    )
    if complete:
        return paths
    with _locked(paths):
        _generate_base(paths)
        ca_key, ca = _load_key(paths.ca_key), _load_cert(paths.ca_cert)
        created = [_ensure_card(paths, p, ca_key, ca) for p in profiles.values()]
        if any(created) or not paths.crl.exists():
            _write_crl(paths, ca_key, ca)
    return paths


# --- loaded objects -------------------------------------------------------------------


def ca_certificate(base: Path | None = None) -> x509.Certificate:
    """The certificate of "AC Testbed Santé"."""
    return _load_cert(ensure_pki(base).ca_cert)


def ca_private_key(base: Path | None = None) -> rsa.RSAPrivateKey:
    """The CA key (for the simulated Assurance Maladie's tests issuing extra certificates)."""
    return _load_key(ensure_pki(base).ca_key)


def other_ca_certificate(base: Path | None = None) -> x509.Certificate:
    """A CA nobody trusts, for negative tests."""
    return _load_cert(ensure_pki(base).other_ca_cert)


def other_ca_private_key(base: Path | None = None) -> rsa.RSAPrivateKey:
    return _load_key(ensure_pki(base).other_ca_key)


def crl(base: Path | None = None) -> x509.CertificateRevocationList:
    """The CA's CRL (revokes the ``cps-revoquee`` card certificate)."""
    return x509.load_pem_x509_crl(ensure_pki(base).crl.read_bytes())


def card_certificate(profile: str, base: Path | None = None) -> x509.Certificate:
    """The signing certificate of CPx profile ``profile`` (CPS_PRIV_SIG)."""
    path = ensure_pki(base).card_cert(profile)
    if not path.exists():
        raise FileNotFoundError(f"card profile {profile!r} has no signing certificate")
    return _load_cert(path)


def card_private_key(profile: str, base: Path | None = None) -> rsa.RSAPrivateKey:
    """The private key inside the emulated CPx card (testbed use only)."""
    path = ensure_pki(base).card_key(profile)
    if not path.exists():
        raise FileNotFoundError(f"card profile {profile!r} has no signing key")
    return _load_key(path)


def card_auth_certificate(profile: str, base: Path | None = None) -> x509.Certificate:
    """The authentication certificate of CPx profile ``profile`` (CPS_PRIV_AUT)."""
    path = ensure_pki(base).card_auth_cert(profile)
    if not path.exists():
        raise FileNotFoundError(f"card profile {profile!r} has no authentication certificate")
    return _load_cert(path)


def card_auth_private_key(profile: str, base: Path | None = None) -> rsa.RSAPrivateKey:
    """The authentication private key inside the emulated CPx card (testbed use only)."""
    path = ensure_pki(base).card_auth_key(profile)
    if not path.exists():
        raise FileNotFoundError(f"card profile {profile!r} has no authentication key")
    return _load_key(path)


def vitale_mother_key(base: Path | None = None) -> bytes:
    """The Vitale mother key of the simulated Assurance Maladie (16 bytes)."""
    return ensure_pki(base).mother_key.read_bytes()
