"""The ``sesam price`` JSON contract under bad input: ``parse_request`` raises ``InputError``
and nothing else, and every request it accepts is priced without an exception."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fuzz_support import fuzz_settings, must_parse_or_raise, mutated_json
from hypothesis import example, given
from hypothesis import strategies as st

from billing.price_io import InputError, parse_request, to_json
from billing.pricing import price
from billing.referential import Referential
from client.cli.price import _read

REFERENTIAL = Referential.load_default()

VALID: dict[str, Any] = {
    "date_of_care": "2025-03-10",
    "practitioner": {"specialty": "01", "sector": "1", "optam": False, "is_treating_doctor": True},
    "patient": {"birth_date": "1980-05-01", "ald": False, "c2s": False, "maternity": False,
                "at_mp": False, "care_pathway": "in"},
    "acts": [{"code": "G"}, {"code": "HS", "coefficient": "0.5"}, {"code": "IKM", "quantity": 12}],
    "overrun": {"kind": "DE", "amount": "10.00"},
    "history": [{"date": "2025-01-05", "code": "TE2"}],
}  # fmt: skip

#: A value of a wrong type (non-recursive: cheap to draw for every field).
wrong = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=6),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)

dates = st.one_of(
    st.dates().map(str),
    st.sampled_from(("2025-02-30", "2025-3-1", "10/03/2025", "0000-01-01", "9999-12-31",
                     "2025-03-10T00:00", "２０２５-03-10", "")),
    wrong,
)  # fmt: skip
decimals = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(("1e30", "1E+999999", "-1", "0", "0.001", "1e-999999", "NaN", "sNaN",
                     "Infinity", "10,5", " 2 ", "1_000", "0x10", "9" * 60)),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(),
    wrong,
)  # fmt: skip
quantities = st.one_of(st.integers(-5, 10**40), st.sampled_from((0, 1, 999, 10**6)), wrong)
codes = st.one_of(
    st.sampled_from(("G", "HS", "IKM", "TE2", "CCAM", "g", "GS", " G ", "")), st.text()
)


def _maybe(draw: st.DrawFn, value: st.SearchStrategy[Any], absent_weight: int = 8) -> Any:
    """A field value, or the marker ABSENT one time in ``absent_weight``."""
    return ABSENT if draw(st.integers(0, absent_weight)) == 0 else draw(value)


ABSENT = object()


@st.composite
def requests(draw: st.DrawFn) -> Any:
    """Objects shaped like the contract, each field possibly missing or of a wrong type."""

    def obj(fields: dict[str, st.SearchStrategy[Any]]) -> Any:
        out = {}
        for name, strategy in fields.items():
            value = _maybe(draw, strategy)
            if value is not ABSENT:
                out[name] = value
        return out if draw(st.integers(0, 30)) else draw(wrong)

    act = st.builds(
        lambda c, co, q: {"code": c, "coefficient": co, "quantity": q}, codes, decimals, quantities
    )
    return obj(
        {
            "date_of_care": dates,
            "practitioner": st.builds(
                lambda s, sec, z, o: {"specialty": s, "sector": sec, "zone": z, "optam": o},
                st.one_of(st.sampled_from(("01", "02", "19", "²³", "1")), wrong),
                st.one_of(st.sampled_from(("1", "1DP", "2", "1dp", "3")), wrong),
                st.one_of(st.sampled_from(("metropole", "971", "976", "000")), wrong),
                st.one_of(st.booleans(), wrong),
            ),
            "patient": st.builds(
                lambda b, p, a: {"birth_date": b, "care_pathway": p, "ald": a},
                dates,
                st.one_of(
                    st.sampled_from(("in", "out", "direct_access", "emergency")), wrong
                ),
                st.one_of(st.booleans(), wrong),
            ),
            "acts": st.one_of(st.lists(act, max_size=4), wrong),
            "overrun": st.one_of(
                st.builds(
                    lambda k, a: {"kind": k, "amount": a},
                    st.one_of(st.sampled_from(("DE", "DA", "DP", "ED", "XX")), wrong),
                    decimals,
                ),
                wrong,
            ),
            "history": st.one_of(
                st.lists(
                    st.builds(lambda d, c, q: {"date": d, "code": c, "quantity": q},
                              dates, codes, quantities),
                    max_size=3,
                ),
                wrong,
            ),
        }
    )  # fmt: skip


def _price_or_input_error(fuzz_count: Any, obj: Any) -> None:
    fuzz_count("billing.price_io.parse_request")
    request = must_parse_or_raise(lambda: parse_request(obj), InputError)
    if request is not None:
        fuzz_count("billing.pricing.price (accepted requests)")
        priced = price(request, REFERENTIAL)  # must never raise on an accepted request
        json.dumps(to_json(priced))


@fuzz_settings(long_weight=0.1)
@given(obj=requests())
@example(obj={**VALID, "acts": [{"code": "G", "coefficient": "1e30"}]})
@example(obj={**VALID, "acts": [{"code": "G", "quantity": 10**30}]})
@example(obj={**VALID, "overrun": {"kind": "DE", "amount": "1E+999999"}})
@example(obj={**VALID, "acts": [{"code": "G", "requested_practitioner": 10**5000}]})
def test_parse_request_of_contract_shaped_objects(fuzz_count, obj) -> None:
    _price_or_input_error(fuzz_count, obj)


@fuzz_settings(long_weight=0.25)
@given(obj=mutated_json(VALID, max_ops=4))
def test_parse_request_of_mutated_valid_requests(fuzz_count, obj) -> None:
    _price_or_input_error(fuzz_count, obj)


def test_the_valid_request_prices() -> None:
    priced = price(parse_request(VALID), REFERENTIAL)
    assert priced.total_fees > 0


@fuzz_settings(weight=0.3, long_weight=0.4)
@given(
    raw=st.one_of(
        st.binary(max_size=200),
        st.just(json.dumps(VALID).encode()).flatmap(
            lambda seed: st.binary(max_size=8).map(lambda tail: seed[: len(seed) // 2] + tail)
        ),
    )
)
@example(raw=b"[" * 100_000)
@example(raw=b"9" * 5000)
def test_price_cli_reads_any_file_as_json_or_input_error(
    fuzz_count, tmp_path_factory: pytest.TempPathFactory, raw: bytes
) -> None:
    fuzz_count("client.cli.price._read (request file)")
    path = Path(tmp_path_factory.getbasetemp()) / "fuzz-request.json"
    path.write_bytes(raw)
    document = must_parse_or_raise(lambda: _read(str(path)), InputError)
    if document is not None:
        _price_or_input_error(fuzz_count, document)
