"""In-process cards for the store, service and crash tests: the testbed's emulated cards
behind ``EmulatedConnection``, read by the real ``cardio`` readers (no pcscd: fast, and
usable in a subprocess that gets SIGKILLed). The end-to-end test uses the real pcscd."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cardio.cps import CpsSession
from cardio.vitale import VitaleReader
from client.fse_service import CpsSource, FseInput, VitaleSource, parse_fse_input
from testbed.cards.emulated_connection import EmulatedConnection
from testbed.cards.factory import make_card

PIN = "1234"


@dataclass
class Cards:
    session: CpsSession
    cps: CpsSource
    vitale: VitaleSource | None


def cards(
    cps_profile: str = "cps-generaliste", vitale_profile: str | None = "vitale-famille"
) -> Cards:
    session = CpsSession(EmulatedConnection(make_card(cps_profile)))
    session.verify_pin(PIN)
    cps = CpsSource(session.read_identity(), session.read_situations())
    vitale = None
    if vitale_profile is not None:
        reader = VitaleReader(EmulatedConnection(make_card(vitale_profile)))
        vitale = VitaleSource(reader.read(), reader)
    return Cards(session, cps, vitale)


def fse_input(beneficiary: int = 0, day: str = "2026-11-20", **extra: Any) -> FseInput:
    return parse_fse_input(
        {"date_of_care": day, "acts": [{"code": "G"}], "beneficiary": beneficiary, **extra}
    )


class Clock:
    """A settable clock for the service (no sleeping in tests)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now
