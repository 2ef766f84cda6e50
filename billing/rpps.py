"""The RPPS number of a health professional (Répertoire partagé des professionnels de
santé): 11 digits whose last is a Luhn check digit over the first ten. A number that fails
the check was mistyped or is not an RPPS: the professional is not identified."""

from __future__ import annotations

RPPS_LENGTH = 11


def luhn_valid(digits: str) -> bool:
    """The Luhn check (ISO/IEC 7812-1) of a string of digits, its check digit last."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def rpps_valid(number: str) -> bool:
    """Whether ``number`` is a well-formed RPPS (11 digits, Luhn key)."""
    return len(number) == RPPS_LENGTH and luhn_valid(number)


def with_luhn_key(first_ten: str) -> str:
    """The 11-digit RPPS whose first ten digits are ``first_ten`` (tests, emulated cards)."""
    for key in "0123456789":
        if luhn_valid(first_ten + key):
            return first_ten + key
    raise ValueError(first_ten)  # unreachable: one key always fits
