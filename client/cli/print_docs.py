"""``sesam print``: the printable documents as PDF files (feuille de soins, duplicata,
quittance, bordereau). Printing itself goes through the system (``lp F.pdf``) or the UI's
print dialog."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from client.cli.context import CommandContext
from client.output_files import OutputPathError, write_output
from client.store import Store

if TYPE_CHECKING:
    from client.documents import Paper

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_USAGE = 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``print`` command group."""
    group = subparsers.add_parser("print", help="documents imprimables (PDF)")
    sub = group.add_subparsers(dest="print_command", metavar="DOCUMENT", required=True)

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--out", type=Path, required=True, metavar="F.pdf", help="fichier PDF")
        parser.add_argument(
            "--force", action="store_true", help="remplacer le fichier s'il existe déjà"
        )
        parser.add_argument("--praticien", metavar="ID", help="n° de facturation + clé")
        parser.add_argument("--json", action="store_true", help="sortie JSON")

    fs = sub.add_parser("fs", help="feuille de soins (modèle cerfa) d'une FSE")
    fs.add_argument("number", type=int, metavar="N", help="numéro de la FSE")
    common(fs)
    fs.set_defaults(handler=_cmd_fs)

    dup = sub.add_parser("duplicata", help="duplicata d'une FSE non transmise")
    dup.add_argument("number", type=int, metavar="N", help="numéro de la FSE")
    dup.add_argument("--motif", required=True, metavar="TEXTE", help="motif de délivrance")
    dup.add_argument(
        "--assure-n-a-pas-pu-signer",
        dest="could_not_sign",
        action="store_true",
        help="tiers payant : l'assuré n'a pas pu signer",
    )
    common(dup)
    dup.set_defaults(handler=_cmd_duplicata)

    receipt = sub.add_parser("receipt", help="quittance remise au patient")
    receipt.add_argument("number", type=int, metavar="N", help="numéro de la FSE")
    common(receipt)
    receipt.set_defaults(handler=_cmd_receipt)

    bordereau = sub.add_parser("bordereau", help="bordereau des lots d'une journée")
    bordereau.add_argument(
        "--date", type=dt.date.fromisoformat, required=True, metavar="AAAA-MM-JJ"
    )
    common(bordereau)
    bordereau.set_defaults(handler=_cmd_bordereau)


def _write(args: argparse.Namespace, data: bytes) -> int:
    # Health data: 0600; never over the store, a backup or an existing file without --force.
    path: Path = args.out
    try:
        write_output(path, data, force=args.force)
    except OutputPathError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps({"fichier": str(path), "octets": len(data)}, ensure_ascii=False))
    else:
        print(f"{path} écrit ({len(data)} octets).")
    return EXIT_OK


def _with_store(work: Callable[[Store], bytes]) -> bytes:
    with CommandContext() as cli:
        return work(cli.store)


def _paper() -> Paper:
    """The letterhead (settings) and the referential (act labels, specialty in words)."""
    from client import documents

    return documents.cabinet_paper()


def _cmd_fs(args: argparse.Namespace) -> int:
    from client.usecases import payments  # fpdf: 0.2 s of every command's start

    paper = _paper()
    with CommandContext() as cli:
        pdf = payments.feuille_de_soins_pdf(cli.store, cli, args.number, args.praticien, paper)
    return _write(args, pdf)


def _cmd_duplicata(args: argparse.Namespace) -> int:
    from client.usecases import payments  # fpdf: 0.2 s of every command's start

    paper = _paper()
    with CommandContext() as cli:
        pdf = payments.duplicata_pdf(
            cli.store,
            cli,
            args.number,
            args.motif,
            args.praticien,
            patient_could_not_sign=args.could_not_sign,
            paper=paper,
        )
    return _write(args, pdf)


def _cmd_receipt(args: argparse.Namespace) -> int:
    from client import documents  # fpdf: 0.2 s of every command's start

    paper = _paper()
    pdf = _with_store(lambda s: documents.receipt_pdf(s, args.number, args.praticien, paper=paper))
    return _write(args, pdf)


def _cmd_bordereau(args: argparse.Namespace) -> int:
    from client import documents  # fpdf: 0.2 s of every command's start

    pdf = _with_store(lambda s: documents.bordereau_pdf(s, args.date, args.praticien))
    return _write(args, pdf)
