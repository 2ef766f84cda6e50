"""``sesam fse``: create (price + secure with the inserted cards), list, show, cancel FSE.

``sesam fse create --json FILE --pin-stdin`` reads the PIN on stdin (never an argument,
never logged), finds the CPS and the carte Vitale in the readers (pcscd), prices the
request (same input as ``sesam price``, plus the keys of ``docs/formats/fse.md``), secures
the FSE and stores it; it prints the FSE as JSON on stdout. Card work and the store write
run on the card thread, which opens its own store connection.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from client.cli import fse_list


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``fse`` command group."""
    fse = subparsers.add_parser("fse", help="feuilles de soins électroniques")
    sub = fse.add_subparsers(dest="fse_command", metavar="ACTION", required=True)

    create = sub.add_parser("create", help="tarifer, sécuriser et enregistrer une FSE")
    create.add_argument(
        "--json",
        type=Path,
        required=True,
        metavar="FICHIER",
        help="demande (entrée de sesam price + clés FSE, voir docs/formats/fse.md)",
    )
    create.add_argument(
        "--pin-stdin",
        action="store_true",
        help="lire le code porteur de la CPS sur l'entrée standard",
    )
    create.add_argument(
        "--print-out",
        type=Path,
        metavar="F.pdf",
        help="mode dégradé : où écrire la feuille de soins à faire signer "
        "(défaut : dossier documents/ des données)",
    )
    create.add_argument(
        "--apcv",
        metavar="CODE",
        help="sécuriser avec l'application carte Vitale du patient : texte de son code "
        "(lu par le lecteur, ou collé en téléconsultation)",
    )
    create.add_argument(
        "--apcv-image", type=Path, metavar="F", help="photo ou capture du QR code ApCV"
    )
    create.set_defaults(handler=_later("_cmd_create"))

    fse_list.register(sub)

    show = sub.add_parser("show", help="détail d'une FSE")
    show.add_argument("number", type=int, metavar="N")
    show.add_argument("--practitioner", metavar="ID", help="n° de facturation + clé")
    show.add_argument("--json", action="store_true", help="sortie JSON (document complet)")
    show.set_defaults(handler=_later("_cmd_show"))

    cancel = sub.add_parser("cancel", help="annuler une FSE non encore envoyée")
    cancel.add_argument("number", type=int, metavar="N")
    cancel.add_argument("--practitioner", metavar="ID", help="n° de facturation + clé")
    cancel.add_argument("--reason", default="annulée par l'utilisateur", help="motif")
    cancel.add_argument("--json", action="store_true", help="sortie JSON")
    cancel.set_defaults(handler=_later("_cmd_cancel"))

    rectify = sub.add_parser(
        "rectify", help="corriger et renvoyer une FSE rejetée (FSE rectificative)"
    )
    rectify.add_argument("number", type=int, metavar="N", help="n° de la FSE rejetée")
    rectify.add_argument("--practitioner", metavar="ID", help="n° de facturation + clé")
    rectify.add_argument(
        "--json",
        type=Path,
        metavar="FICHIER",
        help="corrections, mêmes clés que fse create (défaut : la FSE rejetée telle quelle)",
    )
    rectify.add_argument(
        "--apcv",
        metavar="CODE",
        default="",
        help="FSE ApCV rejetée : nouveau code ApCV du patient (garantie de paiement) ; sans "
        "lui, SESAM sans Vitale, droits par ADRi (sans garantie de paiement)",
    )
    rectify.add_argument(
        "--pin-stdin", action="store_true", help="lire le code porteur de la CPS sur stdin"
    )
    rectify.set_defaults(handler=_later("_cmd_rectify"))


def _later(name: str) -> Callable[[argparse.Namespace], int]:
    """The handler ``name`` of ``client.cli.fse_commands``, imported when it runs."""

    def handler(args: argparse.Namespace) -> int:
        # The card, PDF and network code only for the commands that use them.
        from client.cli import fse_commands

        run: Callable[[argparse.Namespace], int] = getattr(fse_commands, name)
        return run(args)

    return handler
