"""The SCOR time rules with injected dates: 5 working days (French public holidays counted)
from the first attempt before the paper duplicata, and 90 days of retention."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from billing.scor_rules import (
    ScorSettings,
    add_working_days,
    french_working_day,
    may_purge,
    paper_deadline,
    purge_date,
    retry_verdict,
)

FR = french_working_day()


def weekdays_only(day: date) -> bool:
    return day.weekday() < 5


def test_armistice_in_the_window_pushes_the_deadline_by_one_day() -> None:
    first = date(2026, 11, 9)  # Monday; Wednesday 11 November is a public holiday
    assert paper_deadline(first, FR) == date(2026, 11, 17)
    # Same dates with no holiday: one day earlier. The holiday is what makes the difference.
    assert paper_deadline(first, weekdays_only) == date(2026, 11, 16)


def test_christmas_in_the_window() -> None:
    first = date(2026, 12, 23)  # Wednesday; Friday 25 December is a public holiday
    assert paper_deadline(first, FR) == date(2026, 12, 31)


def test_ascension_and_weekend_holidays() -> None:
    # 1 May and 8 May 2027 fall on Saturdays (no effect), Ascension is Thursday 6 May.
    assert paper_deadline(date(2027, 4, 30), FR) == date(2027, 5, 10)


def test_paper_is_due_only_after_the_fifth_working_day() -> None:
    first = datetime(2026, 11, 9, 18, 45, tzinfo=UTC)
    on_deadline = retry_verdict(first, datetime(2026, 11, 17, 23, 0, tzinfo=UTC), FR)
    assert not on_deadline.paper_due
    assert on_deadline.deadline == date(2026, 11, 17)
    assert on_deadline.working_days_used == 5 and on_deadline.working_days_left == 0
    # 16 November would be the deadline without the holiday: still not due.
    assert not retry_verdict(first, date(2026, 11, 16), FR).paper_due
    after = retry_verdict(first, datetime(2026, 11, 18, 0, 1, tzinfo=UTC), FR)
    assert after.paper_due


def test_the_holiday_itself_is_not_counted() -> None:
    first = date(2026, 11, 9)
    verdict = retry_verdict(first, date(2026, 11, 11), FR)
    assert verdict.working_days_used == 1  # Tuesday 10 only; Wednesday 11 is a holiday
    assert verdict.working_days_left == 4


def test_acknowledged_pj_is_never_due_for_paper() -> None:
    verdict = retry_verdict(date(2026, 11, 9), date(2027, 1, 5), FR, acknowledged=True)
    assert not verdict.paper_due


def test_window_is_a_setting() -> None:
    settings = ScorSettings(retry_working_days=2)
    assert paper_deadline(date(2026, 11, 9), FR, settings) == date(2026, 11, 12)
    assert retry_verdict(date(2026, 11, 9), date(2026, 11, 13), FR, settings).paper_due


def test_add_working_days_skips_weekends() -> None:
    assert add_working_days(date(2026, 11, 13), 1, FR) == date(2026, 11, 16)  # Fri -> Mon
    assert add_working_days(date(2026, 11, 13), 0, FR) == date(2026, 11, 13)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 11, 13), -1, FR)


def test_alsace_moselle_counts_saint_etienne() -> None:
    # 2026: 26 December is a Saturday, no difference.
    assert paper_deadline(date(2026, 12, 23), french_working_day("57")) == date(2026, 12, 31)
    # 2025: Saint-Étienne (26 December) is a Friday.
    assert paper_deadline(date(2025, 12, 22), FR) == date(2025, 12, 30)
    assert paper_deadline(date(2025, 12, 22), french_working_day("57")) == date(2025, 12, 31)


def test_retention_is_90_full_days_after_the_transmission_day() -> None:
    sent = datetime(2026, 11, 17, 16, 0, tzinfo=UTC)
    assert purge_date(sent) == date(2026, 11, 17) + timedelta(days=91)
    last_kept = date(2026, 11, 17) + timedelta(days=90)
    assert not may_purge(sent, last_kept, acknowledged=True)
    assert may_purge(sent, last_kept + timedelta(days=1), acknowledged=True)


def test_no_purge_without_positive_arl_or_transmission() -> None:
    sent = date(2026, 1, 5)
    assert not may_purge(sent, date(2027, 1, 5), acknowledged=False)  # may have to be resent
    assert not may_purge(None, date(2027, 1, 5), acknowledged=True)


def test_retention_is_a_setting() -> None:
    settings = ScorSettings(retention_days=30)
    assert may_purge(date(2026, 11, 1), date(2026, 12, 2), settings, acknowledged=True)
    assert not may_purge(date(2026, 11, 1), date(2026, 12, 1), settings, acknowledged=True)
    with pytest.raises(ValueError):
        ScorSettings(retention_days=0)
