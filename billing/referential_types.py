"""The referential's vocabulary: its errors, the age rules (birthdays, age ranges and
conditions), the kinds and limits of an act, and the dated rows, parameters and sources the
data files hold. No lookup and no file reading here: :mod:`billing.referential_files`
parses the files into these types and :mod:`billing.referential` answers questions on them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import MAXYEAR, date, timedelta
from decimal import Decimal
from enum import StrEnum

from billing.errors import BillingError

#: A CCAM code (technical act): four letters and three digits.
_CCAM = re.compile(r"^[A-Z]{4}\d{3}$")
#: Groups given to a two-digit specialty code absent from ``specialties.csv``.
UNLISTED_SPECIALTY_GROUPS = frozenset({"MED", "SPE", "SPE_AUTRE"})
#: Zone used when the practitioner gives none.
DEFAULT_ZONE = "metropole"


class ReferentialError(BillingError):
    """Base for referential lookups and data errors."""


class UnknownCodeError(ReferentialError):
    """The code is in neither the packaged referential nor the local tariff file."""

    def __init__(self, code: str) -> None:
        super().__init__(f"Code inconnu du référentiel : {code}.")
        self.code = code


class NotInForceError(ReferentialError):
    """The code exists but is not billable at the date of care (removed or not yet created)."""

    def __init__(
        self,
        code: str,
        on: date,
        *,
        valid_from: date | None = None,
        valid_to: date | None = None,
        removed: bool = False,
    ) -> None:
        self.code = code
        self.on = on
        self.valid_from = valid_from
        self.valid_to = valid_to
        self.removed = removed
        super().__init__(self._sentence())

    def _sentence(self) -> str:
        when = fr_date(self.on)
        if self.removed and self.valid_from is None:
            return f"Le code {self.code} est supprimé par la convention : il n'est plus facturable."
        if self.removed and self.valid_from is not None:
            return (
                f"Le code {self.code} est supprimé à compter du {fr_date(self.valid_from)} : "
                f"il n'est pas facturable le {when}."
            )
        if self.valid_from is not None and self.on < self.valid_from:
            return (
                f"Le code {self.code} n'entre en vigueur que le {fr_date(self.valid_from)} : "
                f"il n'est pas facturable le {when}."
            )
        if self.valid_to is not None:
            return (
                f"Le code {self.code} n'est plus en vigueur depuis le "
                f"{fr_date(self.valid_to + timedelta(days=1))} : "
                f"il n'est pas facturable le {when}."
            )
        return f"Le code {self.code} n'est pas en vigueur le {when}."


class ReferentialDataError(ReferentialError):
    """A tariff file (packaged or local) is malformed; carries the file and line."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"Fichier de tarifs {source}, ligne {line} : {message}")
        self.source = source
        self.line = line
        self.detail = message


def fr_date(value: date) -> str:
    # Not strftime: it does not pad years below 1000 on every platform.
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


# --- ages ---------------------------------------------------------------------------------


def age_in_years(birth: date, on: date) -> int:
    """Completed years at ``on`` (someone born on 29 February ages on 1 March)."""
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years


def age_in_months(birth: date, on: date) -> int:
    """Completed months at ``on``."""
    months = (on.year - birth.year) * 12 + on.month - birth.month
    if on.day < birth.day:
        months -= 1
    return months


def last_birthday(birth: date, on: date) -> date:
    """The most recent birthday on or before ``on`` (28 February stands for 29 February)."""
    years = age_in_years(birth, on)
    return _anniversary(birth, birth.year + years)


def next_birthday(birth: date, on: date) -> date | None:
    """The first birthday strictly after ``on``; None when it falls beyond year 9999."""
    years = age_in_years(birth, on)
    if birth.year + years + 1 > MAXYEAR:
        return None
    return _anniversary(birth, birth.year + years + 1)


def _anniversary(birth: date, year: int) -> date:
    try:
        return birth.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 3, 1)


class AgeUnit(StrEnum):
    """Unit of an age bound: completed days, months or years."""

    DAYS = "d"
    MONTHS = "m"
    YEARS = "y"


