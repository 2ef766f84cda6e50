"""The complémentaire's (AMC) part of an invoice, by the rule of the patient's contract.

The rules are data (``billing/tariffs/amc-garanties.json``, this project's simulated
guarantees: the real ones are per contract and not public), one per contract type, dated.
A rule is one of: a percentage of the reimbursement base *AMO included* (« 150 % BR »), the
ticket modérateur, or a forfait per act; it may cover the dépassement or not, and be capped
per act and per civil year. The AMC never pays the participation forfaitaire (it stays
with the patient, as for every contrat responsable).

Pure: the store gives what the AMC already paid this year (``used_this_year``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from importlib import resources
from typing import Any, Protocol

from billing.errors import BillingError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
RULES_FILE = "amc-garanties.json"


class AmcRulesError(BillingError):
    """The AMC rules file is malformed; the message names the rule and the field."""


class AmcRuleKind(StrEnum):
    """How a contract computes the AMC part of one act."""

    PERCENT_BASE = "percent_base"  # total AMO + AMC = percent of the base
    TICKET_MODERATEUR = "ticket_moderateur"  # base − AMO
    FORFAIT = "forfait"  # a fixed amount per act


class CeilingKind(StrEnum):
    """Which ceiling cut the AMC part."""

    PER_ACT = "acte"
    PER_YEAR = "annuel"


@dataclass(frozen=True, slots=True)
class AmcRule:
    """The guarantee of one contract type over a period."""

    contract: str
    label: str
    kind: AmcRuleKind
    covers_overrun: bool
    valid_from: date
    valid_to: date | None
    percent: Decimal = ZERO
    forfait: Decimal = ZERO
    ceiling_per_act: Decimal | None = None
    ceiling_per_year: Decimal | None = None

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True, slots=True)
class AmcRules:
    """Every contract's rule, with the file's version and source."""

    version: str
    source: str
    rules: tuple[AmcRule, ...]

    def rule(self, contract: str, day: date) -> AmcRule | None:
        """The rule of ``contract`` in force at ``day``, or None (unknown guarantee)."""
        wanted = contract.strip().upper()
        for rule in self.rules:
            if rule.contract == wanted and rule.in_force(day):
                return rule
        return None


@dataclass(frozen=True, slots=True)
class AmcCoverage:
    """The patient's complémentaire as pricing needs it."""

    rule: AmcRule
    #: What the AMC already paid for this patient and contract in the civil year of care.
    used_this_year: Decimal = ZERO


class LineAmounts(Protocol):
    """A priced line as the AMC rule reads it (``billing.pricing.PricedLine``)."""

    @property
    def amount(self) -> Decimal: ...
    @property
    def reimbursement_base(self) -> Decimal: ...
    @property
    def amo_amount(self) -> Decimal: ...


@dataclass(frozen=True, slots=True)
class AmcPart:
    """The AMC part of an invoice, per line and in total, and the ceiling that cut it."""

    total: Decimal
    per_line: tuple[Decimal, ...]
    capped_by: CeilingKind | None = None


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _line_part(rule: AmcRule, line: LineAmounts) -> tuple[Decimal, bool]:
    """(AMC part of one line, True when the per-act ceiling cut it)."""
    covered = line.amount if rule.covers_overrun else line.reimbursement_base
    left = max(covered - line.amo_amount, ZERO)  # never more than what the AMO leaves
    if rule.kind is AmcRuleKind.TICKET_MODERATEUR:
        part = left
    elif rule.kind is AmcRuleKind.PERCENT_BASE:
        promised = _cents(line.reimbursement_base * rule.percent / HUNDRED)
        part = max(min(covered, promised) - line.amo_amount, ZERO)
    else:
        part = min(rule.forfait, left)
    if rule.ceiling_per_act is not None and part > rule.ceiling_per_act:
        return rule.ceiling_per_act, True
    return _cents(part), False


def amc_part(coverage: AmcCoverage, lines: Sequence[LineAmounts]) -> AmcPart:
    """The AMC part of ``lines`` by ``coverage``'s rule, the yearly ceiling applied last
    (the lines are cut in their order, so that the first acts keep their part)."""
    per_line: list[Decimal] = []
    capped: CeilingKind | None = None
    for line in lines:
        part, cut = _line_part(coverage.rule, line)
        per_line.append(part)
        if cut:
            capped = CeilingKind.PER_ACT
    ceiling = coverage.rule.ceiling_per_year
    if ceiling is not None:
        room = max(ceiling - coverage.used_this_year, ZERO)
        if sum(per_line, ZERO) > room:
            capped = CeilingKind.PER_YEAR
            for i, part in enumerate(per_line):
                per_line[i] = min(part, room)
                room -= per_line[i]
    return AmcPart(sum(per_line, ZERO), tuple(per_line), capped)


