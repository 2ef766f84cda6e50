"""``sesam print``: the printable documents as PDF files (feuille de soins, duplicata,
quittance, bordereau). Printing itself goes through the system (``lp F.pdf``) or the UI's
print dialog."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from client import documents
from client.store import Store, open_store

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_USAGE = 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``print`` command group."""
    group = subparsers.add_parser("print", help="documents imprimables (PDF)")
    sub = group.add_subparsers(dest="print_command", metavar="DOCUMENT", required=True)

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--out", type=Path, required=True, metavar="F.pdf", help="fichier PDF")
        parser.add_argument("--praticien", metavar="ID", help="n° de facturation + clé")

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


def _write(path: Path, data: bytes) -> int:
    try:
        # Health data: readable by the user only.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
    except OSError as exc:
        print(f"Impossible d'écrire {path} : {exc.strerror}.", file=sys.stderr)
        return EXIT_USAGE
    print(f"{path} écrit ({len(data)} octets).")
    return EXIT_OK


def _with_store(work: Callable[[Store], bytes]) -> bytes:
    store = open_store()
    try:
        return work(store)
    finally:
        store.close()


def _cmd_fs(args: argparse.Namespace) -> int:
    pdf = _with_store(lambda s: documents.feuille_de_soins_pdf(s, args.number, args.praticien))
    return _write(args.out, pdf)


def _cmd_duplicata(args: argparse.Namespace) -> int:
    now = dt.datetime.now(dt.UTC)
    pdf = _with_store(
        lambda s: documents.duplicata_pdf(
            s,
            args.number,
            args.motif,
            now=now,
            patient_could_not_sign=args.could_not_sign,
            practitioner_id=args.praticien,
        )
    )
    return _write(args.out, pdf)


def _cmd_receipt(args: argparse.Namespace) -> int:
    pdf = _with_store(lambda s: documents.receipt_pdf(s, args.number, args.praticien))
    return _write(args.out, pdf)


def _cmd_bordereau(args: argparse.Namespace) -> int:
    pdf = _with_store(lambda s: documents.bordereau_pdf(s, args.date, args.praticien))
    return _write(args.out, pdf)
