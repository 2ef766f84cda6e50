"""Helpers for the AMC tests: the simulated AMC (``testbed.amc``) on loopback HTTPS with the
testbed's PKI, client settings aimed at it, and a cabinet whose carte Vitale is one of the
testbed's AMC profiles (in-process emulated cards, as in ``am_support``)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from am_support import Cabinet, client_settings, open_cabinet

from client.fse_service import FseService, parse_fse_input
from client.settings import Settings
from client.store import FseRow, Store
from testbed.amc.payments import AmcPolicy
from testbed.amc.server import AmcServer

#: A policy that pays every DRE on time and in full (a test changes it when it needs).
PAY_ALL = AmcPolicy(rejected_per_mille=0, partly_paid_per_mille=0, late_per_mille=0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def amc_server(ledger: Path, *, port: int = 0, policy: AmcPolicy = PAY_ALL) -> Iterator[AmcServer]:
    server = AmcServer(ledger_path=ledger, port=port, control_port=None, policy=policy)
    with server:
        yield server


def amc_settings(amc_url: str, **overrides: object) -> Settings:
    """Client settings with the AMC platform at ``amc_url`` (no concentrator needed)."""
    return replace(client_settings("https://127.0.0.1:9"), amc_url=amc_url, **overrides)  # type: ignore[arg-type]


def now() -> datetime:
    return datetime.now(UTC)


def create_tp_fse(
    store: Store, cabinet: Cabinet, gate: object, *, code: str = "G", care: object = None
) -> tuple[FseRow, FseService]:
    """One FSE in tiers payant AMO + AMC for the card's first bénéficiaire, through the
    FSE service with the AMC gate."""
    from am_support import CARE_DATE

    request = parse_fse_input(
        {
            "date_of_care": (care or CARE_DATE).isoformat(),  # type: ignore[attr-defined]
            "practitioner": {},
            "patient": {},
            "acts": [{"code": code}],
            "beneficiary": 0,
            "tiers_payant": {"amo": True, "amc": True},
        }
    )
    service = FseService(store, amc_gate=gate)  # type: ignore[arg-type]
    row = service.create(request, cabinet.cps, cabinet.vitale)
    return row, service


__all__ = [
    "PAY_ALL",
    "amc_server",
    "amc_settings",
    "create_tp_fse",
    "free_port",
    "now",
    "open_cabinet",
]
