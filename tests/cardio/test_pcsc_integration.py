"""The host side through the real pcscd and the vpcd virtual readers, with the testbed's
emulated cards. Serialised by the vpcd lock (the ``card_server`` fixture takes it)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from smartcard import scard

from cardio import layout, probe
from cardio.connection import CardConnection
from cardio.cps import CpsSession
from cardio.errors import (
    ApduError,
    CardRemovedError,
    MalformedResponseError,
    NoCardError,
    NotAllowedError,
    PinBlockedError,
    PinError,
)
from cardio.monitor import EventKind, ReaderMonitor
from cardio.pcsc import PcscBackend
from cardio.thread import CardThread
from cardio.vitale import VitaleReader
from client.messages import describe
from testbed import pki
from testbed.cards.pcsc_watch import VPCD_READERS
from testbed.cards.profiles import VitaleProfile, load_profile
from testbed.cards.server import CardServer
from testbed.vitale_keys import verify_certification

pytestmark = pytest.mark.pcsc

T = TypeVar("T")
R0, R1 = VPCD_READERS


@pytest.fixture
def card_thread() -> Iterator[CardThread]:
    with CardThread() as thread:
        yield thread


@pytest.fixture
def backend(card_thread: CardThread) -> Iterator[PcscBackend]:
    backend = PcscBackend(thread=card_thread)
    yield backend
    card_thread.call(backend.close)


def on_card(
    thread: CardThread, backend: PcscBackend, reader: str, use: Callable[[CardConnection], T]
) -> T:
    def work() -> T:
        with backend.connect(reader) as connection:
            return use(connection)

    return thread.call(work)


def nir_key_ok(nir15: str) -> bool:
    number = nir15[:13].replace("2A", "19").replace("2B", "18")
    return int(nir15[13:]) == 97 - int(number) % 97


def test_family_card_read_whole_through_pcscd(
    card_server: CardServer, card_thread: CardThread, backend: PcscBackend
) -> None:
    card_server.insert(0, "cps-generaliste")
    card_server.insert(1, "vitale-famille")
    found = card_thread.call(probe.find_cards, backend)
    assert (found.vitale_reader, found.cps_reader) == (R1, R0)  # either slot works
    card = on_card(card_thread, backend, R1, lambda c: VitaleReader(c).read())
    profile = load_profile("vitale-famille")
    assert isinstance(profile, VitaleProfile)
    assert [(b.nom, b.prenom, b.nir_with_key) for b in card.beneficiaries] == [
        (b.nom, b.prenom, b.nir) for b in profile.beneficiaires
    ]
    assert [b.prenom for b in card.beneficiaries] == ["PIERRE", "SOPHIE", "LUCAS", "EMMA", "LÉA"]
    assert all(nir_key_ok(b.nir_with_key) for b in card.beneficiaries)
    assert nir_key_ok(card.assure.nir + card.assure.nir_key)
    twins = [b for b in card.beneficiaries if b.birth_date == dt.date(2019, 7, 8)]
    assert sorted(b.rang for b in twins) == [1, 2]  # twins differ only by their rang
    sophie = card.beneficiaries[1]
    assert sophie.nom == "LEROY" and sophie.nom_usage == "DURAND"
    rights = sophie.rights_at(dt.date(2026, 3, 1))
    assert rights.amo and rights.amc is not None and rights.amc.tiers_payant
    assert card.serial == profile.serial
    assert card.is_valid_at(dt.date(2026, 3, 1))


def test_certification_checks_with_the_mother_key(
    card_server: CardServer, card_thread: CardThread, backend: PcscBackend
) -> None:
    card_server.insert(0, "vitale-famille")
    digest = hashlib.sha256(b"FSE 000123").digest()

    def certify(connection: CardConnection) -> tuple[bytes, bytes]:
        reader = VitaleReader(connection)
        return reader.serial, reader.certify(digest)

    serial, certification = on_card(card_thread, backend, R0, certify)
    assert len(certification) == 8
    assert verify_certification(pki.vitale_mother_key(), serial, digest, certification)


def test_wrong_pin_three_times_blocks_the_card_and_tries_are_shown(
    card_server: CardServer, card_thread: CardThread, backend: PcscBackend
) -> None:
    card_server.insert(0, "cps-generaliste", fresh=True)

    def wrong_three_times(connection: CardConnection) -> list[object]:
        session = CpsSession(connection)
        seen: list[object] = [session.pin_tries_left()]
        for _ in range(3):
            try:
                session.verify_pin("0000")
            except PinError as exc:
                seen.append(
                    type(exc).__name__
                    if isinstance(exc, PinBlockedError)
                    else exc.attempts_remaining
                )
        return seen

    assert on_card(card_thread, backend, R0, wrong_three_times) == [3, 2, 1, "PinBlockedError"]

    def after(connection: CardConnection) -> int:
        session = CpsSession(connection)
        tries = session.pin_tries_left()
        with pytest.raises(PinBlockedError):
            session.verify_pin("1234")  # even the right PIN no longer opens it
        return tries

    assert on_card(card_thread, backend, R0, after) == 0


def test_signature_verifies_and_the_certificate_chains_to_the_testbed_ca(
    card_server: CardServer, card_thread: CardThread, backend: PcscBackend
) -> None:
    card_server.insert(1, "cps-generaliste", fresh=True)
    digest = hashlib.sha256(b"lot 42").digest()

    def sign(connection: CardConnection) -> tuple[bytes, bytes]:
        session = CpsSession(connection)
        session.verify_pin("1234")
        return session.certificate_der(), session.sign_digest(digest)

    der, signature = on_card(card_thread, backend, R1, sign)
    certificate = x509.load_der_x509_certificate(der)
    key = certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(signature, b"lot 42", padding.PKCS1v15(), hashes.SHA256())
    certificate.verify_directly_issued_by(pki.ca_certificate())


def test_cpe_cannot_sign(
    card_server: CardServer, card_thread: CardThread, backend: PcscBackend
) -> None:
    card_server.insert(0, "cpe-secretaire", fresh=True)

    def sign(connection: CardConnection) -> bytes:
        session = CpsSession(connection)
        session.verify_pin("1234")
        return session.sign_digest(bytes(32))

    with pytest.raises(NotAllowedError):
        on_card(card_thread, backend, R0, sign)


class RemovingConnection(CardConnection):
    """Passes commands to pcscd and pulls the card out of its vpcd reader after ``after``."""

    def __init__(self, inner: CardConnection, remove: Callable[[], object], after: int) -> None:
        self.inner, self.remove, self.left = inner, remove, after

    @property
    def atr(self) -> bytes:
        return self.inner.atr

    @property
    def reader(self) -> str:
        return self.inner.reader

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        if self.left == 0:
            self.remove()
        self.left -= 1
        return self.inner.transmit(apdu)


def test_card_removed_mid_read_is_card_removed_and_nothing_is_returned(
    card_server: CardServer, card_thread: CardThread, backend: PcscBackend
) -> None:
    card_server.insert(0, "vitale-famille")
    results: list[object] = []

    def read(connection: CardConnection) -> None:
        removing = RemovingConnection(connection, lambda: card_server.remove(0), after=6)
        results.append(VitaleReader(removing).read())

    with pytest.raises(CardRemovedError):
        on_card(card_thread, backend, R0, read)
    assert results == []


def test_damaged_card_gives_a_typed_error(
    card_server: CardServer, card_thread: CardThread, backend: PcscBackend
) -> None:
    card_server.insert(0, "vitale-abimee")
    # Its rights file answers 6F00 and its NIR file holds a truncated TLV.
    with pytest.raises((MalformedResponseError, ApduError)) as caught:
        on_card(card_thread, backend, R0, lambda c: VitaleReader(c).read())
    message = describe(caught.value)
    assert message is not None and "abîmée" in message


def test_monitor_reports_a_swap_of_two_vitale_cards_between_polls(
    card_server: CardServer, card_thread: CardThread, backend: PcscBackend
) -> None:
    monitor = ReaderMonitor(backend, card_thread, lambda snapshot, events: None)
    card_server.insert(0, "vitale-famille")
    first = card_thread.call(monitor.poll)
    inserted = [e for e in first if e.kind is EventKind.CARD_INSERTED]
    serial = load_profile("vitale-famille").serial.hex()  # type: ignore[union-attr]
    assert [(e.reader, e.identity) for e in inserted] == [(R0, f"vitale:{serial}")]
    card_server.swap(0, "vitale-ald")  # same ATR, out and in while nobody polled
    events = card_thread.call(monitor.poll)
    assert [e.kind for e in events] == [EventKind.CARD_SWAPPED]
    assert events[0].identity is not None and events[0].identity != inserted[0].identity
    card_server.remove(0)
    assert [e.kind for e in card_thread.call(monitor.poll)] == [EventKind.CARD_REMOVED]


def test_monitor_sees_the_same_card_taken_out_and_back(
    card_server: CardServer, card_thread: CardThread, backend: PcscBackend
) -> None:
    monitor = ReaderMonitor(backend, card_thread, lambda snapshot, events: None)
    card_server.insert(1, "cps-generaliste")
    card_thread.call(monitor.poll)
    card_server.remove(1)
    card_server.insert(1, "cps-generaliste")
    kinds = [e.kind for e in card_thread.call(monitor.poll)]
    assert kinds == [EventKind.CARD_REMOVED, EventKind.CARD_INSERTED]


def test_backend_survives_a_stale_context(
    card_server: CardServer, card_thread: CardThread, backend: PcscBackend
) -> None:
    from smartcard import scard

    card_server.insert(0, "vitale-famille")
    card_thread.call(backend.states)
    # What a pcscd restart leaves behind: a context the service no longer knows.
    card_thread.call(lambda: scard.SCardReleaseContext(backend._context))
    states = card_thread.call(backend.states)
    assert [s.card_present for s in states] == [True, False]


def test_backend_and_monitor_recover_when_pcscd_restarts(tmp_path: Path) -> None:
    """pcscd killed and started again under a live backend and monitor.

    The scenario runs in a private mount namespace with its own pcscd (own /run/pcscd, vpcd
    on ports 40059/40060): killing a daemon this test did not start is not an option."""
    scenario = Path(__file__).with_name("pcscd_restart_scenario.py")
    command = (
        "mount -t tmpfs tmpfs /run/pcscd && "
        f"exec {shlex.quote(sys.executable)} {shlex.quote(str(scenario))} "
        f"{shlex.quote(str(tmp_path))}"
    )
    result = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", command],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.splitlines()[-1])
    assert seen["before"] == 5 and seen["after"] == 5  # the card reads again, same backend
    assert seen["while_down"] == "ReaderUnavailableError"
    events = seen["events"]
    assert events[0] == ["reader_added", "card_inserted", "reader_added"]
    assert events[1] == ["card_removed", "reader_removed", "reader_removed", "service_unavailable"]
    assert events[2] == ["service_restored", "reader_added", "card_inserted", "reader_added"]


def test_a_read_asks_pcscd_no_status_and_the_atr_is_there_when_asked(
    card_server: CardServer,
    card_thread: CardThread,
    backend: PcscBackend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The desk connects to the Vitale at each read: its PC/SC calls are the read's own
    (transaction and APDUs), the ATR asked of pcscd only by who reads it; an empty
    reader and a card pulled before its ATR is read give the usual errors."""
    statuses: list[int] = []
    status = scard.SCardStatus

    def counted(handle: int) -> object:
        statuses.append(handle)
        return status(handle)

    monkeypatch.setattr(scard, "SCardStatus", counted)
    with pytest.raises(NoCardError):
        on_card(card_thread, backend, R0, lambda c: None)
    card_server.insert(0, "vitale-famille")
    card = on_card(card_thread, backend, R0, lambda c: VitaleReader(c).read())
    assert len(card.beneficiaries) == 5 and statuses == []
    atr = on_card(card_thread, backend, R0, lambda c: (c.atr, c.atr)[1])
    assert atr == layout.VITALE_ATR and len(statuses) == 1

    def pulled(connection: CardConnection) -> bytes:
        card_server.remove(0)
        return connection.atr

    card_server.insert(0, "vitale-famille")
    with pytest.raises(CardRemovedError):
        on_card(card_thread, backend, R0, pulled)
