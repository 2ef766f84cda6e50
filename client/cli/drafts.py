"""``sesam drafts list``: the invoices prepared for a practitioner (a receptionist's post
addresses them) waiting for his CPS, as the card ``--carte`` (or the post's card,
``SESAM_CARTE``) may see them. No patient data is printed: who prepared, for whom, when,
which acts."""

from __future__ import annotations

import argparse
import json
import sys

from client.cli.context import CommandContext
from client.usecases.scope import POST_CARD_ENV, addressed_drafts, post_card, preparer

EXIT_OK = 0
EXIT_USAGE = 2


def _cmd_list(args: argparse.Namespace) -> int:
    card = (args.carte or "").strip() or post_card()
    if not card:
        print(
            "Aucune carte : indiquez la carte du praticien (--carte, son n° RPPS) ou "
            f"réglez celle du poste ({POST_CARD_ENV}).",
            file=sys.stderr,
        )
        return EXIT_USAGE
    with CommandContext() as cli:
        drafts = addressed_drafts(cli.store, card)
    if args.json:
        out = [
            {
                "id": d.id,
                "pour": d.addressed_to,
                "preparee_par": d.prepared_by,
                "preparee_par_nom": d.prepared_by_name,
                "le": d.saved_at.isoformat(),
                "actes": list(d.acts),
            }
            for d in drafts
        ]
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not drafts:
        print("Aucune facture préparée en attente de signature pour cette carte.")
        return EXIT_OK
    for d in drafts:
        acts = ", ".join(d.acts) or "—"
        print(
            f"{d.id} : pour le praticien {d.addressed_to}, préparée par {preparer(d)} "
            f"le {d.saved_at:%d/%m/%Y %H:%M} (actes : {acts})"
        )
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``drafts`` command group."""
    group = subparsers.add_parser("drafts", help="factures préparées en attente de signature")
    sub = group.add_subparsers(dest="drafts_command", metavar="ACTION", required=True)
    cmd = sub.add_parser("list", help="les factures préparées pour les praticiens de la carte")
    cmd.add_argument("--carte", metavar="ID", help="n° de la carte (CPS ou CPE) qui regarde")
    cmd.add_argument("--json", action="store_true", help="sortie JSON")
    cmd.set_defaults(handler=_cmd_list)
