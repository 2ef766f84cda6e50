"""``sesam price --json FILE|-``: price an invoice and check the convention's rules.

Output on stdout (exit 0 whether the invoice is valid or not): the JSON contract of
:mod:`billing.price_io`. Malformed input: exit 2 with a French message naming the field.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from billing.price_io import InputError, parse_request, to_json
from billing.pricing import price
from client.tariffs_local import referential_with_local

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_USAGE = 2


def register(subparsers: Any) -> None:
    """Add the ``price`` sub-command."""
    parser = subparsers.add_parser(
        "price",
        help="chiffrer une facture et vérifier les règles de la convention",
        description="Chiffre les actes à la date des soins (honoraires, part AMO, "
        "participation forfaitaire, part AMC, reste à charge) et vérifie les règles.",
    )
    parser.add_argument(
        "--json",
        dest="json_file",
        required=True,
        metavar="FICHIER",
        help="demande au format JSON (« - » pour l'entrée standard)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Read the request, price it, print the contract's JSON."""
    try:
        document = _read(args.json_file)
        request = parse_request(document)
    except InputError as exc:
        print(f"Entrée invalide : {exc}", file=sys.stderr)
        return EXIT_USAGE
    referential = referential_with_local()
    priced = price(request, referential)
    answer = to_json(priced)
    text = json.dumps(answer, ensure_ascii=False, indent=2) + "\n"
    try:
        try:
            sys.stdout.write(text)
        except UnicodeEncodeError:
            # A terminal or pipe that cannot take the accents: JSON escapes stay valid JSON.
            sys.stdout.write(json.dumps(answer, ensure_ascii=True, indent=2) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (e.g. ``| head``) went away: not an error of the pricing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return EXIT_OK


def _read(name: str) -> object:
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError("--json", f"fichier illisible : {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise InputError("--json", "le fichier n'est pas encodé en UTF-8") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            "(document)", f"JSON invalide ligne {exc.lineno}, colonne {exc.colno} : {exc.msg}"
        ) from exc
    except (ValueError, RecursionError) as exc:  # integer of over 4300 digits, deep nesting
        raise InputError("(document)", "JSON invalide (nombre trop long ou trop imbriqué)") from exc
