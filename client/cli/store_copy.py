"""``sesam store copy --to postgresql://...`` and ``sesam store copy --from postgresql://...``.

Moving in to the cabinet's server: the SQLite store of this data folder is copied into a
new PostgreSQL database (``--to``), or the server's database into a new SQLite store in
this data folder (``--from``, back). Everything in one transaction of the target; the
audit journal is verified on both sides after the copy (``sesam audit verify``), and the
command fails if either side does not verify. Progress per table, then the verifications'
steps, on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys

from client.cli.audit import say_step
from client.config import data_dir
from client.errors import ClientError
from client.store import Store, open_store
from client.store.copying import CopyReport, copy_store
from client.store.opening import DB_NAME

EXIT_OK = 0
EXIT_FAILED = 1


class CopyCheckError(ClientError):
    """The copy was made but a side's audit journal does not verify."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``store`` command group."""
    store = subparsers.add_parser(
        "store",
        help="base de données : copie vers le serveur du cabinet (PostgreSQL) et retour, "
        "compactage",
    )
    sub = store.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    copy = sub.add_parser(
        "copy",
        help="copier la base SQLite de ce poste vers PostgreSQL (--to), ou l'inverse (--from)",
    )
    way = copy.add_mutually_exclusive_group(required=True)
    way.add_argument("--to", metavar="URL", help="base PostgreSQL cible (postgresql://...)")
    way.add_argument("--from", dest="source", metavar="URL", help="base PostgreSQL source")
    copy.add_argument("--json", action="store_true", help="sortie JSON")
    copy.set_defaults(handler=_cmd_copy)
    from client.cli.store_compact import add_compact  # its own module: its own imports

    add_compact(sub)


def _url(text: str) -> str:
    if not text.startswith(("postgresql://", "postgres://")):
        raise ClientError(
            f"« {text} » n'est pas l'adresse d'une base PostgreSQL : attendu "
            "postgresql://utilisateur@serveur:port/base."
        )
    return text


def _progress(table: str, done: int, total: int) -> None:
    if done and (done == total or done % 10_000 == 0):
        print(f"  {table} : {done} / {total}", file=sys.stderr)


def _verify(store: Store, side: str) -> int:
    # At 1 M FSE a quarter of an hour per side, after two minutes of copying: said.
    print(f"Vérification du journal d'audit de la base {side}…", file=sys.stderr)
    report = store.audit_verify(say_step)
    if not report.ok:
        raise CopyCheckError(
            f"Copie faite, mais le journal d'audit de la base {side} ne se vérifie pas : "
            f"{report.message()} N'utilisez pas la copie ; gardez la base d'origine."
        )
    return report.count


def _cmd_copy(args: argparse.Namespace) -> int:
    local = data_dir() / DB_NAME
    if args.to:
        url = _url(args.to)
        where, source_of = url, lambda: open_store(local, database_url="")
        target_of = lambda: open_store(local, database_url=url)  # noqa: E731
    else:
        url = _url(args.source)
        where, source_of = str(local), lambda: open_store(local, database_url=url)
        target_of = lambda: open_store(local, database_url="")  # noqa: E731
    source = source_of()
    try:
        target = target_of()
        try:
            print(f"Copie vers {where}…", file=sys.stderr)
            report = copy_store(source, target, where, _progress)
            entries = (_verify(source, "d'origine"), _verify(target, "copiée"))
        finally:
            target.close()
    finally:
        source.close()
    _print(args, report, entries[1])
    return EXIT_OK


def _print(args: argparse.Namespace, report: CopyReport, entries: int) -> None:
    if args.json:
        doc = {
            "tables": dict(report.rows),
            "fse": report.count("fse"),
            "lots": report.count("lots"),
            "entrees_journal": entries,
            "journal_verifie": True,
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    print(
        f"Base copiée : {report.count('fse')} FSE, {report.count('lots')} lots, "
        f"{entries} entrées du journal d'audit, vérifié des deux côtés."
    )
