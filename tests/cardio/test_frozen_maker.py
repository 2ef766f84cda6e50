"""``cardio._frozen.maker``: the card's values built fast are the same values, as frozen."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import pickle
from typing import Any

import pytest

from cardio._frozen import maker
from cardio.cps_parse import CpsIdentity, Situation
from cardio.vitale_values import (
    AmcContract,
    AmcGestion,
    AmcService,
    Assure,
    Beneficiary,
    Coverage,
    Period,
    Rights,
    VitaleCard,
)

DAY = dt.date.today()
RIGHTS = Rights((Period(DAY, None),), (Coverage("ALD", "12", DAY, None),), None)
SAMPLES: list[tuple[type, tuple[object, ...]]] = [
    (Rights, ((Period(DAY, None),), (), None)),
    (Coverage, ("ALD", "12", DAY, DAY + dt.timedelta(days=30))),
    (
        AmcContract,
        (
            "31234567",
            "0001",
            DAY,
            None,
            "MUT01",
            True,
            AmcGestion.UNIQUE,
            frozenset({AmcService.DENTAIRE}),
        ),
    ),
    (Assure, ("1800575112045", "89", "01", "751", "0001", "10")),
    (
        Beneficiary,
        (
            "DURAND",
            "PIERRE",
            None,
            "19800512",
            dt.date(1980, 5, 12),
            "1800575112045",
            "89",
            1,
            "00",
            RIGHTS,
        ),
    ),
    (
        VitaleCard,
        (bytes(8), DAY, None, "3", Assure("1800575112045", "89", "01", "751", "0001", "10"), ()),
    ),
    (CpsIdentity, ("0", "8", "10001234567", "", "M", "MARTIN", "PAUL", "123")),
    (
        Situation,
        (
            "1",
            "L",
            "1",
            "1",
            "",
            "12345678",
            "9",
            None,
            "1",
            "01",
            "22",
            "1",
            True,
            True,
            "",
            False,
        ),
    ),
]


@pytest.mark.parametrize(("cls", "fields"), SAMPLES, ids=[c.__name__ for c, _ in SAMPLES])
def test_a_value_made_fast_is_the_value_its_init_makes(
    cls: type[Any], fields: tuple[object, ...]
) -> None:
    made: Any = maker(cls)(*fields)
    usual = cls(*fields)
    assert type(made) is cls
    assert made == usual and hash(made) == hash(usual) and repr(made) == repr(usual)
    assert pickle.loads(pickle.dumps(made)) == usual  # noqa: S301 - our own bytes
    assert copy.deepcopy(made) == usual
    assert dataclasses.replace(made) == usual
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.__setattr__(dataclasses.fields(cls)[0].name, None)


def test_only_slotted_frozen_dataclasses_without_post_init_are_made_fast() -> None:
    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclasses.dataclass(slots=True)
    class NotFrozen:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            if self.a < 0:
                raise ValueError("negative")

    for cls in (NoSlots, NotFrozen, Checked, int):
        with pytest.raises(TypeError):
            maker(cls)
