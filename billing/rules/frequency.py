"""Frequency limits counted over the practitioner's history with the patient."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from billing.referential import (
    FrequencyLimit,
    LimitPeriod,
    LimitScope,
    last_birthday,
    next_birthday,
)
from billing.rules.codes import ErrorCode, ResolvedAct, RuleError

if TYPE_CHECKING:
    from billing.referential import Referential
    from billing.request import PricingRequest

_PERIOD_WORDS = {
    LimitPeriod.YEAR: "par année civile",
    LimitPeriod.WEEK: "par semaine",
    LimitPeriod.DAY: "par jour",
    LimitPeriod.AGE_YEAR: "par année d'âge (douze mois suivant l'anniversaire)",
}
_SCOPE_WORDS = {
    LimitScope.PATIENT: "pour ce patient",
    LimitScope.REQUESTED: "pour ce patient et ce professionnel requis",
    LimitScope.PRACTITIONER: "pour ce praticien",
}


def check_frequency(
    request: PricingRequest, acts: tuple[ResolvedAct, ...], referential: Referential
) -> list[RuleError]:
    """Acts of the invoice that would exceed their limit, history and earlier acts included."""
    groups = _group_members(referential)
    errors: list[RuleError] = []
    for resolved in acts:
        row = resolved.row
        if row is None or row.limit is None:
            continue
        limit = row.limit
        members = groups.get(limit.group, frozenset({limit.group}))
        requested = resolved.act.requested_practitioner
        already = sum(
            entry.quantity
            for entry in request.history
            if entry.code.strip().upper() in members
            and _in_window(limit, entry.date, request)
            and _same_requested(limit, requested, entry.requested_practitioner)
        )
        already += sum(
            earlier.act.quantity
            for earlier in acts[: resolved.index]
            if earlier.row is not None
            and earlier.row.code in members
            and _same_requested(limit, requested, earlier.act.requested_practitioner)
        )
        if already + resolved.act.quantity > limit.count:
            errors.append(
                resolved.error(
                    ErrorCode.FREQUENCY_LIMIT,
                    f"Limite atteinte pour {row.code} : {limit.count} au plus "
                    f"{_PERIOD_WORDS[limit.period]} {_SCOPE_WORDS[limit.scope]}, "
                    f"{already} déjà facturé(s) ({row.source}).",
                )
            )
    return errors


def _group_members(referential: Referential) -> dict[str, frozenset[str]]:
    members: dict[str, set[str]] = {}
    for row in referential.rows:
        if row.limit is not None:
            members.setdefault(row.limit.group, {row.limit.group}).add(row.code)
    return {group: frozenset(codes) for group, codes in members.items()}


def _in_window(limit: FrequencyLimit, when: date, request: PricingRequest) -> bool:
    on = request.date_of_care
    if limit.period is LimitPeriod.YEAR:
        return when.year == on.year
    if limit.period is LimitPeriod.WEEK:
        return when.isocalendar()[:2] == on.isocalendar()[:2]
    if limit.period is LimitPeriod.DAY:
        return when == on
    birth = request.patient.birth_date
    following = next_birthday(birth, on)  # None past the end of the calendar (9999-12-31)
    return last_birthday(birth, on) <= when and (following is None or when < following)


def _same_requested(limit: FrequencyLimit, current: str | None, other: str | None) -> bool:
    # An entry without the requested practitioner may be the same one: count it.
    if limit.scope is not LimitScope.REQUESTED or current is None or other is None:
        return True
    return current.strip() == other.strip()
