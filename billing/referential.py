"""The dated tariff referential: packaged rows with their seed sources, plus local rows.

Amounts never live in code: they are read from ``billing/tariffs/*.csv`` (one row per code,
period and, where the amount differs, specialty or zone) and from the cabinet's local tariff
file. The date of care picks the row.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import MAXYEAR, date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

from billing.errors import BillingError

logger = logging.getLogger(__name__)

_DATA_PACKAGE = "billing.tariffs"
#: A CCAM code (technical act): four letters and three digits.
_CCAM = re.compile(r"^[A-Z]{4}\d{3}$")
#: Groups given to a two-digit specialty code absent from ``specialties.csv``.
_UNLISTED_SPECIALTY_GROUPS = frozenset({"MED", "SPE", "SPE_AUTRE"})
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
        when = _fr_date(self.on)
        if self.removed and self.valid_from is None:
            return f"Le code {self.code} est supprimé par la convention : il n'est plus facturable."
        if self.removed and self.valid_from is not None:
            return (
                f"Le code {self.code} est supprimé à compter du {_fr_date(self.valid_from)} : "
                f"il n'est pas facturable le {when}."
            )
        if self.valid_from is not None and self.on < self.valid_from:
            return (
                f"Le code {self.code} n'entre en vigueur que le {_fr_date(self.valid_from)} : "
                f"il n'est pas facturable le {when}."
            )
        if self.valid_to is not None:
            return (
                f"Le code {self.code} n'est plus en vigueur depuis le "
                f"{_fr_date(self.valid_to + timedelta(days=1))} : "
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


def _fr_date(value: date) -> str:
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


@dataclass(frozen=True, eq=False)
class Referential:
    """Dated tariff rows with their sources; look codes up at the date of care."""

    version: str
    sources: tuple[Source, ...]
    rows: tuple[TariffRow, ...]
    specialties: Mapping[str, frozenset[str]]
    specialty_labels: Mapping[str, str]
    incompatibilities: tuple[Incompatibility, ...]
    parameters: Parameters
    local_rows: tuple[TariffRow, ...] = ()
    #: First date the packaged amounts are vouched for; before it they answer MISSING_TARIFF.
    covers_from: date | None = None
    _by_code: dict[str, tuple[TariffRow, ...]] = field(default_factory=dict, init=False, repr=False)
    _local_by_code: dict[str, tuple[TariffRow, ...]] = field(
        default_factory=dict, init=False, repr=False
    )

    def __post_init__(self) -> None:
        self._by_code.clear()
        self._by_code.update(_index(self.rows))
        self._local_by_code.clear()
        self._local_by_code.update(_index(self.local_rows))

    # -- construction -------------------------------------------------------------------

    @classmethod
    def load_default(cls) -> Referential:
        """The packaged referential (read once, then shared: it is immutable)."""
        return _load_packaged()

    def with_local(self, rows: Iterable[TariffRow]) -> Referential:
        """A copy that also knows the cabinet's local rows (they win over packaged ones)."""
        local = tuple(replace(row, local=True) for row in rows)
        return Referential(
            version=self.version,
            sources=self.sources,
            rows=self.rows,
            specialties=self.specialties,
            specialty_labels=self.specialty_labels,
            incompatibilities=self.incompatibilities,
            parameters=self.parameters,
            local_rows=local,
            covers_from=self.covers_from,
        )

    # -- queries ------------------------------------------------------------------------

    def codes(self) -> tuple[str, ...]:
        """Every known code, packaged or local, sorted."""
        return tuple(sorted(set(self._by_code) | set(self._local_by_code)))

    def specialty_groups(self, specialty: str) -> frozenset[str]:
        """The groups of a CNAM specialty code (MG, SPE, PSY, DENTMED, DENTISTE...)."""
        groups = self.specialties.get(specialty)
        if groups is None:
            return _UNLISTED_SPECIALTY_GROUPS
        return groups

    def may_bill(self, row: TariffRow, specialty: str) -> bool:
        """Whether a practitioner of ``specialty`` is among the row's billers."""
        groups = self.specialty_groups(specialty)
        allowed = False
        for token in row.billers:
            if token.startswith("-"):
                if token[1:] == specialty or token[1:] in groups:
                    return False
            elif token in ("*", specialty) or token in groups:
                allowed = True
        return allowed

    def lookup(
        self,
        code: str,
        on: date,
        *,
        specialty: str | None = None,
        zone: str | None = None,
        with_codes: Iterable[str] = (),
    ) -> TariffRow:
        """The row that prices ``code`` at ``on``; a local row wins over a packaged one.

        ``with_codes`` are the other codes of the invoice: a row with ``combo`` applies only
        alongside one of its codes (MCS with CNP). A row found for another zone than
        ``zone`` (tariffs of the Métropole only) comes back without an amount.

        :raises UnknownCodeError: the code is known nowhere.
        :raises NotInForceError: the code exists but is removed or not yet valid at ``on``
            (for ``specialty``'s rows when that specialty may bill some row of the code).
        """
        code = code.strip().upper()
        others = {c.strip().upper() for c in with_codes}
        packaged = [
            row
            for row in self._by_code.get(code, ())
            if not row.combo or others.intersection(row.combo)
        ]
        local = self._local_by_code.get(code, ())
        if not packaged and not local:
            raise UnknownCodeError(code)
        if specialty is not None:
            # A dentist's TE2 before its avenant is not in force, even though the
            # physicians' TE2 is: judge the dates on the rows this specialty may bill.
            mine = [row for row in packaged if self.may_bill(row, specialty)]
            if mine:
                packaged = mine
        in_force = [row for row in packaged if row.in_force(on)]
        best = self._best(in_force, specialty, zone)
        local_in_force = [row for row in local if row.in_force(on)]
        local_best = self._best(local_in_force, specialty, zone, strict_zone=True)
        if local_best is not None:
            return self._merge_local(local_best, best or self._nearest(packaged, on))
        if best is None:
            raise self._not_in_force(code, on, packaged or local)
        if best.removed:
            raise NotInForceError(code, on, valid_from=best.valid_from, removed=True)
        if best.amount is not None and self.covers_from is not None and on < self.covers_from:
            return replace(
                best,
                amount=None,
                missing_note=(
                    f"les sources ne donnent aucun tarif antérieur au {_fr_date(self.covers_from)}"
                ),
            )
        return best

    def search(self, text: str, on: date, *, limit: int = 50) -> tuple[TariffRow, ...]:
        """Rows in force at ``on`` whose code or a word of the label starts with ``text``."""
        needle = _fold(text.strip())
        if not needle:
            return ()
        by_code: list[TariffRow] = []
        by_label: list[TariffRow] = []
        seen: set[tuple[str, str]] = set()
        for row in (*self.local_rows, *self.rows):
            if row.removed or not row.in_force(on) or (row.code, row.label) in seen:
                continue
            if _fold(row.code).startswith(needle):
                by_code.append(row)
            elif any(word.startswith(needle) for word in _fold(row.label).split()):
                by_label.append(row)
            else:
                continue
            seen.add((row.code, row.label))
        by_code.sort(key=lambda row: (len(row.code), row.code))
        by_label.sort(key=lambda row: row.code)
        return tuple((by_code + by_label)[:limit])

    # -- helpers ------------------------------------------------------------------------

    def _best(
        self,
        rows: Sequence[TariffRow],
        specialty: str | None,
        zone: str | None,
        *,
        strict_zone: bool = False,
    ) -> TariffRow | None:
        if not rows:
            return None
        wanted_zone = zone or DEFAULT_ZONE
        zoned = [row for row in rows if wanted_zone in row.zones]
        if not zoned:
            zoned = [row for row in rows if not row.zones]
        elsewhere = not zoned
        if elsewhere:
            if strict_zone:
                return None
            zoned = list(rows)
        chosen = zoned[0]
        if specialty is not None:
            chosen = next((row for row in zoned if self.may_bill(row, specialty)), chosen)
        if elsewhere and chosen.amount is not None:
            # [002 L3232]: the convention's amounts are the Métropole's; the other
            # départements' are in an annex the seeds do not carry.
            return replace(
                chosen,
                amount=None,
                missing_note=(
                    f"le tarif donné par les sources vaut pour {', '.join(chosen.zones)}, pas "
                    f"pour {wanted_zone} (tarifs des autres départements dans une annexe "
                    "absente des sources [002 L3232])"
                ),
            )
        return chosen

    @staticmethod
    def _nearest(rows: Sequence[TariffRow], on: date) -> TariffRow | None:
        def distance(row: TariffRow) -> int:
            if row.valid_from is not None and on < row.valid_from:
                return (row.valid_from - on).days
            if row.valid_to is not None and on > row.valid_to:
                return (on - row.valid_to).days
            return 0

        return min(rows, key=distance, default=None)

    @staticmethod
    def _merge_local(local: TariffRow, packaged: TariffRow | None) -> TariffRow:
        """A local row priced by the cabinet, with the packaged row's conditions if any."""
        if packaged is None:
            return local
        return replace(
            packaged,
            label=local.label or packaged.label,
            amount=local.amount,
            valid_from=local.valid_from,
            valid_to=local.valid_to,
            removed=False,
            billers=local.billers if local.billers != ("*",) else packaged.billers,
            zones=local.zones or packaged.zones,
            conditions=local.conditions or packaged.conditions,
            source_file=local.source_file,
            source_lines=local.source_lines,
            local=True,
            missing_note="",
        )

    @staticmethod
    def _not_in_force(code: str, on: date, rows: Sequence[TariffRow]) -> NotInForceError:
        starts = [row.valid_from for row in rows if row.valid_from is not None]
        ends = [row.valid_to for row in rows if row.valid_to is not None]
        later = [start for start in starts if start > on]
        if later and not any(end < on for end in ends):
            return NotInForceError(code, on, valid_from=min(later))
        past = [end for end in ends if end < on]
        if past:
            return NotInForceError(code, on, valid_to=max(past))
        return NotInForceError(code, on)


