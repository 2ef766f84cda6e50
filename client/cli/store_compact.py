"""``sesam store compact``: the disk given back the pages the SQLite store no longer uses
(``client.compact``), the progress on stderr."""

from __future__ import annotations

import argparse
import json
import sys

from client.compact import CompactReport, compact
from client.config import data_dir
from client.errors import ClientError
from client.store.opening import DB_NAME, configured_database_url

EXIT_OK = 0


def add_compact(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``compact`` to the ``store`` command group."""
    parser = sub.add_parser(
        "compact",
        help="rendre au disque la place que la base SQLite n'utilise plus (l'application "
        "et les envois arrêtés)",
    )
    parser.add_argument("--json", action="store_true", help="sortie JSON")
    parser.set_defaults(handler=_cmd_compact)


def _mb(size: int) -> str:
    return f"{size / 1e6:,.0f}".replace(",", " ") + " Mo"


class _Progress:
    """The copy's progress on stderr, every 5 % (the copy of 3 GB takes minutes)."""

    def __init__(self) -> None:
        self.shown = -1

    def __call__(self, written: int, expected: int) -> None:
        share = 100 * written // expected if expected else 100
        if share // 5 > self.shown // 5 or (share == 100 and self.shown < 100):
            self.shown = share
            print(f"  compactage : {_mb(written)} / {_mb(expected)} ({share} %)", file=sys.stderr)


def _cmd_compact(args: argparse.Namespace) -> int:
    folder = data_dir()
    if configured_database_url(folder):
        raise ClientError(
            "La base est sur le serveur PostgreSQL du cabinet : c'est le serveur qui rend la "
            "place (son VACUUM automatique) ; rien à faire sur ce poste."
        )
    print("Compactage de la base…", file=sys.stderr)
    report = compact(folder / DB_NAME, _Progress())
    _print(args, report)
    return EXIT_OK


def _print(args: argparse.Namespace, report: CompactReport) -> None:
    if args.json:
        doc = {
            "taille_precedente": report.file_before,
            "taille": report.file_after,
            "compactee": report.done,
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    elif not report.done:
        print(f"Rien à rendre : la base occupe {_mb(report.file_before)}, toute en usage.")
    else:
        given = report.file_before - report.file_after
        print(
            f"Base compactée : {_mb(report.file_before)} → {_mb(report.file_after)} "
            f"({_mb(given)} rendus au disque)."
        )
