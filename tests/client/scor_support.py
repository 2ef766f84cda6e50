"""Helpers for the SCOR and documents tests: a CPS-like signer under a test CA, dégradé FSE
stored in a real store with their invoice lot closed and signed, SANE test-backend scans."""

from __future__ import annotations

import subprocess
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from billing.fse import (
    Amounts,
    Beneficiary,
    FseAct,
    FseBody,
    Mentions,
    Organism,
    PractitionerSituation,
    SecuringMode,
    TiersPayant,
    secure,
)
from billing.lot import LotRules, lot_content, sign_lot
from billing.signing import SoftwareSigner
from client.store import Store

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
RULES = LotRules()
TP_AMO = TiersPayant(amo=True, amc=False)
NO_MENTION = Mentions()


@dataclass(frozen=True)
class Pki:
    ca_der: bytes
    signer: SoftwareSigner


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_pki() -> Pki:
    now = datetime.now(UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("AC test SCOR"))
        .issuer_name(_name("AC test SCOR"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("DR RENAUD CLAIRE"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    der = serialization.Encoding.DER
    return Pki(ca.public_bytes(der), SoftwareSigner(key, leaf.public_bytes(der)))


def degrade_body(
    number: int,
    *,
    care: date = date(2026, 11, 9),
    tiers_payant: TiersPayant = TP_AMO,
    mode: SecuringMode = SecuringMode.DEGRADE,
    mentions: Mentions = NO_MENTION,
) -> FseBody:
    acts = (
        FseAct(
            date=care,
            code="G",
            quantity=1,
            coefficient=Decimal(1),
            fee=Decimal("30.00"),
            base=Decimal("30.00"),
            amo_rate=Decimal(70),
            amo=Decimal("21.00"),
        ),
        FseAct(
            date=care,
            code="MEG",
            quantity=1,
            coefficient=Decimal(1),
            fee=Decimal("5.00"),
            base=Decimal("5.00"),
            amo_rate=Decimal(70),
            amo=Decimal("3.50"),
        ),
    )
    return FseBody(
        fse_id=str(uuid.uuid4()),
        number=number,
        created_at=datetime(care.year, care.month, care.day, 9, 30, tzinfo=UTC),
        care_date=care,
        practitioner=PRACTITIONER,
        beneficiary=Beneficiary(
            assure_nir="1800575112045",
            assure_nir_key="89",
            beneficiary_nir="1800575112045",
            beneficiary_nir_key="89",
            birth_date="19800512",
            rang="1",
            qualite="00",
        ),
        organism=CPAM_PARIS,
        mode=mode,
        acts=acts,
        amounts=Amounts(
            total_fees=Decimal("35.00"),
            amo=Decimal("22.50"),
            participation_forfaitaire=Decimal("2.00"),
            amc=Decimal("10.50"),
            patient_remainder=Decimal("2.00"),
        ),
        tiers_payant=tiers_payant,
        mentions=mentions,
        vitale_serial="",
        degrade_reason="carte Vitale absente" if mode is SecuringMode.DEGRADE else "",
    )


def store_fse(store: Store, body_number: int | None = None, **kwargs: object) -> int:
    """Secure and store a dégradé FSE; returns its number."""
    with store.write():
        draft = degrade_body(0, **kwargs)  # type: ignore[arg-type]
        store.upsert_practitioner(PRACTITIONER, draft.created_at)  # counters refer to it
        number = store.next_fse_number(PRACTITIONER.practitioner_id)
        body = degrade_body(number, **kwargs)  # type: ignore[arg-type]
        fse = secure(body, None)
        store.insert_fse(fse, patient_names=("LEFÈVRE", "Zoé"), now=body.created_at, rules=RULES)
    return number


def close_lot_of(store: Store, fse_number: int, signer: SoftwareSigner, now: datetime) -> str:
    """Close and sign the invoice lot holding this FSE; returns the lot id."""
    row = store.fse_by_number(fse_number)
    assert row.lot_id is not None
    lot = store.lot_by_id(row.lot_id)
    with store.write():
        fses = [r.fse() for r in store.fse_list(lot_id=lot.id)]
        content = lot_content(
            lot_id=lot.id,
            number=lot.number,
            created_at=lot.created_at,
            closed_at=now,
            fses=fses,
        )
        import hashlib

        store.close_lot(
            lot.id,
            now=now,
            content_sha256=hashlib.sha256(content).hexdigest(),
            signed_der=sign_lot(content, signer, now),
        )
    return lot.id


def sane_scan(
    tmp: Path, picture: str = "Grid", resolution: int = 200, name: str = "scan.png"
) -> Path:
    """One page from the SANE test backend (device test:0)."""
    out = tmp / name
    subprocess.run(
        [
            "scanimage",
            "--device-name",
            "test:0",
            "--format=png",
            "--mode",
            "Gray",
            "--resolution",
            str(resolution),
            "--test-picture",
            picture,
            "-x",
            "200",
            "-y",
            "200",
            "-o",
            str(out),
        ],
        check=True,
        timeout=60,
    )
    return out


def pdftotext(pdf: bytes, tmp: Path) -> str:
    path = tmp / f"doc-{uuid.uuid4().hex}.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def qpdf_check(pdf: bytes, tmp: Path) -> str:
    path = tmp / f"check-{uuid.uuid4().hex}.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["qpdf", "--check", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
