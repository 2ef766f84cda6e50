"""The simulated AMC's HTTPS server: mutual TLS on loopback, the testbed's PKI.

Routes (``docs/formats/amc-api.md``): ``POST /v1/engagements`` (an agreement number or a
refusal with its motif), ``POST /v1/dre`` (a signed DRE lot, ``Idempotency-Key`` = lot id;
answers the acknowledgement), ``GET /v1/dre/<lot>`` (the acknowledgement again),
``GET /v1/retours?after=N`` (payments and rejections), ``GET /v1/ping``. A plain-HTTP
loopback control server sets the policy and the faults, for tests and demos.
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
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.serialization import Encoding

from billing.dre import AckMotif, AckStatus, DreAck, DreError, build_ack, verify_dre
from billing.lot import CmsError
from cardio.vitale_values import AmcService
from testbed.amc.ledger import AmcLedger
from testbed.amc.members import LABELS, EngagementQuery, Members
from testbed.amc.payments import AmcPolicy, return_document
from testbed.pki import ca_certificate, ensure_pki
from testbed.state import testbed_dir

logger = logging.getLogger(__name__)

MAX_BODY = 5_000_000
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class AmcFault(StrEnum):
    """What the simulated AMC can do wrong, for the client's error paths."""

    REFUSE = "refuse"  # close every connection before TLS: unreachable
    HTTP_503 = "503"
    GARBAGE = "garbage"  # answer 200 with bytes that are not the document
    DUPLICATE_RETURN = "retour-double"  # publish the next payment twice
    UNKNOWN_FSE = "fse-inconnue"  # publish a payment for an FSE never received


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AmcServer:
    """The simulated AMC: start it, use ``url``, stop it. ``policy`` and ``faults`` may be
    changed by a test at any time."""

    def __init__(
        self,
        *,
        ledger_path: Path | None = None,
        port: int = 0,
        control_port: int | None = 0,
        pki_base: Path | None = None,
        members: Members | None = None,
        policy: AmcPolicy | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        pki = ensure_pki(pki_base)
        self.ca_der = ca_certificate(pki_base).public_bytes(Encoding.DER)
        self.ledger = AmcLedger(ledger_path or testbed_dir() / "amc" / "ledger.sqlite")
        self.members = members or Members()
        self.policy = policy or AmcPolicy()
        self.clock = clock
        self.faults: set[AmcFault] = set()
        self._lock = threading.RLock()  # take() runs inside produce_returns
        self.ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ssl_context.load_cert_chain(pki.server_cert, pki.server_key)
        self.ssl_context.load_verify_locations(cafile=pki.ca_cert)
        self.ssl_context.verify_mode = ssl.CERT_REQUIRED
        self._httpd = _TlsServer(("127.0.0.1", port), _AmcHandler)
        self._httpd.amc = self
        self._control: _ControlServer | None = None
        if control_port is not None:
            self._control = _ControlServer(("127.0.0.1", control_port), _ControlHandler)
            self._control.amc = self
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def control_url(self) -> str | None:
        if self._control is None:
            return None
        return f"http://127.0.0.1:{self._control.server_address[1]}"

    def start(self) -> Self:
        for srv in (self._httpd, self._control):
            if srv is not None:
                thread = threading.Thread(target=srv.serve_forever, name="amc", daemon=True)
                thread.start()
                self._threads.append(thread)
        logger.info("simulated AMC on %s", self.url)
        return self

    def stop(self) -> None:
        for srv in (self._httpd, self._control):
            if srv is not None:
                if self._threads:
                    srv.shutdown()
                srv.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self.ledger.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def take(self, fault: AmcFault) -> bool:
        """True when ``fault`` is on (each fault strikes once, then lifts)."""
        with self._lock:
            if fault in self.faults:
                self.faults.discard(fault)
                return True
            return False

    # ------------------------------------------------------------------- actions

    def engage(self, doc: dict[str, Any]) -> dict[str, Any]:
        """The answer to an engagement request. :raises ValueError: malformed request."""
        amount = Decimal(str(doc["montant_amc"]))
        if amount <= 0 or amount.as_tuple().exponent != -2:
            raise ValueError("montant_amc")
        query = EngagementQuery(
            amc=str(doc["amc"]),
            member=str(doc["adherent"]),
            care_date=date.fromisoformat(str(doc["date_soins"])),
            service=AmcService(str(doc["prestation"])),
            amount=amount,
            practitioner=str(doc["ps"]),
        )
        with self._lock:
            decision = self.members.decide(query, self.ledger.engagement_count() + 1)
            if decision.refusal is not None:
                self.ledger.record_refusal(query.amc, query.member, decision.refusal.value)
                return {
                    "statut": "refuse",
                    "motif": decision.refusal.value,
                    "libelle": LABELS[decision.refusal],
                }
            self.ledger.record_engagement(
                decision.number,
                query.amc,
                query.member,
                query.care_date.isoformat(),
                amount,
                decision.gestion,
            )
        return {
            "statut": "accorde",
            "numero": decision.number,
            "gestion": "unique" if decision.gestion == "U" else "separee",
            "montant_amc": str(amount),
        }

    def receive_dre(self, key: str, der: bytes) -> tuple[int, bytes | None]:
        """(HTTP status, acknowledgement) for one DRE lot; a replay answers the same."""
        sha = hashlib.sha256(der).hexdigest()
        with self._lock:
            stored = self.ledger.find_lot(key)
            if stored is not None:
                if stored[0] != sha:
                    return 409, None
                self.ledger.note_reception(key)
                return 200, stored[1]
            motifs: list[AckMotif] = []
            count = 0
            items: list[tuple[str, str, Decimal]] = []
            try:
                verified = verify_dre(der, self.ca_der)
                count = len(verified.items)
                if verified.lot_id != key:
                    motifs.append(AckMotif("D02", "identifiant du lot différent de la clé"))
                for item in verified.items:
                    granted = self.ledger.engagement(item.engagement)
                    if granted is None or granted[2] != "S":
                        motifs.append(AckMotif("D03", "engagement inconnu", item.fse_id))
                    elif granted[0] != item.member or item.amc > granted[1]:
                        motifs.append(
                            AckMotif("D04", "DRE différente de l'engagement", item.fse_id)
                        )
                    elif self.ledger.item_lot(item.fse_id) is not None:
                        motifs.append(AckMotif("D05", "DRE déjà reçue", item.fse_id))
                    items.append((item.fse_id, item.engagement, item.amc))
            except (CmsError, DreError) as exc:
                motifs.append(AckMotif("D01", f"lot illisible ou signature invalide : {exc}"))
            ack = DreAck(
                lot_id=key,
                status=AckStatus.NEGATIVE if motifs else AckStatus.POSITIVE,
                received_at=self.clock().replace(microsecond=0),
                dre_count=count,
                motifs=tuple(motifs),
            )
            data = build_ack(ack)
            self.ledger.record_lot(key, sha, self.clock(), data, None if motifs else items)
            logger.info("DRE lot %s: %s (%d DRE)", key, ack.status.value, count)
            return 200, data

    def produce_returns(self) -> None:
        """Publish the payments that are due by the policy (and the faults' extras)."""
        with self._lock:
            now = self.clock()
            for item in self.ledger.waiting_items():
                fate, motif = self.policy.fate(item.fse_id)
                on = self.policy.due(item, fate)
                if on > now:
                    continue
                doc = return_document(item, fate, motif, on)
                self.ledger.publish(item.fse_id, doc)
                if self.take(AmcFault.DUPLICATE_RETURN):
                    self.ledger.publish(item.fse_id, doc)
            if self.take(AmcFault.UNKNOWN_FSE):
                ghost = f"00000000-0000-4000-8000-{secrets.token_hex(6)}"
                self.ledger.publish(
                    ghost,
                    {
                        "id_retour": "RET-" + secrets.token_hex(10),
                        "lot_id": "DRE-INCONNU",
                        "fse_id": ghost,
                        "engagement": "ENG-INCONNU",
                        "statut": "paye",
                        "montant_demande": "10.00",
                        "montant_paye": "10.00",
                        "date_paiement": now.date().isoformat(),
                        "virement": "VIR-AMC-X",
                        "motif_code": "",
                        "motif_libelle": "",
                    },
                    mark=False,
                )


class _TlsServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    amc: AmcServer

    def verify_request(self, request: Any, client_address: Any) -> bool:
        return AmcFault.REFUSE not in self.amc.faults

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("connection from %s ended: %r", client_address, sys.exc_info()[1])


class _ControlServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    amc: AmcServer


class _AmcHandler(BaseHTTPRequestHandler):
    server: _TlsServer
    protocol_version = "HTTP/1.1"
    timeout = 30
    disable_nagle_algorithm = True

    def setup(self) -> None:
        raw: socket.socket = self.request
        raw.settimeout(self.timeout)
        tls = self.server.amc.ssl_context.wrap_socket(
            raw, server_side=True, do_handshake_on_connect=False
        )
        try:
            tls.do_handshake()
        except ssl.SSLError:
            tls.close()
            raise
        self.request = tls
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        if self.server.amc.take(AmcFault.GARBAGE):
            status, body, content_type = 200, b"\x00GARBAGE<" + secrets.token_bytes(32), "text/html"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, doc: object) -> None:
        body = json.dumps(doc, ensure_ascii=False, sort_keys=True).encode()
        self._send(status, body, "application/json; charset=utf-8")

    def _body(self) -> bytes | None:
        length = self.headers.get("Content-Length") or ""
        if not length.isdigit() or int(length) > MAX_BODY:
            self.close_connection = True
            self._json(400, {"erreur": "longueur", "detail": "Content-Length requis"})
            return None
        return self.rfile.read(int(length))

    def do_GET(self) -> None:
        amc = self.server.amc
        parts = urlsplit(self.path)
        if amc.take(AmcFault.HTTP_503):
            self._json(503, {"erreur": "indisponible", "detail": "maintenance simulée"})
        elif parts.path == "/v1/ping":
            self._json(200, {"statut": "ok", "heure": amc.clock().isoformat()})
        elif parts.path == "/v1/retours":
            raw = parse_qs(parts.query).get("after", ["0"])[0]
            if not raw.isdigit():
                self._json(400, {"erreur": "parametre", "detail": "after doit être un entier"})
                return
            amc.produce_returns()
            rows = amc.ledger.returns_after(int(raw))
            self._json(200, {"retours": rows, "dernier": rows[-1]["seq"] if rows else int(raw)})
        elif parts.path.startswith("/v1/dre/"):
            stored = amc.ledger.find_lot(parts.path.removeprefix("/v1/dre/"))
            if stored is None:
                self._json(404, {"erreur": "lot-inconnu", "detail": parts.path})
            else:
                self._send(200, stored[1], "application/json")
        else:
            self._json(404, {"erreur": "inconnu", "detail": parts.path})

    def do_POST(self) -> None:
        amc = self.server.amc
        path = urlsplit(self.path).path
        data = self._body()
        if data is None:
            return
        if amc.take(AmcFault.HTTP_503):
            self._json(503, {"erreur": "indisponible", "detail": "maintenance simulée"})
        elif path == "/v1/engagements":
            try:
                doc = json.loads(data)
                answer = amc.engage(doc)
            except (ValueError, KeyError, TypeError, InvalidOperation):
                self._json(
                    400,
                    {
                        "erreur": "requete",
                        "detail": "amc, adherent, date_soins, prestation, montant_amc, ps",
                    },
                )
                return
            self._json(200, answer)
        elif path == "/v1/dre":
            key = self.headers.get("Idempotency-Key", "")
            if not _KEY.fullmatch(key) or not data:
                self._json(400, {"erreur": "requete", "detail": "Idempotency-Key et lot requis"})
                return
            status, ack = amc.receive_dre(key, data)
            if ack is None:
                self._json(409, {"erreur": "cle-reutilisee", "detail": "lot différent"})
            else:
                self._send(status, ack, "application/json")
        else:
            self._json(404, {"erreur": "inconnu", "detail": path})


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
        amc = self.server.amc
        return {"faults": sorted(amc.faults), "ledger": amc.ledger.summary()}

    def do_GET(self) -> None:
        self._json(200, self._state())

    def do_POST(self) -> None:
        """``/faults`` {"set": [...], "clear": true}; ``/policy`` {AmcPolicy's fields}."""
        amc = self.server.amc
        try:
            doc = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            if self.path == "/faults":
                if doc.get("clear"):
                    amc.faults.clear()
                amc.faults.update(AmcFault(f) for f in doc.get("set", []))
            elif self.path == "/policy":
                amc.policy = AmcPolicy(
                    **{k: int(v) for k, v in doc.items() if k != "forced"}  # type: ignore[arg-type]
                )
            else:
                self._json(404, {"erreur": "inconnu"})
                return
        except (ValueError, TypeError, AttributeError) as exc:
            self._json(400, {"erreur": str(exc)})
            return
        self._json(200, self._state())
