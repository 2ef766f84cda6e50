"""Rule error codes and the values the checks exchange."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from billing.referential import TariffRow
    from billing.request import Act


class ErrorCode(StrEnum):
    """Why an invoice is rejected (stable: part of the ``sesam price`` contract)."""

    UNKNOWN_CODE = "UNKNOWN_CODE"
    NOT_IN_FORCE = "NOT_IN_FORCE"
    AGE_CONDITION = "AGE_CONDITION"
    SPECIALTY_NOT_ALLOWED = "SPECIALTY_NOT_ALLOWED"
    NOT_CUMULABLE = "NOT_CUMULABLE"
    FREQUENCY_LIMIT = "FREQUENCY_LIMIT"
    OVERRUN_NOT_ALLOWED = "OVERRUN_NOT_ALLOWED"
    OVERRUN_CAP_EXCEEDED = "OVERRUN_CAP_EXCEEDED"
    MISSING_TARIFF = "MISSING_TARIFF"
    TELECONSULTATION = "TELECONSULTATION"  # an act not billable in (or out of) téléconsultation


@dataclass(frozen=True, slots=True)
class RuleError:
    """A rejected act (or invoice when ``act_index`` is None), with a French message."""

    code: ErrorCode
    act_index: int | None
    act_code: str | None
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class ResolvedAct:
    """An act with the tariff row the date of care picked (None: unknown or not in force)."""

    index: int
    act: Act
    row: TariffRow | None
    base: Decimal

    def error(self, code: ErrorCode, message: str) -> RuleError:
        """A rule error about this act."""
        return RuleError(code, self.index, self.act.code.strip().upper(), message)
