"""``sesam amc conventions list|set|remove``: the cabinet's conventions with the
complémentaires (which AMC, which convention, tiers payant allowed or not).

Without a convention no AMC part is priced and nothing is sent to that AMC
(``client.amc_pricing``). The table starts with ``billing/tariffs/amc-conventions.json``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from client.cli import amc_lots
from client.cli.context import CommandContext
from client.remainders import amc_delays

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

#: A payment delay longer than a year is a typing error, not a convention.
MAX_DELAY_DAYS = 365


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``amc`` command group (its ``conventions`` actions)."""
    amc = subparsers.add_parser("amc", help="complémentaires santé (AMC)")
    groups = amc.add_subparsers(dest="amc_command", metavar="OBJET", required=True)
    conventions = groups.add_parser(
        "conventions", help="conventions de tiers payant avec les complémentaires"
    )
    sub = conventions.add_subparsers(dest="conventions_command", metavar="ACTION", required=True)

    listing = sub.add_parser("list", help="lister les conventions")
    listing.add_argument("--json", action="store_true", help="sortie JSON")
    listing.set_defaults(handler=_cmd_list)

    put = sub.add_parser("set", help="ajouter ou modifier une convention")
    put.add_argument("amc", metavar="N_AMC", help="n° AMC de la complémentaire (8 chiffres)")
    put.add_argument("--nom", required=True, help="nom de la complémentaire")
    put.add_argument("--convention", required=True, help="référence de la convention")
    put.add_argument(
        "--tiers-payant",
        choices=("oui", "non"),
        required=True,
        help="la convention permet-elle le tiers payant de la part AMC",
    )
    put.add_argument(
        "--delai",
        type=int,
        metavar="JOURS",
        help="délai de paiement de l'AMC en jours, au-delà duquel le poste alerte "
        "(0 : le délai par défaut ; sans l'option : inchangé)",
    )
    put.set_defaults(handler=_cmd_set)

    remove = sub.add_parser("remove", help="supprimer une convention")
    remove.add_argument("amc", metavar="N_AMC")
    remove.set_defaults(handler=_cmd_remove)

    # engage, dre list|send, returns: the engagements and the DRE lots (client.cli.amc_lots)
    amc_lots.register_actions(groups)


def _check_number(number: str) -> bool:
    if len(number) == 8 and number.isascii() and number.isdigit():
        return True
    print(f"N° AMC invalide « {number} » : 8 chiffres attendus.", file=sys.stderr)
    return False


def _cmd_list(args: argparse.Namespace) -> int:
    with CommandContext() as cli:
        rows = cli.store.amc_conventions.conventions()
        delays = amc_delays(cli.store)
    today = date.today()
    if args.json:
        out: list[dict[str, Any]] = [
            {
                "amc": c.amc_number,
                "nom": c.name,
                "convention": c.convention,
                "tiers_payant": c.tiers_payant,
                "delai_paiement_jours": delays.days(today, c.amc_number),
                "delai_par_defaut": c.delay_days is None,
                "enregistre_le": c.updated_at.isoformat(),
            }
            for c in rows
        ]
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        print("Aucune convention : aucune part AMC n'est calculée.")
    for c in rows:
        tp = "tiers payant AMC" if c.tiers_payant else "sans tiers payant"
        days = delays.days(today, c.amc_number)
        delay = f"payée sous {days} jours" + (" (par défaut)" if c.delay_days is None else "")
        print(f"{c.amc_number}  {c.name} — convention {c.convention} — {tp} — {delay}")
    return EXIT_OK


def _cmd_set(args: argparse.Namespace) -> int:
    number = args.amc.strip()
    if not _check_number(number):
        return EXIT_USAGE
    name, convention = args.nom.strip(), args.convention.strip()
    if not name or not convention:
        print("Le nom et la convention ne peuvent pas être vides.", file=sys.stderr)
        return EXIT_USAGE
    if args.delai is not None and not 0 <= args.delai <= MAX_DELAY_DAYS:
        print(
            f"Délai de paiement invalide : de 1 à {MAX_DELAY_DAYS} jours (0 : par défaut).",
            file=sys.stderr,
        )
        return EXIT_USAGE
    with CommandContext() as cli:
        existing = cli.store.amc_conventions.convention(number)
        existed = existing is not None
        delay = existing.delay_days if existing is not None else None
        if args.delai is not None:
            delay = args.delai or None
        cli.store.amc_conventions.set_convention(
            number, name, convention, args.tiers_payant == "oui", cli.utc_clock(), delay
        )
    print(f"Convention {'modifiée' if existed else 'ajoutée'} : {number} {name}.")
    return EXIT_OK


def _cmd_remove(args: argparse.Namespace) -> int:
    number = args.amc.strip()
    if not _check_number(number):
        return EXIT_USAGE
    with CommandContext() as cli:
        removed = cli.store.amc_conventions.remove_convention(number)
    if not removed:
        print(f"Aucune convention avec la complémentaire {number} : rien à supprimer.")
        return EXIT_FAILED
    print(f"Convention avec {number} supprimée : sa part ne sera plus calculée.")
    return EXIT_OK
