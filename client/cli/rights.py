"""``sesam rights``: ADRi — a bénéficiaire's rights by NIR, birth date and rang, at a date."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, date, datetime

from client.adri import PAYMENT_NOTICE, RightsQueryError
from client.cli.context import CommandContext
from client.usecases.rights import ask_rights

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_USAGE = 2


def _cmd_rights(args: argparse.Namespace) -> int:
    try:
        at = date.fromisoformat(args.date) if args.date else datetime.now(UTC).date()
    except ValueError:
        print("Date attendue au format AAAA-MM-JJ.", file=sys.stderr)
        return EXIT_USAGE
    with CommandContext() as cli:
        _ = cli.transport  # the certificates are checked before the database
        store = cli.store
        try:
            rights = ask_rights(cli, args.nir, args.birth_date, args.rank, at, store=store)
        except RightsQueryError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_USAGE
    if args.identity:
        print(json.dumps(rights.identity_input(), ensure_ascii=False, indent=2))
        return EXIT_OK
    if args.json:
        print(json.dumps(rights.to_json(), ensure_ascii=False, indent=2))
        return EXIT_OK
    print(
        f"{rights.last_name} {rights.first_name}, né(e) le {rights.birth_date[6:]}/"
        f"{rights.birth_date[4:6]}/{rights.birth_date[:4]}, rang {rights.rank}"
    )
    print(f"Organisme : {rights.regime}-{rights.caisse}-{rights.centre}")
    state = "ouverts" if rights.amo_open else "FERMÉS"
    print(f"Droits AMO au {at:%d/%m/%Y} : {state}")
    for coverage in rights.coverages:
        print(f"Couverture : {coverage}")
    if rights.amc:
        tp = "tiers payant" if rights.amc.get("tiers_payant") else "sans tiers payant"
        print(f"Complémentaire : {rights.amc.get('organisme')} ({tp})")
    print(f"Référence ADRi : {rights.reference}")
    print(PAYMENT_NOTICE)
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``rights`` command."""
    cmd = subparsers.add_parser("rights", help="droits d'un bénéficiaire (ADRi)")
    cmd.add_argument("nir", metavar="NIR", help="NIR (13 ou 15 caractères)")
    cmd.add_argument("--birth-date", required=True, metavar="AAAA-MM-JJ")
    cmd.add_argument("--rank", default="1", metavar="R", help="rang de naissance (défaut 1)")
    cmd.add_argument("--date", metavar="AAAA-MM-JJ", help="date des soins (défaut : aujourd'hui)")
    cmd.add_argument("--json", action="store_true")
    cmd.add_argument(
        "--identity", action="store_true", help="l'objet « identity » pour sesam fse create"
    )
    cmd.set_defaults(handler=_cmd_rights)
