"""French working days ("jours ouvrés"): Monday to Friday, French public holidays excluded.

The payment guarantee (5 jours ouvrés), the late-payment indemnity (7 jours ouvrés) and the
transmission deadlines are all counted this way [convention 002 L4379]. Holidays come from the
maintained ``holidays`` package; Alsace-Moselle (subdivision ``57``) and the overseas
departments add their own days, so the subdivision is a parameter.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import lru_cache

from billing.errors import BillingError

logger = logging.getLogger(__name__)


class WorkingDaysError(BillingError):
    """A working-day computation was asked something meaningless (negative count...)."""


@lru_cache(maxsize=64)
def _holidays_of(year: int, subdivision: str | None) -> frozenset[date]:
    import holidays  # ~0.1 s: only for the commands that count working days (issue #27)

    calendar = holidays.country_holidays("FR", subdiv=subdivision, years=year)
    return frozenset(calendar.keys())


def is_working_day(day: date, *, subdivision: str | None = None) -> bool:
    """True for a Monday–Friday that is not a French public holiday."""
    if day.weekday() >= 5:
        return False
    return day not in _holidays_of(day.year, subdivision)


def add_working_days(start: date, count: int, *, subdivision: str | None = None) -> date:
    """The date ``count`` working days after ``start`` (``start`` itself is not counted).

    :raises WorkingDaysError: if ``count`` is negative.
    """
    if count < 0:
        raise WorkingDaysError(f"Nombre de jours ouvrés négatif : {count}.")
    day = start
    remaining = count
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day, subdivision=subdivision):
            remaining -= 1
    return day


def working_days_between(start: date, end: date, *, subdivision: str | None = None) -> int:
    """Working days after ``start`` up to and including ``end``; 0 when ``end <= start``."""
    if end <= start:
        return 0
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, subdivision=subdivision):
            count += 1
    return count
