"""Command APDUs (ISO 7816-4 short cases 1 to 4), status words, and the one place where
T=0 procedure bytes (``61XX``, ``6CXX``) and status words are turned into data or errors.

Everything here is written against ``CardConnection`` only, so the same code drives the
real PC/SC stack and the scripted connections of the unit tests.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field

from cardio import layout
from cardio.connection import CardConnection
from cardio.errors import (
    ApduError,
    CardError,
    CardFileNotFoundError,
    MalformedResponseError,
    NotAllowedError,
    PinBlockedError,
    PinError,
    SecurityStatusError,
)

logger = logging.getLogger(__name__)

#: How many times a ``6CXX`` (wrong Le) is honoured for one command; some readers
#: "hiccup" (Rufus retries 4 times), a card that keeps asking is broken.
MAX_WRONG_LENGTH_RETRIES = 4
#: How many ``61XX`` GET RESPONSE rounds one command may chain (64 × 256 bytes).
MAX_GET_RESPONSE_ROUNDS = 64

_COMMAND_NAMES = {
    layout.INS_SELECT: "SELECT",
    layout.INS_READ_BINARY: "READ BINARY",
    layout.INS_GET_RESPONSE: "GET RESPONSE",
    layout.INS_VERIFY: "VERIFY",
    layout.INS_RESET_RETRY_COUNTER: "RESET RETRY COUNTER",
    layout.INS_PSO: "PSO",
    layout.INS_INTERNAL_AUTHENTICATE: "INTERNAL AUTHENTICATE",
    layout.INS_GET_DATA: "GET DATA",
    layout.INS_MSE: "MSE",
}
#: Commands whose data field carries a PIN or a PUK: never logged.
_SECRET_INS = frozenset({layout.INS_VERIFY, layout.INS_RESET_RETRY_COUNTER, 0x24})


class MalformedApduError(CardError, ValueError):
    """Bytes that are not a short command APDU (still a ``ValueError`` for older callers)."""


@dataclass(frozen=True, slots=True)
class CommandApdu:
    """One short command APDU; ``le`` None means no response data expected (case 1/3)."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None
    #: The encoded command, made once: the constant commands are built once too
    #: (``read_binary``, ``select_aid``… are cached) and sent at every card read.
    _raw: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("cla", "ins", "p1", "p2"):
            if not 0 <= getattr(self, name) <= 0xFF:
                raise ValueError(f"{name} out of range")
        if len(self.data) > 255:
            raise ValueError("short APDU data is at most 255 bytes")
        if self.le is not None and not 1 <= self.le <= 256:
            raise ValueError("short APDU Le is 1..256")
        object.__setattr__(self, "_raw", self._encode())

    @property
    def name(self) -> str:
        """A readable name for logs and errors ("READ BINARY")."""
        return _COMMAND_NAMES.get(self.ins, f"INS {self.ins:02X}")

    def with_le(self, le: int) -> CommandApdu:
        """The same command asking for ``le`` bytes (answer to ``6CXX``)."""
        return CommandApdu(self.cla, self.ins, self.p1, self.p2, self.data, le)

    def to_bytes(self) -> bytes:
        """Encode: case 1 (header), 2 (+Le), 3 (+Lc data), 4 (+Lc data Le); Le 256 is 00."""
        return self._raw

    def _encode(self) -> bytes:
        out = bytes([self.cla, self.ins, self.p1, self.p2])
        if self.data:
            out += bytes([len(self.data)]) + self.data
        if self.le is not None:
            out += bytes([self.le & 0xFF])
        return out

    @classmethod
    def parse(cls, raw: bytes) -> CommandApdu:
        """Decode a short command APDU (the inverse of :meth:`to_bytes`).

        :raises MalformedApduError: too short, or the length does not match Lc.
        """
        if len(raw) < 4:
            raise MalformedApduError("an APDU has at least 4 bytes")
        header, body = raw[:4], raw[4:]
        data = b""
        le: int | None = None
        if len(body) == 1:
            le = body[0] or 256
        elif body:
            lc = body[0]
            if len(body) == 1 + lc:
                data = body[1:]
            elif len(body) == 2 + lc:
                data, le = body[1:-1], body[-1] or 256
            else:
                raise MalformedApduError("APDU length does not match Lc")
        return cls(header[0], header[1], header[2], header[3], data, le)


def sw_text(sw: int) -> str:
    """The status word as 4 hex digits ("6A82")."""
    return f"{sw:04X}"


def is_ok(sw: int) -> bool:
    """True for 9000."""
    return sw == layout.SW_OK


