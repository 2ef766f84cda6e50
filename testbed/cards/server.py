"""The card server: inserts emulated cards into the vpcd readers of the real pcscd.

``CardServer`` works in-process (tests); ``serve_forever`` adds a control socket (a unix
socket in the testbed directory, JSON lines) so that ``python -m testbed cards insert ...``
drives a running daemon.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import socketserver
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Self

from testbed.cards.base import EmulatedCard
from testbed.cards.factory import make_card
from testbed.cards.pcsc_watch import VPCD_READERS, wait_for_state
from testbed.cards.profiles import ProfileError
from testbed.cards.vpcd import DEFAULT_HOST, VPCD_PORTS, VpcdLink
from testbed.state import testbed_dir

logger = logging.getLogger(__name__)

CONTROL_SOCKET_NAME = "cards.sock"
#: How long a card stays out during a swap, so that pcscd's presence polling sees it gone.
SWAP_GAP_SECONDS = 1.0


class CardServerError(Exception):
    """A card server request failed (bad reader, unknown profile, daemon not running)."""


@dataclass(frozen=True, slots=True)
class SlotStatus:
    """What one virtual reader holds, as the card server sees it."""

    reader_index: int
    reader_name: str
    port: int
    profile: str | None
    connected: bool  # the TCP link to vpcd is up: pcscd can see the card


class CardServer:
    """Emulated cards in the vpcd readers. Cards are kept per profile: removing a card and
    inserting it again keeps its PIN counter, like a real card (``fresh=True`` rebuilds it)."""

    def __init__(
        self,
        *,
        host: str = DEFAULT_HOST,
        ports: tuple[int, ...] = VPCD_PORTS,
        reader_names: tuple[str, ...] = VPCD_READERS,
        base: Path | None = None,
        wait_pcsc: bool = False,
        wait_timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.ports = ports
        self.reader_names = reader_names
        self.base = base
        self.wait_pcsc = wait_pcsc
        self.wait_timeout = wait_timeout
        self._links: dict[int, VpcdLink] = {}
        self._cards: dict[str, EmulatedCard] = {}
        self._lock = threading.RLock()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _check_index(self, reader_index: int) -> None:
        if not 0 <= reader_index < len(self.ports):
            raise CardServerError(f"no reader {reader_index} (0 to {len(self.ports) - 1})")

    def card_for(self, profile_name: str, *, fresh: bool = False) -> EmulatedCard:
        """The emulated card of ``profile_name`` (built once, kept across insertions)."""
        with self._lock:
            if fresh or profile_name not in self._cards:
                try:
                    self._cards[profile_name] = make_card(profile_name, self.base)
                except ProfileError as exc:
                    raise CardServerError(str(exc)) from exc
            return self._cards[profile_name]

    def insert(self, reader_index: int, profile_name: str, *, fresh: bool = False) -> EmulatedCard:
        """Insert the card of ``profile_name`` into reader ``reader_index`` (0 or 1)."""
        return self.insert_card(reader_index, self.card_for(profile_name, fresh=fresh))

    def insert_card(self, reader_index: int, card: EmulatedCard) -> EmulatedCard:
        """Insert an already built card (any ``EmulatedCard``)."""
        self._check_index(reader_index)
        with self._lock:
            for index, link in self._links.items():
                if link.card is card and index != reader_index:
                    raise CardServerError(f"card {card.name} is already in reader {index}")
            if reader_index in self._links:
                self.remove(reader_index)
            link = VpcdLink(card, self.ports[reader_index], self.host).start()
            self._links[reader_index] = link
        logger.info("inserted %s into reader %d", card.name, reader_index)
        if self.wait_pcsc:
            wait_for_state(self.reader_names[reader_index], card.atr, self.wait_timeout)
        return card

    def remove(self, reader_index: int) -> str | None:
        """Remove the card from reader ``reader_index``; the profile removed, or None."""
        self._check_index(reader_index)
        with self._lock:
            link = self._links.pop(reader_index, None)
            if link is None:
                return None
            link.stop()
        logger.info("removed %s from reader %d", link.card.name, reader_index)
        if self.wait_pcsc:
            wait_for_state(self.reader_names[reader_index], None, self.wait_timeout)
        return link.card.name

    def swap(
        self, reader_index: int, profile_name: str, *, gap: float = SWAP_GAP_SECONDS
    ) -> EmulatedCard:
        """Take the card out, wait ``gap`` seconds (pcscd must see it gone), insert another."""
        self.remove(reader_index)
        if not self.wait_pcsc:
            time.sleep(gap)
        return self.insert(reader_index, profile_name)

    def card(self, reader_index: int) -> EmulatedCard | None:
        """The card in reader ``reader_index``, or None."""
        link = self._links.get(reader_index)
        return link.card if link else None

    def link(self, reader_index: int) -> VpcdLink | None:
        return self._links.get(reader_index)

    def status(self) -> list[SlotStatus]:
        """One entry per reader, in order."""
        result = []
        for index, port in enumerate(self.ports):
            link = self._links.get(index)
            result.append(
                SlotStatus(
                    reader_index=index,
                    reader_name=self.reader_names[index],
                    port=port,
                    profile=link.card.name if link else None,
                    connected=link.connected if link else False,
                )
            )
        return result

    def stop(self) -> None:
        """Remove every card."""
        with self._lock:
            for index in list(self._links):
                self._links.pop(index).stop()


# --- daemon and control socket --------------------------------------------------------


def control_socket_path(base: Path | None = None) -> Path:
    """The unix socket of the card server daemon."""
    return (base or testbed_dir()) / CONTROL_SOCKET_NAME


def handle_request(server: CardServer, request: dict[str, Any]) -> dict[str, Any]:
    """Run one control request on ``server``; the answer has ``ok`` and data or ``error``."""
    command = request.get("command")
    try:
        reader = int(request.get("reader", 0))
        if command == "insert":
            card = server.insert(reader, str(request["profile"]), fresh=bool(request.get("fresh")))
            result: dict[str, Any] = {"inserted": card.name, "reader": reader}
        elif command == "remove":
            result = {"removed": server.remove(reader), "reader": reader}
        elif command == "swap":
            card = server.swap(reader, str(request["profile"]))
            result = {"inserted": card.name, "reader": reader}
        elif command == "status":
            result = {"readers": [asdict(s) for s in server.status()]}
        else:
            return {"ok": False, "error": f"unknown command {command!r}"}
    except (CardServerError, KeyError, ValueError, TimeoutError) as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": True, **result}


class _ControlHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        card_server: CardServer = self.server.card_server  # type: ignore[attr-defined]
        for line in self.rfile:
            answer: dict[str, Any] = {"ok": False, "error": "bad request: not a JSON object"}
            try:
                request = json.loads(line)
            except ValueError as exc:
                answer = {"ok": False, "error": f"bad request: {exc}"}
            else:
                if isinstance(request, dict):
                    answer = handle_request(card_server, request)
            self.wfile.write(json.dumps(answer).encode() + b"\n")
            self.wfile.flush()


class ControlServer(socketserver.ThreadingUnixStreamServer):
    """The daemon's control socket, serving JSON-line requests to a ``CardServer``."""

    daemon_threads = True

    def __init__(self, path: Path, card_server: CardServer) -> None:
        if path.exists():
            if _daemon_alive(path):
                raise CardServerError(f"a card server already runs ({path})")
            path.unlink()
        super().__init__(str(path), _ControlHandler)
        os.chmod(path, 0o600)
        self.path = path
        self.card_server = card_server

    def server_close(self) -> None:
        super().server_close()
        self.path.unlink(missing_ok=True)


def _daemon_alive(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def send_request(
    request: dict[str, Any], base: Path | None = None, timeout: float = 30.0
) -> dict[str, Any]:
    """Send one request to the running daemon and return its answer."""
    path = control_socket_path(base)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
        except OSError as exc:
            raise CardServerError(
                f"no card server at {path}: start it with `python -m testbed cards serve`"
            ) from exc
        sock.sendall(json.dumps(request).encode() + b"\n")
        with sock.makefile("rb") as answers:
            line = answers.readline()
    if not line:
        raise CardServerError("the card server closed the connection")
    answer: dict[str, Any] = json.loads(line)
    return answer


def serve_forever(
    card_server: CardServer,
    base: Path | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Run the control socket until ``stop`` is set (or KeyboardInterrupt); cards are removed
    on the way out."""
    control = ControlServer(control_socket_path(base), card_server)
    thread = threading.Thread(target=control.serve_forever, name="cards-control", daemon=True)
    thread.start()
    logger.info("card server listening on %s", control.path)
    try:
        (stop or threading.Event()).wait()
    except KeyboardInterrupt:
        pass
    finally:
        control.shutdown()
        control.server_close()
        card_server.stop()
