"""Damaged card profiles: ``parse_profile`` accepts them or raises ``ProfileError``, and
nothing else (``ProfileError`` is a ``ValueError``: a bare ``ValueError`` is a bug)."""

from __future__ import annotations

import contextlib
import json

from fuzz_support import fuzz_settings, mutated, mutated_json
from hypothesis import given
from hypothesis import strategies as st

from testbed.cards.profiles import PROFILES_DIR, ProfileError, parse_profile, profile_names

SEEDS = {name: json.loads((PROFILES_DIR / f"{name}.json").read_text()) for name in profile_names()}


def _parse_or_profile_error(name: str, data: object) -> None:
    with contextlib.suppress(ProfileError):
        parse_profile(name, data)


@fuzz_settings(long_weight=0.15)
@given(name=st.sampled_from(sorted(SEEDS)), data=st.data())
def test_parse_profile_of_mutated_profiles(fuzz_count, name: str, data) -> None:
    fuzz_count("testbed.cards.profiles.parse_profile")
    _parse_or_profile_error(name, data.draw(mutated_json(SEEDS[name], max_ops=4)))


@fuzz_settings(long_weight=0.25)
@given(name=st.sampled_from(sorted(SEEDS)), data=st.data())
def test_parse_profile_of_damaged_profile_text(fuzz_count, name: str, data) -> None:
    """Byte damage that still decodes as JSON (digits changed, "²" for "2"...)."""
    fuzz_count("testbed.cards.profiles.parse_profile")
    raw = json.dumps(SEEDS[name], ensure_ascii=False).encode()
    damaged = data.draw(mutated(raw, max_ops=3))
    try:
        document = json.loads(damaged.decode("utf-8"))
    except (ValueError, RecursionError):
        return  # not JSON any more: load_profile_file's business, not parse_profile's
    _parse_or_profile_error(name, document)


@fuzz_settings(weight=0.3, long_weight=0.01)
@given(
    name=st.sampled_from(sorted(n for n in SEEDS if n.startswith(("cps", "cpe")))),
    field=st.sampled_from(("billing_number", "billing_key", "replacement_number")),
    value=st.sampled_from(("²²²²²²²²", "7512345٨", "¹", "12345678²", "١٢٣٤٥٦٧٨٩")),
)
def test_non_ascii_digits_in_situations(fuzz_count, name: str, field: str, value: str) -> None:
    fuzz_count("testbed.cards.profiles.parse_profile")
    doc = json.loads(json.dumps(SEEDS[name]))
    doc["situations"][0][field] = value
    _parse_or_profile_error(name, doc)
