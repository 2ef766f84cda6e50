"""RFC 8785 canonical JSON, restricted to integers and strings (money as strings)."""

from __future__ import annotations

import json

import pytest

from billing.canonical import CanonicalError, canonical_bytes, canonical_json, parse_canonical


def test_rfc8785_sorting_example_orders_keys_by_utf16_code_units() -> None:
    # RFC 8785 §3.2.3: the expected order is by UTF-16 code units, not by code points.
    doc = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    values = list(json.loads(canonical_json(doc)).values())
    assert values == [
        "Carriage Return",
        "One",
        "Control",
        "Latin Small Letter O With Diaeresis",
        "Euro Sign",
        "Emoji: Grinning Face",
        "Hebrew Letter Dalet With Dagesh",
    ]


def test_rfc8785_literals_and_string_escaping_example() -> None:
    # RFC 8785 §3.2.2 example, without its floating-point numbers (not allowed here).
    source = (
        '{"literals":[null,true,false],'
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/"}'
    )
    expected = '{"literals":[null,true,false],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    assert canonical_json(json.loads(source)) == expected


def test_integers_are_plain_digits_and_nesting_has_no_whitespace() -> None:
    assert canonical_bytes({"b": [1, -2, 0], "a": {"z": None, "y": "é"}}) == (
        '{"a":{"y":"é","z":null},"b":[1,-2,0]}'.encode()
    )


@pytest.mark.parametrize("value", [1.5, 2**53, {1: "x"}, b"raw", "\ud800"])
def test_values_outside_the_restricted_profile_are_refused(value: object) -> None:
    with pytest.raises(CanonicalError):
        canonical_bytes({"v": value})


def test_parse_canonical_accepts_canonical_bytes_and_refuses_any_other_form() -> None:
    doc = {"montant": "25.00", "n": 3}
    data = canonical_bytes(doc)
    assert parse_canonical(data) == doc
    for other in (
        b'{"n":3,"montant":"25.00"}',
        b'{"montant": "25.00","n":3}',
        b'{"montant":"25.00","n":3.0}',
        b'{"n":3,"n":3}',
        b"\xff",
    ):
        with pytest.raises(CanonicalError):
            parse_canonical(other)
