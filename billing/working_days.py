"""French working days ("jours ouvrés"): Monday to Friday, French public holidays excluded.

The payment guarantee (5 jours ouvrés), the late-payment indemnity (7 jours ouvrés) and the
transmission deadlines are all counted this way [convention 002 L4379]. Alsace-Moselle
(subdivision ``57``) and the overseas departments add their own days, so the subdivision is a
parameter. The days come from the dated file ``billing/data/jours_feries.json`` (generated from
the maintained ``holidays`` package, its version and legal sources in the file): importing the
package costs ~50–80 ms at every ``sesam`` command that counts working days (issue #27). A year
or subdivision outside the file is asked to the package itself, so a date past the file's
last year stays right (a warning says the file should be regenerated).
"""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from functools import cache, lru_cache
from pathlib import Path

from billing.errors import BillingError

logger = logging.getLogger(__name__)


class WorkingDaysError(BillingError):
    """A working-day computation was asked something meaningless (negative count...)."""


CALENDAR_FILE = Path(__file__).with_name("data") / "jours_feries.json"


class _Calendar:
    """The file's days as written: ISO dates (each year's read when first asked). A plain
    class: a dataclass costs ~0.5 ms at import, paid by every listing (issue #27)."""

    __slots__ = ("additions", "first_year", "last_year", "metropole")

    def __init__(
        self,
        first_year: int,
        last_year: int,
        metropole: tuple[str, ...],
        additions: dict[str, tuple[str, ...]],  # subdivision code -> its own days
    ) -> None:
        self.first_year = first_year
        self.last_year = last_year
        self.metropole = metropole
        self.additions = additions


@cache
def _calendar() -> _Calendar:
    with CALENDAR_FILE.open(encoding="utf-8") as file:
        content = json.load(file)
    return _Calendar(
        first_year=int(content["first_year"]),
        last_year=int(content["last_year"]),
        metropole=tuple(content["metropole"]),
        additions={code: tuple(days) for code, days in content["subdivisions"].items()},
    )


@lru_cache(maxsize=64)
def _holidays_of(year: int, subdivision: str | None) -> frozenset[date]:
    calendar = _calendar()
    if not calendar.first_year <= year <= calendar.last_year:
        _warn_outside(year)
        return _holidays_from_package(year, subdivision)
    if subdivision is not None and subdivision not in calendar.additions:
        return _holidays_from_package(year, subdivision)  # an alias, or refused by it
    days = calendar.metropole + (calendar.additions[subdivision] if subdivision else ())
    prefix = f"{year:04d}-"
    return frozenset(date.fromisoformat(d) for d in days if d.startswith(prefix))


@cache
def _warn_outside(year: int) -> None:
    calendar = _calendar()
    logger.warning(
        "Jours fériés de %d absents de %s (%d–%d) : fichier à régénérer "
        "(python -m billing.data.build_jours_feries)",
        year,
        CALENDAR_FILE.name,
        calendar.first_year,
        calendar.last_year,
    )


def _holidays_from_package(year: int, subdivision: str | None) -> frozenset[date]:
    import holidays  # ~50–80 ms: only outside the file's years and subdivisions

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
