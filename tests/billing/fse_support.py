"""Test helpers for the FSE/lot tests: a throw-away CA and a CPS-like signing certificate.

Kept separate from ``testbed.pki`` so that the pure billing tests need nothing but
``cryptography``; the end-to-end tests use the testbed's CA and cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from billing.signing import SoftwareSigner


@dataclass(frozen=True)
class TestPki:
    ca_der: bytes
    ca_pem: bytes
    signer: SoftwareSigner
    ca_key: rsa.RSAPrivateKey


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_ca(common_name: str = "AC de test FSE") -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_leaf(
    ca_key: rsa.RSAPrivateKey,
    ca: x509.Certificate,
    common_name: str = "DR MARTIN JEAN",
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=1))
        .not_valid_after(not_after or now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def make_pki(common_name: str = "DR MARTIN JEAN") -> TestPki:
    ca_key, ca = make_ca()
    key, leaf = make_leaf(ca_key, ca, common_name)
    return TestPki(
        ca_der=ca.public_bytes(serialization.Encoding.DER),
        ca_pem=ca.public_bytes(serialization.Encoding.PEM),
        signer=SoftwareSigner(key, leaf.public_bytes(serialization.Encoding.DER)),
        ca_key=ca_key,
    )


# --- sample FSE -------------------------------------------------------------------------

import uuid  # noqa: E402
from datetime import date  # noqa: E402
from decimal import Decimal  # noqa: E402

from billing.fse import (  # noqa: E402
    Amounts,
    Beneficiary,
    Fse,
    FseAct,
    FseBody,
    Organism,
    PractitionerSituation,
    SecuringMode,
    TiersPayant,
    secure,
)
from billing.signing import SoftwareCertifier  # noqa: E402

PRACTITIONER = PractitionerSituation(
    billing_number="75123456",
    billing_key="8",
    national_id="810100123456",
    last_name="RENAUD",
    first_name="CLAIRE",
    situation=1,
    specialty="01",
    sector="1",
    convention_code="1",
    price_zone="30",
    ik_zone="01",
)
CPAM_PARIS = Organism(regime="01", caisse="751", centre="7511", code_gestion="10")
MSA_CORSE = Organism(regime="02", caisse="201", centre="2010", code_gestion="10")
SERIAL = bytes.fromhex("5601020304050607")
CERTIFIER = SoftwareCertifier(serial=SERIAL)


def beneficiary(rang: str = "1", birth: str = "19800512", qualite: str = "00") -> Beneficiary:
    return Beneficiary(
        assure_nir="1800575112045",
        assure_nir_key="89",
        beneficiary_nir="1800575112045",
        beneficiary_nir_key="89",
        birth_date=birth,
        rang=rang,
        qualite=qualite,
    )


def act(code: str = "G", fee: str = "30.00", day: date = date(2026, 11, 20)) -> FseAct:
    fee_d = Decimal(fee)
    return FseAct(
        date=day,
        code=code,
        quantity=1,
        coefficient=Decimal(1),
        fee=fee_d,
        base=fee_d,
        amo_rate=Decimal(70),
        amo=(fee_d * Decimal("0.70")).quantize(Decimal("0.01")),
    )


def body(
    number: int,
    mode: SecuringMode = SecuringMode.VITALE,
    organism: Organism = CPAM_PARIS,
    who: Beneficiary | None = None,
    acts: tuple[FseAct, ...] | None = None,
) -> FseBody:
    acts = acts or (act(),)
    total = sum((a.fee for a in acts), Decimal("0.00"))
    amo = sum((a.amo for a in acts), Decimal("0.00"))
    return FseBody(
        fse_id=str(uuid.uuid4()),
        number=number,
        created_at=datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
        care_date=acts[0].date,
        practitioner=PRACTITIONER,
        beneficiary=who or beneficiary(),
        organism=organism,
        mode=mode,
        acts=acts,
        amounts=Amounts(
            total_fees=total,
            amo=amo - Decimal("2.00"),
            participation_forfaitaire=Decimal("2.00"),
            amc=total - amo,
            patient_remainder=Decimal("2.00"),
        ),
        tiers_payant=TiersPayant(amo=True, amc=True),
        vitale_serial=SERIAL.hex() if mode is SecuringMode.VITALE else "",
        degrade_reason="carte Vitale illisible" if mode is SecuringMode.DEGRADE else "",
    )


def secured(number: int, mode: SecuringMode = SecuringMode.VITALE, **kwargs: object) -> Fse:
    return secure(
        body(number, mode, **kwargs),  # type: ignore[arg-type]
        CERTIFIER if mode is SecuringMode.VITALE else None,
    )
