"""Shared pieces of the reliability tests (audit, backup, disk, secrets, cards): emulated
cards read by the real ``cardio`` readers in-process, FSE requests, a settable clock, and
the personal data of the test cards that must never leak."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cardio.cps import CpsSession
from cardio.vitale import VitaleReader
from client.fse_service import CpsSource, FseInput, FseService, VitaleSource, parse_fse_input
from client.store import FseRow, Store
from testbed.cards.emulated_connection import EmulatedConnection
from testbed.cards.factory import make_card
from testbed.cards.profiles import PROFILES_DIR

PIN = "1234"
WRONG_PIN = "9876"


@dataclass
class Cards:
    session: CpsSession
    cps: CpsSource
    vitale: VitaleSource | None
    cps_connection: EmulatedConnection


def cards(
    cps_profile: str = "cps-generaliste", vitale_profile: str | None = "vitale-famille"
) -> Cards:
    connection = EmulatedConnection(make_card(cps_profile))
    session = CpsSession(connection)
    session.verify_pin(PIN)
    cps = CpsSource(session.read_identity(), session.read_situations())
    vitale = None
    if vitale_profile is not None:
        reader = VitaleReader(EmulatedConnection(make_card(vitale_profile)))
        vitale = VitaleSource(reader.read(), reader)
    return Cards(session, cps, vitale, connection)


def fse_input(beneficiary: int = 0, day: str = "2026-11-20", **extra: Any) -> FseInput:
    return parse_fse_input(
        {"date_of_care": day, "acts": [{"code": "G"}], "beneficiary": beneficiary, **extra}
    )


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def create_fses(store: Store, count: int, clock: Clock | None = None) -> list[FseRow]:
    """``count`` FSE secured with the family card (beneficiaries in turn)."""
    c = cards()
    service = FseService(store, clock=clock or Clock())
    return [service.create(fse_input(i % 5), c.cps, c.vitale) for i in range(count)]


def profile(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PROFILES_DIR / f"{name}.json").read_text("utf-8"))
    return data


def personal_data(vitale_profile: str = "vitale-famille") -> set[str]:
    """The NIRs (13 digits, with and without key) and the names on a test carte Vitale."""
    found: set[str] = set()

    def walk(value: object, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and value:
            if key.startswith("nir") and len(value) >= 13:
                found.update({value, value[:13]})
            elif key in ("nom", "prenom", "nom_usage"):
                found.add(value)

    walk(profile(vitale_profile))
    return found


def files_under(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file()]


#: A patient identified without the card (sans Vitale), organism given.
IDENTITY_ADRI: dict[str, Any] = {
    "nir": "282096912301858",
    "birth_date": "1982-09-03",
    "qualite": "00",
    "identification": "adri",
    "adri_reference": "ADRI-42",
    "organism": {"regime": "01", "caisse": "691", "centre": "6911"},
}
