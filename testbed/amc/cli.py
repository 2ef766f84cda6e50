"""``python -m testbed amc serve``: run the simulated AMC in the foreground.

``serve`` prints one line ``ready <url> control <url>`` on stdout once it listens (like the
simulated Assurance Maladie), so that a script started with ``--port 0`` learns the ports.
"""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path
from types import FrameType

from testbed.amc.payments import AmcPolicy
from testbed.amc.server import AmcServer

DEFAULT_PORT = 8453
DEFAULT_CONTROL_PORT = 8454


def _serve(args: argparse.Namespace) -> int:
    stopping = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    policy = AmcPolicy(
        rejected_per_mille=args.rejected,
        partly_paid_per_mille=args.partly_paid,
        late_per_mille=args.late,
    )
    server = AmcServer(
        ledger_path=args.ledger, port=args.port, control_port=args.control_port, policy=policy
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


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``amc`` to the testbed's command line."""
    amc = subparsers.add_parser("amc", help="complémentaire santé simulée (HTTPS, TLS mutuel)")
    sub = amc.add_subparsers(dest="amc_command", required=True)
    serve = sub.add_parser("serve", help="démarrer le serveur au premier plan")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--control-port", type=int, default=DEFAULT_CONTROL_PORT)
    serve.add_argument("--ledger", type=Path, default=None, help="fichier SQLite du registre")
    serve.add_argument("--rejected", type=int, default=100, help="DRE rejetées, pour mille")
    serve.add_argument(
        "--partly-paid", type=int, default=150, help="DRE payées partiellement, pour mille"
    )
    serve.add_argument("--late", type=int, default=150, help="DRE payées en retard, pour mille")
    serve.set_defaults(handler=_serve)
