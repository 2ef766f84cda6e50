"""How long an AMC may take to pay its part in tiers payant before the workstation alerts:
dated data (``billing/tariffs/amc-delais.json``) with its source, a default and a delay per
AMC when its convention says otherwise. Pure: the caller gives the day and the AMC."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from billing.errors import BillingError


class AmcDelaysError(BillingError):
    """The delay file is unreadable (French ``str()``)."""


class DatedDelay(NamedTuple):
    """A delay in days, in force from ``valid_from`` to ``valid_to`` (both included)."""

    days: int
    valid_from: date | None
    valid_to: date | None
    source: str

    def in_force(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass(frozen=True, slots=True)
class AmcDelays:
    """The default delay (dated) and the delays of particular AMC (n° AMC → days)."""

    default: tuple[DatedDelay, ...]
    by_amc: Mapping[str, int]
    source: str

    def days(self, day: date, amc_number: str = "") -> int:
        """The delay for an AMC part transmitted on ``day`` (the AMC's own when known)."""
        own = self.by_amc.get(amc_number.lstrip("0")) if amc_number else None
        if own is not None:
            return own
        for delay in self.default:
            if delay.in_force(day):
                return delay.days
        raise AmcDelaysError(f"Aucun délai de paiement AMC en vigueur au {day:%d/%m/%Y}.")

    def shortest(self) -> int:
        """The shortest delay of all: the bound of the query that finds late parts."""
        return min([d.days for d in self.default] + list(self.by_amc.values()))


def _day(raw: Any) -> date | None:
    return None if raw is None else date.fromisoformat(str(raw))


def parse_amc_delays(text: str) -> AmcDelays:
    """:raises AmcDelaysError: not the expected JSON."""
    try:
        doc = json.loads(text)
        default = tuple(
            DatedDelay(int(d["days"]), _day(d["valid_from"]), _day(d["valid_to"]), str(d["source"]))
            for d in doc["default"]
        )
        by_amc = {str(k).lstrip("0"): int(v) for k, v in doc["by_amc"].items()}
        source = str(doc["source"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AmcDelaysError(f"Fichier des délais de paiement AMC illisible : {exc}.") from exc
    if not default or any(d.days <= 0 for d in default) or any(v <= 0 for v in by_amc.values()):
        raise AmcDelaysError("Fichier des délais de paiement AMC : délai absent ou nul.")
    return AmcDelays(default, by_amc, source)


def load_amc_delays() -> AmcDelays:
    """The packaged delays."""
    # Package data beside this module, without importlib.resources (~2 ms to import, #27).
    text = (Path(__file__).parent / "tariffs" / "amc-delais.json").read_text("utf-8")
    return parse_amc_delays(text)
