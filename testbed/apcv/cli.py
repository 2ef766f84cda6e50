"""``sesam-testbed apcv``: the patient's phone and the ApCV service.

``show PROFILE`` prints the code of the ApCV twin of a Vitale profile (the text a desk
scanner types) and writes it as a PNG QR code; ``--nfc`` plays the NFC path instead (the
same text, marked as tapped, no image). ``serve`` runs the service in the foreground and
prints ``ready <url>`` once it listens.
"""

from __future__ import annotations

import argparse
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import segno

from testbed.apcv.keys import apcv_key
from testbed.apcv.server import DEFAULT_PORT, ApcvServer
from testbed.apcv.token import Transport, encode, new_token
from testbed.apcv.twins import TwinError, twin


def show_code(
    profile: str,
    *,
    holder: int | None = None,
    trusted_third_party: str = "",
    transport: Transport = Transport.QR,
    now: datetime | None = None,
) -> str:
    """A fresh code of the profile's ApCV twin (the phone showing it)."""
    app = twin(profile, holder)
    person, people = app.people()
    token = new_token(
        person,
        people,
        now or datetime.now(UTC),
        transport=transport,
        trusted_third_party=trusted_third_party,
    )
    return encode(token, apcv_key().private_key)


def _show(args: argparse.Namespace) -> int:
    try:
        text = show_code(
            args.profile,
            holder=args.porteur,
            trusted_third_party=args.pret or "",
            transport=Transport.NFC if args.nfc else Transport.QR,
        )
    except TwinError as exc:
        print(f"erreur : {exc}")
        return 1
    print(text)
    if not args.nfc:
        png = args.png or Path(f"apcv-{args.profile}.png")
        segno.make(text, error="m").save(str(png), scale=4)
        print(f"QR code écrit dans {png} (valable 3 minutes, une seule fois)")
    return 0


def _serve(args: argparse.Namespace) -> int:
    stopping = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    server = ApcvServer(port=args.port)
    try:
        if not stopping.is_set():
            server.start()
            print(f"ready {server.url}", flush=True)
        while not stopping.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``apcv`` to the testbed's command line."""
    apcv = subparsers.add_parser("apcv", help="application carte Vitale (ApCV) simulée")
    sub = apcv.add_subparsers(dest="apcv_command", required=True)
    show = sub.add_parser("show", help="afficher le code ApCV d'un profil Vitale (QR ou NFC)")
    show.add_argument("profile", help="profil Vitale (ex. vitale-famille)")
    show.add_argument(
        "--porteur", type=int, default=None, help="adulte de la carte qui porte l'ApCV (1, 2…)"
    )
    show.add_argument("--pret", help="prêt à un tiers de confiance : son nom")
    show.add_argument("--png", type=Path, default=None, help="fichier PNG du QR code")
    show.add_argument("--nfc", action="store_true", help="transmission NFC (pas d'image)")
    show.set_defaults(handler=_show)
    serve = sub.add_parser("serve", help="démarrer le service ApCV au premier plan")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.set_defaults(handler=_serve)
