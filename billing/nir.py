"""NIR (numéro d'inscription au répertoire, « numéro de sécurité sociale ») validation.

Thirteen characters and a two-digit key: sex, year and month of birth, département (2A and 2B
for Corsica), commune or country, order number. The key is 97 − (NIR mod 97), computed after
replacing 2A by 19 and 2B by 18. First digits 3, 4, 7 and 8 mark provisional numbers (NIA,
people born abroad awaiting registration): valid, but flagged. [general knowledge, digest §4.1]
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from billing.errors import BillingError

logger = logging.getLogger(__name__)

_SHAPE = re.compile(r"^[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{8}$")
_SEPARATORS = re.compile(r"[\s.\-]")
_REGULAR_SEX = frozenset("12")
_PROVISIONAL_SEX = frozenset("3478")


class NirError(BillingError):
    """The NIR is malformed; ``reason`` is a French sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"NIR invalide : {reason}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Nir:
    """A checked NIR. Never log it: use :meth:`masked`."""

    value: str  # 15 characters, no separators
    provisional: bool

    @property
    def sex(self) -> str:
        """First character: 1 or 2 (3, 4, 7, 8 for provisional numbers)."""
        return self.value[0]

    @property
    def birth_year(self) -> str:
        return self.value[1:3]

    @property
    def birth_month(self) -> str:
        return self.value[3:5]

    @property
    def department(self) -> str:
        """Two characters (01-95, 2A, 2B, 97, 98, 99 for abroad)."""
        return self.value[5:7]

    @property
    def key(self) -> str:
        return self.value[13:]

    def masked(self) -> str:
        """Safe for logs and screens shared with others: ``1 80 05 ** *** *** **``."""
        v = self.value
        return f"{v[0]} {v[1:3]} {v[3:5]} ** *** *** **"

    def formatted(self) -> str:
        """Grouped for reading: ``1 80 05 75 123 456 78``."""
        v = self.value
        return f"{v[0]} {v[1:3]} {v[3:5]} {v[5:7]} {v[7:10]} {v[10:13]} {v[13:]}"


def compact(text: str) -> str:
    """The NIR without spaces, dots or dashes, upper-cased."""
    return _SEPARATORS.sub("", text).upper()


def nir_key(first13: str) -> str:
    """The two-digit key of the first 13 characters (2A → 19, 2B → 18)."""
    digits = compact(first13)
    if len(digits) != 13:
        raise NirError("13 caractères attendus avant la clé")
    if digits[5:7] == "2A":
        digits = digits[:5] + "19" + digits[7:]
    elif digits[5:7] == "2B":
        digits = digits[:5] + "18" + digits[7:]
    if not digits.isdigit():
        raise NirError("seuls des chiffres (et 2A ou 2B pour la Corse) sont admis")
    return f"{97 - int(digits) % 97:02d}"


def validate_nir(text: str, *, allow_provisional: bool = True) -> Nir:
    """Check shape, sex digit, month and key.

    :raises NirError: the reason is given in French.
    """
    value = compact(text)
    if len(value) != 15:
        raise NirError(f"15 caractères attendus (clé comprise), {len(value)} saisis")
    if not _SHAPE.match(value):
        raise NirError("seuls des chiffres sont admis, sauf 2A ou 2B (Corse) aux positions 6 et 7")
    sex = value[0]
    provisional = sex in _PROVISIONAL_SEX
    if sex not in _REGULAR_SEX and not provisional:
        raise NirError(
            f"le premier chiffre doit être 1 ou 2 (3, 4, 7 ou 8 si provisoire), pas {sex}"
        )
    if provisional and not allow_provisional:
        raise NirError("numéro provisoire refusé ici : un NIR définitif est attendu")
    month = int(value[3:5])
    # Months 20 and above stand for an unknown or fictitious month and are legitimate.
    if month == 0 or 13 <= month <= 19:
        raise NirError(f"mois de naissance {value[3:5]} impossible")
    if nir_key(value[:13]) != value[13:]:
        raise NirError("la clé ne correspond pas au numéro (erreur de saisie probable)")
    return Nir(value, provisional)


def is_valid_nir(text: str) -> bool:
    """True when :func:`validate_nir` accepts ``text`` (provisional numbers included)."""
    try:
        validate_nir(text)
    except NirError:
        return False
    return True
