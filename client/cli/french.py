"""argparse's own messages in French: the user of ``sesam`` reads French everywhere, usage
errors included. argparse looks each message up through its module's ``_`` (gettext) when
it writes it, so a table installed there is enough; a text it does not know stays as is."""

from __future__ import annotations

import argparse
from collections.abc import Callable

FRENCH = {
    "usage: ": "utilisation : ",
    "options": "options",
    "positional arguments": "arguments",
    "show this help message and exit": "afficher cette aide et quitter",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments inconnus : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "choix invalide : %(value)r (choisir parmi %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": "valeur invalide (%(type)s) : %(value)r",
    "expected one argument": "une valeur attendue",
    "expected at least one argument": "au moins une valeur attendue",
    "expected at most one argument": "au plus une valeur attendue",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
    "ambiguous option: %(option)s could match %(matches)s": (
        "option ambiguë : %(option)s peut désigner %(matches)s"
    ),
    "ignored explicit argument %r": "argument explicite ignoré : %r",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "can't open '%(filename)s': %(error)s": "impossible d'ouvrir « %(filename)s » : %(error)s",
}

_english: Callable[[str], str] = getattr(argparse, "_")  # noqa: B009 - not in the stubs


def _french(text: str) -> str:
    return FRENCH.get(text, _english(text))


def install() -> None:
    """From now on, argparse writes its usage and errors in French (idempotent)."""
    setattr(argparse, "_", _french)  # noqa: B010 - not in the stubs
