"""``sesam audit verify``: check the hash chain of the audit journal, the FSE history, and
that the books (FSE, lots, outbox, payments, NOEMIE files) agree with the journal.

Exit 0 when all agree, 1 with a French message naming the first bad entry or what differs.
Its steps are said on stderr as they start (at 1 M FSE it takes a quarter of an hour).
"""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import sys

from client.cli.context import CommandContext
from client.store import Store
from client.store.maintenance import JournalTable

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``audit`` command group."""
    audit = subparsers.add_parser("audit", help="journal d'audit (chaîné, non modifiable)")
    sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = sub.add_parser(
        "verify",
        help="vérifier le journal d'audit et que les FSE, lots, file d'envoi et paiements "
        "lui correspondent",
    )
    verify.add_argument("--json", action="store_true", help="sortie JSON")
    verify.set_defaults(handler=_cmd_verify)


def _undecodable(store: Store) -> str | None:
    """The first row of the journal or of the FSE history whose text is not UTF-8."""
    tables: tuple[tuple[JournalTable, str], ...] = (
        ("audit_journal", "entrée n° {} du journal d'audit"),
        ("fse_events", "événement n° {} de l'historique des FSE"),
    )
    for table, what in tables:
        key = store.maintenance.first_undecodable(table)
        if key is not None:
            return what.format(key)
    return None


def say_step(text: str) -> None:
    """A step of a verification, on stderr (stdout keeps the verdict, or the JSON)."""
    print(f"  {text}", file=sys.stderr)


def _cmd_verify(args: argparse.Namespace) -> int:
    with CommandContext() as cli:
        store = cli.store
        try:
            print("Vérification du journal d'audit…", file=sys.stderr)
            report = store.audit_verify(say_step)
        except sqlite3.OperationalError as exc:
            if "decode" not in str(exc).lower():
                raise
            # Damaged bytes in a text column: name the entry instead of crashing.
            where = _undecodable(store) or "une entrée"
            print(
                f"Journal d'audit endommagé : {where} est illisible (ce n'est plus du texte). "
                "La base a été abîmée sur le disque : restaurez la dernière sauvegarde saine "
                "(sesam restore FICHIER), la base actuelle sera gardée de côté.",
                file=sys.stderr,
            )
            return EXIT_FAILED
    if args.json:
        out = {
            "conforme": report.ok,
            "nombre_entrees": report.count,
            "empreinte_derniere_entree": report.head_hash,
            "premiere_entree_fautive": report.first_bad_seq,
            "ecart": report.breach.value if report.breach else None,
            "detail": report.detail or None,
            "message": report.message(),
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
    elif report.ok:
        print(report.message())
    if not report.ok:
        print(report.message(), file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