@dataclass(frozen=True, slots=True)
class AgeRange:
    """Inclusive bounds in completed units; ``None`` is open."""

    unit: AgeUnit
    low: int | None
    high: int | None

    def contains(self, birth: date, on: date) -> bool:
        if self.unit is AgeUnit.DAYS:
            value = (on - birth).days
        elif self.unit is AgeUnit.MONTHS:
            value = age_in_months(birth, on)
        else:
            value = age_in_years(birth, on)
        if self.low is not None and value < self.low:
            return False
        return self.high is None or value <= self.high

    def describe(self) -> str:
        unit = {"d": "jours", "m": "mois", "y": "ans"}[self.unit.value]
        if self.low is not None and self.high is not None:
            if self.low == self.high:
                return f"{self.low} {unit}"
            return f"de {self.low} à {self.high} {unit} révolus"
        if self.low is not None:
            return f"{self.low} {unit} ou plus"
        if self.high is not None:
            return f"moins de {self.high + 1} {unit}"
        return "tout âge"


@dataclass(frozen=True, slots=True)
class AgeCondition:
    """Age at the date of care: any of several ranges (``..5``, ``2..5``, ``80..``, ``m8..9``)."""

    ranges: tuple[AgeRange, ...]
    text: str

    @classmethod
    def parse(cls, text: str) -> AgeCondition:
        """Parse the compact notation of the tariff files; raises ValueError."""
        ranges = []
        for part in text.split("|"):
            part = part.strip()
            unit = AgeUnit.YEARS
            if part[:1] in ("d", "m"):
                unit = AgeUnit(part[0])
                part = part[1:]
            if ".." in part:
                low_text, high_text = part.split("..", 1)
                low = int(low_text) if low_text else None
                high = int(high_text) if high_text else None
            else:
                low = high = int(part)
            ranges.append(AgeRange(unit, low, high))
        if not ranges:
            raise ValueError("condition d'âge vide")
        return cls(tuple(ranges), text)

    def matches(self, birth: date, on: date) -> bool:
        """True when the age at ``on`` falls in one of the ranges."""
        return any(r.contains(birth, on) for r in self.ranges)

    def describe(self) -> str:
        """French description, e.g. « moins de 6 ans »."""
        return " ou ".join(r.describe() for r in self.ranges)


class LimitPeriod(StrEnum):
    """Window in which a frequency limit counts acts."""

    YEAR = "year"  # calendar year of the date of care
    WEEK = "week"  # ISO week (Monday to Sunday)
    DAY = "day"
    AGE_YEAR = "age_year"  # from the last birthday to the next one


class LimitScope(StrEnum):
    """Whose acts a frequency limit counts."""

    PATIENT = "patient"  # this practitioner, this patient
    REQUESTED = "requis"  # ... and the same requested practitioner (RQD)
    PRACTITIONER = "praticien"  # all the practitioner's acts given in the history


@dataclass(frozen=True, slots=True)
class FrequencyLimit:
    """At most ``count`` acts of ``group`` per ``period`` and ``scope``."""

    count: int
    period: LimitPeriod
    scope: LimitScope
    group: str

    @classmethod
    def parse(cls, text: str, code: str) -> FrequencyLimit:
        parts = text.split("/")
        if len(parts) not in (3, 4):
            raise ValueError(f"limite de fréquence illisible : {text!r}")
        group = parts[3] if len(parts) == 4 else code
        return cls(int(parts[0]), LimitPeriod(parts[1]), LimitScope(parts[2]), group)


class ActKind(StrEnum):
    """What a code is, for the rules that care (an overrun goes on an act, not on a fee)."""

    ACT = "acte"
    SUPPLEMENT = "majoration"
    TRAVEL = "deplacement"


class Family(StrEnum):
    """Sector family of a consultation code [002 L3243-3247]."""

    ANY = ""
    OPPOSABLE = "to"  # S1, OPTAM, or S2 billing at tarif opposable (G, CS, CNP...)
    SECTOR2 = "c2"  # S2 without OPTAM billing with dépassement (C, V, CP...)


class Treating(StrEnum):
    """Whether the code needs the practitioner to be the patient's médecin traitant."""

    ANY = ""
    REQUIRED = "mt"
    EXCLUDED = "non_mt"