def pin_tries(sw: int) -> int | None:
    """The tries left carried by ``63Cx``, else None."""
    return sw & 0x0F if sw & 0xFFF0 == 0x63C0 else None


def redact(apdu: bytes) -> str:
    """The APDU as hex for the log, with the data field of PIN commands hidden."""
    if len(apdu) > 5 and apdu[1] in _SECRET_INS:
        return f"{apdu[:5].hex(' ').upper()} <{len(apdu) - 5} bytes redacted>"
    return apdu.hex(" ").upper()


def check(sw: int, command: CommandApdu | None = None) -> None:
    """Raise the typed error for a status word other than 9000.

    :raises SecurityStatusError: 6982, the PIN has not been verified.
    :raises PinBlockedError: 6983, or 63C0.
    :raises PinError: 63Cx, x tries left.
    :raises CardFileNotFoundError: 6A82.
    :raises NotAllowedError: 6A88 on a signature or its MSE SET (no signing key).
    :raises ApduError: any other status word.
    """
    if sw == layout.SW_OK:
        return
    name = command.name if command is not None else ""
    tries = pin_tries(sw)
    if sw == layout.SW_SECURITY_NOT_SATISFIED:
        raise SecurityStatusError(f"{name or 'command'} needs the PIN (SW 6982)")
    if sw == layout.SW_PIN_BLOCKED or tries == 0:
        raise PinBlockedError()
    if tries is not None:
        raise PinError(tries)
    if sw == layout.SW_FILE_NOT_FOUND:
        raise CardFileNotFoundError(sw, name)
    if (
        sw == layout.SW_REFERENCE_NOT_FOUND
        and command is not None
        and command.ins in (layout.INS_PSO, layout.INS_MSE)
    ):
        raise NotAllowedError("the card has no signing key (SW 6A88)")
    raise ApduError(sw, name)


def transmit(connection: CardConnection, command: CommandApdu | bytes) -> tuple[bytes, int]:
    """Send one command, following T=0 procedure bytes, and return (data, final SW).

    ``61XX`` → GET RESPONSE ``00 C0 00 00 XX``, accumulated while the card says ``61XX``;
    ``6CXX`` → the same command (or GET RESPONSE) resent with Le=XX. Both are bounded.
    :raises MalformedResponseError: the card never stops asking.
    """
    apdu = command if isinstance(command, CommandApdu) else CommandApdu.parse(command)
    # The common case inline (one call less per APDU): no debug log, no procedure bytes.
    if logger.isEnabledFor(logging.DEBUG):
        data, sw = _send(connection, apdu)
    else:
        data, sw = connection.transmit(apdu._raw)
    if sw != layout.SW_OK and (sw & 0xFF00 == 0x6C00 or sw & 0xFF00 == 0x6100):
        return _follow(connection, apdu, data, sw)
    return data, sw


def _follow(
    connection: CardConnection, apdu: CommandApdu, data: bytes, sw: int
) -> tuple[bytes, int]:
    """The rest of :func:`transmit` once ``apdu`` was answered ``data``, ``sw``: a
    ``6CXX`` resend, then the ``61XX`` GET RESPONSE chain."""
    if sw & 0xFF00 == 0x6C00:
        data, sw = _resend_fixing_le(connection, apdu, sw)
    if sw & 0xFF00 != 0x6100:  # most answers: no T=0 procedure bytes
        return data, sw
    rounds = 0
    chunks = [data]
    while sw & 0xFF00 == 0x6100:
        rounds += 1
        if rounds > MAX_GET_RESPONSE_ROUNDS:
            raise MalformedResponseError(f"{apdu.name}: endless 61XX response chain")
        get_response = _get_response(sw & 0xFF or 256)
        data, sw = _send(connection, get_response)
        if sw & 0xFF00 == 0x6C00:
            data, sw = _resend_fixing_le(connection, get_response, sw)
        chunks.append(data)
    return b"".join(chunks), sw


@functools.lru_cache(maxsize=256)
def _get_response(le: int) -> CommandApdu:
    return CommandApdu(0x00, layout.INS_GET_RESPONSE, 0, 0, le=le)


def _resend_fixing_le(connection: CardConnection, apdu: CommandApdu, sw: int) -> tuple[bytes, int]:
    """``apdu`` was answered ``6CXX`` (``sw``): resend it with Le=XX (a bounded number of
    times)."""
    data = b""
    resends = 0
    debug = logger.isEnabledFor(logging.DEBUG)
    while sw & 0xFF00 == 0x6C00:
        resends += 1
        if resends > MAX_WRONG_LENGTH_RETRIES:
            raise MalformedResponseError(f"{apdu.name}: card keeps answering 6CXX")
        le = sw & 0xFF or 256
        # Cached for commands without data only: a data field may carry a PIN.
        apdu = apdu.with_le(le) if apdu.data else _with_le(apdu, le)
        data, sw = _send(connection, apdu) if debug else connection.transmit(apdu._raw)
    return data, sw