def _index(rows: Iterable[TariffRow]) -> dict[str, tuple[TariffRow, ...]]:
    grouped: dict[str, list[TariffRow]] = {}
    for row in rows:
        grouped.setdefault(row.code, []).append(row)
    return {code: tuple(items) for code, items in grouped.items()}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# --- loading ------------------------------------------------------------------------------


def _read_text(name: str) -> str:
    return resources.files(_DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _load_packaged() -> Referential:
    meta: dict[str, Any] = json.loads(_read_text("referential.json"))
    files: dict[str, str] = meta["files"]
    rows = parse_packaged_rows(_read_text(files["tariffs"]), files["tariffs"])
    specialties, labels = _parse_specialties(_read_text(files["specialties"]))
    incompatibilities = _parse_incompatibilities(_read_text(files["incompatibilities"]))
    parameters = _parse_parameters(json.loads(_read_text(files["parameters"])))
    sources = tuple(
        Source(str(item["file"]), str(item["title"]), str(item["caveat"]))
        for item in meta["sources"]
    )
    logger.debug("Referential %s: %d rows", meta["version"], len(rows))
    return Referential(
        version=str(meta["version"]),
        sources=sources,
        rows=rows,
        specialties=specialties,
        specialty_labels=labels,
        incompatibilities=incompatibilities,
        parameters=parameters,
        covers_from=_date(str(meta.get("covers_from") or "")),
    )


def _csv_rows(text: str, delimiter: str = ";") -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    return [
        (reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items() if k})
        for row in reader
    ]


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _decimal(text: str) -> Decimal | None:
    if not text:
        return None
    value = Decimal(text.replace(",", ".").replace(" ", "").replace("\u202f", ""))
    if not value.is_finite():
        raise InvalidOperation(text)
    return value


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(token.strip() for token in text.split("|") if token.strip())


