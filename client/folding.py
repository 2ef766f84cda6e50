"""Patients' names folded for search: upper case, no accents (« Léa » and « LEA » search
alike). Pure text, shared by the FSE list's search (``client.fse_search``), the store that
keeps the folded names (``client.store.patient_words``) and the migration that fills them."""

from __future__ import annotations

import re
import unicodedata
from enum import IntEnum


def fold(text: str) -> str:
    """``text`` in upper case without accents (« Léa » and « LEA » search alike)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def words(text: str) -> list[str]:
    """The folded words of ``text`` (« Le Gall-Hervé » → LE, GALL, HERVE)."""
    return [w for w in re.split(r"[\s'’-]+", fold(text)) if w]


class KeyKind(IntEnum):
    """What a patient's search key is."""

    WORD = 0  # a word of the nom or the prénom, folded
    LAST = 1  # the whole nom, folded (« DE LA FONTAINE »)
    NIR = 2  # the assuré's or the bénéficiaire's NIR


def search_keys(
    last_name: str, first_name: str, assure_nir: str, beneficiary_nir: str
) -> set[tuple[KeyKind, str]]:
    """Every key a search by prefix finds this patient by."""
    last = fold(last_name)
    keys = {(KeyKind.WORD, w) for w in words(last) + words(first_name)}
    keys.add((KeyKind.LAST, last))
    keys |= {(KeyKind.NIR, n) for n in (assure_nir, beneficiary_nir)}
    return keys


def stored_key(text: str) -> str:
    """A key as the store keeps it: the hex of its UTF-8 bytes (``client.store.patient_words``
    says why)."""
    return text.encode().hex().upper()


#: Above every hex digit: the keys starting with a prefix are [prefix, prefix + KEY_END).
KEY_END = "G"
