"""SCOR time rules: the 5-working-day window for a PJ that cannot be sent, and the 90-day
retention of digital PJ. Pure: every date is passed in.

Sources (convention médicale, seed 002):

- "le médecin met tout en œuvre pour y parvenir dans un délai de cinq jours ouvrés à
  compter de la première tentative. En cas de persistance de l'impossibilité de
  télétransmettre à l'issue de ce délai, le médecin en informe la caisse et transmet les
  pièces sous format papier (duplicata)." [L4354]
- "Le médecin conserve les PJ numériques ... pendant quatre-vingt-dix jours à compter du
  jour de télétransmission ou de l'envoi postal à la caisse primaire." [L4363]
- "A défaut de réception d'un ARL positif, le médecin transmet à nouveau la pièce
  numérique qu'il a conservée" [L4358]: a PJ without a positive ARL PJ is never purged.

Counting: jours ouvrés are Monday to Friday except French public holidays. As in French
time limits generally, the day of the first attempt is not counted: the window ends at the
end of the fifth working day after it, and the paper duplicata is due from the next day.
The retention likewise runs ``retention_days`` full days after the day of transmission.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from billing import working_days

logger = logging.getLogger(__name__)

#: Convention defaults; both are settings (``ScorSettings``).
RETRY_WORKING_DAYS = 5
RETENTION_DAYS = 90

WorkingDayPredicate = Callable[[date], bool]


@dataclass(frozen=True, slots=True)
class ScorSettings:
    """The two SCOR durations, configurable (convention values by default)."""

    retry_working_days: int = RETRY_WORKING_DAYS
    retention_days: int = RETENTION_DAYS

    def __post_init__(self) -> None:
        if self.retry_working_days < 1 or self.retention_days < 1:
            raise ValueError("SCOR durations must be at least one day")


def french_working_day(subdivision: str | None = None) -> WorkingDayPredicate:
    """Monday to Friday, French public holidays excluded, from the product's one calendar
    (``billing.working_days``); ``subdivision`` for Alsace-Moselle ("57") or overseas."""

    def is_working_day(day: date) -> bool:
        return working_days.is_working_day(day, subdivision=subdivision)

    return is_working_day


def add_working_days(start: date, count: int, is_working_day: WorkingDayPredicate) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself is not counted)."""
    if count < 0:
        raise ValueError("count must be >= 0")
    day = start
    remaining = count
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date, is_working_day: WorkingDayPredicate) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if ``end <= start``)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def paper_deadline(
    first_attempt: date,
    is_working_day: WorkingDayPredicate,
    settings: ScorSettings = ScorSettings(),
) -> date:
    """Last day on which the PJ may still be télétransmitted (end of the window)."""
    return add_working_days(first_attempt, settings.retry_working_days, is_working_day)


@dataclass(frozen=True, slots=True)
class RetryVerdict:
    """Where a PJ stands in its 5-working-day window."""

    deadline: date  # last day to keep trying
    working_days_used: int
    paper_due: bool  # the window is over: inform the caisse, send the paper duplicata
    window: int = RETRY_WORKING_DAYS

    @property
    def working_days_left(self) -> int:
        return 0 if self.paper_due else max(0, self.window - self.working_days_used)


def retry_verdict(
    first_attempt: datetime | date,
    now: datetime | date,
    is_working_day: WorkingDayPredicate,
    settings: ScorSettings = ScorSettings(),
    *,
    acknowledged: bool = False,
) -> RetryVerdict:
    """Whether the paper duplicata is due for a PJ first attempted at ``first_attempt``.

    A PJ whose lot received a positive ARL PJ is never due for paper.
    """
    first = first_attempt.date() if isinstance(first_attempt, datetime) else first_attempt
    today = now.date() if isinstance(now, datetime) else now
    deadline = paper_deadline(first, is_working_day, settings)
    used = working_days_between(first, today, is_working_day)
    return RetryVerdict(
        deadline=deadline,
        working_days_used=min(used, settings.retry_working_days),
        paper_due=(not acknowledged) and today > deadline,
        window=settings.retry_working_days,
    )


def purge_date(
    transmitted: datetime | date,
    settings: ScorSettings = ScorSettings(),
) -> date:
    """First day on which a PJ transmitted (or posted) on ``transmitted`` may be purged."""
    day = transmitted.date() if isinstance(transmitted, datetime) else transmitted
    return day + timedelta(days=settings.retention_days + 1)


def may_purge(
    transmitted: datetime | date | None,
    now: datetime | date,
    settings: ScorSettings = ScorSettings(),
    *,
    acknowledged: bool,
) -> bool:
    """Whether a PJ's file and content may be deleted now.

    Never before a positive ARL PJ (the PJ may have to be sent again) unless the paper was
    posted instead (then ``transmitted`` is the posting day and ``acknowledged`` True), and
    never before ``retention_days`` full days after the transmission day.
    """
    if transmitted is None or not acknowledged:
        return False
    today = now.date() if isinstance(now, datetime) else now
    return today >= purge_date(transmitted, settings)