#: The commands without data resent with another Le, by (encoded command, Le): a T=0
#: card answers ``6CXX`` to a READ BINARY of 256 bytes at each read of a shorter file.
#: Keyed by the bytes (their hash is kept), not the dataclass (hashed in Python).
_RESENDS: dict[tuple[bytes, int], CommandApdu] = {}


def _with_le(apdu: CommandApdu, le: int) -> CommandApdu:
    """The same command (without data) asking for ``le`` bytes, built once."""
    key = (apdu._raw, le)
    resend = _RESENDS.get(key)
    if resend is None:
        resend = apdu.with_le(le)
        if len(_RESENDS) < 256:
            _RESENDS[key] = resend
    return resend


def exchange(connection: CardConnection, command: CommandApdu | bytes) -> bytes:
    """Send one command (T=0 handled) and return its data; any SW but 9000 raises."""
    apdu = command if isinstance(command, CommandApdu) else CommandApdu.parse(command)
    # :func:`transmit` inline: a read selects a file or an application seven times.
    if logger.isEnabledFor(logging.DEBUG):
        data, sw = _send(connection, apdu)
    else:
        data, sw = connection.transmit(apdu._raw)
    if sw != layout.SW_OK:
        if sw & 0xFF00 == 0x6C00 or sw & 0xFF00 == 0x6100:
            data, sw = _follow(connection, apdu, data, sw)
        if sw != layout.SW_OK:
            check(sw, apdu)
    return data


def _send(connection: CardConnection, apdu: CommandApdu) -> tuple[bytes, int]:
    raw = apdu._raw
    if not logger.isEnabledFor(logging.DEBUG):
        return connection.transmit(raw)
    logger.debug("%s > %s", connection.reader, redact(raw))
    data, sw = connection.transmit(raw)
    # Response data may hold names and NIRs: only its length goes to the log.
    logger.debug("%s < %d bytes, SW %04X", connection.reader, len(data), sw)
    return data, sw


# --- the commands both card readers use ----------------------------------------------


@functools.lru_cache(maxsize=64)
def select_aid(aid: bytes, *, fci: bool = True) -> CommandApdu:
    """SELECT by DF name; P2=00 returns the FCI, P2=0C returns nothing."""
    return CommandApdu(0x00, layout.INS_SELECT, 0x04, 0x00 if fci else 0x0C, aid)


@functools.lru_cache(maxsize=512)
def read_binary(p1: int, p2: int, le: int = 256) -> CommandApdu:
    """READ BINARY with P1-P2 as given (SFI form ``80|sfi, 00`` or a 15-bit offset)."""
    return CommandApdu(0x00, layout.INS_READ_BINARY, p1, p2, le=le)


#: Refuse to read more than this from one file: a card that never ends is broken.
MAX_FILE_SIZE = 0x8000


def read_file(connection: CardConnection, *, sfi: int | None = None) -> bytes:
    """Read a whole transparent EF in 256-byte chunks.

    With ``sfi`` the first READ BINARY selects the EF by SFI (P1 = 80|SFI) and the next
    ones use the offset; without it the currently selected EF is read from offset 0.
    The file ends at a short answer, at ``6B00`` (offset past the end) or ``6282``.
    """
    chunks: list[bytes] = []
    offset = 0
    # :func:`transmit` inline when nothing is logged: most of a card read is this loop.
    send = None if logger.isEnabledFor(logging.DEBUG) else connection.transmit
    command = read_binary(0x80 | sfi, 0x00) if sfi is not None else read_binary(0, 0)
    while True:
        if send is None:
            data, sw = transmit(connection, command)
        else:
            data, sw = send(command._raw)
            if sw != layout.SW_OK and (sw & 0xFF00 == 0x6C00 or sw & 0xFF00 == 0x6100):
                data, sw = _follow(connection, command, data, sw)
        if sw != layout.SW_OK:
            if sw == layout.SW_WRONG_P1P2 and offset > 0:
                break
            if sw == layout.SW_END_OF_FILE:
                chunks.append(data)
                break
            check(sw, command)
        chunks.append(data)
        offset += len(data)
        if len(data) < 256:
            break
        if offset >= MAX_FILE_SIZE:
            raise MalformedResponseError(f"{command.name}: file longer than {MAX_FILE_SIZE} bytes")
        command = read_binary(offset >> 8, offset & 0xFF)
    return b"".join(chunks)
