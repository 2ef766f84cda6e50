"""The simulated ApCV service over HTTPS with client certificates (the same TLS as the
simulated Assurance Maladie: the testbed's server certificate, client certificates of the
testbed CA required).

Routes (``docs/formats/apcv.md``): ``POST /v1/apcv/sessions`` ``{"code", "date_soins"}``
opens a session; ``POST /v1/apcv/sessions/<id>/signatures`` ``{"empreinte", "patient"}``
signs an FSE digest; ``GET /v1/apcv/ping``. Errors: ``{"erreur": code, "detail": text}``.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import ssl
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

from testbed.am.adri import Directory
from testbed.apcv.keys import apcv_key
from testbed.apcv.service import ApcvRefusal, ApcvService
from testbed.pki import ensure_pki

logger = logging.getLogger(__name__)

DEFAULT_PORT = 8445
MAX_BODY = 64_000
_SIGN = re.compile(r"^/v1/apcv/sessions/(APCVS-[0-9A-F]{24})/signatures$")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    apcv: ApcvServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("ApCV connection from %s ended with an error", client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 30

    def setup(self) -> None:
        raw: socket.socket = self.request
        raw.settimeout(self.timeout)
        # Handshake on the request thread: a silent client never blocks the accept loop.
        tls = self.server.apcv.ssl_context.wrap_socket(
            raw, server_side=True, do_handshake_on_connect=False
        )
        try:
            tls.do_handshake()
        except (ssl.SSLError, OSError):
            tls.close()
            raise
        self.request = tls
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def _answer(self, status: int, doc: object) -> None:
        body = json.dumps(doc, ensure_ascii=False, sort_keys=True).encode()
        content_type = "application/json; charset=utf-8"
        if self.server.apcv.garbage:
            status, body, content_type = 200, b"\x00<html>garbage", "text/html"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> dict[str, Any]:
        length = self.headers.get("Content-Length") or "0"
        if not length.isdigit() or int(length) > MAX_BODY:
            raise ApcvRefusal(413, "requete_trop_longue", "requête trop longue")
        try:
            doc = json.loads(self.rfile.read(int(length)) or b"{}")
        except (ValueError, RecursionError) as exc:
            raise ApcvRefusal(400, "requete_illisible", "JSON illisible") from exc
        if not isinstance(doc, dict):
            raise ApcvRefusal(400, "requete_illisible", "objet JSON attendu")
        return doc

    def do_GET(self) -> None:
        if self.path == "/v1/apcv/ping":
            self._answer(200, {"heure": datetime.now(UTC).isoformat()})
        else:
            self._answer(404, {"erreur": "route_inconnue", "detail": self.path})

    def do_POST(self) -> None:
        service = self.server.apcv.service
        try:
            doc = self._body()
            if self.path == "/v1/apcv/sessions":
                code, day = doc.get("code"), doc.get("date_soins")
                if not isinstance(code, str) or not isinstance(day, str):
                    raise ApcvRefusal(400, "requete_illisible", "code et date_soins attendus")
                try:
                    care = date.fromisoformat(day)
                except ValueError as exc:
                    raise ApcvRefusal(400, "requete_illisible", "date_soins AAAA-MM-JJ") from exc
                self._answer(201, service.open_session(code, care))
                return
            match = _SIGN.match(self.path)
            if match is None:
                raise ApcvRefusal(404, "route_inconnue", self.path)
            digest, patient = doc.get("empreinte"), doc.get("patient")
            if not isinstance(digest, str) or not isinstance(patient, str):
                raise ApcvRefusal(400, "requete_illisible", "empreinte et patient attendus")
            signature = service.sign(match.group(1), digest, patient)
            self._answer(200, {"session": match.group(1), "signature": signature})
        except ApcvRefusal as refusal:
            self._answer(refusal.status, {"erreur": refusal.code, "detail": refusal.reason})


class ApcvServer:
    """Start it, use ``url``, stop it (also a context manager)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        pki_base: Path | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        directory: Directory | None = None,
    ) -> None:
        pki = ensure_pki(pki_base)
        self.service = ApcvService(apcv_key(pki_base), directory, clock)
        #: Answer garbage instead of JSON (tests of a broken service).
        self.garbage = False
        self.ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ssl_context.load_cert_chain(pki.server_cert, pki.server_key)
        self.ssl_context.load_verify_locations(cafile=pki.ca_cert)
        self.ssl_context.verify_mode = ssl.CERT_REQUIRED
        self._httpd = _Server((host, port), _Handler)
        self._httpd.apcv = self
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> Self:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="apcv-server", daemon=True
        )
        self._thread.start()
        logger.info("simulated ApCV service on %s", self.url)
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
