"""Reading the referential's data files: the packaged CSV and JSON files of
``billing/tariffs`` and the cabinet's local tariff file, parsed into the types of
:mod:`billing.referential_types` (a bad line names its file and line number)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

from billing.referential_types import (
    ActKind,
    AgeCondition,
    Family,
    FrequencyLimit,
    Incompatibility,
    Parameters,
    PfPeriod,
    RatePeriod,
    ReferentialDataError,
    TariffRow,
    Treating,
)

_DATA_PACKAGE = "billing.tariffs"


def read_data_file(name: str) -> str:
    return resources.files(_DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def _csv_rows(text: str, delimiter: str = ";") -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    return [
        (reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items() if k})
        for row in reader
    ]


def parse_date(text: str) -> date | None:
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
                    valid_from=parse_date(raw["valid_from"]),
                    valid_to=parse_date(raw["valid_to"]),
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


def parse_specialties(text: str) -> tuple[dict[str, frozenset[str]], dict[str, str]]:
    groups: dict[str, frozenset[str]] = {}
    labels: dict[str, str] = {}
    for _line, raw in _csv_rows(text):
        groups[raw["code"]] = frozenset(_tokens(raw["groups"]))
        labels[raw["code"]] = raw["label"]
    return groups, labels


def parse_incompatibilities(text: str) -> tuple[Incompatibility, ...]:
    return tuple(
        Incompatibility(
            raw["code_a"].upper(),
            raw["code_b"].upper(),
            raw["reason"],
            f"{raw['source_file']} L{raw['source_lines']}",
        )
        for _line, raw in _csv_rows(text)
    )


def parse_parameters(data: Mapping[str, Any]) -> Parameters:
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
                parse_date(p["valid_from"] or ""),
                parse_date(p["valid_to"] or ""),
            )
            for p in pf["periods"]
        ),
        da_cap_rate=Decimal(data["da_cap_rate"]),
        care_rates={
            str(care): tuple(
                RatePeriod(
                    Decimal(p["rate"]),
                    parse_date(p.get("valid_from") or ""),
                    parse_date(p.get("valid_to") or ""),
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
            valid_from = parse_date(raw.get("debut", ""))
            valid_to = parse_date(raw.get("fin", ""))
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
