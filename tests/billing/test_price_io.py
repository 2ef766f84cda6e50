"""The JSON contract of ``sesam price``: parsing, defaults, malformed input, output format."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pricing_support import referential

from billing.price_io import InputError, parse_request, to_json
from billing.pricing import price

EXAMPLE: dict[str, Any] = {
    "date_of_care": "2025-03-10",
    "practitioner": {"specialty": "01", "sector": "1", "optam": False, "is_treating_doctor": True},
    "patient": {
        "birth_date": "1980-05-01",
        "ald": False,
        "c2s": False,
        "maternity": False,
        "at_mp": False,
        "care_pathway": "in",
    },
    "acts": [{"code": "G"}, {"code": "HS", "coefficient": "0.5"}, {"code": "IKM", "quantity": 12}],
    "overrun": {"kind": "DE", "amount": "10.00"},
    "history": [{"date": "2025-01-05", "code": "TE2"}],
}


def with_change(path: str, value: Any) -> dict[str, Any]:
    """A copy of EXAMPLE with ``path`` (dotted, list indexes as numbers) set or deleted."""
    doc = copy.deepcopy(EXAMPLE)
    *parents, last = path.split(".")
    target: Any = doc
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    key: Any = int(last) if last.isdigit() else last
    if value is DELETE:
        del target[key]
    else:
        target[key] = value
    return doc


DELETE = object()

# (path changed, new value or DELETE, field named in the error)
MALFORMED = [
    ("date_of_care", DELETE, "date_of_care"),
    ("date_of_care", "10/03/2025", "date_of_care"),
    ("date_of_care", "2025-02-30", "date_of_care"),
    ("date_of_care", 20250310, "date_of_care"),
    ("practitioner", DELETE, "practitioner"),
    ("practitioner", "01", "practitioner"),
    ("practitioner.specialty", DELETE, "practitioner.specialty"),
    ("practitioner.specialty", 1, "practitioner.specialty"),
    ("practitioner.specialty", "1", "practitioner.specialty"),
    ("practitioner.sector", "3", "practitioner.sector"),
    ("practitioner.optam", "false", "practitioner.optam"),
    ("practitioner.is_treating_doctor", 1, "practitioner.is_treating_doctor"),
    ("patient.birth_date", DELETE, "patient.birth_date"),
    ("patient.birth_date", "2026-01-01", "patient.birth_date"),
    ("patient.ald", "yes", "patient.ald"),
    ("patient.care_pathway", "outside", "patient.care_pathway"),
    ("acts", DELETE, "acts"),
    ("acts", [], "acts"),
    ("acts", {"code": "G"}, "acts"),
    ("acts.0", "G", "acts[0]"),
    ("acts.0.code", DELETE, "acts[0].code"),
    ("acts.0.code", 12, "acts[0].code"),
    ("acts.2.quantity", "12", "acts[2].quantity"),
    ("acts.2.quantity", 0, "acts[2].quantity"),
    ("acts.1.coefficient", "half", "acts[1].coefficient"),
    ("acts.1.coefficient", "-1", "acts[1].coefficient"),
    ("overrun.kind", "XX", "overrun.kind"),
    ("overrun.amount", DELETE, "overrun.amount"),
    ("overrun.amount", "-5", "overrun.amount"),
    ("overrun.amount", "1.005", "overrun.amount"),
    ("overrun", "DE", "overrun"),
    ("history", {"date": "2025-01-05"}, "history"),
    ("history.0.date", "hier", "history[0].date"),
    ("history.0.code", DELETE, "history[0].code"),
]


@pytest.mark.parametrize(("path", "value", "field"), MALFORMED)
def test_malformed_input_names_the_field(path: str, value: Any, field: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_request(with_change(path, value))
    assert caught.value.field == field
    assert f"« {field} »" in str(caught.value)


def test_the_root_must_be_an_object() -> None:
    with pytest.raises(InputError):
        parse_request([EXAMPLE])


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("overrun", DELETE),
        ("overrun", None),
        ("history", DELETE),
        ("practitioner.optam", DELETE),
        ("patient.care_pathway", DELETE),
        ("acts.1.coefficient", DELETE),
        ("acts.2.quantity", DELETE),
        ("extra_field", "ignored"),
    ],
)
def test_optional_fields_have_defaults(path: str, value: Any) -> None:
    request = parse_request(with_change(path, value))
    assert request.acts[0].code == "G"


def test_defaults_are_quantity_1_and_coefficient_1() -> None:
    request = parse_request(with_change("acts", [{"code": "g"}]))
    (act,) = request.acts
    assert (act.code, act.quantity, str(act.coefficient)) == ("G", 1, "1")


def test_output_follows_the_contract() -> None:
    out = to_json(price(parse_request(with_change("overrun", None)), referential()))
    # The ticket's example bills IKM beside an office consultation: a travel allowance goes
    # with a visit (issue 21, rule 12), so the invoice is priced but not valid.
    (error,) = out.pop("erreurs")
    assert (error["code"], error["acte"]) == ("NOT_CUMULABLE", "IKM")
    assert "visite" in error["message"]
    assert out == {
        "valide": False,
        "lignes": [
            {
                "code": "G",
                "montant": "30.00",
                "base_remboursement": "30.00",
                "taux_amo": "70",
                "montant_amo": "21.00",
                "montant_amc": "0.00",
            },
            {
                "code": "HS",
                "montant": "11.50",
                "base_remboursement": "11.50",
                "taux_amo": "70",
                "montant_amo": "8.05",
                "montant_amc": "0.00",
            },
            {
                "code": "IKM",
                "montant": "12.00",
                "base_remboursement": "12.00",
                "taux_amo": "70",
                "montant_amo": "8.40",
                "montant_amc": "0.00",
            },
        ],
        "honoraires": "53.50",
        "amo": "35.45",
        "participation_forfaitaire": "2.00",
        "amc": "0.00",
        "amc_garantie": "",
        "amc_plafond": None,
        "reste_a_charge": "18.05",
    }


def test_the_amc_contract_prices_the_amc_part() -> None:
    doc = with_change("acts", [{"code": "G"}])
    del doc["overrun"]
    doc["amc"] = {"contract": "mut01"}
    out = to_json(price(parse_request(doc), referential()))
    assert (out["amo"], out["amc"], out["reste_a_charge"]) == ("19.00", "9.00", "2.00")
    assert out["amc_garantie"] == "MUT01" and out["lignes"][0]["montant_amc"] == "9.00"


@pytest.mark.parametrize(
    ("amc", "field"),
    [
        ({"contract": "NOPE"}, "amc.contract"),
        ({}, "amc.contract"),
        ({"contract": "MUT01", "used_this_year": "-1"}, "amc.used_this_year"),
        ("MUT01", "amc"),
    ],
)
def test_a_bad_amc_object_names_its_field(amc: Any, field: str) -> None:
    doc = with_change("overrun", None)
    doc["amc"] = amc
    with pytest.raises(InputError) as caught:
        parse_request(doc)
    assert caught.value.field == field


def test_errors_are_objects_with_code_act_and_french_message() -> None:
    doc = with_change("acts", [{"code": "G"}, {"code": "ZZZ"}])
    out = to_json(price(parse_request(doc), referential()))
    assert out["valide"] is False
    assert out["erreurs"] == [
        {"code": "UNKNOWN_CODE", "acte": "ZZZ", "message": "Code inconnu du référentiel : ZZZ."}
    ]


def test_rates_are_written_without_decimals() -> None:
    doc = with_change("patient.ald", True)
    out = to_json(price(parse_request(doc), referential()))
    assert {line["taux_amo"] for line in out["lignes"]} == {"100"}
