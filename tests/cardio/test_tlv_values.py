"""``tlv.values`` (the fields of a template, read without building the elements) answers
exactly what ``by_tag(decode(data))`` answered, errors included: the card parsers moved to
it for speed (issue #27), and a card must read the same."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardio import tlv
from cardio.errors import MalformedResponseError


def _reference(data: bytes) -> dict[int, bytes] | str:
    try:
        return {tag: element.value for tag, element in tlv.by_tag(tlv.decode(data)).items()}
    except MalformedResponseError as exc:
        return str(exc)


def _fast(data: bytes) -> dict[int, bytes] | str:
    try:
        return tlv.values(data)
    except MalformedResponseError as exc:
        return str(exc)


_element = st.builds(
    lambda tag, value: tlv.encode(tag, value),
    st.sampled_from([0x80, 0x81, 0x9F, 0x5F20, 0x7F49, 0xA0, 0x65, 0x9F8101]),
    st.binary(max_size=300),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_element, max_size=6), st.binary(max_size=4))
def test_values_is_by_tag_of_decode_on_well_formed_files(parts: list[bytes], tail: bytes) -> None:
    data = b"".join(parts) + b"\xff" * len(tail)  # files are padded with FF
    assert _fast(data) == _reference(data)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200))
def test_values_fails_like_decode_on_any_bytes(data: bytes) -> None:
    assert _fast(data) == _reference(data)


def test_the_first_of_a_repeated_tag_wins_like_find() -> None:
    data = tlv.encode(0x80, "premier") + tlv.encode(0x80, "second") + tlv.encode(0x81, "x")
    assert tlv.values(data) == {0x80: b"premier", 0x81: b"x"}
    with pytest.raises(MalformedResponseError, match="announces 9 bytes"):
        tlv.values(b"\x80\x09abc")


# --- the tight loop of the common form (issue #27, K2) -------------------------------------
#
# ``decode`` and ``values`` walk one-byte tags and lengths in a tight loop and hand anything
# else to the careful loop from that element on. The reference below is the careful loop
# alone (what both were before): a card must decode the same, and fail with the same words.


def _careful(data: bytes) -> list[tuple[int, bytes]] | str:
    out: list[tuple[int, bytes]] = []
    pos, size = 0, len(data)
    try:
        while pos < size:
            tag = data[pos]
            if tag in (0x00, 0xFF):
                pos += 1
                continue
            tag, pos = tlv._read_tag(data, pos)
            length, pos = tlv._read_length(data, pos)
            if pos + length > size:
                raise MalformedResponseError(
                    f"TLV: tag {tag:X} announces {length} bytes, {size - pos} present"
                )
            out.append((tag, data[pos : pos + length]))
            pos += length
    except MalformedResponseError as exc:
        return str(exc)
    return out


def _decoded(data: bytes) -> list[tuple[int, bytes]] | str:
    try:
        return [(element.tag, element.value) for element in tlv.decode(data)]
    except MalformedResponseError as exc:
        return str(exc)


_any_form = st.one_of(
    _element,
    st.sampled_from([b"\x00", b"\xff", b"\xff\xff\xff", b"\x00\x00"]),  # padding between
    st.builds(lambda value: b"\x81\x81" + bytes([len(value)]) + value, st.binary(max_size=200)),
    st.builds(lambda value: b"\x80\x82\x00" + bytes([len(value)]) + value, st.binary(max_size=40)),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_any_form, max_size=8), st.binary(max_size=3))
def test_decode_is_the_careful_walk_on_every_form_and_a_damaged_end(
    parts: list[bytes], tail: bytes
) -> None:
    data = b"".join(parts) + tail  # the tail may cut an element or announce too much
    assert _decoded(data) == _careful(data)
    reference = _careful(data)
    expected = reference if isinstance(reference, str) else {t: v for t, v in reversed(reference)}
    assert _fast(data) == expected


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200))
def test_decode_is_the_careful_walk_on_any_bytes(data: bytes) -> None:
    assert _decoded(data) == _careful(data)


def test_a_vitale_template_reads_the_same_through_either_loop() -> None:
    identity = tlv.encode(0x80, "MARTIN") + tlv.encode(0x81, "Léa") + tlv.encode(0x82, "20190301")
    padded = tlv.encode(0x65, identity) + b"\xff" * 12
    long_form = b"\x65\x81" + bytes([len(identity)]) + identity  # the careful loop's form
    assert tlv.decode(padded) == tlv.decode(long_form)
    assert tlv.values(identity) == {
        0x80: b"MARTIN",
        0x81: "Léa".encode("latin-1"),
        0x82: b"20190301",
    }
    with pytest.raises(MalformedResponseError, match="tag 82 announces 8 bytes, 3 present"):
        tlv.values(identity[:-5])
