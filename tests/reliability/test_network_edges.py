"""Network faults at the edges: a server that drips its answer one byte at a time, plain
HTTP on the HTTPS port, an expired server certificate, a 429 with its delay.

Each has its own true French sentence, and the whole request (connect, send, answer) ends
by ``answer_deadline``: the outbox row goes back to PENDING, never stays IN_FLIGHT. Real
TLS servers on loopback (threads of this test), the real ``sesam queue send`` for the drip.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from reliability_support import Clock, cards, fse_input

from client.fse_service import FseService
from client.messages import describe
from client.settings import Settings
from client.store import OutboxStatus, open_store
from client.transport import (
    AuthenticationError,
    HttpsTransport,
    ServerUnavailableError,
    TlsFailureError,
)
from testbed import pki
from testbed.am.faults import FaultKind, Faults
from testbed.am.server import AmServer

ROOT = Path(__file__).resolve().parents[2]


def _settings(port: int, **overrides: object) -> Settings:
    paths = pki.ensure_pki()
    values: dict[str, object] = {
        "server_url": f"https://127.0.0.1:{port}",
        "client_cert": paths.client_cert,
        "client_key": paths.client_key,
        "ca_cert": paths.ca_cert,
        "connect_timeout": 2.0,
        "read_timeout": 1.0,
        "answer_deadline": 3.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


class LoopbackServer:
    """A TCP server on loopback; ``handle(conn)`` runs on a thread per connection."""

    def __init__(self, handle: Callable[[socket.socket], None]) -> None:
        self.handle = handle
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = int(self.listener.getsockname()[1])
        self.stopping = threading.Event()
        self.bytes_sent = 0
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            self.handle(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def stop(self) -> None:
        self.stopping.set()
        self.listener.close()
        self.thread.join(5)


def _read_request(conn: socket.socket) -> None:
    """Read one HTTP request (headers and its Content-Length body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return
        body += chunk


def _server_tls() -> ssl.SSLContext:
    paths = pki.ensure_pki()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(paths.server_cert, paths.server_key)
    return context


@pytest.fixture
def dripping() -> Iterator[LoopbackServer]:
    """A TLS server that answers one byte every 0.2 s (a 200 with a long body)."""
    context = _server_tls()
    holder: list[LoopbackServer] = []

    def handle(raw: socket.socket) -> None:
        with context.wrap_socket(raw, server_side=True) as tls:
            _read_request(tls)
            answer = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100_000
            for i in range(len(answer)):
                if holder[0].stopping.is_set():
                    return
                tls.sendall(answer[i : i + 1])
                holder[0].bytes_sent += 1
                time.sleep(0.2)

    server = LoopbackServer(handle)
    holder.append(server)
    yield server
    server.stop()


def test_a_dripping_server_ends_at_the_deadline(dripping: LoopbackServer) -> None:
    transport = HttpsTransport(_settings(dripping.port, answer_deadline=2.5))
    start = time.monotonic()
    with pytest.raises(ServerUnavailableError) as info:
        transport.send_lot("lot-1", b"0" * 5000)
    elapsed = time.monotonic() - start
    # Every byte arrives within read_timeout (1 s): only the whole-answer deadline stops it.
    print(f"drip cut after {elapsed:.2f} s, {dripping.bytes_sent} bytes received")
    # The drip would last hours; the bound leaves room for a loaded machine.
    assert 2.0 <= elapsed < 12.5, elapsed
    assert dripping.bytes_sent >= 5
    assert info.value.kind == "deadline" and info.value.retryable
    message = describe(info.value) or ""
    assert "trop lentement" in message and "answer_deadline" in message


def test_sesam_queue_send_against_a_dripping_server(
    tmp_path: Path, dripping: LoopbackServer
) -> None:
    data_dir = tmp_path / "data"
    store = open_store(data_dir / "sesam.db")
    try:
        c = cards()
        service = FseService(store, clock=Clock())
        for i in range(2):
            service.create(fse_input(i), c.cps, c.vitale)
        lots = [x.lot.id for x in service.close_lots(c.session, c.cps, all_lots=True)]
    finally:
        store.close()
    settings = _settings(dripping.port, answer_deadline=3.0)
    (data_dir / "settings.json").write_text(json.dumps(settings.to_json()), encoding="utf-8")
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "client.cli", "queue", "send"],
        env={**os.environ, "SESAM_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    elapsed = time.monotonic() - start
    assert done.returncode == 1
    assert "trop lentement" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    # One lot, one attempt of at most 3 s (plus the interpreter's start).
    print(f"sesam queue send against the drip: {elapsed:.1f} s")
    assert elapsed < 25, elapsed
    store = open_store(data_dir / "sesam.db")
    try:
        rows = {r.id: r for r in store.outbox_rows()}
        assert set(lots) <= set(rows)
        assert all(rows[lot].status is OutboxStatus.PENDING for lot in lots)
        assert any("trop lentement" in (rows[lot].last_error or "") for lot in lots)
    finally:
        store.close()


def test_plain_http_on_the_https_port_is_a_tls_failure() -> None:
    def handle(conn: socket.socket) -> None:
        conn.recv(4096)  # the ClientHello, answered as an HTTP server would
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    server = LoopbackServer(handle)
    try:
        with pytest.raises(TlsFailureError) as info:
            HttpsTransport(_settings(server.port)).ping()
    finally:
        server.stop()
    assert info.value.plain and info.value.retryable
    message = describe(info.value) or ""
    assert "TLS" in message and "ne parle pas TLS" in message
    assert "réseau est inaccessible" not in message


def _expired_server_cert(directory: Path, other_ca: bool = False) -> tuple[Path, Path]:
    """A server certificate for 127.0.0.1, of the testbed CA and expired yesterday (or of
    another CA and valid)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    ca = pki.other_ca_certificate() if other_ca else pki.ca_certificate()
    ca_key = pki.other_ca_private_key() if other_ca else pki.ca_private_key()
    until = now + dt.timedelta(days=30) if other_ca else now - dt.timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30))
        .not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_path, key_path = directory / "expired.cert.pem", directory / "expired.key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_an_expired_server_certificate_says_expired(tmp_path: Path) -> None:
    cert, key = _expired_server_cert(tmp_path)
    with (
        AmServer(
            ledger_path=tmp_path / "ledger.sqlite", control_port=None, tls_cert=cert, tls_key=key
        ) as am,
        pytest.raises(AuthenticationError) as info,
    ):
        HttpsTransport(_settings(am.port)).ping()
    assert info.value.cause == "server_expired" and not info.value.retryable
    message = describe(info.value) or ""
    assert "expiré" in message and "serveur" in message


def test_a_server_of_another_authority_says_why_in_french(tmp_path: Path) -> None:
    cert, key = _expired_server_cert(tmp_path, other_ca=True)
    with (
        AmServer(
            ledger_path=tmp_path / "ledger.sqlite", control_port=None, tls_cert=cert, tls_key=key
        ) as am,
        pytest.raises(AuthenticationError) as info,
    ):
        HttpsTransport(_settings(am.port)).ping()
    assert info.value.cause == "untrusted"
    message = describe(info.value) or ""
    assert "n'est pas délivré par l'autorité attendue" in message
    assert "verify failed" not in message  # OpenSSL's English stays in the log


def test_rate_limited_says_busy_with_its_delay(tmp_path: Path) -> None:
    faults = Faults()
    with AmServer(ledger_path=tmp_path / "l.sqlite", control_port=None, faults=faults) as am:
        faults.set(FaultKind.HTTP_429)
        with pytest.raises(ServerUnavailableError) as info:
            HttpsTransport(_settings(am.port)).send_lot("lot-1", b"0")
    assert info.value.status == 429 and info.value.retry_after is not None
    message = describe(info.value) or ""
    assert "429" in message and "surchargé" in message
    assert f"{round(info.value.retry_after)} s" in message
    assert "panne" not in message
