"""HTTPS transport to the concentrator: mutual TLS with the workstation's certificate, the
server's CA pinned, timeouts, and every failure mapped to a typed error with ``retryable``.

The HTTP API is ``docs/formats/api.md``. Connections are kept alive between requests (a
replay of a day's lots pays one TLS handshake, not one per lot). A connection that failed
is never reused; a request that fails on a reused connection the server may have closed
meanwhile is sent once more on a fresh one: every request of the API is idempotent (a lot
carries its ``Idempotency-Key``).
"""

from __future__ import annotations

import errno
import http.client
import json
import logging
import select
import socket
import ssl
import threading
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from billing.arl import Arl, MalformedArlError, parse_arl
from client.errors import ClientError
from client.messages import register as register_message
from client.settings import Settings

logger = logging.getLogger(__name__)

MAX_ANSWER = 60_000_000
USER_AGENT = "sesam-client/0.1"


class TransportError(ClientError):
    """Base of the transport errors; ``retryable`` says whether trying again may work."""

    retryable: bool = False

    def __init__(self, kind: str, detail: str = "", status: int | None = None) -> None:
        super().__init__(f"Échec de communication avec le concentrateur ({kind}) : {detail}")
        self.kind = kind
        self.detail = detail
        self.status = status


class ServerUnavailableError(TransportError):
    """Refused, timed out, dropped, 5xx: the server is not there right now (retry later).

    ``kind``: ``refused``, ``timeout``, ``dropped``, ``network``, ``http``.
    """

    retryable = True

    def __init__(
        self,
        kind: str,
        detail: str = "",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(kind, detail, status)
        self.retry_after = retry_after


class MalformedAnswerError(TransportError):
    """The server answered something unreadable (garbage, truncated): retry later."""

    retryable = True


class ServerRejectedError(TransportError):
    """The server refused the request (4xx): retrying the same request will not help."""

    retryable = False


class AuthenticationError(ServerRejectedError):
    """TLS failed on certificates: the server is not the pinned one, or refuses ours."""


class TransportConfigError(TransportError):
    """The workstation's certificate, key or pinned CA file is missing or unusable."""

    retryable = False

    def __init__(self, path: Path | None, detail: str) -> None:
        super().__init__("configuration", detail)
        self.path = path


@dataclass(frozen=True, slots=True)
class LotAnswer:
    """The server's answer to a lot: its ARL, or None when received without ARL yet."""

    arl: Arl | None
    replay: bool = False


@dataclass(frozen=True, slots=True)
class NoemieEntry:
    """One NOEMIE file offered by the server."""

    seq: int
    name: str
    size: int


class Transport(Protocol):
    """What the sender, the returns and ADRi need from the concentrator."""

    def send_lot(self, lot_id: str, der: bytes) -> LotAnswer:
        """Deliver a signed lot (``lot_id`` is the idempotency key)."""
        ...

    def arl(self, lot_id: str) -> Arl | None:
        """The ARL of a lot; None when the lot is received but has no ARL yet."""
        ...

    def arl_feed(self, after: int) -> tuple[list[tuple[int, Arl]], int]:
        """ARL published after sequence ``after``, and the last sequence."""
        ...

    def noemie_list(self, after: int) -> list[NoemieEntry]:
        """NOEMIE files after sequence ``after``."""
        ...

    def noemie_file(self, seq: int) -> bytes:
        """The bytes of one NOEMIE file."""
        ...

    def adri(self, nir: str, birth_date: str, rank: str, at: date) -> dict[str, Any] | None:
        """ADRi rights of a bénéficiaire at a date; None when the caisse knows nobody."""
        ...


def _map_os_error(exc: BaseException) -> TransportError:
    """The typed error for a low-level failure."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return AuthenticationError("certificat", getattr(exc, "verify_message", "") or str(exc))
    if isinstance(exc, ssl.SSLError):
        reason = (exc.reason or "").upper()
        if "ALERT" in reason or "CERTIFICATE" in reason:
            return AuthenticationError("certificat", reason.lower())
        if "EOF" in reason or "UNEXPECTED" in reason:
            return ServerUnavailableError("dropped", reason.lower())
        return ServerUnavailableError("network", reason.lower() or str(exc))
    if isinstance(exc, TimeoutError | socket.timeout):
        return ServerUnavailableError("timeout", "délai dépassé")
    if isinstance(exc, ConnectionRefusedError):
        return ServerUnavailableError("refused", "connexion refusée")
    if isinstance(
        exc,
        ConnectionResetError
        | BrokenPipeError
        | ConnectionAbortedError
        | http.client.RemoteDisconnected
        | http.client.IncompleteRead,
    ):
        return ServerUnavailableError("dropped", "connexion coupée")
    if isinstance(exc, http.client.HTTPException):
        return MalformedAnswerError("réponse", f"réponse HTTP illisible ({type(exc).__name__})")
    if isinstance(exc, socket.gaierror):
        return ServerUnavailableError("network", "nom du serveur introuvable")
    if isinstance(exc, OSError) and exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return ServerUnavailableError("network", "réseau inaccessible")
    return ServerUnavailableError("network", f"{type(exc).__name__}")


class HttpsTransport:
    """The concentrator over HTTPS with mutual TLS (stdlib ``http.client`` + ``ssl``)."""

    def __init__(self, settings: Settings) -> None:
        parts = urlsplit(settings.server_url)
        if parts.scheme != "https" or not parts.hostname:
            raise TransportConfigError(None, f"adresse du serveur invalide : {settings.server_url}")
        self.host = parts.hostname
        self.port = parts.port or 443
        self.prefix = parts.path.rstrip("/")
        self.connect_timeout = settings.connect_timeout
        self.read_timeout = settings.read_timeout
        self._context = self._ssl_context(settings)
        # Idle kept-alive connections; a list (not one) because ADRi queries and the sender
        # may share a transport from two threads.
        self._idle: list[http.client.HTTPSConnection] = []
        self._idle_lock = threading.Lock()

    @staticmethod
    def _ssl_context(settings: Settings) -> ssl.SSLContext:
        for path in (settings.ca_cert, settings.client_cert, settings.client_key):
            if path is None or not path.is_file():
                raise TransportConfigError(path, f"fichier absent : {path}")
        assert settings.ca_cert is not None and settings.client_cert is not None  # noqa: S101
        try:
            # With a cafile, the system's CAs are not loaded: only the pinned CA is trusted.
            context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=settings.ca_cert)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(settings.client_cert, settings.client_key)
        except (ssl.SSLError, OSError) as exc:
            raise TransportConfigError(
                settings.client_cert, f"certificat inutilisable : {exc}"
            ) from exc
        return context

    # ------------------------------------------------------------------ plumbing

    def _request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        all_headers = {"User-Agent": USER_AGENT, "Accept": "*/*", **(headers or {})}
        if body is not None:
            all_headers["Content-Length"] = str(len(body))
        conn = self._take_idle()
        if conn is not None:
            try:
                return self._exchange(conn, method, path, body, all_headers)
            except ServerUnavailableError as exc:
                if exc.kind != "dropped":
                    raise
                logger.debug("kept-alive connection closed by the server: new connection")
        return self._exchange(self._connect(), method, path, body, all_headers)

    def _take_idle(self) -> http.client.HTTPSConnection | None:
        """An idle connection the server has not closed (a readable idle socket means the
        server sent its close, or something unasked for: either way, not reusable)."""
        while True:
            with self._idle_lock:
                if not self._idle:
                    return None
                conn = self._idle.pop()
            sock = conn.sock
            if sock is not None and not select.select([sock], [], [], 0)[0]:
                return conn
            conn.close()

    def _connect(self) -> http.client.HTTPSConnection:
        conn = http.client.HTTPSConnection(
            self.host, self.port, context=self._context, timeout=self.connect_timeout
        )
        try:
            conn.connect()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise _map_os_error(exc) from exc
        if conn.sock is not None:
            conn.sock.settimeout(self.read_timeout)
            # http.client writes a large body apart from its headers: with Nagle, the last
            # short segment waits for the server's delayed ACK (up to 40 ms per lot).
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def _exchange(
        self,
        conn: http.client.HTTPSConnection,
        method: str,
        path: str,
        body: bytes | None,
        headers: dict[str, str],
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        """One request and its whole answer on ``conn``; the connection is kept for the next
        request only when everything went well and the server keeps it open."""
        reusable = False
        try:
            conn.request(method, self.prefix + path, body=body, headers=headers)
            response = conn.getresponse()
            length = response.getheader("Content-Length")
            # isascii: "²" is a digit for str.isdigit() but not for int()
            if length is not None and (
                not (length.isascii() and length.isdigit()) or int(length) > MAX_ANSWER
            ):
                raise MalformedAnswerError("réponse", "taille de réponse invalide")
            data = response.read(MAX_ANSWER + 1)
            if len(data) > MAX_ANSWER:
                raise MalformedAnswerError("réponse", "réponse trop longue")
            reusable = length is not None and not response.will_close
            return response.status, response.headers, data
        except TransportError:
            raise
        except (OSError, http.client.HTTPException) as exc:
            raise _map_os_error(exc) from exc
        finally:
            if reusable:
                with self._idle_lock:
                    self._idle.append(conn)
            else:
                conn.close()

    @staticmethod
    def _http_error(status: int, headers: http.client.HTTPMessage, data: bytes) -> TransportError:
        detail = data[:200].decode("utf-8", "replace")
        try:
            doc = json.loads(data)
            if isinstance(doc, dict):
                detail = str(doc.get("detail") or doc.get("erreur") or detail)
        except (ValueError, RecursionError):
            pass
        if status >= 500 or status == 429:
            retry_after = headers.get("Retry-After")
            return ServerUnavailableError(
                "http",
                f"HTTP {status} {detail}",
                status,
                float(retry_after)
                if retry_after and retry_after.isascii() and retry_after.isdigit()
                else None,
            )
        return ServerRejectedError("http", f"HTTP {status} {detail}", status)

    def _json(self, data: bytes) -> Any:
        try:
            return json.loads(data)
        except (ValueError, RecursionError) as exc:  # RecursionError: nesting too deep
            raise MalformedAnswerError("réponse", "réponse JSON illisible") from exc

    @staticmethod
    def _arl(data: bytes) -> Arl:
        try:
            return parse_arl(data)
        except MalformedArlError as exc:
            raise MalformedAnswerError("ARL", exc.reason) from exc

    # --------------------------------------------------------------------- API

    def send_lot(self, lot_id: str, der: bytes) -> LotAnswer:
        """POST /v1/lots: the ARL (200) or None (202: received, ARL later)."""
        status, headers, data = self._request(
            "POST",
            "/v1/lots",
            der,
            {"Content-Type": "application/pkcs7-mime", "Idempotency-Key": lot_id},
        )
        if status == 202:
            return LotAnswer(arl=None)
        if status != 200:
            raise self._http_error(status, headers, data)
        arl = self._arl(data)
        if arl.lot_id != lot_id:
            raise MalformedAnswerError("ARL", "ARL d'un autre lot")
        return LotAnswer(arl=arl, replay=headers.get("X-ARL-Replay") == "1")

    def arl(self, lot_id: str) -> Arl | None:
        """GET /v1/arls/<lot>."""
        status, headers, data = self._request("GET", f"/v1/arls/{lot_id}")
        if status == 202:
            return None
        if status != 200:
            raise self._http_error(status, headers, data)
        return self._arl(data)

    def arl_feed(self, after: int) -> tuple[list[tuple[int, Arl]], int]:
        """GET /v1/arls?after=N."""
        status, headers, data = self._request("GET", f"/v1/arls?after={int(after)}")
        if status != 200:
            raise self._http_error(status, headers, data)
        doc = self._json(data)
        try:
            items = [(int(i["seq"]), self._arl(str(i["arl"]).encode())) for i in doc["arls"]]
            return items, int(doc["dernier"])
        except (KeyError, TypeError, ValueError, OverflowError) as exc:  # Overflow: Infinity
            raise MalformedAnswerError("ARL", "liste d'ARL illisible") from exc

    def noemie_list(self, after: int) -> list[NoemieEntry]:
        """GET /v1/noemie?after=N."""
        status, headers, data = self._request("GET", f"/v1/noemie?after={int(after)}")
        if status != 200:
            raise self._http_error(status, headers, data)
        doc = self._json(data)
        try:
            return [
                NoemieEntry(int(f["seq"]), str(f["nom"]), int(f["taille"])) for f in doc["fichiers"]
            ]
        except (KeyError, TypeError, ValueError, OverflowError) as exc:  # Overflow: Infinity
            raise MalformedAnswerError("NOEMIE", "liste de fichiers illisible") from exc

    def noemie_file(self, seq: int) -> bytes:
        """GET /v1/noemie/<n>."""
        status, headers, data = self._request("GET", f"/v1/noemie/{int(seq)}")
        if status != 200:
            raise self._http_error(status, headers, data)
        return data

    def adri(self, nir: str, birth_date: str, rank: str, at: date) -> dict[str, Any] | None:
        """POST /v1/adri."""
        body = json.dumps(
            {"nir": nir, "date_naissance": birth_date, "rang": rank, "date": at.isoformat()}
        ).encode()
        status, headers, data = self._request(
            "POST", "/v1/adri", body, {"Content-Type": "application/json"}
        )
        if status == 404:
            return None
        if status != 200:
            raise self._http_error(status, headers, data)
        doc = self._json(data)
        if not isinstance(doc, dict):
            raise MalformedAnswerError("ADRi", "réponse ADRi illisible")
        return doc

    def ping(self) -> datetime:
        """GET /v1/ping: the server's time."""
        status, headers, data = self._request("GET", "/v1/ping")
        if status != 200:
            raise self._http_error(status, headers, data)
        try:
            return datetime.fromisoformat(str(self._json(data)["heure"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedAnswerError("réponse", "heure illisible") from exc


# --- French wording (client.messages) ---------------------------------------------------

_UNAVAILABLE = {
    "refused": "Le serveur de télétransmission est injoignable (connexion refusée).",
    "timeout": "Le serveur de télétransmission ne répond pas (délai dépassé).",
    "dropped": "La connexion au serveur de télétransmission a été coupée pendant l'échange.",
    "network": "Le réseau est inaccessible : vérifiez la connexion Internet du poste.",
}


def _describe_unavailable(exc: BaseException) -> str:
    assert isinstance(exc, ServerUnavailableError)  # noqa: S101 - registered for this type
    if exc.kind == "http":
        return (
            f"Le serveur de télétransmission est en panne ou en maintenance (erreur {exc.status})."
        )
    return _UNAVAILABLE.get(exc.kind, "Le serveur de télétransmission est indisponible.")


register_message(TransportError, lambda e: f"Échec de la télétransmission : {e}")
register_message(
    ServerRejectedError,
    lambda e: (
        "Le concentrateur a refusé la demande "
        f"({getattr(e, 'detail', '')}). L'élément est mis de côté : corrigez puis relancez-le."
    ),
)
register_message(
    AuthenticationError,
    lambda e: (
        "Connexion sécurisée refusée : le certificat du serveur n'est pas celui attendu, "
        "ou celui de ce poste n'est pas accepté. Vérifiez les certificats dans les réglages "
        "(settings.json)."
    ),
)
register_message(
    TransportConfigError,
    lambda e: (
        f"Réglages de télétransmission incomplets : {getattr(e, 'detail', '')}. "
        "Renseignez server_url, client_cert, client_key et ca_cert dans settings.json."
    ),
)
register_message(
    MalformedAnswerError,
    lambda e: (
        "Le serveur de télétransmission a renvoyé une réponse illisible. Nouvel essai "
        "automatique ; si cela persiste, contactez votre concentrateur."
    ),
)
register_message(ServerUnavailableError, _describe_unavailable)
