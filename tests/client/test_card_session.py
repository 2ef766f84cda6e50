"""The one PIN loop (``client.card_session``) driven by a scripted interaction: what the user
is asked, in which order, and what reaches the card."""

from __future__ import annotations

import pytest

from cardio.cps import CpsIdentity, Situation
from cardio.errors import (
    CardOperationCancelled,
    PinBlockedError,
    PinError,
    PukBlockedError,
    PukError,
)
from client.card_session import GivenPin, verify_pin

PIN, PUK = "1234", "12345678"


class FakeCard:
    """A CPx card with a PIN (3 tries) and a PUK (3 tries); records what it was sent."""

    reader = "Lecteur CPS"

    def __init__(self, tries: int = 3, puk_tries: int = 3, pin: str = PIN) -> None:
        self.pin, self.tries, self.puk_tries = pin, tries, puk_tries
        self.sent: list[tuple[str, ...]] = []
        self.verified = False

    def pin_tries_left(self) -> int:
        return self.tries

    def verify_pin(self, pin: str) -> None:
        self.sent.append(("verify", pin))
        if self.tries <= 0:
            raise PinBlockedError()
        if pin != self.pin:
            self.tries -= 1
            raise PinBlockedError() if self.tries == 0 else PinError(self.tries)
        self.tries, self.verified = 3, True

    def unblock_pin(self, puk: str, new_pin: str) -> None:
        self.sent.append(("unblock", puk, new_pin))
        if puk != PUK:
            self.puk_tries -= 1
            raise PukBlockedError() if self.puk_tries == 0 else PukError(self.puk_tries)
        self.pin, self.tries = new_pin, 3

    def read_identity(self) -> CpsIdentity:
        return CpsIdentity("0", "8", "10001234567", "8", "M", "DUPONT", "JEAN", "42")

    def read_situations(self) -> tuple[Situation, ...]:
        return ()


class Scripted:
    """Answers the prompts from a script; records every question."""

    def __init__(
        self, pins: list[str | None], unblocks: list[tuple[str, str] | None] | None = None
    ) -> None:
        self.pins, self.unblocks = pins, unblocks or []
        self.asked: list[tuple[object, ...]] = []

    def ask_pin(self, reader: str, tries_left: int | None) -> str | None:
        self.asked.append(("pin", tries_left))
        return self.pins.pop(0)

    def pin_refused(self, reader: str, error: PinError) -> None:
        self.asked.append(("refused", error.attempts_remaining))

    def ask_unblock(
        self, reader: str, puk_tries_left: int | None, wrong: bool
    ) -> tuple[str, str] | None:
        self.asked.append(("unblock", puk_tries_left, wrong))
        return self.unblocks.pop(0)


def test_wrong_pin_then_right_asks_again_with_the_tries_left() -> None:
    card, user = FakeCard(), Scripted(["0000", PIN])
    verify_pin(card, user, card.reader)
    assert card.verified
    assert user.asked == [("pin", 3), ("refused", 2), ("pin", 2)]
    assert card.sent == [("verify", "0000"), ("verify", PIN)]


def test_cancel_sends_nothing_more() -> None:
    card, user = FakeCard(), Scripted(["0000", None])
    with pytest.raises(CardOperationCancelled):
        verify_pin(card, user, card.reader)
    assert card.sent == [("verify", "0000")] and not card.verified


def test_third_wrong_pin_blocks_without_a_fourth_prompt() -> None:
    card, user = FakeCard(), Scripted(["0000", "1111", "2222"])
    with pytest.raises(PinBlockedError):
        verify_pin(card, user, card.reader)
    assert [q for q in user.asked if q[0] == "pin"] == [("pin", 3), ("pin", 2), ("pin", 1)]


def test_blocked_card_offers_the_unblock_and_verifies_the_new_pin() -> None:
    card = FakeCard(tries=0)
    user = Scripted([], [("00000000", "5678"), (PUK, "5678")])
    verify_pin(card, user, card.reader)
    assert user.asked == [("unblock", None, False), ("unblock", 2, True)]
    assert card.sent[-2:] == [("unblock", PUK, "5678"), ("verify", "5678")]
    assert card.verified


def test_blocked_card_unblock_declined_is_a_cancel() -> None:
    card, user = FakeCard(tries=0), Scripted([], [None])
    with pytest.raises(CardOperationCancelled):
        verify_pin(card, user, card.reader)
    assert card.sent == []


def test_given_pin_is_sent_once_and_a_wrong_one_ends_the_command() -> None:
    card = FakeCard()
    with pytest.raises(PinError) as refused:
        verify_pin(card, GivenPin("0000"), card.reader)
    assert refused.value.attempts_remaining == 2
    assert card.sent == [("verify", "0000")]


def test_given_pin_on_a_blocked_card_says_blocked_and_sends_nothing() -> None:
    card = FakeCard(tries=0)
    with pytest.raises(PinBlockedError):
        verify_pin(card, GivenPin(PIN), card.reader)
    assert card.sent == []


def test_given_pin_opens_and_never_shows_the_pin() -> None:
    card, given = FakeCard(), GivenPin(PIN)
    verify_pin(card, given, card.reader)
    assert card.verified and PIN not in repr(given)
