"""RFC 8785 canonical JSON, restricted to integers and strings (money as strings)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# The escaping and key order of the first implementation, one character at a time, straight
# from RFC 8785: the fast path of billing.canonical must give the same bytes.
_REFERENCE_SHORT_ESCAPES = {
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0C: "\\f",
    0x0D: "\\r",
    0x22: '\\"',
    0x5C: "\\\\",
}


def _reference_string(value: str) -> str:
    out = ['"']
    for char in value:
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            raise CanonicalError("caractère de substitution UTF-16 isolé dans une chaîne")
        short = _REFERENCE_SHORT_ESCAPES.get(code)
        if short is not None:
            out.append(short)
        elif code < 0x20:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _reference_json(value: object) -> str:
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _reference_string(value)
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be", errors="surrogatepass"))
        items = (f"{_reference_string(k)}:{_reference_json(value[k])}" for k in keys)
        return "{" + ",".join(items) + "}"
    assert isinstance(value, list)
    return "[" + ",".join(_reference_json(item) for item in value) + "]"


_RFC8785_STRINGS = [
    '\u20ac$\u000f\nA\'B"\\\\"/',
    "\r",
    "\u0080",
    "\u00f6",
    "\ufb33",
    "\U0001f600",
    "".join(chr(c) for c in range(0x20)) + "\x7f\u2028\u2029",
    "Dupont-Lefèvre « Zoé »",
]


def test_fast_escaping_gives_the_reference_bytes_on_the_rfc8785_vectors() -> None:
    for text in _RFC8785_STRINGS:
        assert canonical_json(text) == _reference_string(text)
    sorting = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    assert canonical_json(sorting) == _reference_json(sorting)


# Every code point, lone surrogates included (both sides must refuse them).
_texts = st.text(st.characters(exclude_categories=()), max_size=12)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1) | _texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_texts, children, max_size=4),
    max_leaves=20,
)


def _same_as_reference(value: object) -> None:
    try:
        expected: str | None = _reference_json(value)
    except CanonicalError:
        expected = None
    if expected is None:
        with pytest.raises(CanonicalError):
            canonical_bytes(value)
    else:
        assert canonical_bytes(value) == expected.encode("utf-8")


@settings(max_examples=500, deadline=None)
@given(_json_values)
def test_fast_canonical_form_is_byte_identical_to_the_reference(value: object) -> None:
    _same_as_reference(value)


# The FSE formats' shape (ASCII field names): the path through json's C encoder.
_ascii_keys = st.text(st.characters(max_codepoint=0x7F, exclude_categories=()), max_size=8)
_format_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1) | _texts,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(_ascii_keys, children, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None)
@given(_format_values)
def test_documents_with_ascii_field_names_give_the_reference_bytes(value: object) -> None:
    _same_as_reference(value)


@pytest.mark.parametrize(
    "value",
    [
        {"n": 2**53},  # beyond I-JSON: json.dumps would print it
        {"n": 0.5},
        {"nom": "Zo\udce9"},  # lone surrogate behind an ASCII key
        {1: "x"},  # json.dumps would turn the key into "1"
    ],
)
def test_what_json_dumps_would_write_is_still_refused(value: object) -> None:
    with pytest.raises(CanonicalError):
        canonical_bytes(value)


def test_a_tuple_is_an_array() -> None:
    assert canonical_bytes({"t": (1, "a"), "s": ["b"]}) == b'{"s":["b"],"t":[1,"a"]}'
