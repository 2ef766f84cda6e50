"""A SoftHSM2 token standing for a CPS: made with ``softhsm2-util`` in a temp directory
(``SOFTHSM2_CONF`` points at it), the testbed card's key and certificates imported."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass

from cardio import layout

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN_LABEL = "CPS-TEST"  # noqa: S105 - the label of a token, no secret
USER_PIN = "1234"
SO_PIN = "12345678"


@dataclass(frozen=True)
class SoftToken:
    module: str
    label: str
    conf: Path


def available() -> bool:
    return shutil.which("softhsm2-util") is not None and Path(SOFTHSM_MODULE).exists()


def write_conf(directory: Path) -> Path:
    """A SoftHSM2 configuration keeping its tokens under ``directory``; point
    ``SOFTHSM2_CONF`` at it before the module is first loaded in the process."""
    tokens = directory / "tokens"
    tokens.mkdir(parents=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n")
    return conf


def make_token(
    conf: Path,
    key: rsa.RSAPrivateKey,
    certificate: x509.Certificate,
    env: dict[str, str],
) -> SoftToken:
    """Initialise a token with ``conf`` and import ``key`` (sensitive, not extractable,
    id and label of CPS_PRIV_SIG) with its certificate and public key beside it."""
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", TOKEN_LABEL,
         "--pin", USER_PIN, "--so-pin", SO_PIN],
        check=True, capture_output=True, env=env,
    )  # fmt: skip
    key_id = layout.CPS_KEY_SIG_ID
    numbers = key.private_numbers()
    public = numbers.public_numbers

    def big(value: int) -> bytes:
        return value.to_bytes((value.bit_length() + 7) // 8, "big")

    lib = pkcs11.lib(SOFTHSM_MODULE)
    token = lib.get_token(token_label=TOKEN_LABEL)
    with token.open(rw=True, user_pin=USER_PIN) as session:
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                Attribute.KEY_TYPE: KeyType.RSA,
                Attribute.TOKEN: True,
                Attribute.PRIVATE: True,
                Attribute.SENSITIVE: True,
                Attribute.EXTRACTABLE: False,
                Attribute.SIGN: True,
                Attribute.ID: key_id,
                Attribute.LABEL: layout.CPS_KEY_SIG_LABEL,
                Attribute.MODULUS: big(public.n),
                Attribute.PUBLIC_EXPONENT: big(public.e),
                Attribute.PRIVATE_EXPONENT: big(numbers.d),
                Attribute.PRIME_1: big(numbers.p),
                Attribute.PRIME_2: big(numbers.q),
                Attribute.EXPONENT_1: big(numbers.dmp1),
                Attribute.EXPONENT_2: big(numbers.dmq1),
                Attribute.COEFFICIENT: big(numbers.iqmp),
            }
        )
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.PUBLIC_KEY,
                Attribute.KEY_TYPE: KeyType.RSA,
                Attribute.TOKEN: True,
                Attribute.VERIFY: True,
                Attribute.ID: key_id,
                Attribute.LABEL: layout.CPS_KEY_SIG_LABEL,
                Attribute.MODULUS: big(public.n),
                Attribute.PUBLIC_EXPONENT: big(public.e),
            }
        )
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.ID: key_id,
                Attribute.LABEL: "CPS_SIG_CERT",
                Attribute.SUBJECT: certificate.subject.public_bytes(),
                Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
            }
        )
    return SoftToken(SOFTHSM_MODULE, TOKEN_LABEL, conf)


_CHILD_SCRIPT = """
import os, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import softhsm
from testbed import pki
softhsm.make_token(Path(os.environ["SOFTHSM2_CONF"]), pki.card_private_key(sys.argv[2]),
                   pki.card_certificate(sys.argv[2]), dict(os.environ))
"""


def make_token_in_child(directory: Path, profile: str, env: dict[str, str]) -> Path:
    """A token under ``directory`` holding ``profile``'s key and certificate, made in a
    child process (SoftHSM2 reads ``SOFTHSM2_CONF`` once per process, and this one may
    already have loaded it for another directory). Returns the configuration to use."""
    conf = write_conf(directory)
    refill_token(conf, profile, env)
    return conf


def refill_token(conf: Path, profile: str, env: dict[str, str]) -> None:
    """Make the token again (in a child) under an existing configuration: the token
    "comes back" after :func:`pull_token` (a new serial, as another initialisation)."""
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, "-c", _CHILD_SCRIPT, str(Path(__file__).parent), profile],
        env={**env, "SOFTHSM2_CONF": str(conf), "PYTHONPATH": str(root)},
        cwd=root, check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def pull_token(conf: Path) -> None:
    """The token "leaves": its directory deleted, as SoftHSM2 holds nothing else of it
    (the module then answers ``CKR_GENERAL_ERROR`` for that slot)."""
    tokens = Path(conf).parent / "tokens"
    for path in tokens.iterdir():
        shutil.rmtree(path)
