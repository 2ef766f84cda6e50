"""``sesam dashboard``: télétransmission rate, fees billed and received per month, amounts
waiting, rejects, days since the last transmission (``client.dashboard``)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, date, datetime

from billing.money_text import count_fr, euros
from client import dashboard
from client.cli.context import CommandContext
from client.cli.looking import add_card_option, command_viewer
from client.usecases import views

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_USAGE = 2


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"date invalide « {text} » (AAAA-MM-JJ)") from exc


def _cmd_dashboard(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    end = args.to or now.date()
    start = args.start or dashboard.month_start(end, 5)
    if end < start:
        print(str(dashboard.DashboardPeriodError(start, end)), file=sys.stderr)
        return EXIT_USAGE
    with CommandContext() as cli:
        viewer = command_viewer(cli, args.carte)  # who is looking (#26)
        figures = views.dashboard_figures(cli.store, cli, start, end, now=now, viewer=viewer)
    if args.json:
        print(json.dumps(figures.to_json(), ensure_ascii=False, indent=2))
        return EXIT_OK
    rate = figures.teletransmission_rate
    print(f"Tableau de bord du {start.isoformat()} au {end.isoformat()}")
    print(
        f"  FSE : {figures.fse_count} dont {figures.vitale_count} sécurisées Vitale et "
        f"{figures.degrade_count} en dégradé"
    )
    print(
        "  Taux de télétransmission (hors dégradé) : " + (f"{rate} %" if rate is not None else "—")
    )
    print(
        f"  Honoraires facturés : {euros(figures.fees)} (caisses : {euros(figures.billed)}) ; "
        f"reçus : {euros(figures.received)}"
    )
    print(
        f"  En attente de paiement : {euros(figures.waiting_amount)} "
        f"({count_fr(figures.waiting_count)} FSE) ; rejets : {count_fr(figures.rejects)}"
    )
    print(
        f"  Non payés : {euros(figures.unpaid_amount)} sur {count_fr(figures.unpaid_count)} FSE "
        f"(paiements partiels et rejets à clore) ; réclamés à la caisse : "
        f"{euros(figures.claimed_amount)} sur {count_fr(figures.claimed_count)} FSE"
    )
    days = figures.days_since_transmission
    print(
        "  Dernière transmission : "
        + ("jamais" if days is None else f"il y a {days} jour(s) ({figures.last_transmission})")
    )
    for m in figures.months:
        print(
            f"  {m.label}  {m.fse_count:>4} FSE  facturé {euros(m.billed):>12}  "
            f"reçu {euros(m.received):>12}  rejets {m.rejects}"
        )
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``dashboard`` command."""
    cmd = subparsers.add_parser("dashboard", help="tableau de bord : taux, montants, rejets")
    cmd.add_argument("--json", action="store_true", help="sortie JSON (montants en texte)")
    cmd.add_argument(
        "--from", dest="start", type=_day, metavar="AAAA-MM-JJ", help="début (date des soins)"
    )
    cmd.add_argument("--to", type=_day, metavar="AAAA-MM-JJ", help="fin incluse")
    add_card_option(cmd)
    cmd.set_defaults(handler=_cmd_dashboard)
