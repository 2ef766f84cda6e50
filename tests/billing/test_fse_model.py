"""The FSE document, its securing modes and the rule that modes are never silently downgraded."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from fse_support import CERTIFIER, SERIAL, body, secured

from billing.canonical import canonical_bytes
from billing.fse import (
    Fse,
    FseError,
    ModeUnavailableError,
    SecuringMode,
    decide_mode,
    fse_from_document,
    secure,
)
from billing.fse_schema import FSE_SCHEMA, LOT_SCHEMA, SchemaError, validate_fse
from billing.signing import SoftwareCertifier, sha256

DOCS = Path(__file__).resolve().parents[2] / "docs" / "formats"


def test_vitale_fse_keeps_the_card_serial_and_an_8_byte_certification_of_the_digest() -> None:
    fse = secured(7)
    assert fse.digest == sha256(fse.body.canonical())
    assert fse.certification == CERTIFIER.certify(fse.digest)
    assert len(fse.certification) == 8
    assert fse.body.vitale_serial == SERIAL.hex()


def test_a_degrade_fse_carries_no_vitale_certification_and_states_its_reason() -> None:
    fse = secured(8, SecuringMode.DEGRADE)
    assert fse.certification == b""
    doc = fse.to_document()
    assert doc["vitale_certification"] == ""
    assert doc["body"]["securing"] == {
        "mode": "degrade",
        "vitale_serial": "",
        "degrade_reason": "carte Vitale illisible",
    }


def test_vitale_mode_without_the_card_is_refused_not_downgraded() -> None:
    with pytest.raises(ModeUnavailableError):
        secure(body(1), None)
    with pytest.raises(ModeUnavailableError):
        decide_mode(None, vitale_present=False, patient_given=True, degrade_reason="")
    with pytest.raises(ModeUnavailableError):
        decide_mode(
            SecuringMode.VITALE, vitale_present=False, patient_given=True, degrade_reason=""
        )


def test_mode_decision_follows_what_is_available_and_what_the_user_chose() -> None:
    assert (
        decide_mode(None, vitale_present=True, patient_given=False, degrade_reason="")
        is SecuringMode.VITALE
    )
    assert (
        decide_mode(
            SecuringMode.DEGRADE,
            vitale_present=True,
            patient_given=False,
            degrade_reason="carte refusée",
        )
        is SecuringMode.DEGRADE
    )
    assert (
        decide_mode(
            SecuringMode.SANS_VITALE, vitale_present=False, patient_given=True, degrade_reason=""
        )
        is SecuringMode.SANS_VITALE
    )
    with pytest.raises(ModeUnavailableError, match="motif"):
        decide_mode(
            SecuringMode.DEGRADE, vitale_present=False, patient_given=True, degrade_reason="  "
        )
    with pytest.raises(ModeUnavailableError, match="identité"):
        decide_mode(
            SecuringMode.SANS_VITALE, vitale_present=True, patient_given=False, degrade_reason=""
        )


def test_another_vitale_card_than_the_one_read_cannot_certify() -> None:
    with pytest.raises(FseError, match="n'est pas celle"):
        secure(body(1), SoftwareCertifier(serial=bytes(8)))


def test_document_round_trip_follows_the_schema_and_keeps_the_digest() -> None:
    fse = secured(12)
    doc = json.loads(fse.canonical())
    validate_fse(doc)
    again = fse_from_document(doc)
    assert again == fse
    assert again.canonical() == fse.canonical()


def test_a_changed_amount_breaks_the_digest() -> None:
    doc = json.loads(secured(3).canonical())
    doc["body"]["amounts"]["amo"] = "99.00"
    with pytest.raises(FseError, match="empreinte"):
        fse_from_document(doc)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("body", "number"), 0),
        (("body", "amounts", "amo"), 19.0),
        (("body", "beneficiary", "assure_nir"), "12345"),
        # A schema pattern ends at the very end of the text, as in ECMA-262: a trailing
        # newline smuggled after a valid NIR is refused.
        (("body", "beneficiary", "assure_nir"), "1800575112045\n"),
        (("body", "securing", "mode"), "papier"),
        (("body", "unknown"), "x"),
        (("version",), 2),
    ],
)
def test_schema_refuses_malformed_fse(path: tuple[str, ...], value: object) -> None:
    doc = json.loads(secured(3).canonical())
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(SchemaError) as info:
        validate_fse(doc)
    # The error names where the fault is (the field itself, or the object missing it).
    assert info.value.path in ("/" + "/".join(path), "/" + "/".join(path[:-1]))


def test_published_schema_files_are_the_ones_the_code_checks() -> None:
    assert json.loads((DOCS / "fse.schema.json").read_text("utf-8")) == FSE_SCHEMA
    assert json.loads((DOCS / "lot.schema.json").read_text("utf-8")) == LOT_SCHEMA


def test_the_fse_document_is_canonical_and_money_is_text() -> None:
    fse: Fse = secured(5)
    data = fse.canonical()
    assert data == canonical_bytes(json.loads(data))
    assert b'"total_fees":"30.00"' in data
    assert replace(fse.body, number=6).canonical() != fse.body.canonical()


def test_a_rectificative_names_its_original_and_older_documents_stay_valid() -> None:
    from billing.canonical import parse_canonical
    from billing.fse import Rectifies

    plain = secure(body(13, SecuringMode.DEGRADE), None)
    assert "rectifies" not in plain.to_document()["body"]  # bytes of older FSE unchanged
    validate_fse(plain.to_document())
    link = Rectifies(fse_id="5b4c9a3e-1111-4222-8333-444455556666", number=12)
    fixed = secure(replace(body(13, SecuringMode.DEGRADE), rectifies=link), None)
    document = parse_canonical(fixed.canonical())
    validate_fse(document)
    assert document["body"]["rectifies"] == {"fse_id": link.fse_id, "number": 12}
    assert fse_from_document(document).body.rectifies == link
    assert fixed.digest != plain.digest
