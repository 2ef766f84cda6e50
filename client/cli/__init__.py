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
from client.migration_progress import StderrProgress, reporting
from client.store import damage
from client.store.errors import DamagedStoreError, damage_error
from client.store.opening import DB_NAME

#: Sub-command modules and the commands each registers, in the order of ``sesam --help``.
#: A command imports only its own module: a listing answers without loading the PDF, card
#: and network code of the others (``tests/client/test_cli_groups.py`` keeps this table true).
GROUPS: dict[str, tuple[str, ...]] = {
    "client.cli.cards": ("cards", "cps"),
    "client.cli.price": ("price",),
    "client.cli.fse": ("fse",),
    "client.cli.devis": ("devis",),
    "client.cli.lot": ("lot",),
    "client.cli.print_docs": ("print",),
    "client.cli.scor": ("scor",),
    "client.cli.queue": ("queue",),
    "client.cli.drafts": ("drafts",),
    "client.cli.numbers": ("numbers",),
    "client.cli.returns": ("returns",),
    "client.cli.alerts": ("alerts",),
    "client.cli.ocam": ("ocam",),
    "client.cli.rights": ("rights",),
    "client.cli.amc": ("amc",),
    "client.cli.apcv": ("apcv",),
    "client.cli.audit": ("audit",),
    "client.cli.backup": ("backup", "restore"),
    "client.cli.store_copy": ("store",),
    "client.cli.dashboard": ("dashboard",),
    "client.cli.recette": ("recette",),
}

EXIT_FAILED = 1
EXIT_USAGE = 2


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of ``command`` alone when it is known, else of every command (help,
    typos)."""
    french.install()
    parser = argparse.ArgumentParser(
        prog="sesam", description="Facturation SESAM-Vitale au poste de soins."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="journal détaillé sur stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE", required=True)
    wanted = [name for name, commands in GROUPS.items() if command in commands]
    for name in wanted or GROUPS:
        importlib.import_module(name).register(sub)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The command word: the first argument that is not an option (``-v`` takes no value)."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_of(arguments))
    args = parser.parse_args(arguments)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    db_path = _data_dir() / DB_NAME
    if args.command not in _CHECKS_ITSELF:
        _warn_if_damaged(db_path)
    try:
        # A store converted by a migration at opening: its progress on stderr, not silence.
        with reporting(StderrProgress()):
            code: int = args.handler(args)
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - every error ends here as a French sentence
        # Nothing unexpected reaches the user as a traceback (logged to erreurs.log).
        from client.messages import describe  # the card errors' module only on a failure

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
