"""NIR (numéro d'inscription au répertoire) keys for the testbed's card profiles.

key = 97 - (NIR mod 97), with Corsica's département 2A read as 19 and 2B as 18. Billing has
its own NIR module; the testbed keeps this small one so that it depends on nothing.
"""

from __future__ import annotations

import re

_NIR13 = re.compile(r"^[12378]\d{4}(\d{2}|2A|2B)\d{6}$")


def _as_number(nir13: str) -> int:
    nir13 = nir13.upper()
    if not _NIR13.match(nir13):
        raise ValueError(f"not a 13-character NIR: {len(nir13)} characters or bad format")
    if nir13[5:7] == "2A":
        nir13 = nir13[:5] + "19" + nir13[7:]
    elif nir13[5:7] == "2B":
        nir13 = nir13[:5] + "18" + nir13[7:]
    return int(nir13)


def nir_key(nir13: str) -> str:
    """The 2-digit key of a 13-character NIR."""
    return f"{97 - _as_number(nir13) % 97:02d}"


def with_key(nir13: str) -> str:
    """The 15-character NIR: the 13 characters followed by their key."""
    return nir13.upper() + nir_key(nir13)


def is_valid(nir15: str) -> bool:
    """True when ``nir15`` is 13 NIR characters followed by their right key."""
    if len(nir15) != 15 or not nir15[13:].isdigit():
        return False
    try:
        return nir_key(nir15[:13]) == nir15[13:]
    except ValueError:
        return False


def luhn_key(digits: str) -> str:
    """The Luhn check digit of ``digits`` (numéro de facturation, RPPS)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)
