"""The emulated cards through the real pcscd and the vpcd driver, with pyscard directly."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from smartcard import scard
from smartcard.CardConnection import CardConnection
from smartcard.Exceptions import CardConnectionException, NoCardException
from smartcard.System import readers

from cardio import layout, tlv
from testbed import pki
from testbed.cards.cps import pin_block
from testbed.cards.pcsc_watch import VPCD_READERS, reader_state, wait_for_state
from testbed.cards.server import CardServer, send_request

pytestmark = pytest.mark.pcsc


def connect(reader_name: str) -> CardConnection:
    reader = next(r for r in readers() if str(r) == reader_name)
    connection = reader.createConnection()
    connection.connect()
    return connection


def send(connection: CardConnection, apdu: str | bytes) -> tuple[bytes, int]:
    raw = bytes.fromhex(apdu) if isinstance(apdu, str) else apdu
    data, sw1, sw2 = connection.transmit(list(raw))
    return bytes(data), sw1 << 8 | sw2


def test_vitale_in_reader_0_is_read_through_pcscd(card_server: CardServer) -> None:
    card_server.insert(0, "vitale-famille")
    conn = connect(VPCD_READERS[0])
    try:
        assert bytes(conn.getATR()) == layout.VITALE_ATR
        assert send(conn, "00A40000023F00") == (b"", layout.SW_OK)
        data, sw = send(conn, "00B0820000")
        assert data == b"" and sw >> 8 == 0x6C  # T=0 wrong Le goes through pcscd untouched
        data, sw = send(conn, bytes([0x00, 0xB0, 0x82, 0x00, sw & 0xFF]))
        assert sw == layout.SW_OK
        people = tlv.find_all(tlv.decode(data), layout.TAG_BENEFICIAIRE)
        assert len(people) == 5
        nom = tlv.find(people[0].children(), layout.TAG_NOM)
        assert nom is not None and nom.text() == "DURAND"
        _, sw = send(conn, bytes.fromhex("00A404000B") + layout.VITALE_AID)
        assert sw >> 8 == 0x61
        fci, sw = send(conn, bytes([0x00, 0xC0, 0x00, 0x00, sw & 0xFF]))
        assert sw == layout.SW_OK and layout.VITALE_AID in fci
    finally:
        conn.disconnect()


def test_removal_is_seen_and_the_old_connection_fails(card_server: CardServer) -> None:
    card_server.insert(0, "vitale-ald")
    conn = connect(VPCD_READERS[0])
    assert send(conn, "00A40000023F00")[1] == layout.SW_OK
    card_server.remove(0)
    assert reader_state(VPCD_READERS[0]) == (False, None)
    with pytest.raises(CardConnectionException):
        send(conn, "00A40000023F00")
    conn.disconnect()
    fresh = next(r for r in readers() if str(r) == VPCD_READERS[0]).createConnection()
    with pytest.raises((NoCardException, CardConnectionException)):
        fresh.connect()


def test_cps_in_reader_1_signs_after_pin(card_server: CardServer) -> None:
    card_server.insert(1, "cps-generaliste", fresh=True)
    conn = connect(VPCD_READERS[1])
    try:
        assert bytes(conn.getATR()) == layout.CPS_ATR
        assert send(conn, bytes.fromhex("00A4040C0D") + layout.CPS_AID)[1] == layout.SW_OK
        digest = hashlib.sha256(b"lot 42").digest()
        # MSE SET DST (key 81, RSA PKCS#1 + SHA-256), PSO HASH (the digest), PSO CDS
        assert send(conn, "002241B606840181800142")[1] == layout.SW_OK
        pso_hash = bytes.fromhex("002A90A0229020") + digest
        sign = bytes.fromhex("002A9E9A00")
        assert send(conn, pso_hash)[1] == layout.SW_OK
        assert send(conn, sign)[1] == layout.SW_SECURITY_NOT_SATISFIED
        assert send(conn, bytes.fromhex("0020000108") + pin_block("1234"))[1] == layout.SW_OK
        assert send(conn, pso_hash)[1] == layout.SW_OK
        signature, sw = send(conn, sign)
        assert sw == layout.SW_OK and len(signature) == 256
        key = pki.card_certificate("cps-generaliste").public_key()
        assert isinstance(key, rsa.RSAPublicKey)
        key.verify(signature, b"lot 42", padding.PKCS1v15(), hashes.SHA256())
    finally:
        conn.disconnect()


def test_both_readers_show_cards_like_pcsc_scan(card_server: CardServer) -> None:
    card_server.insert(0, "vitale-famille")
    card_server.insert(1, "cps-generaliste")
    context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)[1]
    try:
        hresult, states = scard.SCardGetStatusChange(
            context, 0, [(r, scard.SCARD_STATE_UNAWARE) for r in VPCD_READERS]
        )
        assert hresult == scard.SCARD_S_SUCCESS
        atrs = {
            name: bytes(atr) for name, state, atr in states if state & scard.SCARD_STATE_PRESENT
        }
    finally:
        scard.SCardReleaseContext(context)
    assert atrs == {VPCD_READERS[0]: layout.VITALE_ATR, VPCD_READERS[1]: layout.CPS_ATR}
    assert [s.profile for s in card_server.status()] == ["vitale-famille", "cps-generaliste"]
    assert all(s.connected for s in card_server.status())


def test_swap_replaces_the_card_and_pcscd_sees_the_new_atr(card_server: CardServer) -> None:
    card_server.insert(0, "cps-generaliste")
    conn = connect(VPCD_READERS[0])
    assert bytes(conn.getATR()) == layout.CPS_ATR
    card_server.swap(0, "vitale-c2s")
    assert reader_state(VPCD_READERS[0]) == (True, layout.VITALE_ATR)
    with pytest.raises(CardConnectionException):
        send(conn, "00A40000023F00")
    conn.disconnect()
    new = connect(VPCD_READERS[0])
    try:
        assert bytes(new.getATR()) == layout.VITALE_ATR
    finally:
        new.disconnect()


def test_pin_verification_does_not_survive_a_removal(card_server: CardServer) -> None:
    card_server.insert(1, "cps-deux-cabinets", fresh=True)
    conn = connect(VPCD_READERS[1])
    send(conn, bytes.fromhex("00A4040C0D") + layout.CPS_AID)
    assert send(conn, bytes.fromhex("0020000108") + pin_block("1111"))[1] == 0x63C2
    conn.disconnect()
    card_server.remove(1)
    card_server.insert(1, "cps-deux-cabinets")  # the same card again
    conn = connect(VPCD_READERS[1])
    try:
        send(conn, bytes.fromhex("00A4040C0D") + layout.CPS_AID)
        # the counter lives on the card, the verified state does not
        assert send(conn, "00200001")[1] == 0x63C2
    finally:
        conn.disconnect()


def test_link_reconnects_after_the_connection_drops(card_server: CardServer) -> None:
    card_server.insert(0, "vitale-ald")
    link = card_server.link(0)
    assert link is not None and link.connections == 1
    # Simulate pcscd dropping the card's connection (as a pcscd restart does).
    sock = link._sock
    assert sock is not None
    sock.shutdown(2)
    deadline = time.monotonic() + 10
    while link.connections < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert link.connections >= 2 and link.connected
    # pcscd may need a poll or two to notice the drop: a host retries, so do we.
    answer = None
    while answer is None and time.monotonic() < deadline + 10:
        conn = connect(VPCD_READERS[0])
        try:
            answer = send(conn, "00A40000023F00")
        except CardConnectionException:
            time.sleep(0.2)
        finally:
            # A dropped pyscard connection resets the card when collected: close it now.
            conn.disconnect()
    assert answer == (b"", layout.SW_OK)


def test_daemon_is_driven_from_the_command_line(
    pcscd: None, vpcd_lock: None, testbed_dir: Path
) -> None:
    for reader in VPCD_READERS:
        wait_for_state(reader, None, 10)
    env = {**os.environ, "SESAM_TESTBED_DIR": str(testbed_dir)}
    command = [sys.executable, "-m", "testbed", "cards"]
    daemon = subprocess.Popen(
        [*command, "serve", "--insert", "0=vitale-msa"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if send_request({"command": "status"}, testbed_dir)["ok"]:
                    break
            except Exception:  # noqa: BLE001, S110 - not listening yet
                pass
            time.sleep(0.1)
        wait_for_state(VPCD_READERS[0], layout.VITALE_ATR, 10)
        inserted = subprocess.run(
            [*command, "insert", "cps-remplacant", "--reader", "1"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert inserted.returncode == 0, inserted.stderr
        assert reader_state(VPCD_READERS[1]) == (True, layout.CPS_ATR)
        status = subprocess.run(
            [*command, "status"], env=env, capture_output=True, text=True, check=True
        )
        assert "vitale-msa" in status.stdout and "cps-remplacant" in status.stdout
        unknown = subprocess.run(
            [*command, "insert", "carte-inconnue", "--reader", "1"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert unknown.returncode == 1 and "carte-inconnue" in unknown.stderr
        removed = subprocess.run(
            [*command, "remove", "--reader", "1"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert removed.returncode == 0
        assert reader_state(VPCD_READERS[1]) == (False, None)
    finally:
        daemon.terminate()
        daemon.wait(10)
    for reader in VPCD_READERS:
        wait_for_state(reader, None, 10)
    assert daemon.returncode == 0
    assert not (testbed_dir / "cards.sock").exists()
