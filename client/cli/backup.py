"""``sesam backup [--out FICHIER]`` and ``sesam restore FICHIER``.

``backup`` writes a consistent copy of the database (default: a dated file in the
``sauvegardes`` folder of the data directory, the last ones kept). ``restore`` checks the
file, keeps a copy of the current database, restores, and never lets FSE or lot numbers go
back (see ``client/backup.py``). Stop the application (and the sender) before restoring.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from client.backup import CHECKING, Progress, backup, restore
from client.cli.context import CommandContext

logger = logging.getLogger(__name__)

EXIT_OK = 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``backup`` and ``restore`` commands."""
    save = subparsers.add_parser("backup", help="sauvegarder la base de données")
    save.add_argument("--out", type=Path, metavar="FICHIER", help="fichier de sauvegarde")
    save.add_argument(
        "--force", action="store_true", help="remplacer le fichier --out s'il existe déjà"
    )
    save.add_argument("--json", action="store_true", help="sortie JSON")
    save.set_defaults(handler=_cmd_backup)
    load = subparsers.add_parser("restore", help="restaurer une sauvegarde de la base")
    load.add_argument("file", type=Path, metavar="FICHIER", help="sauvegarde à restaurer")
    load.add_argument("--json", action="store_true", help="sortie JSON")
    load.set_defaults(handler=_cmd_restore)


def _cmd_backup(args: argparse.Namespace) -> int:
    with CommandContext() as cli:
        store = cli.store
        path = backup(store, args.out, force=args.force, progress=copy_progress("Copie"))
    if args.json:
        doc = {"fichier": str(path), "octets": path.stat().st_size}
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print(f"Sauvegarde écrite : {path}")
    return EXIT_OK


def copy_progress(what: str) -> Progress:
    """The copy's progress on stderr by tenths (about a minute at 1 M FSE), the live
    database's check before it said as it starts."""
    said = -1

    def progress(done: int, total: int) -> None:
        nonlocal said
        if total == CHECKING:
            print("Contrôle de la base avant la copie…", file=sys.stderr)
            return
        tenth = done * 10 // total
        if tenth > said:
            said = tenth
            print(f"{what} : {tenth * 10} %", file=sys.stderr)

    return progress


def _cmd_restore(args: argparse.Namespace) -> int:
    print("Contrôle de la sauvegarde, puis copie de côté de la base actuelle…", file=sys.stderr)
    report = restore(args.file, progress=copy_progress("Restauration"))
    if args.json:
        doc = {
            "source": str(report.source),
            "base_precedente": str(report.previous_copy) if report.previous_copy else None,
            "base_precedente_endommagee": report.damaged,
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return EXIT_OK
    if report.damaged:
        kept = f"La base endommagée est gardée de côté dans {report.previous_copy}."
    elif report.previous_copy is not None:
        kept = f"La base précédente est gardée dans {report.previous_copy}."
    else:
        kept = "Il n'y avait pas de base à remplacer."
    print(
        f"Base restaurée depuis {report.source}. {kept} La numérotation des FSE et des lots "
        "continue sans reprendre de numéro déjà donné."
    )
    return EXIT_OK
