"""``python -m testbed am ...``: run the simulated Assurance Maladie in the foreground.

``serve`` prints one line ``ready <url> control <url>`` on stdout once it listens, so that a
script (or a test) started with ``--port 0`` learns the ports.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from testbed.am.faults import FaultKind, Faults
from testbed.am.server import AmServer

logger = logging.getLogger(__name__)

DEFAULT_PORT = 8443
DEFAULT_CONTROL_PORT = 8444


def _fault(text: str) -> tuple[str, int | None]:
    kind, _, count = text.partition(":")
    try:
        FaultKind(kind)
    except ValueError:
        known = ", ".join(k.value for k in FaultKind)
        raise argparse.ArgumentTypeError(f"panne inconnue {kind!r} (connues : {known})") from None
    if count and not count.isdigit():
        raise argparse.ArgumentTypeError("le nombre de fois doit être un entier")
    return kind, int(count) if count else None


def _serve(args: argparse.Namespace) -> int:
    # The handler only sets an event, and is installed first: an exception raised from a
    # signal handler could land anywhere (inside start, inside stop) and leave threads or
    # the ledger half-stopped; a SIGTERM at any moment ends with the ledger closed.
    stopping = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    faults = Faults(slow_seconds=args.slow_seconds)
    for kind, count in args.fault:
        faults.set(kind, count)
    server = AmServer(
        ledger_path=args.ledger,
        port=args.port,
        control_port=args.control_port,
        noemie_delay=args.noemie_delay,
        faults=faults,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
    )
    try:
        if not stopping.is_set():
            server.start()
            print(f"ready {server.url} control {server.control_url}", flush=True)
        while not stopping.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


def _control(args: argparse.Namespace) -> int:
    doc: dict[str, object] = {}
    if args.set:
        doc["set"] = dict(args.set)
    if args.clear:
        doc["clear"] = "all" if args.clear == "all" else [args.clear]
    data = json.dumps(doc).encode() if doc else None
    request = urllib.request.Request(  # noqa: S310 - loopback control URL given by the user
        args.control.rstrip("/") + "/faults", data=data, method="POST" if doc else "GET"
    )
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
        print(answer.read().decode())
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``am`` to the testbed's command line."""
    am = subparsers.add_parser("am", help="Assurance Maladie simulée (HTTPS, TLS mutuel)")
    sub = am.add_subparsers(dest="am_command", required=True)
    serve = sub.add_parser("serve", help="démarrer le serveur au premier plan")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--control-port", type=int, default=DEFAULT_CONTROL_PORT)
    serve.add_argument("--ledger", type=Path, default=None, help="fichier SQLite du registre")
    serve.add_argument(
        "--noemie-delay", type=float, default=0.0, help="secondes avant les retours NOEMIE"
    )
    serve.add_argument(
        "--fault",
        type=_fault,
        action="append",
        default=[],
        metavar="PANNE[:N]",
        help="panne injectée (" + ", ".join(k.value for k in FaultKind) + "), N fois",
    )
    serve.add_argument("--slow-seconds", type=float, default=30.0)
    serve.add_argument(
        "--tls-cert", type=Path, default=None, help="certificat TLS présenté (PEM, essais)"
    )
    serve.add_argument("--tls-key", type=Path, default=None, help="clé du certificat TLS (PEM)")
    serve.set_defaults(handler=_serve)
    control = sub.add_parser("faults", help="voir ou changer les pannes d'un serveur lancé")
    control.add_argument("--control", default=f"http://127.0.0.1:{DEFAULT_CONTROL_PORT}")
    control.add_argument("--set", type=_fault, action="append", default=[], metavar="PANNE[:N]")
    control.add_argument("--clear", metavar="PANNE|all")
    control.set_defaults(handler=_control)


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point (``python -m testbed.am``)."""
    parser = argparse.ArgumentParser(prog="testbed")
    parser.add_argument("-v", "--verbose", action="store_true")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr)
    code: int = args.handler(args)
    return code
