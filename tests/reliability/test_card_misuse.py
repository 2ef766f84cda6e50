"""Cards used the wrong way: a staff card (CPE) neither bills nor signs, a remplaçant bills
under his own CPS (his number in the FSE, his certificate on the lot), and a carte Vitale
swapped between its reading and the certification never secures the FSE (in-process, and
through the real pcscd with ``card_server.swap``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from reliability_support import IDENTITY_ADRI, Clock, cards, fse_input

from billing.lot import verify_lot
from billing.lot_states import LotState
from cardio.errors import CardError, CardRemovedError, NotAllowedError
from cardio.pcsc import PcscBackend
from cardio.thread import CardThread
from cardio.vitale import VitaleReader
from client.fse_service import (
    BeneficiaryNotOnCardError,
    FseService,
    FseServiceError,
    VitaleCardChangedError,
    VitaleSource,
    check_same_card,
    patient_from_vitale,
)
from client.messages import describe
from client.store import OutboxStatus, Store, open_store
from testbed import pki
from testbed.cards.emulated_connection import EmulatedConnection
from testbed.cards.factory import make_card
from testbed.cards.pcsc_watch import VPCD_READERS
from testbed.cards.server import CardServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path / "data" / "sesam.db")
    yield opened
    opened.close()


def stored(store: Store) -> tuple[int, int]:
    """(FSE rows, audit journal entries)."""
    fse = store.db.execute("SELECT COUNT(*) FROM fse").fetchone()[0]
    journal = store.db.execute("SELECT COUNT(*) FROM audit_journal").fetchone()[0]
    return int(fse), int(journal)


# --- CPE -------------------------------------------------------------------------------


def test_a_cpe_cannot_secure_an_fse(store: Store) -> None:
    c = cards("cpe-secretaire")
    assert not c.cps.identity.may_sign
    for request in (fse_input(0), fse_input(mode="sans_vitale", identity=IDENTITY_ADRI)):
        with pytest.raises(FseServiceError, match="pas habilitée à facturer"):
            FseService(store).create(request, c.cps, c.vitale)
    assert stored(store) == (0, 0)
    assert not (store.path.parent / "numbering.json").exists()  # no number consumed


def test_a_cpe_cannot_sign_a_lot(store: Store) -> None:
    doctor = cards()
    row = FseService(store, clock=Clock()).create(fse_input(0), doctor.cps, doctor.vitale)
    journal_before = stored(store)[1]
    cpe = cards("cpe-secretaire")
    with pytest.raises(FseServiceError, match="pas habilitée à signer des lots"):
        FseService(store, clock=Clock()).close_lots(cpe.session, cpe.cps, all_lots=True)
    lot = store.lot_by_id(row.lot_id or "")
    assert lot.state is LotState.OPEN and not lot.signed and store.lot_der(lot.id) is None
    outbox = store.outbox_get(lot.id)
    assert outbox is not None and outbox.status is OutboxStatus.HELD
    assert stored(store)[1] == journal_before
    # The card itself refuses, whatever the caller: typed error, French words.
    with pytest.raises(NotAllowedError) as refused:
        cpe.session.sign_digest(bytes(32))
    assert "CPE" in (describe(refused.value) or "")


def sesam(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "client.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "SESAM_DATA_DIR": str(data_dir)},
        timeout=120,
        check=False,
    )


@pytest.mark.pcsc
def test_a_cpe_in_the_reader_bills_nothing_and_signs_nothing(
    card_server: CardServer, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    request = tmp_path / "fse.json"
    request.write_text(
        json.dumps({"date_of_care": "2026-11-20", "acts": [{"code": "G"}], "beneficiary": 0})
    )
    card_server.insert(0, "cpe-secretaire")
    card_server.insert(1, "vitale-famille")
    refused = sesam(
        data_dir, "fse", "create", "--json", str(request), "--pin-stdin", stdin="1234\n"
    )
    assert refused.returncode == 1 and "pas habilitée à facturer" in refused.stderr
    assert "Aucune FSE" in sesam(data_dir, "fse", "list").stdout

    card_server.swap(0, "cps-generaliste")
    made = sesam(data_dir, "fse", "create", "--json", str(request), "--pin-stdin", stdin="1234\n")
    assert made.returncode == 0, made.stderr
    card_server.swap(0, "cpe-secretaire")
    close = sesam(data_dir, "lot", "close", "--all", "--pin-stdin", stdin="1234\n")
    assert close.returncode == 1 and "pas habilitée à signer" in close.stderr
    lots = json.loads(sesam(data_dir, "lot", "list", "--json").stdout)
    assert [(lot["etat"], lot["statut_envoi"]) for lot in lots] == [("open", "held")]


# --- remplaçant --------------------------------------------------------------------------


def test_a_remplacant_bills_with_his_own_cps(store: Store) -> None:
    c = cards("cps-remplacant")
    service = FseService(store, clock=Clock())
    row = service.create(fse_input(0), c.cps, c.vitale)
    practitioner = row.fse().body.practitioner
    assert practitioner.replacement is not None
    assert practitioner.replacement.number == "759876543"
    assert practitioner.practice_mode == "4"
    # Billed under the replaced doctor's billing number, by the remplaçant in person.
    assert (practitioner.billing_number, practitioner.billing_key) == ("75123456", "8")
    assert (practitioner.national_id, practitioner.last_name) == ("810100345678", "MOREL")
    [closed] = service.close_lots(c.session, c.cps, all_lots=True)
    der = store.lot_der(closed.lot.id)
    assert der is not None
    verified = verify_lot(der, pki.ca_certificate().public_bytes(Encoding.DER))
    assert verified.signer_certificate_der == c.session.certificate_der()
    assert "MOREL" in verified.signer_subject
    doctor = cards("cps-generaliste")
    assert verified.signer_certificate_der != doctor.session.certificate_der()


# --- carte Vitale swapped --------------------------------------------------------------


def test_a_vitale_swapped_before_certification_is_refused_in_process(store: Store) -> None:
    c = cards()
    assert c.vitale is not None
    reader = c.vitale.certifier
    assert isinstance(reader, VitaleReader)
    connection = reader._connection  # the emulated reader slot
    assert isinstance(connection, EmulatedConnection)

    def swap() -> None:
        connection.card = make_card("vitale-msa")
        connection.card.power_on()

    service = FseService(store, clock=Clock(), before_certify=swap)
    with pytest.raises(VitaleCardChangedError) as raised:
        service.create(fse_input(0), c.cps, c.vitale)
    assert "changée" in str(raised.value)
    assert stored(store) == (0, 0)
    # The card put back, the same request goes through.
    back = cards()
    assert FseService(store, clock=Clock()).create(fse_input(0), back.cps, back.vitale).number


def test_a_beneficiary_no_longer_on_the_card_is_refused() -> None:
    c = cards()
    assert c.vitale is not None
    patient = patient_from_vitale(c.vitale, 1)
    check_same_card(c.vitale, patient)  # the card and the patient agree
    other = cards(vitale_profile="vitale-msa")
    assert other.vitale is not None
    stranger = patient_from_vitale(other.vitale, 0)
    with pytest.raises(BeneficiaryNotOnCardError):
        check_same_card(c.vitale, stranger)


def _on_card_thread(work: Any) -> Any:
    with CardThread() as thread:
        backend = PcscBackend(thread=thread)
        try:
            return thread.call(work, backend)
        finally:
            thread.call(backend.close)


@pytest.mark.pcsc
def test_a_vitale_swapped_in_the_reader_between_read_and_certification(
    card_server: CardServer, tmp_path: Path
) -> None:
    """Same connection: pcscd reports the card gone; the FSE is not secured."""
    card_server.insert(1, "vitale-famille")
    db = tmp_path / "data" / "sesam.db"
    doctor = cards(vitale_profile=None)

    def work(backend: PcscBackend) -> tuple[type[BaseException], tuple[int, int]]:
        store = open_store(db)
        try:
            with backend.connect(VPCD_READERS[1]) as connection:
                reader = VitaleReader(connection)
                source = VitaleSource(reader.read(), reader)

                def swap() -> None:
                    card_server.swap(1, "vitale-msa")

                service = FseService(store, clock=Clock(), before_certify=swap)
                try:
                    service.create(fse_input(0), doctor.cps, source)
                except (CardError, FseServiceError) as exc:
                    return type(exc), stored(store)
                raise AssertionError("the FSE was secured with the swapped card")
        finally:
            store.close()

    raised, counts = _on_card_thread(work)
    assert raised is CardRemovedError  # the stale handle cannot reach the new card
    assert counts == (0, 0)


@pytest.mark.pcsc
def test_a_vitale_swapped_and_reconnected_is_caught_by_its_serial(
    card_server: CardServer, tmp_path: Path
) -> None:
    """A new connection to the reader after the swap (as an application reconnecting
    would): the card answers, but it is not the one read; the serial check refuses."""
    card_server.insert(1, "vitale-famille")
    db = tmp_path / "data" / "sesam.db"
    doctor = cards(vitale_profile=None)

    def work(backend: PcscBackend) -> tuple[str, tuple[int, int]]:
        with backend.connect(VPCD_READERS[1]) as first:
            read = VitaleReader(first).read()
        card_server.swap(1, "vitale-msa")
        store = open_store(db)
        try:
            with backend.connect(VPCD_READERS[1]) as second:
                source = VitaleSource(read, VitaleReader(second))
                try:
                    FseService(store, clock=Clock()).create(fse_input(0), doctor.cps, source)
                except VitaleCardChangedError as exc:
                    return str(exc), stored(store)
                raise AssertionError("the FSE was secured with another patient's card")
        finally:
            store.close()

    message, counts = _on_card_thread(work)
    assert "changée entre la lecture et la sécurisation" in message
    assert counts == (0, 0)