@dataclass(frozen=True, slots=True)
class TariffRow:
    """One code over one period (and, where amounts differ, one set of billers or zones)."""

    code: str
    label: str
    amount: Decimal | None
    valid_from: date | None = None
    valid_to: date | None = None
    removed: bool = False
    kind: ActKind = ActKind.ACT
    billers: tuple[str, ...] = ("*",)
    family: Family = Family.ANY
    treating: Treating = Treating.ANY
    to_only: bool = False
    age: AgeCondition | None = None
    age_waiver: str = ""
    zones: tuple[str, ...] = ()
    coefficients: tuple[Decimal, ...] = ()
    fee_cap: Decimal | None = None
    ed_allowed: bool = False
    limit: FrequencyLimit | None = None
    conditions: str = ""
    source_file: str = ""
    source_lines: str = ""
    local: bool = False
    #: Care class for the AMO rate (``prevention``, ``dental``; empty: the general rules).
    care: str = ""
    #: The row applies only when one of these codes is on the same invoice (MCS with CNP).
    combo: tuple[str, ...] = ()
    #: The code majorates one of these acts, which must be on the same invoice (MDM, IK).
    needs: tuple[str, ...] = ()
    #: Why the amount is missing when the row was found but cannot price (zone, old date).
    missing_note: str = ""

    def in_force(self, on: date) -> bool:
        """True when ``on`` lies in [valid_from, valid_to]."""
        if self.valid_from is not None and on < self.valid_from:
            return False
        return self.valid_to is None or on <= self.valid_to

    @property
    def is_technical(self) -> bool:
        """CCAM technical act (as opposed to an NGAP clinical act)."""
        return bool(_CCAM.match(self.code))

    @property
    def source(self) -> str:
        """Where the row comes from, e.g. ``002_43679c6e4e635b7a.txt L3244,3249``."""
        if self.local:
            return f"tarif local ({self.source_file}, ligne {self.source_lines})"
        if not self.source_lines:
            return self.source_file
        return f"{self.source_file} L{self.source_lines}"


@dataclass(frozen=True, slots=True)
class Incompatibility:
    """Two codes that may not be billed in the same invoice."""

    code_a: str
    code_b: str
    reason: str
    source: str


@dataclass(frozen=True, slots=True)
class PfPeriod:
    """Participation forfaitaire amount over a period."""

    amount: Decimal
    valid_from: date | None
    valid_to: date | None


@dataclass(frozen=True, slots=True)
class RatePeriod:
    """An AMO rate (percent) over a period, with the text that sets it."""

    rate: Decimal
    valid_from: date | None
    valid_to: date | None
    source: str

    def covers(self, on: date) -> bool:
        """True when ``on`` lies in [valid_from, valid_to]."""
        if self.valid_from is not None and on < self.valid_from:
            return False
        return self.valid_to is None or on <= self.valid_to


@dataclass(frozen=True, slots=True)
class Parameters:
    """Regulation values used by pricing (rates, participation forfaitaire, DA cap)."""

    rate_standard: Decimal
    rate_exonerated: Decimal
    rate_out_of_pathway: Decimal
    pathway_exempt_below_age: int
    pf_min_age: int
    pf_periods: tuple[PfPeriod, ...]
    da_cap_rate: Decimal
    care_rates: Mapping[str, tuple[RatePeriod, ...]] = field(default_factory=dict)

    def care_rate(self, care: str, on: date) -> RatePeriod | None:
        """The dated rate of a care class (``prevention``, ``dental``) at ``on``, if any."""
        for period in self.care_rates.get(care, ()):
            if period.covers(on):
                return period
        return None

    def participation_forfaitaire(self, on: date) -> Decimal:
        """The amount per invoice at ``on`` (0 when no period covers the date)."""
        for period in self.pf_periods:
            if (period.valid_from is None or on >= period.valid_from) and (
                period.valid_to is None or on <= period.valid_to
            ):
                return period.amount
        return Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Source:
    """A document the referential was built from, with its caveat."""

    file: str
    title: str
    caveat: str
