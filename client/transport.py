# Over 500 lines: one class, one connection pool, one deadline per answer for every API call.
"""HTTPS transport to the concentrator: mutual TLS with the workstation's certificate, the
server's CA pinned, timeouts, and every failure mapped to a typed error with ``retryable``.

The HTTP API is ``docs/formats/api.md``. Connections are kept alive between requests (a
replay of a day's lots pays one TLS handshake, not one per lot). A connection that failed
is never reused; a request that fails on a reused connection the server may have closed
meanwhile is sent once more on a fresh one: every request of the API is idempotent (a lot
carries its ``Idempotency-Key``).

Every request has a deadline for the whole of it (``answer_deadline``: connect, TLS, send,
the complete answer), on top of ``read_timeout`` for one silence: a server (or a middlebox)
that drips one byte a second never blocks the sender past the deadline.
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import io
import json
import logging
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from billing.arl import Arl, MalformedArlError, parse_arl
from client.settings import Settings
from client.transport_errors import (
    AuthenticationError,
    MalformedAnswerError,
    ServerRejectedError,
    ServerUnavailableError,
    TlsFailureError,
    TransportConfigError,
    TransportError,
)

logger = logging.getLogger(__name__)

MAX_ANSWER = 60_000_000
#: Bytes written per send: each must go within ``read_timeout`` (8.7 KB/s at 30 s).
SEND_CHUNK = 256 * 1024
USER_AGENT = "sesam-client/0.1"

# The errors are re-exported: callers import them from here.
__all__ = [
    "MAX_ANSWER",
    "USER_AGENT",
    "Announcing",
    "AnswerDeadlineError",
    "AuthenticationError",
    "HttpsTransport",
    "LotAnswer",
    "MalformedAnswerError",
    "NoemieEntry",
    "Preconnecting",
    "ServerRejectedError",
    "ServerUnavailableError",
    "TlsFailureError",
    "Transport",
    "TransportConfigError",
    "TransportError",
]


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
    """What the sender, the returns, ADRi and the diagnostics need from the concentrator.

    The application context holds one (``AppContext.transport``): :class:`HttpsTransport`
    by default, ``client.fake_transport.InProcessTransport`` in unit tests."""

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

    def ping(self) -> datetime:
        """The server's time (the diagnostics' reachability check)."""
        ...


@runtime_checkable
class Preconnecting(Protocol):
    """A transport that can open its connection ahead of the first request
    (:meth:`HttpsTransport.warm_up`); the others are used as they are."""

    def warm_up(self) -> None:
        """Open the connection the next request will use."""
        ...


@runtime_checkable
class Announcing(Protocol):
    """A transport that says when a request has left, before its answer is awaited
    (:meth:`HttpsTransport.once_written`); the others are used as they are."""

    def once_written(self, callback: Callable[[], None]) -> contextlib.AbstractContextManager[None]:
        """Within the block, ``callback`` runs once the next request of this thread is
        written."""
        ...


#: OpenSSL verification codes (X509_V_ERR_*) of a certificate out of its validity period.
_CERT_NOT_YET_VALID, _CERT_EXPIRED = 9, 10
#: Why the server's certificate is not trusted, in French, by OpenSSL verification code.
_UNTRUSTED = {
    18: "certificat auto-signé",
    19: "chaîne auto-signée",
    20: "il n'est pas délivré par l'autorité attendue",
    21: "il n'est pas délivré par l'autorité attendue",
    23: "certificat révoqué",
    62: "il n'est pas établi pour cette adresse de serveur",
}
#: OpenSSL reasons when what answered is not TLS (an HTTP server answers a ClientHello).
_NOT_TLS = ("WRONG_VERSION_NUMBER", "PACKET_LENGTH_TOO_LONG", "RECORD_LAYER_FAILURE", "HTTP")


def _map_os_error(exc: BaseException) -> TransportError:
    """The typed error for a low-level failure."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        message = getattr(exc, "verify_message", "") or str(exc)
        code = getattr(exc, "verify_code", None)
        if code == _CERT_EXPIRED:
            return AuthenticationError("certificat", message, "server_expired")
        if code == _CERT_NOT_YET_VALID:
            return AuthenticationError("certificat", message, "server_not_yet_valid")
        return AuthenticationError("certificat", _UNTRUSTED.get(code or 0, message), "untrusted")
    if isinstance(exc, ssl.SSLError):
        reason = (exc.reason or "").upper()
        if "ALERT" in reason and "EXPIRED" in reason:
            return AuthenticationError("certificat", reason.lower(), "client_expired")
        if "ALERT" in reason or "CERTIFICATE" in reason:
            return AuthenticationError("certificat", reason.lower(), "client_refused")
        if "EOF" in reason or "UNEXPECTED" in reason:
            return ServerUnavailableError("dropped", reason.lower())
        if any(marker in reason for marker in _NOT_TLS):
            return TlsFailureError(reason.lower(), plain=True)
        return TlsFailureError(reason.lower() or str(exc), plain=False)
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


