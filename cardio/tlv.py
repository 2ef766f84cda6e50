"""BER-TLV encoding and decoding, as used by the carte Vitale and the CPx card files.

Pure bytes in, bytes out; shared by the host readers and the testbed's emulated cards so
that both sides agree on one codec. Malformed input raises ``MalformedResponseError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from cardio.errors import MalformedResponseError

#: Padding between and after elements (card files are padded to their allocated size).
_PADDING = re.compile(rb"[\x00\xff]*").match


class Tlv(NamedTuple):
    """One BER-TLV element; ``value`` is raw bytes (constructed tags hold nested TLV).

    A named tuple: built twice as fast as a frozen dataclass, and a card read builds a
    hundred and more."""

    tag: int
    value: bytes

    @property
    def constructed(self) -> bool:
        first = self.tag >> 8 * ((self.tag.bit_length() - 1) // 8)
        return bool(first & 0x20)

    def children(self) -> list[Tlv]:
        """Decode the value as a sequence of TLV (for constructed tags)."""
        return decode(self.value)

    def text(self) -> str:
        """The value as text (cards store names and dates as ASCII / Latin-1)."""
        return self.value.decode("latin-1")


def _read_tag(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise MalformedResponseError("TLV: tag missing")
    tag = data[pos]
    pos += 1
    if tag & 0x1F == 0x1F:  # multi-byte tag: following bytes while bit 8 is set
        while True:
            if pos >= len(data):
                raise MalformedResponseError("TLV: truncated multi-byte tag")
            byte = data[pos]
            tag = (tag << 8) | byte
            pos += 1
            if not byte & 0x80:
                break
            if tag > 0xFFFFFF:
                raise MalformedResponseError("TLV: tag too long")
    return tag, pos


def _read_length(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise MalformedResponseError("TLV: length missing")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    count = first & 0x7F
    if count == 0 or count > 3:
        raise MalformedResponseError(f"TLV: unsupported length form {first:02X}")
    if pos + count > len(data):
        raise MalformedResponseError("TLV: truncated length")
    return int.from_bytes(data[pos : pos + count], "big"), pos + count


def _after_padding(data: bytes, pos: int) -> int:
    """Where the run of padding bytes at ``pos`` ends: a file padded to its allocated size
    is skipped in one C call, not byte by byte."""
    run = _PADDING(data, pos)
    return run.end() if run is not None else pos + 1


#: Per first byte, 1 when the element needs the careful loop: padding (00, FF) or a
#: multi-byte tag. The files hold one-byte tags and lengths almost only.
_CAREFUL = bytes(1 if b in (0x00, 0xFF) or b & 0x1F == 0x1F else 0 for b in range(256))
_new_tlv = tuple.__new__  # ``Tlv(tag, value)`` without the named tuple's Python ``__new__``


def decode(data: bytes) -> list[Tlv]:
    """Decode a whole sequence of TLV elements. Padding bytes 00 and FF between elements
    are skipped, as card files are often padded to their allocated size.

    The common form (one-byte tag, one-byte length, value inside the data) is taken by a
    tight loop; anything else (padding, a long tag or length, a truncated element, the end
    of the data) by the careful loop from that same element, which raises the errors: a
    carte Vitale read decodes about a hundred elements, and this is most of its host time.
    """
    elements: list[Tlv] = []
    pos, size = 0, len(data)
    careful, append = _CAREFUL, elements.append
    try:
        while pos < size:
            tag = data[pos]
            if careful[tag]:
                break
            length = data[pos + 1]  # IndexError at the last byte: careful loop
            end = pos + 2 + length
            if length > 0x7F or end > size:
                break
            append(_new_tlv(Tlv, (tag, data[pos + 2 : end])))
            pos = end
        else:
            return elements
    except IndexError:
        pass
    while pos < size:
        tag = data[pos]
        if tag == 0x00 or tag == 0xFF:
            pos = _after_padding(data, pos)
            continue
        if tag & 0x1F == 0x1F:
            tag, pos = _read_tag(data, pos)
        else:
            pos += 1
        if pos < size and data[pos] < 0x80:
            length = data[pos]
            pos += 1
        else:
            length, pos = _read_length(data, pos)
        end = pos + length
        if end > size:
            raise MalformedResponseError(
                f"TLV: tag {tag:X} announces {length} bytes, {size - pos} present"
            )
        append(Tlv(tag, data[pos:end]))
        pos = end
    return elements


def values(data: bytes) -> dict[int, bytes]:
    """The value of the first element of each tag in ``data``: ``by_tag(decode(data))``
    without building the elements, for a template read field by field. Same checks and
    errors as :func:`decode` (the loops are its own, inline, for speed: a Vitale read
    looks up about a hundred fields)."""
    fields: dict[int, bytes] = {}
    pos, size = 0, len(data)
    careful = _CAREFUL
    try:
        while pos < size:
            tag = data[pos]
            if careful[tag]:
                break
            length = data[pos + 1]  # IndexError at the last byte: careful loop
            end = pos + 2 + length
            if length > 0x7F or end > size:
                break
            if tag not in fields:
                fields[tag] = data[pos + 2 : end]
            pos = end
        else:
            return fields
    except IndexError:
        pass
    while pos < size:
        tag = data[pos]
        if tag == 0x00 or tag == 0xFF:
            pos = _after_padding(data, pos)
            continue
        if tag & 0x1F == 0x1F:
            tag, pos = _read_tag(data, pos)
        else:
            pos += 1
        if pos < size and data[pos] < 0x80:
            length = data[pos]
            pos += 1
        else:
            length, pos = _read_length(data, pos)
        end = pos + length
        if end > size:
            raise MalformedResponseError(
                f"TLV: tag {tag:X} announces {length} bytes, {size - pos} present"
            )
        if tag not in fields:
            fields[tag] = data[pos:end]
        pos = end
    return fields


def iter_decode(data: bytes) -> Iterator[Tlv]:
    """The elements of ``data`` one by one (decoded all at once: errors come first)."""
    return iter(decode(data))


def encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def encode(tag: int, value: bytes | str) -> bytes:
    """Encode one element; ``str`` values are stored as Latin-1 like the cards do."""
    raw = value.encode("latin-1") if isinstance(value, str) else value
    tag_bytes = tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")
    return tag_bytes + encode_length(len(raw)) + raw


def find(elements: list[Tlv], tag: int) -> Tlv | None:
    """The first element with ``tag``, or None."""
    return next((e for e in elements if e.tag == tag), None)


def find_all(elements: list[Tlv], tag: int) -> list[Tlv]:
    return [e for e in elements if e.tag == tag]


def by_tag(elements: list[Tlv]) -> dict[int, Tlv]:
    """The first element of each tag (what ``find`` returns), for many lookups."""
    fields: dict[int, Tlv] = {}
    for element in elements:
        fields.setdefault(element.tag, element)
    return fields
