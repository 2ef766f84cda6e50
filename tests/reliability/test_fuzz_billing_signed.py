"""Signed lots from outside: damaged CMS DER, and lots or PJ lots whose content was damaged
*before* a valid CPS signed it, are refused with a ``BillingError`` and nothing else."""

from __future__ import annotations

import json
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

from fuzz_support import fuzz_settings, must_parse_or_raise, mutated, mutated_json
from hypothesis import example, given
from hypothesis import strategies as st

from billing.canonical import canonical_bytes
from billing.cms import build_signed_data, check_own_signature, verify_signed_data
from billing.errors import BillingError
from billing.fse import SecuringMode
from billing.lot import lot_content, sign_lot, verify_lot
from billing.pj_lot import Piece, content_format, pj_lot_document, sign_pj_lot, verify_pj_lot

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "billing"))
from fse_support import make_pki, secured

NOW = datetime.now(UTC).replace(microsecond=0)
PKI = make_pki()
LOT_CONTENT = lot_content(
    lot_id=str(uuid.uuid4()),
    number=1,
    created_at=NOW,
    closed_at=NOW,
    fses=[secured(1), secured(2)],
)
DEGRADE_LOT_CONTENT = lot_content(
    lot_id=str(uuid.uuid4()),
    number=2,
    created_at=NOW,
    closed_at=NOW,
    fses=[secured(3, SecuringMode.DEGRADE)],
)
LOT_DER = sign_lot(LOT_CONTENT, PKI.signer, NOW)
PJ_DOCUMENT = pj_lot_document(
    lot_id=str(uuid.uuid4()),
    number=1,
    practitioner_id="751234568",
    organism={"regime": "01", "caisse": "751", "centre": "7511", "code_gestion": "10"},
    created_at=NOW,
    pieces=[
        Piece(str(uuid.uuid4()), 3, "lot-1", b"%PDF-1.4\n% page 1\n%%EOF\n"),
        Piece(str(uuid.uuid4()), 4, "lot-1", b"%PDF-1.4\n% page 2\n%%EOF\n"),
    ],
)
PJ_DER = sign_pj_lot(PJ_DOCUMENT, PKI.signer, NOW)


def test_the_seeds_verify() -> None:
    assert len(verify_lot(LOT_DER, PKI.ca_der).fses) == 2
    assert len(verify_pj_lot(PJ_DER, PKI.ca_der).pieces) == 2


# --- CMS ------------------------------------------------------------------------------------


@fuzz_settings(long_weight=0.15)
@given(
    der=st.one_of(mutated(LOT_DER, max_ops=3), mutated(PJ_DER, max_ops=3), st.binary(max_size=300))
)
@example(der=b"")
@example(der=LOT_DER[:100])
def test_cms_verify_of_damaged_der(fuzz_count, der: bytes) -> None:
    fuzz_count("billing.cms.verify_signed_data")
    must_parse_or_raise(lambda: verify_signed_data(der, PKI.ca_der), BillingError)
    must_parse_or_raise(lambda: check_own_signature(der), BillingError)
    content_format(der)  # a router: None or a string, never an exception


# Found by the fuzzer: an X.509 version field of 3 makes cryptography raise InvalidVersion,
# which is not a ValueError.
_CA_V4 = PKI.ca_der.replace(bytes.fromhex("a003020102"), bytes.fromhex("a003020103"), 1)


@fuzz_settings(weight=0.3, long_weight=0.08)
@given(ca=mutated(PKI.ca_der, max_ops=2))
@example(ca=_CA_V4)
def test_cms_verify_against_a_damaged_ca_certificate(fuzz_count, ca: bytes) -> None:
    fuzz_count("billing.cms.verify_signed_data (damaged CA)")
    must_parse_or_raise(lambda: verify_signed_data(LOT_DER, ca), BillingError)


# --- lots signed by a valid CPS around damaged content --------------------------------------


@fuzz_settings(long_weight=0.025)
@given(
    doc=st.sampled_from((LOT_CONTENT, DEGRADE_LOT_CONTENT)).map(json.loads).flatmap(mutated_json)
)
def test_verify_lot_of_mutated_content(fuzz_count, doc) -> None:
    fuzz_count("billing.lot.verify_lot (content re-signed)")
    try:
        content = canonical_bytes(doc)
    except BillingError:  # not even representable: send it as plain JSON
        content = json.dumps(doc).encode()
    der = build_signed_data(content, PKI.signer, NOW)
    must_parse_or_raise(lambda: verify_lot(der, PKI.ca_der), BillingError)


@fuzz_settings(long_weight=0.04)
@given(content=st.sampled_from((LOT_CONTENT, DEGRADE_LOT_CONTENT)).flatmap(mutated))
def test_verify_lot_of_damaged_content_bytes(fuzz_count, content: bytes) -> None:
    fuzz_count("billing.lot.verify_lot (content re-signed)")
    der = build_signed_data(content, PKI.signer, NOW)
    must_parse_or_raise(lambda: verify_lot(der, PKI.ca_der), BillingError)


@fuzz_settings(long_weight=0.01)
@given(
    field=st.sampled_from(("created_at", "closed_at")),
    value=st.sampled_from(
        ("2026-13-45T10:00:00Z", "2026-02-30T25:61:61Z", "2026-11-20T10:00:00Z\n")
    ),
)
def test_verify_lot_with_impossible_stamps(fuzz_count, field: str, value: str) -> None:
    fuzz_count("billing.lot.verify_lot (content re-signed)")
    doc = json.loads(LOT_CONTENT)
    doc[field] = value
    der = build_signed_data(canonical_bytes(doc), PKI.signer, NOW)
    must_parse_or_raise(lambda: verify_lot(der, PKI.ca_der), BillingError)


@fuzz_settings(long_weight=0.04)
@given(doc=mutated_json(PJ_DOCUMENT))
def test_verify_pj_lot_of_mutated_content(fuzz_count, doc) -> None:
    fuzz_count("billing.pj_lot.verify_pj_lot (content re-signed)")
    try:
        content = canonical_bytes(doc)
    except BillingError:
        content = json.dumps(doc).encode()
    der = build_signed_data(content, PKI.signer, NOW)
    must_parse_or_raise(lambda: verify_pj_lot(der, PKI.ca_der), BillingError)