class AnswerDeadlineError(TimeoutError):
    """The whole request took longer than ``answer_deadline`` (raised by the socket)."""


class _DeadlineSocket:
    """The TLS socket of a connection, seen by ``http.client``: each receive and send waits
    at most ``read_timeout`` and never past the request's deadline (``arm``). Python's own
    timeout is per ``recv``: a server dripping one byte a second would never trip it."""

    def __init__(self, sock: ssl.SSLSocket, read_timeout: float) -> None:
        self._sock = sock
        self._read_timeout = read_timeout
        self._deadline = time.monotonic() + read_timeout
        self._total = read_timeout

    def arm(self, deadline: float, total: float) -> None:
        """The monotonic instant the current request must be over by (``total`` seconds)."""
        self._deadline = deadline
        self._total = total

    def _wait(self) -> None:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise AnswerDeadlineError(f"{self._total:g}")
        self._sock.settimeout(min(self._read_timeout, left))

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        self._wait()
        return self._sock.recv_into(buffer, nbytes, flags)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        self._wait()
        return self._sock.recv(bufsize, flags)

    def send(self, data: Any, flags: int = 0) -> int:
        self._wait()
        return self._sock.send(data, flags)

    def sendall(self, data: Any, flags: int = 0) -> None:
        # SSLSocket.sendall waits read_timeout per chunk: a server reading one byte a
        # second would hold it forever. Chunk by chunk, each under the deadline. A chunk
        # holds a whole lot (~80 KB for 50 FSE): one write, one release of the GIL, so the
        # request is not held back by the sender's thread recording the previous answer.
        view = memoryview(data).cast("B")
        sent = 0
        while sent < len(view):
            sent += self.send(view[sent : sent + SEND_CHUNK], flags)

    def makefile(self, mode: str = "rb", buffering: int | None = None, **_: Any) -> Any:
        # Reads through this object, so that every recv of the answer is under the deadline.
        raw = socket.SocketIO(self, "rb")  # type: ignore[arg-type]
        return io.BufferedReader(raw, buffering or io.DEFAULT_BUFFER_SIZE)

    def idle_usable(self) -> bool:
        """Whether this idle connection may carry the next request: nothing to read, or
        only TLS records without data (the session tickets a TLS 1.3 server sends after
        the handshake, unread on a connection opened ahead); not the server's close or
        something unasked for."""
        if not select.select([self._sock], [], [], 0)[0]:
            return True
        timeout = self._sock.gettimeout()
        try:
            self._sock.setblocking(False)
            self._sock.recv(1)  # data unasked for, or b"": the server's close
            return False
        except ssl.SSLWantReadError:
            return True
        except OSError:
            return False
        finally:
            self._sock.settimeout(timeout)

    def _decref_socketios(self) -> None:
        """Called by ``SocketIO.close``; the socket is closed by the connection."""

    def fileno(self) -> int:
        return self._sock.fileno()

    def settimeout(self, value: float | None) -> None:
        self._sock.settimeout(value)

    def setsockopt(self, *args: Any) -> None:
        self._sock.setsockopt(*args)

    def close(self) -> None:
        self._sock.close()


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
        self.answer_deadline = settings.answer_deadline
        self._context = self._ssl_context(settings)
        # Idle kept-alive connections; a list (not one) because ADRi queries and the sender
        # may share a transport from two threads.
        self._idle: list[http.client.HTTPSConnection] = []
        #: The idle connections opened ahead (``warm_up``) that no request has used yet: a
        #: request cut on one of them is not sent again (it was a fresh connection).
        self._unused: set[int] = set()
        self._idle_lock = threading.Lock()
        #: Per thread: what to call once the next request is written (``once_written``).
        self._written = threading.local()

    def close(self) -> None:
        """Close the kept-alive connections (the application closes, or the settings changed):
        the server's handler threads end now, not at their idle timeout."""
        with self._idle_lock:
            idle, self._idle = self._idle, []
            self._unused.clear()
        for conn in idle:
            conn.close()

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
        # One deadline for the whole request, a retry on a fresh connection included.
        deadline = time.monotonic() + self.answer_deadline
        conn, unused = self._take_idle()
        if conn is not None and not unused:
            try:
                return self._exchange(conn, method, path, body, all_headers, deadline)
            except ServerUnavailableError as exc:
                if exc.kind != "dropped":
                    raise
                logger.debug("kept-alive connection closed by the server: new connection")
            conn = None
        conn = conn or self._connect(deadline)
        return self._exchange(conn, method, path, body, all_headers, deadline)

    def warm_up(self) -> None:
        """Open the connection the next request will use (TCP and TLS handshakes) unless an
        idle one is still open: the sender calls it on its network thread while it reads
        its first lot from the store, so that the handshake does not wait for it.

        :raises TransportError: the server cannot be reached (as the request would say).
        """
        conn, unused = self._take_idle()
        if conn is None:
            conn, unused = self._connect(time.monotonic() + self.answer_deadline), True
        with self._idle_lock:
            self._idle.append(conn)
            if unused:
                self._unused.add(id(conn))

    @contextlib.contextmanager
    def once_written(self, callback: Callable[[], None]) -> Iterator[None]:
        """Within the block, ``callback`` runs once, on this thread, the moment the next
        request made on it is written to its connection (its answer not yet awaited); not
        at all when no request was written (no connection). The sender wakes its recording
        thread there, so that the thread does not take the interpreter (the GIL) from the
        request it would otherwise race."""
        self._written.callback = callback
        try:
            yield
        finally:
            self._written.callback = None

    def _take_idle(self) -> tuple[http.client.HTTPSConnection | None, bool]:
        """An idle connection the server has not closed (a readable idle socket means the
        server sent its close, or something unasked for: either way, not reusable), and
        whether it was opened ahead and never used."""
        while True:
            with self._idle_lock:
                if not self._idle:
                    return None, False
                conn = self._idle.pop()
                unused = id(conn) in self._unused
                self._unused.discard(id(conn))
            sock = conn.sock
            if isinstance(sock, _DeadlineSocket) and sock.idle_usable():
                return conn, unused
            conn.close()

    def _connect(self, deadline: float) -> http.client.HTTPSConnection:
        left = deadline - time.monotonic()
        if left <= 0:
            raise self._deadline_error()
        # The TLS handshake is bounded as a whole by the socket timeout (CPython applies
        # it to the entire do_handshake), so min(connect_timeout, left) bounds connect+TLS.
        conn = http.client.HTTPSConnection(
            self.host, self.port, context=self._context, timeout=min(self.connect_timeout, left)
        )
        try:
            conn.connect()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise _map_os_error(exc) from exc
        if conn.sock is not None:
            # http.client writes a large body apart from its headers: with Nagle, the last
            # short segment waits for the server's delayed ACK (up to 40 ms per lot).
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.sock = _DeadlineSocket(conn.sock, self.read_timeout)
        return conn

    def _announce_written(self) -> None:
        callback = getattr(self._written, "callback", None)
        if callback is None:
            return
        self._written.callback = None
        try:
            callback()
        except Exception:  # the caller's business: the answer is awaited all the same
            logger.exception("callback after a request written failed")

    def _deadline_error(self) -> ServerUnavailableError:
        return ServerUnavailableError(
            "deadline", f"réponse incomplète après {self.answer_deadline:g} s"
        )

    def _exchange(
        self,
        conn: http.client.HTTPSConnection,
        method: str,
        path: str,
        body: bytes | None,
        headers: dict[str, str],
        deadline: float,
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        """One request and its whole answer on ``conn`` before ``deadline``; the connection
        is kept for the next request only when everything went well and the server keeps
        it open."""
        reusable = False
        try:
            if isinstance(conn.sock, _DeadlineSocket):
                conn.sock.arm(deadline, self.answer_deadline)
            conn.request(method, self.prefix + path, body=body, headers=headers)
            self._announce_written()
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
        except AnswerDeadlineError as exc:
            raise self._deadline_error() from exc
        except (OSError, http.client.HTTPException) as exc:
            if time.monotonic() >= deadline and isinstance(exc, TimeoutError):
                raise self._deadline_error() from exc
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
