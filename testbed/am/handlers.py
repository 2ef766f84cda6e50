"""The HTTP side of the simulated Assurance Maladie: the TLS server (handshake on the
request thread, faults before each answer), the routes of ``docs/formats/api.md`` and the
plain-HTTP control server. What they ask of the Assurance Maladie itself is
:class:`AmBackend` (:class:`testbed.am.server.AmServer` is the one)."""

from __future__ import annotations

import json
import logging
import re
import secrets
import socket
import ssl
import sys
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from testbed.am.adri import Directory
from testbed.am.faults import FaultKind, Faults
from testbed.am.ledger import Ledger

logger = logging.getLogger(__name__)

MAX_LOT_SIZE = 20_000_000
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class AmBackend(Protocol):
    """What the handlers use of the Assurance Maladie (no import of the server: no circle)."""

    faults: Faults
    ledger: Ledger
    directory: Directory
    ssl_context: ssl.SSLContext
    clock: Callable[[], datetime]
    noemie_delay: timedelta
    stopping: threading.Event
    connections: int

    def log(self, method: str, path: str, lot_id: str | None, status: int) -> None: ...

    def receive_lot(self, key: str, der: bytes) -> tuple[int, bytes | None, bool]: ...

    def produce_returns(self) -> int: ...


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


class TlsServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    am: AmBackend

    def verify_request(self, request: Any, client_address: Any) -> bool:
        if self.am.faults.take(FaultKind.REFUSE):
            logger.info("fault refuse: connection from %s closed", client_address)
            return False
        self.am.connections += 1  # the accept loop is one thread
        return True

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        logger.debug("connection from %s ended: %r", client_address, error)


class ControlServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    am: AmBackend


class AmHandler(BaseHTTPRequestHandler):
    server: TlsServer
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


class ControlHandler(BaseHTTPRequestHandler):
    server: ControlServer
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