def parse_packaged_rows(text: str, source: str) -> tuple[TariffRow, ...]:
    """Rows of a packaged tariff CSV (columns documented in docs/billing.md)."""
    rows = []
    for line, raw in _csv_rows(text):
        try:
            code = raw["code"].upper()
            rows.append(
                TariffRow(
                    code=code,
                    label=raw["label"],
                    amount=_decimal(raw["amount"]),
                    valid_from=_date(raw["valid_from"]),
                    valid_to=_date(raw["valid_to"]),
                    removed=raw["status"] == "supprime",
                    kind=ActKind(raw["kind"] or "acte"),
                    billers=_tokens(raw["billers"]) or ("*",),
                    family=Family(raw["family"]),
                    treating=Treating(raw["treating"]),
                    to_only=raw["to_only"] == "1",
                    age=AgeCondition.parse(raw["age"]) if raw["age"] else None,
                    age_waiver=raw["age_waiver"],
                    zones=_tokens(raw["zone"]),
                    coefficients=tuple(Decimal(c) for c in _tokens(raw["coefficients"])),
                    fee_cap=_decimal(raw["fee_cap"]),
                    ed_allowed=raw["ed"] == "1",
                    limit=FrequencyLimit.parse(raw["limit"], code) if raw["limit"] else None,
                    conditions=raw["conditions"],
                    source_file=raw["source_file"],
                    source_lines=raw["source_lines"],
                    care=raw.get("care", ""),
                    combo=_tokens(raw.get("combo", "")),
                    needs=_tokens(raw.get("needs", "")),
                )
            )
        except (KeyError, ValueError, InvalidOperation) as exc:
            raise ReferentialDataError(source, line, str(exc)) from exc
    return tuple(rows)