# --- the rules file -----------------------------------------------------------------------


def _money(raw: Any, where: str) -> Decimal:
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise AmcRulesError(f"{where} : montant illisible {raw!r}") from None
    if not value.is_finite() or value < 0:
        raise AmcRulesError(f"{where} : montant positif attendu")
    return value


def _day(raw: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise AmcRulesError(f"{where} : date AAAA-MM-JJ attendue") from None


def _rule(item: Any, index: int) -> AmcRule:
    where = f"règle {index + 1}"
    if not isinstance(item, dict):
        raise AmcRulesError(f"{where} : objet attendu")
    try:
        kind = AmcRuleKind(str(item.get("kind")))
    except ValueError:
        names = ", ".join(k.value for k in AmcRuleKind)
        raise AmcRulesError(f"{where} : kind attendu parmi {names}") from None
    contract = str(item.get("contract") or "").strip().upper()
    if not contract:
        raise AmcRulesError(f"{where} : contract manquant")
    where = f"règle {contract}"

    def optional(key: str) -> Decimal | None:
        return None if item.get(key) is None else _money(item[key], f"{where}.{key}")

    percent = optional("percent") or ZERO
    forfait = optional("forfait") or ZERO
    if kind is AmcRuleKind.PERCENT_BASE and percent <= 0:
        raise AmcRulesError(f"{where} : percent manquant")
    if kind is AmcRuleKind.FORFAIT and forfait <= 0:
        raise AmcRulesError(f"{where} : forfait manquant")
    return AmcRule(
        contract=contract,
        label=str(item.get("label") or contract),
        kind=kind,
        covers_overrun=item.get("covers_overrun") is True,
        valid_from=_day(item.get("valid_from"), f"{where}.valid_from"),
        valid_to=None
        if item.get("valid_to") is None
        else _day(item["valid_to"], f"{where}.valid_to"),
        percent=percent,
        forfait=forfait,
        ceiling_per_act=optional("ceiling_per_act"),
        ceiling_per_year=optional("ceiling_per_year"),
    )


def parse_amc_rules(text: str) -> AmcRules:
    """The rules of a JSON text (``docs/formats/amc-conventions.md``).

    :raises AmcRulesError: the file is malformed.
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AmcRulesError(f"fichier des garanties AMC illisible : {exc.msg}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
        raise AmcRulesError("fichier des garanties AMC : liste « rules » attendue")
    return AmcRules(
        version=str(doc.get("version", "")),
        source=str(doc.get("source", "")),
        rules=tuple(_rule(item, i) for i, item in enumerate(doc["rules"])),
    )


def load_amc_rules() -> AmcRules:
    """The packaged rules (``billing/tariffs/amc-garanties.json``)."""
    text = resources.files("billing.tariffs").joinpath(RULES_FILE).read_text(encoding="utf-8")
    return parse_amc_rules(text)


# --- the conventions' seed ---------------------------------------------------------------

CONVENTIONS_FILE = "amc-conventions.json"


@dataclass(frozen=True, slots=True)
class ConventionSeed:
    """One convention of the packaged seed (``billing/tariffs/amc-conventions.json``)."""

    amc_number: str
    name: str
    convention: str
    tiers_payant: bool


def load_convention_seed() -> tuple[ConventionSeed, ...]:
    """The conventions the database starts with (migration m017).

    :raises AmcRulesError: the file is malformed.
    """
    text = resources.files("billing.tariffs").joinpath(CONVENTIONS_FILE).read_text("utf-8")
    doc = json.loads(text)
    items = doc.get("conventions") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise AmcRulesError("fichier des conventions AMC : liste « conventions » attendue")
    seeds = []
    for item in items:
        number = str(item.get("amc", "")) if isinstance(item, dict) else ""
        if not (len(number) == 8 and number.isdigit()):
            raise AmcRulesError(f"convention {number!r} : n° AMC de 8 chiffres attendu")
        seeds.append(
            ConventionSeed(
                number,
                str(item.get("name", "")),
                str(item.get("convention", "")),
                item.get("tiers_payant") is True,
            )
        )
    return tuple(seeds)
