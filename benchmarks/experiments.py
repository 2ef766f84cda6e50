"""Suspected fixes of other packages, applied in this process only, so that the suite can
show a figure before and after without touching the product's code."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

from benchmarks.common import require

_SURROGATE = re.compile("[\ud800-\udfff]")
_SAMPLES = ("", "DURAND", "Hélène d'Ørsted", '"\\/\b\f\n\r\t', "\x00\x01\x1f\x7f", "😀 €",
            "\u2028\u2029", "a" * 300)


@contextlib.contextmanager
def fast_canonical_strings() -> Iterator[None]:
    """``billing.canonical._string`` through the stdlib's C JSON string encoder.

    RFC 8785 escapes strings exactly as JSON.stringify does: ``"``, ``\\``, the short
    forms \\b \\t \\n \\f \\r, other control characters as lowercase \\u00xx, everything
    else as is; ``json.encoder.encode_basestring`` does the same. Lone surrogates are still
    refused. The outputs are compared on samples before the patch is used.
    """
    canonical = require("billing.canonical", "_string", "CanonicalError")
    original = canonical._string

    def fast(value: str) -> str:
        if _SURROGATE.search(value):
            raise canonical.CanonicalError("caractère de substitution UTF-16 isolé dans une chaîne")
        return encode_basestring(value)  # type: ignore[no-any-return]

    for text in _SAMPLES:
        if fast(text) != original(text):
            raise AssertionError(f"fast escaping differs on {text!r}")
    canonical._string = fast
    try:
        yield
    finally:
        canonical._string = original


def same_canonical(documents: list[Any]) -> bool:
    """True when the patched and original canonical forms agree on ``documents``."""
    canonical = require("billing.canonical", "canonical_json")
    before = [canonical.canonical_json(d) for d in documents]
    with fast_canonical_strings():
        after = [canonical.canonical_json(d) for d in documents]
    return before == after
