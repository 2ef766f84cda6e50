"""One way to write an amount in the client's texts: « 12 345,60 € » everywhere — alerts,
statuses, CLI lines and the desk's tables read the same figures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.documents.model import format_amount
from billing.money_text import NARROW_NBSP, NBSP, amount_fr, euros
from ui.fmt import euros as desk_euros


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("0", "0,00 €"),
        ("1.9", "1,90 €"),
        ("999.99", "999,99 €"),
        ("1000", "1_000,00 €"),
        ("12345.6", "12_345,60 €"),
        ("1234567.891", "1_234_567,89 €"),
        ("-3.1", "-3,10 €"),
        ("-12345.60", "-12_345,60 €"),
    ],
)
def test_an_amount_reads_the_french_way(amount: str, text: str) -> None:
    # Thousands by a narrow no-break space, a decimal comma, a no-break space before €:
    # the amount never breaks across two lines of an alert or a table cell ("_": U+202F).
    expected = text.replace("_", NARROW_NBSP).replace(" €", f"{NBSP}€")
    assert euros(Decimal(amount)) == expected


def test_cents_are_rounded_half_even_as_before() -> None:
    assert euros(Decimal("0.125")) == f"0,12{NBSP}€"
    assert euros(Decimal("0.135")) == f"0,14{NBSP}€"
    assert euros(Decimal("-0.001")) == f"0,00{NBSP}€"  # no « -0,00 € » for a rounding crumb


def test_the_alerts_and_the_desk_write_the_same_text() -> None:
    # The desk's tables (ui.fmt) and the client's texts no longer differ: one rule.
    for amount in ("12345.60", "1.90", "-250"):
        assert desk_euros(Decimal(amount)) == euros(Decimal(amount))
        assert desk_euros(amount) == euros(Decimal(amount))  # a JSON row's text
    assert desk_euros(None) == "—"


def test_a_float_is_refused_rather_than_rounded_silently() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        euros(1.1)  # type: ignore[arg-type]
    assert euros(0) == f"0,00{NBSP}€"  # an empty sum() is the int 0: exact


def test_pdf_documents_keep_their_printable_amounts() -> None:
    # The core PDF fonts have no € nor U+202F: the documents keep « 1 234,50 EUR ».
    assert format_amount(Decimal("1234.5")) == "1 234,50 EUR"
    assert amount_fr(Decimal("1234.5"), group=" ") == "1 234,50"
