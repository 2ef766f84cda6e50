"""The AMC part by the contract's rule: percent of the base, ticket modérateur, forfait,
dépassement covered or not, ceilings per act and per civil year; the remainder follows."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pricing_support import make_request, referential

from billing.amc import (
    AmcCoverage,
    AmcRule,
    AmcRuleKind,
    AmcRulesError,
    CeilingKind,
    load_amc_rules,
    parse_amc_rules,
)
from billing.pricing import PricedInvoice, price

D = Decimal
SINCE = date(2020, 1, 1)


def _rule(kind: AmcRuleKind, **kw: Any) -> AmcRule:
    return AmcRule("TEST", "test", kind, False, valid_from=SINCE, valid_to=None, **kw)


def _priced(rule: AmcRule, *codes: str, used: str = "0", **kw: Any) -> PricedInvoice:
    request = replace(make_request(list(codes), **kw), amc=AmcCoverage(rule, D(used)))
    invoice = price(request, referential())
    assert invoice.amo + invoice.amc + invoice.patient_remainder == invoice.total_fees
    return invoice


def test_ticket_moderateur_leaves_only_the_participation_forfaitaire() -> None:
    invoice = _priced(_rule(AmcRuleKind.TICKET_MODERATEUR), "G")  # 30 € base, AMO 70 %
    assert (invoice.amo, invoice.amc, invoice.patient_remainder) == (
        D("19.00"),
        D("9.00"),
        D("2.00"),
    )


def test_ticket_moderateur_without_overrun_cover_leaves_the_depassement() -> None:
    invoice = _priced(_rule(AmcRuleKind.TICKET_MODERATEUR), "G", overrun=("DE", "10.00"))
    assert invoice.amc == D("9.00") and invoice.patient_remainder == D("12.00")


def test_percent_of_the_base_includes_the_amo_and_covers_the_depassement() -> None:
    rule = replace(_rule(AmcRuleKind.PERCENT_BASE, percent=D("150")), covers_overrun=True)
    # 150 % of 30 € = 45 € promised in all; fees 50 €: AMC 45 − 21 = 24 €.
    invoice = _priced(rule, "G", overrun=("DE", "20.00"))
    assert invoice.amc == D("24.00")
    assert invoice.patient_remainder == D("50.00") - D("19.00") - D("24.00")  # 7 €: 5 + PF


def test_percent_never_pays_beyond_the_fees() -> None:
    rule = replace(_rule(AmcRuleKind.PERCENT_BASE, percent=D("300")), covers_overrun=True)
    invoice = _priced(rule, "G", overrun=("DE", "5.00"))
    assert invoice.amc == D("14.00")  # 35 − 21: only the participation forfaitaire is left
    assert invoice.patient_remainder == D("2.00")


def test_forfait_per_act_within_what_the_amo_leaves() -> None:
    invoice = _priced(_rule(AmcRuleKind.FORFAIT, forfait=D("5.00")), "G")
    assert invoice.amc == D("5.00")
    big = _priced(_rule(AmcRuleKind.FORFAIT, forfait=D("50.00")), "G")
    assert big.amc == D("9.00")  # no more than the ticket modérateur


def test_ceiling_per_act_cuts_each_line() -> None:
    rule = replace(
        _rule(AmcRuleKind.PERCENT_BASE, percent=D("200"), ceiling_per_act=D("8.00")),
        covers_overrun=True,
    )
    invoice = _priced(rule, "G", overrun=("DE", "30.00"))
    assert invoice.amc == D("8.00") and invoice.amc_capped_by is CeilingKind.PER_ACT
    assert invoice.lines[0].amc_amount == D("8.00")


def test_ceiling_per_year_counts_what_the_amc_already_paid() -> None:
    rule = _rule(AmcRuleKind.TICKET_MODERATEUR, ceiling_per_year=D("100.00"))
    assert _priced(rule, "G", used="50.00").amc == D("9.00")
    near = _priced(rule, "G", used="95.50")
    assert near.amc == D("4.50") and near.amc_capped_by is CeilingKind.PER_YEAR
    spent = _priced(rule, "G", used="100.00")
    assert spent.amc == D("0.00") and spent.patient_remainder == D("11.00")


def test_c2s_stays_priced_as_before_whatever_the_contract() -> None:
    invoice = _priced(_rule(AmcRuleKind.FORFAIT, forfait=D("1.00")), "G", c2s=True)
    assert invoice.amc == D("30.00") - invoice.amo and invoice.patient_remainder == D("0.00")


def test_without_complementaire_there_is_no_amc_part() -> None:
    invoice = price(make_request(["G"]), referential())
    assert invoice.amc == D("0.00") and invoice.amc_rule == ""


def test_packaged_rules_are_dated_with_their_source_and_cover_the_card_contracts() -> None:
    rules = load_amc_rules()
    assert "SIMULÉES" in rules.source
    today = date.today()
    for contract in ("MUT01", "RESP150", "RESP200", "FORF50"):
        rule = rules.rule(contract, today)
        assert rule is not None and rule.label
    assert rules.rule("INCONNU", today) is None
    assert all(isinstance(r.percent, Decimal) for r in rules.rules)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "illisible"),
        ('{"rules": [{"contract": "X", "kind": "bonus"}]}', "kind attendu"),
        (
            '{"rules": [{"contract": "X", "kind": "percent_base", "valid_from": "2020-01-01"}]}',
            "percent manquant",
        ),
        ('{"rules": [{"contract": "X", "kind": "forfait", "forfait": "-3"}]}', "positif"),
    ],
)
def test_a_malformed_rules_file_names_the_rule(text: str, message: str) -> None:
    with pytest.raises(AmcRulesError, match=message):
        parse_amc_rules(text)
