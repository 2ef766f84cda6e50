from __future__ import annotations

import pytest

from testbed import nir


def test_key_is_97_minus_nir_mod_97() -> None:
    assert nir.nir_key("1800575112045") == f"{97 - 1800575112045 % 97:02d}"


def test_corsica_departments_are_read_as_19_and_18() -> None:
    assert nir.nir_key("175062A004012") == f"{97 - 1750619004012 % 97:02d}"
    assert nir.nir_key("175062B004012") == f"{97 - 1750618004012 % 97:02d}"
    assert nir.nir_key("175062A004012") != nir.nir_key("175062B004012")


def test_with_key_and_is_valid_round_trip() -> None:
    full = nir.with_key("2820969123018")
    assert len(full) == 15 and nir.is_valid(full)
    wrong = full[:13] + f"{(int(full[13:]) + 1) % 100:02d}"
    assert not nir.is_valid(wrong)


@pytest.mark.parametrize("bad", ["", "12345", "9800575112045", "18005751120451", "1800575X12045"])
def test_malformed_nir_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        nir.nir_key(bad)
    assert not nir.is_valid(bad + "00")


def test_luhn_key_of_a_known_number() -> None:
    assert nir.luhn_key("7992739871") == "3"  # the textbook Luhn example
