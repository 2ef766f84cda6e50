"""The dated tariff referential: packaged rows with their seed sources, plus local rows.

Amounts never live in code: they are read from ``billing/tariffs/*.csv`` (one row per code,
period and, where the amount differs, specialty or zone) and from the cabinet's local tariff
file. The date of care picks the row. This module answers the lookups; the types live in
:mod:`billing.referential_types` and the file parsing in :mod:`billing.referential_files`
(both re-exported here: callers import from ``billing.referential``).
"""

from __future__ import annotations

import json
import logging
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Any

from billing.referential_files import (
    LOCAL_COLUMNS,
    parse_date,
    parse_incompatibilities,
    parse_local_rows,
    parse_packaged_rows,
    parse_parameters,
    parse_specialties,
    read_data_file,
)
from billing.referential_types import (
    DEFAULT_ZONE,
    UNLISTED_SPECIALTY_GROUPS,
    ActKind,
    AgeCondition,
    AgeRange,
    AgeUnit,
    Family,
    FrequencyLimit,
    Incompatibility,
    LimitPeriod,
    LimitScope,
    NotInForceError,
    Parameters,
    PfPeriod,
    RatePeriod,
    ReferentialDataError,
    ReferentialError,
    Source,
    TariffRow,
    Treating,
    UnknownCodeError,
    age_in_months,
    age_in_years,
    fr_date,
    last_birthday,
    next_birthday,
)

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_ZONE",
    "LOCAL_COLUMNS",
    "ActKind",
    "AgeCondition",
    "AgeRange",
    "AgeUnit",
    "Family",
    "FrequencyLimit",
    "Incompatibility",
    "LimitPeriod",
    "LimitScope",
    "NotInForceError",
    "Parameters",
    "PfPeriod",
    "RatePeriod",
    "Referential",
    "ReferentialDataError",
    "ReferentialError",
    "Source",
    "TariffRow",
    "Treating",
    "UnknownCodeError",
    "age_in_months",
    "age_in_years",
    "last_birthday",
    "next_birthday",
    "parse_local_rows",
    "parse_packaged_rows",
]


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
            return UNLISTED_SPECIALTY_GROUPS
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
                    f"les sources ne donnent aucun tarif antérieur au {fr_date(self.covers_from)}"
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


@lru_cache(maxsize=1)
def _load_packaged() -> Referential:
    meta: dict[str, Any] = json.loads(read_data_file("referential.json"))
    files: dict[str, str] = meta["files"]
    rows = parse_packaged_rows(read_data_file(files["tariffs"]), files["tariffs"])
    specialties, labels = parse_specialties(read_data_file(files["specialties"]))
    incompatibilities = parse_incompatibilities(read_data_file(files["incompatibilities"]))
    parameters = parse_parameters(json.loads(read_data_file(files["parameters"])))
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
        covers_from=parse_date(str(meta.get("covers_from") or "")),
    )
