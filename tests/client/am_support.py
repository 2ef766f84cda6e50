"""Helpers for the télétransmission tests: a practitioner's cabinet with in-process emulated
cards (CPS cps-generaliste, carte Vitale vitale-famille), FSE created through the FSE
engineer's ``FseService`` (real pricing, real Vitale certification with the testbed's mother
key, real CPS signature of the lots), a store, settings pointing at an ``AmServer``.

The cards are the testbed's emulated cards reached in-process (``EmulatedConnection``)
rather than through pcscd: creating hundreds of FSE through the vpcd readers would be slow
and would need the reader lock; the bytes exchanged are the same.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from billing.fse import Fse
from billing.lot import LotRules, lot_content, sign_lot
from billing.signing import Signer, SoftwareSigner
from cardio.cps import CpsSession
from cardio.vitale import VitaleReader
from client.fse_service import CpsSource, FseService, VitaleSource, parse_fse_input
from client.returns import fetch_noemie
from client.sender import Sender
from client.settings import Settings
from client.store import FseRow, Store
from client.transport import HttpsTransport
from testbed.am.noemie_gen import Fate, ReturnPolicy
from testbed.am.server import AmServer
from testbed.cards.emulated_connection import EmulatedConnection
from testbed.cards.factory import make_card
from testbed.pki import card_certificate, card_private_key, ensure_pki

#: Yesterday: a date of care the cards' rights and the tariffs cover whatever the day.
CARE_DATE = (datetime.now(UTC) - timedelta(days=1)).date()


def seeded(seed: int) -> random.Random:
    """A reproducible generator for the sender's jitter (not for anything secret)."""
    return random.Random(seed)  # noqa: S311


class FakeClock:
    """A settable clock for the client side (never sleeps)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Cabinet:
    """The practitioner's cards, read once."""

    cps: CpsSource
    signer: CpsSession
    vitale: VitaleSource

    @property
    def beneficiaries(self) -> int:
        return len(self.vitale.card.beneficiaries)


def open_cabinet(vitale: str = "vitale-famille", cps: str = "cps-generaliste") -> Cabinet:
    session = CpsSession(EmulatedConnection(make_card(cps), "CPS"))
    session.verify_pin("1234")
    card = session.read()
    reader = VitaleReader(EmulatedConnection(make_card(vitale), "Vitale"))
    vitale_card = reader.read()
    return Cabinet(
        cps=CpsSource(identity=card.identity, situations=card.situations),
        signer=session,
        vitale=VitaleSource(card=vitale_card, certifier=reader),
    )


def fse_input(index: int, cabinet: Cabinet, care: date = CARE_DATE) -> object:
    """A consultation G for one of the family, alternating with a G + MEG-less visit."""
    return parse_fse_input(
        {
            "date_of_care": care.isoformat(),
            "practitioner": {},
            "patient": {},
            "acts": [{"code": "G"}],
            "beneficiary": index % cabinet.beneficiaries,
            "tiers_payant": {"amo": True, "amc": True},
        }
    )


def create_fse(
    store: Store,
    cabinet: Cabinet,
    count: int,
    clock: Callable[[], datetime],
    care: date = CARE_DATE,
    lot_size: int = 50,
) -> list[FseRow]:
    """Create ``count`` FSE sécurisées Vitale through the FSE service."""
    service = FseService(store, clock=clock, rules=LotRules(max_fse=lot_size))
    return [
        service.create(fse_input(i, cabinet, care), cabinet.cps, cabinet.vitale)  # type: ignore[arg-type]
        for i in range(count)
    ]


def close_lots(store: Store, cabinet: Cabinet, clock: Callable[[], datetime]) -> list[str]:
    """Sign and close every open lot; their outbox rows become PENDING."""
    service = FseService(store, clock=clock)
    return [c.lot.id for c in service.close_lots(cabinet.signer, cabinet.cps, all_lots=True)]


def signed_lot(fses: list[Fse], lot_id: str, signer: Signer, number: int = 1) -> bytes:
    """A lot built and signed outside the store (for the server's negative checks)."""
    now = datetime.now(UTC)
    content = lot_content(lot_id=lot_id, number=number, created_at=now, closed_at=now, fses=fses)
    return sign_lot(content, signer, now)


def software_cps() -> SoftwareSigner:
    """The cps-generaliste key as a software signer (the key of the emulated card)."""
    return SoftwareSigner(
        card_private_key("cps-generaliste"),
        card_certificate("cps-generaliste").public_bytes(Encoding.DER),
    )


def client_settings(server_url: str, **overrides: object) -> Settings:
    """Settings pointing at the testbed PKI of this test session and at ``server_url``."""
    pki = ensure_pki()
    values: dict[str, object] = {
        "server_url": server_url,
        "client_cert": pki.client_cert,
        "client_key": pki.client_key,
        "ca_cert": pki.ca_cert,
        "connect_timeout": 2.0,
        "read_timeout": 5.0,
        "backoff_base": 1.0,
        "backoff_cap": 8.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def write_settings(data_dir: Path, settings: Settings) -> None:
    (data_dir / "settings.json").write_text(json.dumps(settings.to_json()), encoding="utf-8")


@dataclass(frozen=True, slots=True)
class DealtReturnPolicy(ReturnPolicy):
    """The shares of ``ReturnPolicy`` dealt in turn to the FSE in the order the caisse first
    sees them, not drawn from each FSE's random id: 30 FSE at 300 ‰ rejected hold 9 rejects
    in every run (drawn, a run in ~3 000 had fewer than two, and the fixtures that need each
    fate failed). The motif still comes from the id."""

    _dealt: dict[str, tuple[Fate, str]] = field(default_factory=dict, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def fate(self, fse_id: str) -> tuple[Fate, str]:
        with self._lock:
            known = self._dealt.get(fse_id)
            if known is None:
                # The n-th FSE's place in [0, 1000): n × 0.618 (mod 1), the golden ratio's
                # sequence, spreads any first n evenly, so each share gets its part.
                place = (len(self._dealt) * 618) % 1000
                if place < self.rejected_per_mille:
                    known = ReturnPolicy(rejected_per_mille=1000).fate(fse_id)
                elif place < self.rejected_per_mille + self.partly_paid_per_mille:
                    known = ReturnPolicy(0, partly_paid_per_mille=1000).fate(fse_id)
                else:
                    known = (Fate.PAID, "")
                self._dealt[fse_id] = known
            return known


def send_and_fetch_returns(
    store: Store,
    cabinet: Cabinet,
    clock: Callable[[], datetime],
    ledger: Path,
    policy: ReturnPolicy,
    rng: random.Random | None = None,
) -> None:
    """Close every open lot, send them to a simulated Assurance Maladie whose returns follow
    ``policy`` (real HTTPS on loopback, its ledger at ``ledger``) and bring its NOEMIE
    returns back: the FSE come back paid, partly paid or rejected."""
    server = AmServer(ledger_path=ledger, policy=policy).start()
    try:
        close_lots(store, cabinet, clock)
        settings = client_settings(server.url)
        transport = HttpsTransport(settings)
        assert Sender(store, transport, settings=settings, clock=clock, rng=rng).run().complete
        assert fetch_noemie(store, transport, clock())
    finally:
        server.stop()
