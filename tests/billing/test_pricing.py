"""Pricing: lines, AMO rate, participation forfaitaire, AMC for C2S, rounding, invariants."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pricing_support import make_request, price_of, referential

from billing.pricing import PricedInvoice
from billing.request import Act, OverrunKind

D = Decimal


def test_the_contract_example_prices_like_the_ticket_says() -> None:
    invoice = price_of(["G"])
    (line,) = invoice.lines
    assert (line.amount, line.reimbursement_base, line.amo_rate, line.amo_amount) == (
        D("30.00"),
        D("30.00"),
        D("70"),
        D("21.00"),
    )
    assert invoice.total_fees == D("30.00")
    assert invoice.amo == D("19.00")  # 21,00 - 2,00 of participation forfaitaire
    assert invoice.participation_forfaitaire == D("2.00")
    assert invoice.amc == D("0.00")
    assert invoice.patient_remainder == D("11.00")
    assert invoice.valid


def test_coefficient_and_quantity_multiply_the_tariff() -> None:
    invoice = price_of(["G", Act("HS", coefficient=D("0.5")), Act("IKM", quantity=12)])
    assert [line.reimbursement_base for line in invoice.lines] == [
        D("30.00"),
        D("11.50"),
        D("12.00"),
    ]


def test_an_overrun_is_billed_but_never_reimbursed() -> None:
    invoice = price_of(["G"], overrun=("DE", "10.00"))
    (line,) = invoice.lines
    assert line.amount == D("40.00")
    assert line.reimbursement_base == D("30.00")
    assert line.amo_amount == D("21.00")
    assert line.overrun_kind is OverrunKind.DE
    assert invoice.patient_remainder == D("21.00")


# (case, patient and practitioner arguments, expected AMO rate) — regulation, ticket 3
RATES: list[tuple[str, dict[str, Any], str]] = [
    ("in the pathway", {}, "70"),
    ("ALD", {"ald": True}, "100"),
    ("maternité", {"maternity": True}, "100"),
    ("AT/MP", {"at_mp": True}, "100"),
    ("out of the pathway", {"pathway": "out"}, "30"),
    ("out of the pathway but under 16", {"pathway": "out", "birth": "2010-01-01"}, "70"),
    ("out of the pathway on the 16th birthday", {"pathway": "out", "birth": "2009-03-10"}, "30"),
    ("direct access", {"pathway": "direct_access"}, "70"),
    ("emergency", {"pathway": "emergency"}, "70"),
    ("ALD out of the pathway", {"ald": True, "pathway": "out"}, "100"),
]


@pytest.mark.parametrize(("arguments", "rate"), [r[1:] for r in RATES], ids=[r[0] for r in RATES])
def test_amo_rate(arguments: dict[str, Any], rate: str) -> None:
    invoice = price_of(["G"], **arguments)
    assert invoice.lines[0].amo_rate == D(rate)
    assert invoice.lines[0].amo_amount == (D("30.00") * D(rate) / 100).quantize(D("0.01"))


# (case, arguments, expected AMO rate of the first line) — issue 21, rates by care class,
# dated in parameters.json with their source.
CARE_RATES: list[tuple[str, dict[str, Any], str]] = [
    ("COE: prevention 100 %", {"codes": ["COE"], "specialty": "12", "birth": "2025-03-05"}, "100"),
    ("EBD: 100 %", {"codes": ["BDC"], "specialty": "18", "birth": "2015-01-01"}, "100"),
    (
        "EBD by a dentist: 100 %",
        {"codes": ["BR2"], "specialty": "19", "birth": "2015-01-01"},
        "100",
    ),
    ("a dentist's TE2: 60 %", {"codes": ["TE2"], "specialty": "19"}, "60"),
    ("a dentist's RQD: 60 %", {"codes": ["RQD"], "specialty": "19"}, "60"),
    ("a physician's TE2: 70 %", {"codes": ["TE2"]}, "70"),
    ("a stomatologist's bridge: 60 %", {"codes": ["HBLD425"], "specialty": "18"}, "60"),
    (
        "a stomatologist's bridge 'out of the pathway': still 60 %",
        {"codes": ["HBLD425"], "specialty": "18", "pathway": "out"},
        "60",
    ),
    (
        "a dentist's act in ALD: 100 %",
        {"codes": ["HBLD425"], "specialty": "19", "ald": True},
        "100",
    ),
]


@pytest.mark.parametrize(
    ("arguments", "rate"), [r[1:] for r in CARE_RATES], ids=[r[0] for r in CARE_RATES]
)
def test_rate_of_the_care_class(arguments: dict[str, Any], rate: str) -> None:
    invoice = price_of(**arguments)
    assert invoice.lines[0].amo_rate == D(rate)


@pytest.mark.parametrize(
    ("on", "rate"), [("2023-10-14", "70"), ("2023-10-15", "60"), ("2023-10-16", "60")]
)
def test_the_dental_rate_changes_on_2023_10_15(on: str, rate: str) -> None:
    """Décret n° 2023-701 and its arrêté (JO of 14 October 2023); the 2023 amount of HBLD425
    is not in the seeds, a local row gives it."""
    from billing.pricing import price
    from billing.referential import parse_local_rows

    local = parse_local_rows("code;montant;debut\nHBLD425;279,50;2023-01-01\n", "t.csv")
    request = make_request(["HBLD425"], specialty="19", on=on)
    (line,) = price(request, referential().with_local(local)).lines
    assert line.amo_rate == D(rate)
    assert line.amo_amount == {"70": D("195.65"), "60": D("167.70")}[rate]
    period = referential().parameters.care_rate("dental", date.fromisoformat(on))
    assert period is not None
    assert period.rate == D(rate)  # the parameter itself is dated, with its text
    assert "2023-701" in period.source


def test_prevention_exams_leave_nothing_to_pay() -> None:
    invoice = price_of(["BDC"], specialty="18", birth="2000-01-01")  # 25 on 2025-03-10
    assert invoice.participation_forfaitaire == D("0.00")
    assert invoice.patient_remainder == D("0.00")  # « absence de reste à charge » [002 L1885]


# (case, arguments, expected participation forfaitaire) — regulation, ticket 3
PARTICIPATION: list[tuple[str, dict[str, Any], str]] = [
    ("adult", {}, "2.00"),
    ("17 years old", {"birth": "2007-03-11"}, "0.00"),
    ("18 on the day of care", {"birth": "2007-03-10"}, "2.00"),
    # the G has no amount before 2024-12-22: a stomatologist's bridge stands in
    ("before 15 May 2024", {"on": "2024-05-14", "codes": ["HBLD425"], "specialty": "18"}, "1.00"),
    ("from 15 May 2024", {"on": "2024-05-15", "codes": ["HBLD425"], "specialty": "18"}, "2.00"),
    ("C2S", {"c2s": True}, "0.00"),
    ("maternité", {"maternity": True}, "0.00"),
    ("ALD still pays it", {"ald": True}, "2.00"),
]


@pytest.mark.parametrize(
    ("arguments", "pf"), [p[1:] for p in PARTICIPATION], ids=[p[0] for p in PARTICIPATION]
)
def test_participation_forfaitaire(arguments: dict[str, Any], pf: str) -> None:
    invoice = price_of(**{"codes": ["G"], **arguments})
    assert invoice.participation_forfaitaire == D(pf)
    assert invoice.amo == sum(line.amo_amount for line in invoice.lines) - D(pf)


def test_no_participation_forfaitaire_on_a_dentists_acts() -> None:
    invoice = price_of(["TE2"], specialty="19")
    assert invoice.participation_forfaitaire == D("0.00")
    assert invoice.amo == D("12.00")  # 60 % of 20 € (dental rate since 2023-10-15)


def test_the_participation_forfaitaire_never_exceeds_the_amo_part() -> None:
    invoice = price_of([Act("IKM", quantity=2)], pathway="out")  # 30 % of 2,00 € = 0,60 €
    assert invoice.participation_forfaitaire == D("0.60")
    assert invoice.amo == D("0.00")
    assert invoice.patient_remainder == D("2.00")


def test_c2s_the_complementary_part_covers_the_rest() -> None:
    invoice = price_of(["G", "MEG"], c2s=True, birth="2021-01-01")
    assert invoice.amo == D("24.50")
    assert invoice.amc == D("10.50")
    assert invoice.patient_remainder == D("0.00")


def test_amounts_are_rounded_half_up_per_line() -> None:
    # 70 % of 0,75 € = 0,525 → 0,53 per line, not 1,05 over two lines summed then rounded.
    invoice = price_of(["IK", "IK"], zone="972")
    assert [line.amo_amount for line in invoice.lines] == [D("0.53"), D("0.53")]
    # 70 % of 31,50 € = 22,05; 23 € × 0,25 = 5,75
    assert price_of(["COG"], specialty="12", birth="2015-01-01").lines[0].amo_amount == D("22.05")
    assert price_of([Act("HS", coefficient=D("0.25"))]).lines[0].amount == D("5.75")


def test_a_line_without_tariff_counts_for_nothing_and_says_why() -> None:
    invoice = price_of(["G", "VG"])
    assert invoice.lines[1].amount == D("0.00")
    assert invoice.total_fees == D("30.00")
    assert not invoice.valid


def test_a_local_tariff_is_flagged_on_its_line() -> None:
    from billing.pricing import price
    from billing.referential import parse_local_rows

    local = parse_local_rows("code;montant\nMCS;5,00\n", "tarifs-locaux.csv")
    request = make_request(["CNP", "MCS"], specialty="33")
    invoice = price(request, referential().with_local(local))
    assert invoice.valid
    assert [line.local_tariff for line in invoice.lines] == [False, True]
    assert invoice.total_fees == D("57.00")  # « soit 57 € en association avec la MCS » [002 L3250]


def test_the_invoice_carries_the_referential_version() -> None:
    assert price_of(["G"]).referential_version == referential().version


# --- properties ---------------------------------------------------------------------------

PRICED_CODES = [
    "G",
    "MEG",
    "HS",
    "IKM",
    "MDM",
    "MRT",
    "U03",
    "MVU",
    "TE2",
    "CDE",
    "APC",
    "XYZ",
    "VG",
]


@st.composite
def invoices(draw: st.DrawFn) -> PricedInvoice:
    on = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 900)))
    birth = on - timedelta(days=draw(st.integers(0, 100 * 365)))
    codes = draw(st.lists(st.sampled_from(PRICED_CODES), min_size=1, max_size=5))
    acts = [
        Act(
            code,
            quantity=draw(st.integers(1, 40)),
            coefficient=draw(st.sampled_from([D("1"), D("0.5"), D("0.25"), D("0.8")])),
        )
        for code in codes
    ]
    overrun = None
    if draw(st.booleans()):
        cents = draw(st.integers(1, 50_000))
        overrun = (draw(st.sampled_from(["DE", "DA", "DP", "ED"])), str(D(cents) / 100))
    return price_of(
        acts,
        on=on.isoformat(),
        birth=birth,
        specialty=draw(st.sampled_from(["01", "03", "12", "19", "33", "70"])),
        sector=draw(st.sampled_from(["1", "1DP", "2"])),
        optam=draw(st.booleans()),
        pathway=draw(st.sampled_from(["in", "out", "direct_access", "emergency"])),
        ald=draw(st.booleans()),
        c2s=draw(st.booleans()),
        maternity=draw(st.booleans()),
        at_mp=draw(st.booleans()),
        overrun=overrun,
    )


@settings(max_examples=300, deadline=None)
@given(invoices())
def test_parts_add_up_to_the_total_fees(invoice: PricedInvoice) -> None:
    assert invoice.amo + invoice.amc + invoice.patient_remainder == invoice.total_fees
    assert invoice.total_fees == sum(line.amount for line in invoice.lines)


@settings(max_examples=300, deadline=None)
@given(invoices())
def test_nothing_is_negative_and_everything_is_in_cents(invoice: PricedInvoice) -> None:
    amounts = [
        invoice.total_fees,
        invoice.amo,
        invoice.participation_forfaitaire,
        invoice.amc,
        invoice.patient_remainder,
    ]
    for line in invoice.lines:
        amounts += [line.amount, line.reimbursement_base, line.amo_amount]
        assert line.amo_amount <= line.reimbursement_base <= line.amount
    for amount in amounts:
        assert amount >= 0
        assert amount == amount.quantize(D("0.01"))
        assert amount.as_tuple().exponent == -2


@settings(max_examples=200, deadline=None)
@given(invoices())
def test_the_patient_of_c2s_pays_at_most_the_overrun(invoice: PricedInvoice) -> None:
    overrun = sum((line.overrun_amount for line in invoice.lines), D("0.00"))
    if invoice.amc > 0:
        assert invoice.patient_remainder == overrun
