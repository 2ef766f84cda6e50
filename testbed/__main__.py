"""``python -m testbed`` / ``sesam-testbed``: drive the simulated outside world.

A small dispatcher: each group is a module exposing ``register(subparsers)`` (its sub-parser
sets ``handler``), listed in ``GROUPS``. Exit 0 success, 1 failure, 2 bad usage.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

logger = logging.getLogger(__name__)

#: Command groups, in the order of ``--help``.
GROUPS: tuple[str, ...] = (
    "testbed.cards.cli",
    "testbed.pki_cli",
    "testbed.am.cli",
    "testbed.amc.cli",
    "testbed.apcv.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sesam-testbed",
        description="Monde extérieur simulé : cartes émulées, PKI de test, Assurance Maladie.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="journal détaillé sur stderr")
    sub = parser.add_subparsers(dest="group", metavar="GROUPE", required=True)
    for name in GROUPS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
