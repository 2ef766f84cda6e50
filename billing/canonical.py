"""Canonical JSON (RFC 8785, JCS) for the FSE and lot formats, restricted to what they use.

The restriction keeps the canonical form trivially reproducible in any language:
numbers are integers only (within ±(2**53 - 1), the I-JSON safe range, printed as plain
decimal digits, which is what ES6 ``Number.prototype.toString`` gives for them); money is
always a string (``"12.50"``), never a number. Objects have string keys sorted by their
UTF-16 code units; strings are escaped as RFC 8785 §3.2.2.2 says (only ``"``, ``\\`` and the
control characters, with the short forms where JSON has them); no whitespace anywhere;
the output is UTF-8.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from billing.errors import BillingError

logger = logging.getLogger(__name__)

#: Largest integer magnitude allowed (I-JSON: exactly representable as an IEEE double).
MAX_SAFE_INTEGER = 2**53 - 1


class CanonicalError(BillingError):
    """A value cannot be put in canonical form, or bytes are not canonical."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Document non canonique : {reason}.")
        self.reason = reason


#: Lone surrogates cannot be encoded in UTF-8; ``encode_basestring`` would pass them on.
_SURROGATE = re.compile("[\ud800-\udfff]")
#: The json module's C escaper escapes exactly what RFC 8785 §3.2.2.2 escapes (``"``,
#: ``\\``, the control characters, short forms where JSON has them, lower-case ``\u00xx``)
#: and leaves every other character as is (the tests compare it with the specification).
_escape = json.encoder.encode_basestring


def _string(value: str) -> str:
    if not value.isascii() and _SURROGATE.search(value) is not None:
        raise CanonicalError("caractère de substitution UTF-16 isolé dans une chaîne")
    return _escape(value)


def _utf16_key(key: str) -> bytes:
    # Big-endian UTF-16 bytes compare exactly like the sequence of UTF-16 code units.
    return key.encode("utf-16-be", errors="surrogatepass")


def _emit(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise CanonicalError(f"entier hors de l'intervalle I-JSON ({value})")
        out.append(str(value))
    elif isinstance(value, float):
        raise CanonicalError("nombre non entier (les montants s'écrivent en chaînes)")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise CanonicalError(f"clé d'objet non textuelle ({key!r})")
        # ASCII keys (every field name of the formats) sort the same by code point as by
        # UTF-16 code unit; only keys beyond the BMP need the UTF-16 key.
        ascii_keys = all(key.isascii() for key in value)
        keys = sorted(value) if ascii_keys else sorted(value, key=_utf16_key)
        out.append("{")
        for index, key in enumerate(keys):
            if index:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _emit(value[key], out)
        out.append("}")
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _emit(item, out)
        out.append("]")
    else:
        raise CanonicalError(f"type non représentable en JSON ({type(value).__name__})")


def _plain(value: Any) -> bool:
    """True when ``value`` holds only what ``json.dumps`` writes exactly as RFC 8785 does:
    dicts with ASCII string keys (code point order is UTF-16 order), lists, tuples, exact
    ``str``, ``bool``, ``None`` and I-JSON-safe ``int``. Anything else (a float, a key
    beyond ASCII, a subclass, a cycle: RecursionError) takes the general path. Leaves are
    checked inline: this walk is most of the time of a canonical form."""
    kind = type(value)
    if kind is dict:
        for key in value:
            if type(key) is not str or not key.isascii():
                return False
        items = value.values()
    elif kind is list or kind is tuple:
        items = value
    else:
        items = (value,)
    for item in items:
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is int:
            if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                return False
        elif kind is dict or kind is list or kind is tuple:
            if not _plain(item):
                return False
        else:
            return False
    return True


def canonical_json(value: Any) -> str:
    """The RFC 8785 canonical text of ``value`` (dicts, lists, str, int, bool, None).

    The FSE and lot documents take the C encoder of ``json`` (an FSE document: 103 µs
    instead of 170 with the general path, which checks and explains what is not
    representable); both give the same text (``tests/billing/test_fse_canonical.py``
    compares them).
    """
    try:
        plain = _plain(value)
    except RecursionError:
        plain = False
    if plain:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        if text.isascii() or _SURROGATE.search(text) is None:
            return text
    out: list[str] = []
    _emit(value, out)
    return "".join(out)


def canonical_bytes(value: Any) -> bytes:
    """The RFC 8785 canonical form of ``value`` as UTF-8 bytes."""
    return canonical_json(value).encode("utf-8")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, item in pairs:
        if key in result:
            raise CanonicalError(f"clé en double ({key!r})")
        result[key] = item
    return result


def _no_float(text: str) -> Any:
    raise CanonicalError(f"nombre non entier ({text})")


def _no_constant(text: str) -> Any:
    raise CanonicalError(f"constante non JSON ({text})")


def parse_canonical(data: bytes) -> Any:
    """Parse bytes that must already be canonical; the exact bytes are checked.

    :raises CanonicalError: not UTF-8, not JSON, duplicate keys, non-integer numbers, or
        any difference (order, whitespace, escaping) from the canonical form.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CanonicalError("octets non UTF-8") from exc
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_float=_no_float,
            parse_constant=_no_constant,
        )
    except json.JSONDecodeError as exc:
        raise CanonicalError(f"JSON invalide ({exc.msg}, position {exc.pos})") from exc
    except (ValueError, RecursionError) as exc:  # integer of over 4300 digits, deep nesting
        raise CanonicalError("JSON invalide (entier trop long ou trop imbriqué)") from exc
    try:
        canonical = canonical_bytes(value)
    except RecursionError as exc:
        raise CanonicalError("imbrication trop profonde") from exc
    if canonical != data:
        raise CanonicalError("la forme n'est pas la forme canonique RFC 8785")
    return value
