"""The simulated Assurance Maladie's HTTPS server: mutual TLS on loopback.

Routes (``docs/formats/api.md``): ``POST /v1/lots`` (a signed lot, ``Idempotency-Key`` = lot
id) answers the ARL; ``GET /v1/arls/<lot>`` and ``GET /v1/arls?after=N`` give ARL again;
``GET /v1/noemie?after=N`` and ``GET /v1/noemie/<n>`` give the NOEMIE returns;
``POST /v1/adri`` answers rights; ``GET /v1/ping``. A second, plain-HTTP loopback server
takes control requests (faults, ledger summary) for tests and demos.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import socket
import ssl
import sys
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.serialization import Encoding

from billing.arl import Arl, ArlStatus, build_arl
from billing.noemie import build_noemie
from testbed.am.adri import Directory
from testbed.am.checks import LotVerdict, check_lot, revocation_list, with_detail
from testbed.am.faults import FaultKind, Faults
from testbed.am.ledger import Ledger
from testbed.am.noemie_gen import ReturnPolicy, generate
from testbed.pki import PkiPaths, ca_certificate, ensure_pki, vitale_mother_key
from testbed.state import testbed_dir

logger = logging.getLogger(__name__)

MAX_LOT_SIZE = 20_000_000
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def default_ledger_path() -> Path:
    """The ledger file in the testbed directory."""
    return testbed_dir() / "am" / "ledger.sqlite"


def _close_gently(tls: ssl.SSLSocket) -> None:
    """After a refused handshake: send FIN behind the TLS alert and read what the client
    already sent, so that closing does not reset the connection. A reset would destroy the
    alert before the client reads it, and the client would see a cut line (retried for
    ever) instead of a refused certificate (shown to the user)."""
    try:
        # SSLSocket.shutdown drops the TLS layer: what follows is the plain socket.
        tls.shutdown(socket.SHUT_WR)
        tls.settimeout(1.0)
        while tls.recv(65536):
            pass
    except OSError:
        pass
    finally:
        tls.close()


class _TlsServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    am: AmServer

    def verify_request(self, request: Any, client_address: Any) -> bool:
        if self.am.faults.take(FaultKind.REFUSE):
            logger.info("fault refuse: connection from %s closed", client_address)
            return False
        self.am.connections += 1  # the accept loop is one thread
        return True

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        logger.debug("connection from %s ended: %r", client_address, error)


class _ControlServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    am: AmServer


class _Handler(BaseHTTPRequestHandler):
    server: _TlsServer
    protocol_version = "HTTP/1.1"
    timeout = 30
    # A response is two writes (headers, body): with Nagle on a kept-alive connection the
    # second waits for the client's delayed ACK, 40 ms per request.
    disable_nagle_algorithm = True
    _unread = False  # the current request's body is still on the socket

    def setup(self) -> None:
        am = self.server.am
        raw: socket.socket = self.request
        raw.settimeout(self.timeout)
        # The TLS handshake runs here, on the request thread, so a slow or silent client
        # never blocks the accept loop.
        tls = am.ssl_context.wrap_socket(raw, server_side=True, do_handshake_on_connect=False)
        try:
            tls.do_handshake()
        except ssl.SSLError:
            _close_gently(tls)
            raise
        self.request = tls
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    # ------------------------------------------------------------------ plumbing

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        am = self.server.am
        if am.faults.take(FaultKind.GARBAGE):
            status, body, content_type = 200, b"\x00GARBAGE<" + secrets.token_bytes(64), "text/html"
        if self._unread:
            self._drain()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        # Keep-alive, like a real concentrator, unless the request's body is still unread
        # (too long to drain): its bytes would be taken for the next request.
        if self._unread:
            self.send_header("Connection", "close")
            self.close_connection = True
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, doc: object, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(doc, ensure_ascii=False, sort_keys=True).encode()
        self._send(status, body, "application/json; charset=utf-8", headers)

    def _error(self, status: HTTPStatus, code: str, detail: str) -> None:
        self._json(status.value, {"erreur": code, "detail": detail})

    def _drain(self) -> None:
        """Read the request body before answering early: closing on unread data would
        reset the connection and the client would never see the answer; keeping it open
        would take the body for the next request."""
        length = self.headers.get("Content-Length") or "0"
        chunked = "Transfer-Encoding" in self.headers  # not spoken here: the line closes
        if not chunked and length.isdigit() and int(length) <= MAX_LOT_SIZE:
            self.rfile.read(int(length))
            self._unread = False

    def _faults_before(self) -> bool:
        """Apply the faults that strike before any processing; True when one did."""
        am = self.server.am
        if am.faults.take(FaultKind.DROP):
            length = int(self.headers.get("Content-Length") or 0)
            if length > 1:
                self.rfile.read(length // 2)
            logger.info("fault drop: connection closed mid-request")
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return True
        if am.faults.take(FaultKind.SLOW):
            am.stopping.wait(am.faults.slow_seconds)
        if am.faults.take(FaultKind.HTTP_500):
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "erreur-interne", "panne simulée")
            return True
        if am.faults.take(FaultKind.HTTP_503):
            self._json(
                HTTPStatus.SERVICE_UNAVAILABLE.value,
                {"erreur": "indisponible", "detail": "maintenance simulée"},
                {"Retry-After": "1"},
            )
            return True
        if am.faults.take(FaultKind.HTTP_429):
            self._json(
                HTTPStatus.TOO_MANY_REQUESTS.value,
                {"erreur": "trop-de-demandes", "detail": "limite de débit simulée"},
                {"Retry-After": "30"},
            )
            return True
        return False

    def _route(self, method: str) -> None:
        length = self.headers.get("Content-Length")
        self._unread = length not in (None, "0") or "Transfer-Encoding" in self.headers
        parts = urlsplit(self.path)
        path = parts.path
        if not path.startswith("/v1/"):
            self._error(HTTPStatus.NOT_FOUND, "inconnu", path)
            return
        if self._faults_before():
            return
        am = self.server.am
        query = parse_qs(parts.query)
        if method == "POST" and path == "/v1/lots":
            self._post_lot()
        elif method == "GET" and path == "/v1/ping":
            self._json(200, {"statut": "ok", "heure": am.clock().isoformat()})
        elif method == "GET" and path == "/v1/arls":
            self._arl_feed(query)
        elif method == "GET" and path.startswith("/v1/arls/"):
            self._arl_of(path.removeprefix("/v1/arls/"))
        elif method == "GET" and path == "/v1/noemie":
            self._noemie_list(query)
        elif method == "GET" and path.startswith("/v1/noemie/"):
            self._noemie_file(path.removeprefix("/v1/noemie/"))
        elif method == "POST" and path == "/v1/adri":
            self._adri()
        else:
            self._error(HTTPStatus.NOT_FOUND, "inconnu", path)

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def _body(self, limit: int) -> bytes | None:
        length_text = self.headers.get("Content-Length")
        if length_text is None or not length_text.isdigit():
            self._error(HTTPStatus.LENGTH_REQUIRED, "longueur", "Content-Length requis")
            return None
        length = int(length_text)
        if length > limit:
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "trop-long", f"{length} octets")
            return None
        data = self.rfile.read(length)
        if len(data) != length:
            self.close_connection = True
            return None
        self._unread = False
        return data

    # --------------------------------------------------------------------- routes

    def _post_lot(self) -> None:
        am = self.server.am
        key = self.headers.get("Idempotency-Key", "")
        if not _KEY.fullmatch(key):
            self._error(HTTPStatus.BAD_REQUEST, "cle-absente", "en-tête Idempotency-Key requis")
            return
        der = self._body(MAX_LOT_SIZE)
        if der is None:
            return
        if not der:
            self._error(HTTPStatus.BAD_REQUEST, "lot-vide", "corps vide")
            return
        status, arl, replay = am.receive_lot(key, der)
        if status == 409:
            self._error(HTTPStatus.CONFLICT, "cle-reutilisee", "lot différent sous la même clé")
        elif arl is None:
            self._json(202, {"statut": "recu", "lot_id": key})
        else:
            self._send(200, arl, "application/json", {"X-ARL-Replay": "1" if replay else "0"})
        am.log(self.command, "/v1/lots", key, status)

    def _arl_of(self, lot_id: str) -> None:
        stored = self.server.am.ledger.find_lot(lot_id)
        if stored is None:
            self._error(HTTPStatus.NOT_FOUND, "lot-inconnu", lot_id)
        elif stored.arl_lost:
            self._json(202, {"statut": "recu", "lot_id": lot_id})
        else:
            self._send(200, stored.arl, "application/json")

    def _after(self, query: dict[str, list[str]]) -> int | None:
        raw = query.get("after", ["0"])[0]
        if not raw.isdigit():
            self._error(HTTPStatus.BAD_REQUEST, "parametre", "after doit être un entier")
            return None
        return int(raw)

    def _arl_feed(self, query: dict[str, list[str]]) -> None:
        after = self._after(query)
        if after is None:
            return
        rows = self.server.am.ledger.arls_after(after)
        self._json(
            200,
            {
                "arls": [{"seq": seq, "arl": arl.decode()} for seq, arl in rows],
                "dernier": rows[-1][0] if rows else after,
            },
        )

    def _noemie_list(self, query: dict[str, list[str]]) -> None:
        after = self._after(query)
        if after is None:
            return
        am = self.server.am
        am.produce_returns()
        files = am.ledger.noemie_after(after)
        self._json(
            200, {"fichiers": [{"seq": s, "nom": n, "taille": size} for s, n, size in files]}
        )

    def _noemie_file(self, raw: str) -> None:
        found = self.server.am.ledger.noemie(int(raw)) if raw.isdigit() else None
        if found is None:
            self._error(HTTPStatus.NOT_FOUND, "fichier-inconnu", raw)
            return
        name, content = found
        self._send(
            200,
            content,
            "application/octet-stream",
            {"Content-Disposition": f'attachment; filename="{name}"'},
        )

    def _adri(self) -> None:
        data = self._body(10_000)
        if data is None:
            return
        try:
            query = json.loads(data)
            nir = str(query["nir"])
            birth = str(query["date_naissance"])
            rank = str(query["rang"])
            at = date.fromisoformat(str(query["date"]))
            if not (re.fullmatch(r"[0-9AB]{13}([0-9]{2})?", nir) and re.fullmatch(r"\d{8}", birth)):
                raise ValueError("format")
        except (ValueError, KeyError, TypeError):
            self._error(HTTPStatus.BAD_REQUEST, "requete", "nir, date_naissance, rang, date")
            return
        answer = self.server.am.directory.answer(nir, birth, rank, at)
        if answer is None:
            self._error(HTTPStatus.NOT_FOUND, "beneficiaire-inconnu", "aucun bénéficiaire")
        else:
            self._json(200, answer)


class _ControlHandler(BaseHTTPRequestHandler):
    server: _ControlServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("control %s", format % args)

    def _json(self, status: int, doc: object) -> None:
        body = json.dumps(doc, sort_keys=True).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def _state(self) -> dict[str, object]:
        am = self.server.am
        return {"faults": am.faults.snapshot(), "ledger": am.ledger.summary()}

    def do_GET(self) -> None:
        self._json(200, self._state())

    def do_POST(self) -> None:
        am = self.server.am
        try:
            doc = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            if self.path == "/faults":
                if doc.get("clear") == "all":
                    am.faults.clear()
                for kind in doc.get("clear", []) if doc.get("clear") != "all" else []:
                    am.faults.clear(kind)
                for kind, count in (doc.get("set") or {}).items():
                    am.faults.set(kind, count)
                if "slow_seconds" in doc:
                    am.faults.slow_seconds = float(doc["slow_seconds"])
            elif self.path == "/noemie-delay":
                am.noemie_delay = timedelta(seconds=float(doc["seconds"]))
            else:
                self._json(404, {"erreur": "inconnu"})
                return
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            self._json(400, {"erreur": str(exc)})
            return
        self._json(200, self._state())


class AmServer:
    """The simulated Assurance Maladie: start it, use ``url``, stop it."""

    def __init__(
        self,
        *,
        ledger_path: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        control_port: int | None = 0,
        pki_base: Path | None = None,
        noemie_delay: float = 0.0,
        faults: Faults | None = None,
        clock: Clock = _utcnow,
        policy: ReturnPolicy | None = None,
        directory: Directory | None = None,
        tls_cert: Path | None = None,
        tls_key: Path | None = None,
        client_ca: Path | None = None,
    ) -> None:
        """``tls_cert``/``tls_key``: present another certificate than the testbed's server
        one (negative tests: a server the client must not trust); ``client_ca``: the CA
        file client certificates must chain to (default: the testbed CA)."""
        self.pki: PkiPaths = ensure_pki(pki_base)
        self.ca_der = ca_certificate(pki_base).public_bytes(Encoding.DER)
        self.crl = revocation_list(pki_base)
        self.mother_key = vitale_mother_key(pki_base)
        self.ledger = Ledger(ledger_path or default_ledger_path())
        self.faults = faults or Faults()
        self.clock = clock
        self.noemie_delay = timedelta(seconds=noemie_delay)
        self.policy = policy or ReturnPolicy()
        self.directory = directory or Directory()
        self.organisms = self.directory.organisms()
        self.stopping = threading.Event()
        self.connections = 0  # accepted, for the keep-alive tests
        self._reception = threading.Lock()
        self.ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ssl_context.load_cert_chain(
            tls_cert or self.pki.server_cert, tls_key or self.pki.server_key
        )
        self.ssl_context.load_verify_locations(cafile=client_ca or self.pki.ca_cert)
        self.ssl_context.verify_mode = ssl.CERT_REQUIRED
        self._httpd = _TlsServer((host, port), _Handler, bind_and_activate=True)
        self._httpd.am = self
        self._control: _ControlServer | None = None
        if control_port is not None:
            self._control = _ControlServer((host, control_port), _ControlHandler)
            self._control.am = self
        self._threads: list[threading.Thread] = []
        self._serving = False  # serve_forever runs on the caller's thread

    # ----------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def control_url(self) -> str | None:
        if self._control is None:
            return None
        return f"http://127.0.0.1:{self._control.server_address[1]}"

    def start(self) -> Self:
        """Serve on background threads."""
        for srv in (self._httpd, self._control):
            if srv is None:
                continue
            thread = threading.Thread(target=srv.serve_forever, name="am-server", daemon=True)
            thread.start()
            self._threads.append(thread)
        logger.info("simulated Assurance Maladie on %s", self.url)
        return self

    def serve_forever(self) -> None:
        """Serve on the calling thread (the control server, if any, on its own)."""
        if self._control is not None:
            thread = threading.Thread(target=self._control.serve_forever, daemon=True)
            thread.start()
            self._threads.append(thread)
        self._serving = True
        self._httpd.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the ledger; at any moment (even never started)."""
        self.stopping.set()
        for srv in (self._httpd, self._control):
            if srv is not None:
                # shutdown() waits for serve_forever: it would wait for ever on a server
                # whose loop never ran.
                if self._threads or self._serving:
                    srv.shutdown()
                srv.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self.ledger.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------- actions

    def log(self, method: str, path: str, lot_id: str | None, status: int) -> None:
        self.ledger.log_request(
            self.clock(), method, path, lot_id, status, ",".join(self.faults.snapshot())
        )

    def receive_lot(self, key: str, der: bytes) -> tuple[int, bytes | None, bool]:
        """(HTTP status, ARL bytes or None when lost, replay) for one lot reception."""
        sha = hashlib.sha256(der).hexdigest()
        with self._reception:
            replayed = self._replay(key, sha)
        if replayed is not None:
            return replayed
        # The checks (most of the time) run outside the lock: lots from several clients
        # are checked side by side; only the ledger is written one lot at a time.
        verdict = check_lot(
            der,
            key,
            ca_der=self.ca_der,
            mother_key=self.mother_key,
            organisms=self.organisms,
            crl=self.crl,
        )
        with self._reception:
            replayed = self._replay(key, sha)  # the same lot, sent twice at once
            if replayed is not None:
                return replayed
            if verdict.positive:
                self._check_against_ledger(key, verdict)
            arl = Arl(
                arl_id="ARL-" + hashlib.sha256(key.encode()).hexdigest()[:24],
                lot_id=key,
                status=ArlStatus.POSITIVE if verdict.positive else ArlStatus.NEGATIVE,
                received_at=self.clock().replace(microsecond=0),
                fse_count=verdict.fse_count,
                motifs=tuple(verdict.motifs),
            )
            arl_bytes = build_arl(arl)
            lost = self.faults.take(FaultKind.LOSE_ARL)
            twice = self.faults.is_active(FaultKind.ARL_TWICE)
            self.ledger.record_lot(
                lot_id=key,
                content_sha256=sha,
                at=self.clock(),
                arl=arl_bytes,
                positive=verdict.positive,
                fse=verdict.fse,
                lost=lost,
                publish=0 if lost else (2 if twice else 1),
                billing_number=verdict.billing_number,
                lot_number=verdict.lot_number,
            )
            logger.info(
                "lot %s: ARL %s (%d FSE, %d motifs)%s",
                key,
                arl.status.value,
                verdict.fse_count,
                len(verdict.motifs),
                " lost" if lost else "",
            )
            return (202, None, False) if lost else (200, arl_bytes, False)

    def _check_against_ledger(self, key: str, verdict: LotVerdict) -> None:
        """What a caisse refuses knowing its past: a lot number this practitioner already
        used (A11), an FSE already accepted in another lot (A12). Under ``_reception``."""
        if verdict.lot_number is not None and verdict.billing_number:
            used = self.ledger.lot_number_used(verdict.billing_number, verdict.lot_number, key)
            if used is not None:
                verdict.motifs.append(
                    with_detail("A11", f"lot n° {verdict.lot_number} déjà reçu ({used})")
                )
        for fse_id, lot_id in self.ledger.already_accepted([f for f, _ in verdict.fse]).items():
            verdict.motifs.append(with_detail("A12", f"acceptée dans le lot {lot_id}", fse_id))

    def _replay(self, key: str, sha: str) -> tuple[int, bytes | None, bool] | None:
        """The answer to a lot already received under ``key`` (None when it is new)."""
        stored = self.ledger.find_lot(key)
        if stored is None:
            return None
        if stored.content_sha256 != sha:
            return 409, None, False
        self.ledger.note_reception(key)
        if stored.arl_lost:
            if self.faults.take(FaultKind.LOSE_ARL):
                return 202, None, True
            twice = self.faults.is_active(FaultKind.ARL_TWICE)
            self.ledger.deliver_arl(key, publish=2 if twice else 1)
        return 200, stored.arl, True

    def produce_returns(self) -> int:
        """Generate the NOEMIE files of FSE accepted long enough ago; how many files."""
        with self._reception:
            now = self.clock()
            due = self.ledger.fse_due(now - self.noemie_delay)
            if not due:
                return 0
            files = generate(
                due,
                first_number=self.ledger.next_noemie_number(),
                today=now.date(),
                directory=self.directory,
                policy=self.policy,
            )
            for noemie, fse_ids in files:
                name = f"RSP{noemie.file_number:08d}.{noemie.receiver}"
                self.ledger.store_noemie(name, build_noemie(noemie), fse_ids, now)
            return len(files)
