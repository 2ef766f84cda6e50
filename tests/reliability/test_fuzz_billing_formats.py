"""Bad files from outside: ARL, NOEMIE returns, canonical JSON and FSE documents are parsed
or refused with a ``BillingError``, never another exception, never a hang."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from fuzz_support import fuzz_settings, must_parse_or_raise, mutated, mutated_json
from hypothesis import example, given
from hypothesis import strategies as st

from billing.arl import Arl, ArlStatus, build_arl, motif, parse_arl
from billing.canonical import canonical_bytes, parse_canonical
from billing.errors import BillingError
from billing.fse import SecuringMode, fse_from_document
from billing.noemie import (
    InvoiceOutcome,
    NoemieAct,
    NoemieFile,
    NoemieInvoice,
    NoemiePatient,
    NoemiePayment,
    NoemieRejects,
    build_noemie,
    parse_noemie,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "billing"))
from fse_support import secured

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)

ARL_SEEDS = [
    build_arl(Arl("ARL-1", "lot-0001", ArlStatus.POSITIVE, NOW, 3)),
    build_arl(
        Arl(
            "ARL-2",
            "lot-0002",
            ArlStatus.NEGATIVE,
            NOW,
            2,
            (motif("A01"), motif("A05", "a3f2c1d0-0000-4000-8000-000000000001")),
        )
    ),
]


def _invoice(n: int, outcome: InvoiceOutcome) -> NoemieInvoice:
    paid = outcome is InvoiceOutcome.PAID
    return NoemieInvoice(
        fse_id=f"a3f2c1d0-0000-4000-8000-00000000000{n}",
        lot_id="lot-0001",
        care_date=date(2026, 11, 20),
        outcome=outcome,
        paid_amo=Decimal("21.00") if paid else Decimal("0.00"),
        paid_amc=Decimal("9.00") if paid else Decimal("0.00"),
        motif_code=None if paid else "R01",
        motif_label="" if paid else "Droits du bénéficiaire fermés à la date des soins",
        patient=NoemiePatient("120580", 1, "DURAND", "PIERRE"),
        acts=(
            NoemieAct(1, date(2026, 11, 20), "G", 1, Decimal("1.00"), Decimal("21.00")),
            NoemieAct(2, date(2026, 11, 20), "MCG", 1, Decimal("1.00"), Decimal("-2.00")),
        ),
    )


NOEMIE_SEED = build_noemie(
    NoemieFile(
        emitter="CPAM751",
        receiver="PS751234",
        file_number=42,
        created_on=date(2026, 11, 25),
        payments=(
            NoemiePayment(
                "VIR2026112500001",
                date(2026, 11, 25),
                (_invoice(1, InvoiceOutcome.PAID), _invoice(2, InvoiceOutcome.PAID)),
            ),
        ),
        rejects=(NoemieRejects(date(2026, 11, 24), (_invoice(3, InvoiceOutcome.REJECTED),)),),
    )
)

FSE_SEEDS = [
    secured(1).to_document(),
    secured(2, SecuringMode.DEGRADE).to_document(),
    secured(3, SecuringMode.SANS_VITALE).to_document(),
]


def test_the_seeds_are_valid() -> None:
    """Mutations start from files the parsers accept."""
    assert all(parse_arl(seed) for seed in ARL_SEEDS)
    assert len(list(parse_noemie(NOEMIE_SEED).invoices())) == 3
    assert all(fse_from_document(doc).number for doc in FSE_SEEDS)


# --- ARL ------------------------------------------------------------------------------------


@fuzz_settings(long_weight=0.15)
@given(raw=st.one_of(st.binary(max_size=400), st.sampled_from(ARL_SEEDS).flatmap(mutated)))
@example(raw=b"[" * 100_000)
@example(raw=b'{"nb_fse":' + b"9" * 5000 + b"}")
def test_arl_parse(fuzz_count, raw: bytes) -> None:
    fuzz_count("billing.arl.parse_arl")
    must_parse_or_raise(lambda: parse_arl(raw), BillingError)


@fuzz_settings(long_weight=0.1)
@given(doc=st.sampled_from(ARL_SEEDS).map(json.loads).flatmap(mutated_json))
def test_arl_parse_of_mutated_documents(fuzz_count, doc) -> None:
    fuzz_count("billing.arl.parse_arl")
    raw = json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")
    must_parse_or_raise(lambda: parse_arl(raw), BillingError)


# --- NOEMIE -----------------------------------------------------------------------------------


@fuzz_settings(long_weight=0.15)
@given(raw=st.one_of(mutated(NOEMIE_SEED, max_ops=6), st.binary(max_size=400)))
@example(raw=b"")
@example(raw=NOEMIE_SEED[:128])
def test_noemie_parse(fuzz_count, raw: bytes) -> None:
    fuzz_count("billing.noemie.parse_noemie")
    must_parse_or_raise(lambda: parse_noemie(raw), BillingError)


@fuzz_settings(long_weight=0.2)
@given(
    data=st.data(),
    line=st.integers(0, NOEMIE_SEED.count(b"\n") - 1),
)
def test_noemie_with_one_field_replaced(fuzz_count, data, line: int) -> None:
    """A field of one record replaced by a same-width value: digits, letters, non-ASCII."""
    fuzz_count("billing.noemie.parse_noemie")
    lines = NOEMIE_SEED.split(b"\r\n")
    record = bytearray(lines[line])
    start = data.draw(st.integers(0, max(0, len(record) - 1)))
    width = data.draw(st.integers(1, 12))
    filler = data.draw(st.sampled_from((b"9", b"0", b" ", b"\xb2", b"A", b"@", b"-", b"\xe9")))
    record[start : start + width] = filler * len(record[start : start + width])
    lines[line] = bytes(record)
    must_parse_or_raise(lambda: parse_noemie(b"\r\n".join(lines)), BillingError)


# --- canonical JSON and FSE documents ---------------------------------------------------------


@fuzz_settings(long_weight=0.12)
@given(
    raw=st.one_of(
        st.binary(max_size=300),
        st.sampled_from(FSE_SEEDS).map(canonical_bytes).flatmap(mutated),
    )
)
@example(raw=b"[" * 100_000 + b"]" * 100_000)
@example(raw=b"[" * 900 + b"]" * 900)
@example(raw=b"9" * 5000)
@example(raw=b'"\\ud800"')
def test_parse_canonical(fuzz_count, raw: bytes) -> None:
    fuzz_count("billing.canonical.parse_canonical")
    value = must_parse_or_raise(lambda: parse_canonical(raw), BillingError)
    if value is not None:
        assert canonical_bytes(value) == raw


@fuzz_settings(long_weight=0.06)
@given(doc=st.sampled_from(FSE_SEEDS).flatmap(mutated_json))
def test_fse_from_mutated_document(fuzz_count, doc) -> None:
    fuzz_count("billing.fse.fse_from_document")
    must_parse_or_raise(lambda: fse_from_document(doc), BillingError)


@fuzz_settings(long_weight=0.01)
@given(
    doc=st.sampled_from(FSE_SEEDS),
    field=st.sampled_from(("coefficient", "amo_rate")),
    value=st.sampled_from(("sNaN", "NaN", "Infinity", "1e999999999", "-0", "1E+3", "x")),
)
def test_fse_with_odd_decimals(fuzz_count, doc, field: str, value: str) -> None:
    fuzz_count("billing.fse.fse_from_document")
    doc = json.loads(json.dumps(doc))
    doc["body"]["acts"][0][field] = value
    must_parse_or_raise(lambda: fse_from_document(doc), BillingError)
