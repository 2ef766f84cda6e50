"""Working days as the payment guarantee counts them: weekends and French holidays skipped."""

from __future__ import annotations

from datetime import date

import pytest

from billing.working_days import (
    WorkingDaysError,
    _calendar,
    _holidays_of,
    _warn_outside,
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


def test_the_calendar_file_gives_the_holidays_package_days_for_every_year_and_subdivision() -> None:
    """``billing/data/jours_feries.json`` replaces the package at run time (issue #27): a
    wrong or stale file (the package upgraded, a day moved) fails here, before a deadline
    is counted from it."""
    import holidays
    from holidays.countries import France

    calendar = _calendar()
    years = range(calendar.first_year, calendar.last_year + 1)
    assert calendar.first_year <= date.today().year - 5  # care dates of the last years
    assert calendar.last_year >= date.today().year + 5  # deadlines and SCOR windows ahead
    assert set(calendar.additions) == set(France.subdivisions)
    for subdivision in (None, *France.subdivisions):
        expected = holidays.country_holidays("FR", subdiv=subdivision, years=years)
        for year in years:
            from_file = _holidays_of(year, subdivision)
            assert from_file == {d for d in expected if d.year == year}, (year, subdivision)


def test_a_year_past_the_file_is_still_counted_and_the_file_is_said_stale(
    caplog: pytest.LogCaptureFixture,
) -> None:
    year = _calendar().last_year + 1
    _holidays_of.cache_clear()  # said once per process: this test must be the first
    _warn_outside.cache_clear()
    christmas = date(year, 12, 25)
    with caplog.at_level("WARNING", logger="billing.working_days"):
        assert not is_working_day(christmas)
        assert not is_working_day(date(year, 12, 26), subdivision="57")
    assert f"Jours fériés de {year} absents" in caplog.text
