"""The billing pipeline in-process, for the figures that need many FSE: emulated cards
reached without pcscd (the bytes exchanged are the same; see ``tests/client/am_support``),
real pricing, real Vitale certification, real CPS signatures of the lots, a real store, the
simulated Assurance Maladie on loopback HTTPS."""

from __future__ import annotations

import contextlib
import logging
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import require
from benchmarks.fse import fse_request

logger = logging.getLogger(__name__)

PIN = "1234"
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Cabinet:
    """The practitioner's cards, read once (in-process emulated cards)."""

    cps: Any  # client.fse_service.CpsSource
    signer: Any  # cardio.cps.CpsSession
    vitale: Any  # client.fse_service.VitaleSource


def open_cabinet(vitale: str = "vitale-famille", cps: str = "cps-generaliste") -> Cabinet:
    """CPS (PIN verified) and carte Vitale read through the product's readers."""
    require("testbed.cards.emulated_connection", "EmulatedConnection")
    require("client.fse_service", "CpsSource", "VitaleSource")
    from cardio.cps import CpsSession
    from cardio.vitale import VitaleReader
    from client.fse_service import CpsSource, VitaleSource
    from testbed.cards.emulated_connection import EmulatedConnection
    from testbed.cards.factory import make_card

    session = CpsSession(EmulatedConnection(make_card(cps), "CPS"))
    session.verify_pin(PIN)
    card = session.read()
    reader = VitaleReader(EmulatedConnection(make_card(vitale), "Vitale"))
    return Cabinet(
        cps=CpsSource(identity=card.identity, situations=card.situations),
        signer=session,
        vitale=VitaleSource(card=reader.read(), certifier=reader),
    )


def care_date() -> Any:
    """Yesterday: the test PKI is generated "now", signatures come after it."""
    return (datetime.now(UTC) - timedelta(days=1)).date()


#: Practitioners of a cabinet's queue (``create_fses(..., practitioners=N)``): a test CPS and
#: the situation it bills under, each its own billing number (hence its own lots).
PRACTITIONERS: tuple[tuple[str, int | None], ...] = (
    ("cps-generaliste", None),
    ("cps-deux-cabinets", 1),
    ("cps-deux-cabinets", 2),
)


def create_fses(
    store: Any, cabinet: Cabinet, count: int, lot_size: int = 50, practitioners: int = 1
) -> list[Cabinet]:
    """``count`` FSE sécurisées Vitale through the FSE service, one transaction each; with
    ``practitioners`` > 1, made by that many practitioners in turn, as at a cabinet's desks
    (each lot's FSE then interleaved with the others' in the store). The cards used."""
    from billing.lot import LotRules
    from billing.referential import Referential
    from client.fse_service import FseService, parse_fse_input

    if practitioners > len(PRACTITIONERS):
        raise ValueError(f"at most {len(PRACTITIONERS)} practitioners")
    opened: dict[str, Cabinet] = {}  # one card per profile, whatever its situations
    billers: list[tuple[Cabinet, int | None]] = [(cabinet, None)]
    for profile, situation in PRACTITIONERS[1:practitioners]:
        if profile not in opened:
            opened[profile] = open_cabinet(cps=profile)
        billers.append((opened[profile], situation))
    service = FseService(store, Referential.load_default(), rules=LotRules(max_fse=lot_size))
    people = len(cabinet.vitale.card.beneficiaries)
    care = care_date()
    for i in range(count):
        biller, situation = billers[i % len(billers)]
        request = fse_request(i, people, care)
        if situation is not None:
            request["situation"] = situation
        service.create(parse_fse_input(request), biller.cps, biller.vitale)
    return [cabinet, *opened.values()]


def close_lots(store: Any, cabinet: Cabinet) -> int:
    """Sign (CPS) and close every open lot of this card; their outbox rows become PENDING."""
    from client.fse_service import FseService

    service = FseService(store)
    return len(service.close_lots(cabinet.signer, cabinet.cps, all_lots=True))


def client_settings(server_url: str) -> Any:
    """Settings pointing at the testbed PKI and at ``server_url``."""
    from client.settings import Settings
    from testbed.pki import ensure_pki

    pki = ensure_pki()
    return Settings(
        server_url=server_url,
        client_cert=pki.client_cert,
        client_key=pki.client_key,
        ca_cert=pki.ca_cert,
        connect_timeout=5.0,
        read_timeout=30.0,
        backoff_base=0.05,
        backoff_cap=0.2,
    )


def am_server(ledger: Path) -> Any:
    """A fresh simulated Assurance Maladie on loopback (its own ledger file)."""
    require("testbed.am.server", "AmServer")
    from testbed.am.server import AmServer

    for suffix in ("", "-wal", "-shm"):
        Path(str(ledger) + suffix).unlink(missing_ok=True)
    ledger.parent.mkdir(parents=True, exist_ok=True)
    return AmServer(ledger_path=ledger, control_port=None).start()


@contextlib.contextmanager
def am_process(ledger: Path) -> Iterator[str]:
    """A fresh simulated Assurance Maladie in its own process, as a concentrator is another
    machine: it does not take the client's interpreter (GIL) while it checks lots. Its URL."""
    require("testbed.am.cli", "register")
    for suffix in ("", "-wal", "-shm"):
        Path(str(ledger) + suffix).unlink(missing_ok=True)
    ledger.parent.mkdir(parents=True, exist_ok=True)
    log = ledger.with_suffix(".log").open("w")  # the server's own log, out of the table
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "testbed",
            "am",
            "serve",
            "--port",
            "0",
            "--control-port",
            "0",
            "--ledger",
            str(ledger),
        ],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        cwd=ROOT,
    )
    try:
        assert server.stdout is not None  # noqa: S101 - PIPE above
        line = server.stdout.readline().split()
        if len(line) < 2 or line[0] != "ready":
            raise RuntimeError(f"testbed am serve did not start: {line}")
        yield line[1]
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def send_all(store: Any, settings: Any) -> Any:
    """Drain the outbox with the product's sender and HTTPS transport; the SendReport."""
    require("client.sender", "Sender")
    require("client.transport", "HttpsTransport")
    from client.sender import Sender
    from client.transport import HttpsTransport

    sender = Sender(
        store, HttpsTransport(settings), settings=settings, clock=lambda: datetime.now(UTC)
    )
    return sender.run(until_empty=True, max_seconds=3600)
