"""How values are written on screen, the French way: euros, dates, NIR."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from billing import money_text

NBSP = money_text.NBSP
NARROW_NBSP = money_text.NARROW_NBSP


def euros(amount: Decimal | float | str | None) -> str:
    """'1 234,50 €' (``billing.money_text``, the one rule); '—' when there is no amount.

    Table cells hand over what their rows hold (a Decimal, or its text from a JSON row).
    """
    if amount is None:
        return "—"
    return money_text.euros(Decimal(str(amount)))


def count_fr(n: int) -> str:
    """« 1 000 000 »: a count grouped by thousands as the amounts are (narrow no-break
    space), so that the counts of a large store read at a glance beside them."""
    return money_text.count_fr(n)


def date_fr(value: object) -> str:
    """'20/11/2026' from a date, a datetime or an AAAAMMJJ string (anything else: its text)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    if len(text) == 8 and text.isdigit():
        return f"{text[6:8]}/{text[4:6]}/{text[0:4]}"
    if len(text) >= 10 and text[4] == "-":
        return f"{text[8:10]}/{text[5:7]}/{text[0:4]}"
    return text


def nir_display(nir: str | None) -> str:
    """'1 84 12 75 123 456 78': the NIR grouped as on the card (shown, never logged)."""
    if not nir:
        return "—"
    n = nir.replace(" ", "")
    parts = [n[0:1], n[1:3], n[3:5], n[5:7], n[7:10], n[10:13], n[13:15]]
    return " ".join(p for p in parts if p)


def mask_nir(nir: str | None) -> str:
    """For logs: only the sex digit and the key."""
    if not nir:
        return "-"
    return f"{nir[:1]}{'*' * max(0, len(nir) - 3)}{nir[-2:]}"
