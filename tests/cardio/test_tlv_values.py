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
