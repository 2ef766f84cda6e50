"""The ``sesam`` command line. Each sub-command group lives in its own module of this
package and exposes ``register(subparsers)``; the groups are listed in ``GROUPS``.

Exit codes: 0 success, 1 the operation failed or the user asked for an action and nothing
was done (the reason in French on stderr), 2 bad usage or malformed input. Every report has
``--json``, with French keys: ``docs/formats/cli.md``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from client.cli import french
from client.cli.unexpected import _data_dir, describe_unexpected
from client.messages import describe
from client.store import damage
from client.store.errors import DamagedStoreError, damage_error
from client.store.opening import DB_NAME

#: Sub-command modules, in the order of ``sesam --help``.
GROUPS: tuple[str, ...] = (
    "client.cli.cards",
    "client.cli.price",
    "client.cli.fse",
    "client.cli.lot",
    "client.cli.print_docs",
    "client.cli.scor",
    "client.cli.queue",
    "client.cli.returns",
    "client.cli.alerts",
    "client.cli.rights",
    "client.cli.audit",
    "client.cli.backup",
    "client.cli.dashboard",
    "client.cli.recette",
)

EXIT_FAILED = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    french.install()
    parser = argparse.ArgumentParser(
        prog="sesam", description="Facturation SESAM-Vitale au poste de soins."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="journal détaillé sur stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE", required=True)
    for name in GROUPS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    db_path = _data_dir() / DB_NAME
    if args.command not in _CHECKS_ITSELF:
        _warn_if_damaged(db_path)
    try:
        code: int = args.handler(args)
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - every error ends here as a French sentence
        # Nothing unexpected reaches the user as a traceback (logged to erreurs.log).
        message = describe(exc) or describe_unexpected(exc)
        found = damage_error(exc, db_path)
        if found is not None:
            damage.mark(db_path, found.detail)  # the next commands say it too, at once
        print(message, file=sys.stderr)
        return EXIT_FAILED
    return code


#: Commands that check the database themselves (and say it): no warning before them.
_CHECKS_ITSELF = ("restore", "backup")


def _warn_if_damaged(db_path: Path) -> None:
    """The database was found damaged by an earlier check (``client.store.damage``): every
    command says so first, with the way out (an ``os.stat``, not an O(size) check)."""
    reason = damage.marked(db_path)
    if reason is not None:
        print("Attention : " + str(DamagedStoreError(db_path, reason)), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
