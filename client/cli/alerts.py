"""``sesam alerts``: what needs the user's attention (lots without ARL, payments late,
deadlines, refused lots, unmatched payments), with what to do."""

from __future__ import annotations

import argparse
import json
import logging
from datetime import UTC, datetime

from client.alert_summaries import SUMMARIES
from client.alerts import AlertKind, acknowledge, compute_alerts
from client.cli.context import CommandContext
from client.cli.looking import add_card_option, looking_as

logger = logging.getLogger(__name__)

EXIT_OK = 0

_LEVEL = {"urgent": "URGENT", "attention": "ATTENTION", "info": "INFO"}


def _cmd_alerts(args: argparse.Namespace) -> int:
    with CommandContext() as cli:
        settings = cli.settings  # read before the database, as ever
        now = datetime.now(UTC)
        store = cli.store
        if args.ack:
            acknowledge(store, args.ack, now)
            if args.json:
                print(json.dumps({"cle": args.ack, "masquee": True}, ensure_ascii=False))
            else:
                print(f"Alerte {args.ack} masquée.")
            return EXIT_OK
        with looking_as(cli, args.carte) as seen:  # who is looking (issue #26)
            alerts = compute_alerts(
                store,
                settings,
                now,
                include_acknowledged=args.all,
                practitioners=seen,
                detail=frozenset(AlertKind(k) for k in args.detail or ()),
            )
        if args.detail:  # the alerts of those kinds only, one by one
            alerts = [a for a in alerts if a.kind.value in args.detail]
    if args.json:
        print(json.dumps([a.to_json() for a in alerts], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not alerts:
        print("Aucune alerte.")
    for alert in alerts:
        print(f"[{_LEVEL[alert.level.value]}] {alert.message}")
        print(f"    → {alert.action}")
        print(f"    (masquer : sesam alerts --ack {alert.key})")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``alerts`` command."""
    cmd = subparsers.add_parser("alerts", help="alertes : ARL, paiements, délais, rejets")
    cmd.add_argument("--json", action="store_true", help="sortie JSON")
    cmd.add_argument("--all", action="store_true", help="y compris les alertes masquées")
    cmd.add_argument("--ack", metavar="CLE", help="masquer une alerte")
    cmd.add_argument(
        "--detail",
        action="append",
        choices=sorted(SUMMARIES),
        metavar="TYPE",
        help="les alertes de ce type une par une, même nombreuses (ex. lot_refuse)",
    )
    add_card_option(cmd)
    cmd.set_defaults(handler=_cmd_alerts)
