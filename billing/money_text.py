"""Money as a French reader reads it: « 12 345,60 € » — the one formatter of the amounts
(and of the counts beside them, :func:`count_fr`) in the client's human texts (alerts,
statuses, messages, the CLI's lines, the desk's tables).

The rule, the desk's since it came (``ui.fmt``): thousands grouped by a narrow no-break
space (U+202F, the French typographic thousands separator), a decimal comma, two decimals,
and a no-break space (U+00A0) before « € » so that an amount never breaks across lines.
Amounts in machine formats (FSE, lots, JSON outputs) are not written here.
"""

from __future__ import annotations

from decimal import Decimal

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"
CENT = Decimal("0.01")


def amount_fr(amount: Decimal, group: str = NARROW_NBSP) -> str:
    """« -1 234,50 »: the figures of ``amount`` to the cent, thousands grouped by ``group``.

    Quantized to the cent with the decimal context (half-even), as every formatter did;
    a negative amount keeps its sign in front.
    """
    if isinstance(amount, int) and not isinstance(amount, bool):
        amount = Decimal(amount)  # an empty sum() is the int 0: exact, harmless
    if not isinstance(amount, Decimal):  # a float or a text is a bug upstream: say so
        raise TypeError(f"amount_fr() wants a Decimal, not {type(amount).__name__}")
    value = amount.quantize(CENT)
    sign = "-" if value < 0 else ""
    whole, _, cents = f"{abs(value):.2f}".partition(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{group.join(groups)},{cents}"


def count_fr(n: int) -> str:
    """« 290 415 »: a count in a human text grouped by thousands as the amounts are (narrow
    no-break space), so that the counts of a large store read at a glance beside them."""
    return f"{n:,}".replace(",", NARROW_NBSP)


def euros(amount: Decimal) -> str:
    """« 12 345,60 € »: narrow no-break space between thousands, no-break space before €."""
    return f"{amount_fr(amount)}{NBSP}€"