def _parse_specialties(text: str) -> tuple[dict[str, frozenset[str]], dict[str, str]]:
    groups: dict[str, frozenset[str]] = {}
    labels: dict[str, str] = {}
    for _line, raw in _csv_rows(text):
        groups[raw["code"]] = frozenset(_tokens(raw["groups"]))
        labels[raw["code"]] = raw["label"]
    return groups, labels


def _parse_incompatibilities(text: str) -> tuple[Incompatibility, ...]:
    return tuple(
        Incompatibility(
            raw["code_a"].upper(),
            raw["code_b"].upper(),
            raw["reason"],
            f"{raw['source_file']} L{raw['source_lines']}",
        )
        for _line, raw in _csv_rows(text)
    )


def _parse_parameters(data: Mapping[str, Any]) -> Parameters:
    rates = data["amo_rates"]
    pf = data["participation_forfaitaire"]
    return Parameters(
        rate_standard=Decimal(rates["standard"]),
        rate_exonerated=Decimal(rates["exonerated"]),
        rate_out_of_pathway=Decimal(rates["out_of_pathway"]),
        pathway_exempt_below_age=int(data["pathway_exempt_below_age"]),
        pf_min_age=int(pf["min_age"]),
        pf_periods=tuple(
            PfPeriod(
                Decimal(p["amount"]),
                _date(p["valid_from"] or ""),
                _date(p["valid_to"] or ""),
            )
            for p in pf["periods"]
        ),
        da_cap_rate=Decimal(data["da_cap_rate"]),
        care_rates={
            str(care): tuple(
                RatePeriod(
                    Decimal(p["rate"]),
                    _date(p.get("valid_from") or ""),
                    _date(p.get("valid_to") or ""),
                    str(p["source"]),
                )
                for p in periods
            )
            for care, periods in data.get("care_rates", {}).items()
        },
    )


# --- the cabinet's local tariff file --------------------------------------------------------

#: Columns of the local tariff file; only ``code`` and ``montant`` are required.
LOCAL_COLUMNS = ("code", "libelle", "montant", "debut", "fin", "specialites", "zone", "note")


def parse_local_rows(text: str, source: str) -> tuple[TariffRow, ...]:
    """Rows of a local tariff file (``;`` or ``,`` separated, decimal comma accepted).

    :raises ReferentialDataError: a row is unreadable; the message names the line.
    """
    lines = text.lstrip("\ufeff").splitlines()
    first = lines[0] if lines and text.strip() else ""
    delimiter = ";" if ";" in first or "," not in first else ","
    try:
        parsed = _csv_rows(text.lstrip("\ufeff"), delimiter)
    except csv.Error as exc:  # a field over the csv limit, a stray carriage return...
        raise ReferentialDataError(source, 0, f"fichier CSV illisible ({exc})") from exc
    if first:
        header = {h.strip().lower() for h in first.split(delimiter)}
        missing = {"code", "montant"} - header
        if missing:
            raise ReferentialDataError(
                source, 1, "colonnes obligatoires absentes : " + ", ".join(sorted(missing))
            )
    rows = []
    for line, raw in parsed:
        raw = {k.lower(): v for k, v in raw.items()}
        code = raw.get("code", "").upper()
        if not code:
            continue
        try:
            amount = _decimal(raw.get("montant", ""))
            if amount is not None:  # InvalidOperation past Decimal's 28 digits
                amount = amount.quantize(Decimal("0.01"))
        except InvalidOperation as exc:
            raise ReferentialDataError(source, line, "montant illisible") from exc
        if amount is None or amount < 0:
            raise ReferentialDataError(source, line, f"montant manquant ou négatif pour {code}")
        try:
            valid_from = _date(raw.get("debut", ""))
            valid_to = _date(raw.get("fin", ""))
        except ValueError as exc:
            raise ReferentialDataError(
                source, line, "date illisible (format attendu AAAA-MM-JJ)"
            ) from exc
        if valid_from and valid_to and valid_to < valid_from:
            raise ReferentialDataError(source, line, "la date de fin précède la date de début")
        rows.append(
            TariffRow(
                code=code,
                label=raw.get("libelle", "") or code,
                amount=amount,
                valid_from=valid_from,
                valid_to=valid_to,
                billers=_tokens(raw.get("specialites", "")) or ("*",),
                zones=_tokens(raw.get("zone", "")),
                conditions=raw.get("note", ""),
                source_file=source,
                source_lines=str(line),
                local=True,
            )
        )
    return tuple(rows)
