"""NIR validation, cross-checked against python-stdnum on generated numbers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.fr import nir as stdnum_nir

from billing.nir import NirError, compact, is_valid_nir, nir_key, validate_nir


@st.composite
def nir_bodies(draw: st.DrawFn) -> str:
    """The first 13 characters of plausible NIRs, Corsica and provisional numbers included."""
    sex = draw(st.sampled_from("123478"))
    year = f"{draw(st.integers(0, 99)):02d}"
    month = f"{draw(st.sampled_from([*range(1, 13), *range(20, 43), *range(50, 100)])):02d}"
    department = draw(
        st.one_of(
            st.integers(1, 95).map(lambda d: f"{d:02d}"),
            st.sampled_from(["2A", "2B", "97", "98", "99"]),
        )
    )
    rest = draw(st.text("0123456789", min_size=6, max_size=6))
    return sex + year + month + department + rest


@settings(max_examples=500)
@given(nir_bodies())
def test_key_matches_python_stdnum(body: str) -> None:
    assert nir_key(body) == stdnum_nir.calc_check_digits(body + "00")


@settings(max_examples=500)
@given(nir_bodies())
def test_a_generated_nir_is_valid_for_both(body: str) -> None:
    number = body + nir_key(body)
    assert stdnum_nir.is_valid(number)
    assert is_valid_nir(number)
    assert validate_nir(number).provisional is (body[0] in "3478")


@settings(max_examples=500)
@given(nir_bodies(), st.integers(1, 97))
def test_a_wrong_key_is_refused_by_both(body: str, shift: int) -> None:
    good = int(nir_key(body))
    wrong = (good + shift - 1) % 97 + 1
    if wrong == good:
        return
    number = body + f"{wrong:02d}"
    assert not stdnum_nir.is_valid(number)
    assert not is_valid_nir(number)


@settings(max_examples=300)
@given(st.text("0123456789AB -.", min_size=0, max_size=20))
def test_we_never_accept_what_stdnum_refuses(text: str) -> None:
    if is_valid_nir(text):
        assert stdnum_nir.is_valid(text.replace("-", ""))


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("2 95 10 99 126 111 93", None),  # stdnum's documented example
        ("253072B07300470", None),  # Corsica, 2B → 18
        ("253072A07300443", None),  # Corsica, 2A → 19
        ("295109912611199", "la clé ne correspond pas"),
        ("253072C07300443", "2A ou 2B"),
        ("29510991261119", "15 caractères"),
        ("595109912611193", "premier chiffre"),
        ("2951399126111", "15 caractères"),
    ],
)
def test_known_numbers(number: str, reason: str | None) -> None:
    if reason is None:
        assert validate_nir(number).value == compact(number)
        return
    with pytest.raises(NirError) as caught:
        validate_nir(number)
    assert reason in str(caught.value)


def test_month_zero_is_impossible_but_month_20_and_above_is_kept() -> None:
    body_zero = "1800075123456"
    with pytest.raises(NirError, match="mois de naissance 00"):
        validate_nir(body_zero + nir_key(body_zero))
    body_unknown = "1802075123456"
    assert is_valid_nir(body_unknown + nir_key(body_unknown))


def test_provisional_numbers_can_be_refused_where_a_definitive_one_is_needed() -> None:
    body = "7800575123456"
    number = body + nir_key(body)
    assert validate_nir(number).provisional
    with pytest.raises(NirError, match="provisoire"):
        validate_nir(number, allow_provisional=False)


def test_masked_hides_birthplace_and_order() -> None:
    assert validate_nir("253072B07300470").masked() == "2 53 07 ** *** *** **"
