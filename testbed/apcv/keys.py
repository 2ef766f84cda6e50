"""The ApCV service's signing key: ECDSA P-256, certified by the testbed CA (kept with the
testbed PKI, made once). The simulated Assurance Maladie checks FSE signatures with its
certificate; a signature by any other key is a foreign one."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from testbed.pki import VALID_FROM, ca_certificate, ca_private_key, ensure_pki

#: The subject's common name the Assurance Maladie expects of the ApCV service.
SERVICE_CN = "Service ApCV Testbed"


@dataclass(frozen=True, slots=True)
class ApcvKey:
    """The private key and its certificate."""

    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate


def _paths(base: Path | None) -> tuple[Path, Path]:
    root = ensure_pki(base).root
    return root / "apcv.key.pem", root / "apcv.cert.pem"


def _make(key_path: Path, cert_path: Path, base: Path | None) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    ca = ca_certificate(base)
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "GIE SESAM-Vitale (simulé)"),
                    x509.NameAttribute(NameOID.COMMON_NAME, SERVICE_CN),
                ]
            )
        )
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(VALID_FROM)
        .not_valid_after(VALID_FROM + dt.timedelta(days=365 * 40))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_private_key(base), hashes.SHA256())
    )
    tmp = key_path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    tmp.replace(key_path)
    cert_tmp = cert_path.with_suffix(".tmp")
    cert_tmp.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    cert_tmp.replace(cert_path)


def apcv_key(base: Path | None = None) -> ApcvKey:
    """The service's key and certificate, made on first use (under a lock: the server and
    ``sesam-testbed apcv show`` may start together)."""
    key_path, cert_path = _paths(base)
    if not cert_path.exists():
        with open(key_path.parent / ".apcv.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not cert_path.exists():
                _make(key_path, cert_path, base)
    private = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(private, ec.EllipticCurvePrivateKey):
        raise TypeError(f"{key_path}: clé ECDSA attendue")
    return ApcvKey(private, x509.load_pem_x509_certificate(cert_path.read_bytes()))


def apcv_certificate(base: Path | None = None) -> x509.Certificate:
    """The certificate the Assurance Maladie checks ApCV signatures with."""
    return apcv_key(base).certificate
