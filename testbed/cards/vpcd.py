"""A vpcd "virtual ICC" client: serves one emulated card to pcscd's vpcd reader driver.

The vpcd driver inside pcscd listens on TCP (35963 for 'Virtual PCD 00 00', 35964 for
'Virtual PCD 00 01'); the card connects as a client. Every message, both ways, is a 2-byte
big-endian length followed by the payload. A 1-byte payload from pcscd is a control
(00 power off, 01 power on, 02 reset, 04 get ATR: only the last one is answered); a longer
one is a command APDU, answered with response data + SW. The card is "inserted" while the
socket is connected: the link reconnects (pcscd restarting) until it is stopped.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading

from testbed.cards.base import EmulatedCard

#: Linux only; elsewhere the delayed ACK stays (slower, still correct).
_QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
#: vpcd's TCP ports, in reader order ('Virtual PCD 00 00', 'Virtual PCD 00 01').
VPCD_PORTS = (35963, 35964)
CTRL_OFF = 0x00
CTRL_ON = 0x01
CTRL_RESET = 0x02
CTRL_ATR = 0x04


class _Closed(Exception):
    """The peer closed the connection (or the link is stopping)."""


class VpcdLink:
    """Keeps ``card`` connected to one vpcd port from a background thread until ``stop()``."""

    def __init__(
        self,
        card: EmulatedCard,
        port: int,
        host: str = DEFAULT_HOST,
        retry_interval: float = 0.25,
    ) -> None:
        self.card = card
        self.host = host
        self.port = port
        self.retry_interval = retry_interval
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._sock: socket.socket | None = None
        self._sock_lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._run, name=f"vpcd-{port}-{card.name}", daemon=True
        )
        self.connections = 0  # how many times the link (re)connected

    @property
    def connected(self) -> bool:
        """True while the TCP connection to vpcd is up (the card looks inserted)."""
        return self._connected.is_set()

    def start(self) -> VpcdLink:
        self._thread.start()
        return self

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Remove the card: close the connection and stop reconnecting."""
        self._stop.set()
        with self._sock_lock:
            if self._sock is not None:
                with contextlib.suppress(OSError):
                    self._sock.shutdown(socket.SHUT_RDWR)
        if self._thread.is_alive():
            self._thread.join(timeout)
        self.card.power_off()

    def _run(self) -> None:
        warned = False
        while not self._stop.is_set():
            try:
                sock = socket.create_connection((self.host, self.port), timeout=2.0)
            except OSError as exc:
                if not warned:
                    logger.warning(
                        "vpcd %s:%d unreachable (%s); retrying while the card is inserted",
                        self.host,
                        self.port,
                        exc,
                    )
                    warned = True
                self._stop.wait(self.retry_interval)
                continue
            warned = False
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(0.5)
            with self._sock_lock:
                if self._stop.is_set():
                    sock.close()
                    break
                self._sock = sock
            self.connections += 1
            self._connected.set()
            logger.info("card %s connected to vpcd port %d", self.card.name, self.port)
            try:
                self._serve(sock)
            except (_Closed, OSError) as exc:
                logger.info("vpcd port %d: connection ended (%s)", self.port, exc or "closed")
            finally:
                self._connected.clear()
                with self._sock_lock:
                    self._sock = None
                sock.close()
                self.card.power_off()
            if not self._stop.is_set():
                self._stop.wait(self.retry_interval)

    def _recv_exact(self, sock: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            if self._stop.is_set():
                raise _Closed("stopping")
            # vpcd writes the length and the APDU in two segments and, under Nagle, holds
            # the second until the first is acknowledged: without an immediate ACK every
            # APDU waited ~40 ms for our delayed ACK. QUICKACK is reset by the kernel, so
            # it is set again before each receive.
            if _QUICKACK is not None:
                sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
            try:
                chunk = sock.recv(size - len(data))
            except TimeoutError:
                continue
            if not chunk:
                raise _Closed("card removed" if self._stop.is_set() else "closed by pcscd")
            data += chunk
        return data

    def _serve(self, sock: socket.socket) -> None:
        while True:
            (length,) = struct.unpack(">H", self._recv_exact(sock, 2))
            if length == 0:
                continue
            payload = self._recv_exact(sock, length)
            answer = self._answer(payload)
            if answer is not None:
                sock.sendall(struct.pack(">H", len(answer)) + answer)

    def _answer(self, payload: bytes) -> bytes | None:
        if len(payload) == 1:
            control = payload[0]
            if control == CTRL_OFF:
                self.card.power_off()
            elif control == CTRL_ON:
                self.card.power_on()
            elif control == CTRL_RESET:
                self.card.reset()
            elif control == CTRL_ATR:
                return self.card.atr
            else:
                logger.warning("vpcd port %d: unknown control %02X", self.port, control)
            return None
        return self.card.process(payload)
