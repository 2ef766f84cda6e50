"""``python -m testbed cards ...``: the card server daemon and the commands that drive it."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import Any

from testbed.cards.pcsc_watch import VPCD_READERS, list_readers
from testbed.cards.profiles import ProfileError, VitaleProfile, load_all
from testbed.cards.server import CardServer, CardServerError, send_request, serve_forever

logger = logging.getLogger(__name__)

EXIT_FAILED = 1
EXIT_USAGE = 2


def _insertion(text: str) -> tuple[int, str]:
    reader, sep, profile = text.partition("=")
    if not sep or not reader.isdigit() or not profile:
        raise argparse.ArgumentTypeError(
            f"attendu LECTEUR=PROFIL (ex. 0=cps-generaliste): {text!r}"
        )
    return int(reader), profile


def _serve(args: argparse.Namespace) -> int:
    wait = set(VPCD_READERS) <= set(list_readers())
    if not wait:
        logger.warning("pcscd ne liste pas les lecteurs vpcd : les cartes attendront pcscd")
    server = CardServer(wait_pcsc=wait)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        for reader, profile in args.insert:
            server.insert(reader, profile)
            print(f"lecteur {reader} : {profile} insérée", flush=True)
        serve_forever(server, stop=stop)
    except CardServerError as exc:
        server.stop()
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_FAILED
    return 0


def _request(request: dict[str, Any]) -> dict[str, Any] | None:
    try:
        answer = send_request(request)
    except CardServerError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return None
    if not answer.get("ok"):
        print(f"Erreur : {answer.get('error')}", file=sys.stderr)
        return None
    return answer


def _insert(args: argparse.Namespace) -> int:
    request = {"command": "insert", "reader": args.reader, "profile": args.profile}
    if args.fresh:
        request["fresh"] = True
    answer = _request(request)
    if answer is None:
        return EXIT_FAILED
    print(f"lecteur {args.reader} : {answer['inserted']} insérée")
    return 0


def _remove(args: argparse.Namespace) -> int:
    answer = _request({"command": "remove", "reader": args.reader})
    if answer is None:
        return EXIT_FAILED
    removed = answer["removed"]
    print(
        f"lecteur {args.reader} : {removed} retirée" if removed else f"lecteur {args.reader} : vide"
    )
    return 0


def _swap(args: argparse.Namespace) -> int:
    answer = _request({"command": "swap", "reader": args.reader, "profile": args.profile})
    if answer is None:
        return EXIT_FAILED
    print(f"lecteur {args.reader} : {answer['inserted']} insérée à la place")
    return 0


def _status(args: argparse.Namespace) -> int:
    answer = _request({"command": "status"})
    if answer is None:
        return EXIT_FAILED
    for slot in answer["readers"]:
        state = slot["profile"] or "(vide)"
        if slot["profile"] and not slot["connected"]:
            state += " (en attente de pcscd)"
        print(f"{slot['reader_index']}  {slot['reader_name']}  port {slot['port']}  {state}")
    return 0


def _profiles(args: argparse.Namespace) -> int:
    try:
        profiles = load_all()
    except ProfileError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_FAILED
    for name, profile in profiles.items():
        kind = "vitale" if isinstance(profile, VitaleProfile) else "cpx"
        print(f"{name:20} {kind:7} {profile.description}")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``cards`` group."""
    parser = subparsers.add_parser("cards", help="cartes émulées dans les lecteurs vpcd")
    sub = parser.add_subparsers(dest="cards_command", metavar="COMMANDE", required=True)

    serve = sub.add_parser("serve", help="serveur de cartes (premier plan)")
    serve.add_argument(
        "--insert",
        type=_insertion,
        action="append",
        default=[],
        metavar="N=PROFIL",
        help="carte à insérer au démarrage, ex. 0=cps-generaliste (répétable)",
    )
    serve.set_defaults(handler=_serve)

    insert = sub.add_parser("insert", help="insérer une carte")
    insert.add_argument("profile", metavar="PROFIL")
    insert.add_argument("--reader", type=int, default=0, metavar="N", help="lecteur 0 ou 1")
    insert.add_argument("--fresh", action="store_true", help="carte neuve (compteur PIN du profil)")
    insert.set_defaults(handler=_insert)

    remove = sub.add_parser("remove", help="retirer la carte d'un lecteur")
    remove.add_argument("--reader", type=int, default=0, metavar="N")
    remove.set_defaults(handler=_remove)

    swap = sub.add_parser("swap", help="remplacer la carte d'un lecteur")
    swap.add_argument("profile", metavar="PROFIL")
    swap.add_argument("--reader", type=int, required=True, metavar="N")
    swap.set_defaults(handler=_swap)

    sub.add_parser("status", help="ce que contient chaque lecteur").set_defaults(handler=_status)
    sub.add_parser("profiles", help="profils de cartes disponibles").set_defaults(handler=_profiles)
