"""Build emulated cards from profile names, with their secrets from the test PKI."""

from __future__ import annotations

from pathlib import Path

from testbed import pki
from testbed.cards.base import EmulatedCard
from testbed.cards.cps import CpsCard
from testbed.cards.profiles import CpsProfile, Profile, load_profile
from testbed.cards.vitale import VitaleCard


def card_from_profile(profile: Profile, base: Path | None = None) -> EmulatedCard:
    """A fresh emulated card for ``profile`` (keys from the testbed directory ``base``)."""
    if isinstance(profile, CpsProfile):
        if not profile.has_signing_key:
            return CpsCard(profile, None, None)
        return CpsCard(
            profile,
            pki.card_private_key(profile.name, base),
            pki.card_certificate(profile.name, base),
            auth_key=pki.card_auth_private_key(profile.name, base),
            auth_certificate=pki.card_auth_certificate(profile.name, base),
        )
    return VitaleCard(profile, pki.vitale_mother_key(base))


def make_card(name: str, base: Path | None = None) -> EmulatedCard:
    """A fresh emulated card for the shipped profile ``name``."""
    return card_from_profile(load_profile(name), base)
