"""Helpers of the cabinet tests: the cards of a post (emulated, in process), the worker
processes (one post each) and their output."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cardio.cps import CpsSession
from cardio.vitale import VitaleReader
from client.fse_service import CpsSource, FseInput, VitaleSource, parse_fse_input
from testbed.cards.emulated_connection import EmulatedConnection
from testbed.cards.factory import make_card

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).resolve().parent / "cabinet_worker.py"

#: The cabinet of the test cards: RENAUD and LEFÈVRE; MOREL replaces RENAUD (his number).
RENAUD = "751234568"
LEFEVRE = "752345678"
RENAUD_CARD = "810100123456"
LEFEVRE_CARD = "810100234567"
MOREL_CARD = "810100345678"
SECRETAIRE_CARD = "cpe-secretaire"


def worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    env.pop("SESAM_DATABASE_URL", None)  # the worker is told its store
    return env


def start_worker(*args: str, folder: Path) -> subprocess.Popen[str]:
    """One post: ``cabinet_worker.py`` with ``args`` (its store first), in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    mode, db, *rest = args
    return subprocess.Popen(
        [sys.executable, str(WORKER), mode, db, str(folder), *rest],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=worker_env(),
        cwd=ROOT,
    )


def finish(process: subprocess.Popen[str], timeout: float = 240) -> list[str]:
    """The lines the worker printed; fails the test when it failed."""
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return out.splitlines()


PIN = "1234"


@dataclass
class Cards:
    session: CpsSession
    cps: CpsSource
    vitale: VitaleSource | None


def cards(cps_profile: str, vitale_profile: str = "vitale-famille") -> Cards:
    """A CPS (PIN verified) and a carte Vitale, emulated in this process."""
    session = CpsSession(EmulatedConnection(make_card(cps_profile)))
    session.verify_pin(PIN)
    cps = CpsSource(session.read_identity(), session.read_situations())
    reader = VitaleReader(EmulatedConnection(make_card(vitale_profile)))
    return Cards(session, cps, VitaleSource(reader.read(), reader))


def fse_input(beneficiary: int, day: str, **extra: Any) -> FseInput:
    """One consultation (G) for a beneficiary of the family card, situation 1."""
    return parse_fse_input(
        {"date_of_care": day, "acts": [{"code": "G"}], "beneficiary": beneficiary, "situation": 1}
        | extra
    )
