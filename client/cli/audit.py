"""``sesam audit verify``: check the hash chain of the audit journal and the FSE history.

Exit 0 when the journal is whole, 1 with a French message naming the first bad entry.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from client.store import open_store

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``audit`` command group."""
    audit = subparsers.add_parser("audit", help="journal d'audit (chaîné, non modifiable)")
    sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = sub.add_parser("verify", help="vérifier l'intégrité du journal d'audit")
    verify.add_argument("--json", action="store_true", help="sortie JSON")
    verify.set_defaults(handler=_cmd_verify)


def _cmd_verify(args: argparse.Namespace) -> int:
    store = open_store()
    try:
        report = store.audit_verify()
    finally:
        store.close()
    if args.json:
        out = {
            "ok": report.ok,
            "count": report.count,
            "head_hash": report.head_hash,
            "first_bad_seq": report.first_bad_seq,
            "breach": report.breach.value if report.breach else None,
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
