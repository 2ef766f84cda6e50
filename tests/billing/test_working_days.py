"""Working days as the payment guarantee counts them: weekends and French holidays skipped."""

from __future__ import annotations

from datetime import date

import pytest

from billing.working_days import (
    WorkingDaysError,
    add_working_days,
    is_working_day,
    working_days_between,
)


def test_weekend_and_holidays_are_not_working_days() -> None:
    assert is_working_day(date(2026, 11, 20))  # a Friday
    assert not is_working_day(date(2026, 11, 21))  # Saturday
    assert not is_working_day(date(2026, 11, 11))  # Armistice, a Wednesday
    assert not is_working_day(date(2026, 5, 14))  # Ascension


def test_five_working_days_after_a_friday_before_christmas() -> None:
    # Fri 18 Dec 2026 + 5 working days: 21, 22, 23, 24, (25 holiday) 28.
    assert add_working_days(date(2026, 12, 18), 5) == date(2026, 12, 28)


def test_alsace_moselle_adds_saint_stephen() -> None:
    assert is_working_day(date(2026, 12, 28))
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 28)
    assert not is_working_day(date(2025, 12, 26), subdivision="57")
    assert is_working_day(date(2025, 12, 26))


def test_seven_working_days_across_may_bridges() -> None:
    # 1 May (Fri) and 8 May (Fri) 2026 are holidays: 4-7, 11, 12, 13 May.
    assert add_working_days(date(2026, 4, 30), 7) == date(2026, 5, 13)
    assert working_days_between(date(2026, 4, 30), date(2026, 5, 13)) == 7


def test_between_is_zero_backwards_and_negative_count_is_refused() -> None:
    assert working_days_between(date(2026, 5, 13), date(2026, 4, 30)) == 0
    with pytest.raises(WorkingDaysError):
        add_working_days(date(2026, 1, 1), -1)


def test_year_boundary() -> None:
    # Thu 31 Dec 2026 + 1: 1 Jan 2027 is a Friday holiday,
    # the next working day is Monday 4 Jan 2027.
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
