"""Shared pieces of the fuzz tests: settings from the active profile, byte mutations of a
valid input, and the check that a parser either parses or raises its own typed error."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from hypothesis import settings
from hypothesis import strategies as st

T = TypeVar("T")


def fuzz_profile() -> str:
    """The hypothesis profile of this run: "fuzz-long" or "fuzz-ci" (registered in conftest)."""
    return "fuzz-long" if os.environ.get("SESAM_FUZZ") == "long" else "fuzz-ci"


def fuzz_settings(
    weight: float = 1.0, long_weight: float | None = None, deadline_s: float | None = None
) -> settings:
    """Settings of the active profile, with ``weight`` times its number of examples
    (``long_weight`` in the long profile: there slow parsers get fewer, so that the whole
    long run stays near a quarter of an hour) and optionally a longer per-example deadline."""
    name = fuzz_profile()
    parent = settings.get_profile(name)
    if name == "fuzz-long" and long_weight is not None:
        weight = long_weight
    extra: dict[str, Any] = {"max_examples": max(10, int(parent.max_examples * weight))}
    if deadline_s is not None:
        extra["deadline"] = timedelta(seconds=deadline_s)
    return settings(parent, **extra)


def must_parse_or_raise(
    parse: Callable[[], T], allowed: type[BaseException] | tuple[type[BaseException], ...]
) -> T | None:
    """Run ``parse``: a result or an ``allowed`` error pass, any other exception fails the
    test with the exception itself (hypothesis then shrinks the input that caused it)."""
    try:
        return parse()
    except allowed:
        return None


@st.composite
def mutated(draw: st.DrawFn, seed: bytes, max_ops: int = 4) -> bytes:
    """``seed`` damaged the ways transmission and storage damage files: truncated, bytes
    flipped or replaced, ranges deleted, duplicated or inserted, a field shifted."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, max_ops))):
        op = draw(
            st.sampled_from(
                ("truncate", "flip", "set", "delete", "insert", "duplicate", "shift", "digits")
            )
        )
        size = len(data)
        pos = draw(st.integers(0, max(0, size - 1)))
        if op == "truncate":
            del data[draw(st.integers(0, size)) :]
        elif op == "flip" and size:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and size:
            data[pos] = draw(st.sampled_from((0x00, 0xFF, 0x7F, 0x80, 0x30, 0x39, 0xB2, 0x40)))
        elif op == "delete" and size:
            del data[pos : pos + draw(st.integers(1, 16))]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "duplicate" and size:
            data[pos:pos] = data[pos : pos + draw(st.integers(1, 64))]
        elif op == "shift" and size:
            # a field moved by a few characters: one space inserted or removed
            if draw(st.booleans()):
                data[pos:pos] = b" "
            else:
                del data[pos]
        elif op == "digits" and size:
            # a numeric field replaced by a huge or non-ASCII number
            data[pos : pos + 1] = draw(
                st.sampled_from((b"9" * 40, b"\xb2\xb3", b"-1", b"1e999999", b"NaN", b"\xc3\xa9"))
            )
    return bytes(data)


#: JSON values a broken or hostile producer may put anywhere.
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from((2**53, -(2**63), 10**30, 0, -1)),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=20),
        st.sampled_from(("", "1e999999999", "NaN", "sNaN", "-Infinity", "²³", "2025-02-30",
                         "9" * 40, "-0.001", "0x1F", "2026-11-20T10:00:00Z\n", "1E+3")),
    ),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)  # fmt: skip


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.extend(_paths(item, (*prefix, index)))
    return out


@st.composite
def mutated_json(draw: st.DrawFn, doc: Any, max_ops: int = 3) -> Any:
    """A deep copy of ``doc`` with a few values replaced, removed, duplicated or retyped."""
    doc = json.loads(json.dumps(doc))
    for _ in range(draw(st.integers(1, max_ops))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        if not path:
            if draw(st.integers(0, 9)) == 0:
                doc = draw(json_values)
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        op = draw(st.sampled_from(("replace", "replace", "delete", "extra", "wrap")))
        if op == "replace":
            parent[last] = draw(json_values)
        elif op == "delete":
            del parent[last]
        elif op == "extra" and isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(json_values)
        elif op == "extra" and isinstance(parent, list):
            parent.append(parent[last])
        else:
            parent[last] = [parent[last]] if draw(st.booleans()) else {"v": parent[last]}
    return doc
