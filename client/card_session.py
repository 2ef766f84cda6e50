"""The practitioner's card opened for one use and its PIN asked: the one place where the desk
and the ``sesam`` commands open the CPS (APDU or PKCS#11, ``client.practitioner_card``) and
run the PIN loop.

Whoever asks the user is a :class:`CardInteraction`: the desk answers with its dialogs (one
more try after a wrong PIN, the PUK unblock offered), the command line with the PIN it read
once before touching the card (:class:`GivenPin`: never retried without the user, never
logged). Everything here runs on the card thread.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from cardio import layout
from cardio.backend import PractitionerCard
from cardio.connection import CardConnection, ReaderBackend
from cardio.cps import CpsIdentity, CpsSession, Situation
from cardio.errors import (
    CardOperationCancelled,
    NoCardError,
    PinBlockedError,
    PinError,
    PukBlockedError,
    PukError,
)
from client.practitioner_card import CardSettings, open_practitioner_card, pkcs11_card


class CardInteraction(Protocol):
    """Asks the user for the card's codes. Called on the card thread."""

    def ask_pin(self, reader: str, tries_left: int | None) -> str | None:
        """The PIN typed, None when the user cancels."""
        ...

    def pin_refused(self, reader: str, error: PinError) -> None:
        """Told after a wrong PIN, before :meth:`ask_pin` again; raise to stop there."""
        ...

    def ask_unblock(
        self, reader: str, puk_tries_left: int | None, wrong: bool
    ) -> tuple[str, str] | None:
        """The PIN is blocked: (PUK, new PIN), or None when the user declines.

        :raises PinBlockedError: no way to ask (the command line has ``sesam cps unblock``).
        """
        ...


@dataclass(frozen=True, slots=True)
class GivenPin:
    """The command line's answer: the PIN read once (``--pin-stdin`` or a prompt without
    echo) before the card is opened. A wrong or blocked PIN ends the command."""

    pin: str = field(repr=False)  # never in a log or a traceback's locals display

    def ask_pin(self, reader: str, tries_left: int | None) -> str:
        return self.pin

    def pin_refused(self, reader: str, error: PinError) -> None:
        raise error

    def ask_unblock(
        self, reader: str, puk_tries_left: int | None, wrong: bool
    ) -> tuple[str, str] | None:
        raise PinBlockedError()


class Closable(Protocol):
    def close(self) -> None: ...


class PinCard(Protocol):
    """What the PIN loop needs of a card (``cardio.backend.PractitionerCard`` has it)."""

    def pin_tries_left(self) -> int | None: ...

    def verify_pin(self, pin: str) -> None: ...

    def unblock_pin(self, puk: str, new_pin: str) -> None: ...


@dataclass(frozen=True, slots=True)
class CardSession:
    """A CPx card opened (its PIN verified when asked for) and read."""

    reader: str
    card: PractitionerCard
    identity: CpsIdentity
    situations: tuple[Situation, ...]
    card_type: str  # CPS, CPE, … ("CPS" for a code this program does not know)
    #: What closing the session releases: the PC/SC connection, or the PKCS#11 session.
    connection: Closable


def card_type_name(identity: CpsIdentity) -> str:
    name = identity.card_type
    return name if name in layout.CPS_CARD_TYPES.values() else "CPS"


def verify_pin(card: PinCard, interaction: CardInteraction, reader: str) -> None:
    """The PIN loop: asked until the card accepts it, the user cancels or the card blocks.
    A blocked card is offered the PUK unblock, whose new PIN counts as verified.

    :raises CardOperationCancelled: the user cancelled a prompt or declined the unblock.
    :raises PinBlockedError: blocked, and the interaction cannot unblock.
    :raises PukBlockedError: the PUK is blocked too.
    """
    tries = card.pin_tries_left()
    while True:
        if tries is not None and tries <= 0:
            _unblock(card, interaction, reader)
            return
        pin = interaction.ask_pin(reader, tries)
        if pin is None:
            raise CardOperationCancelled("PIN prompt cancelled")
        try:
            card.verify_pin(pin)
            return
        except PinBlockedError:
            raise
        except PinError as exc:  # asked again, the new count shown
            tries = exc.attempts_remaining
            interaction.pin_refused(reader, exc)


def _unblock(card: PinCard, interaction: CardInteraction, reader: str) -> None:
    puk_tries: int | None = None
    wrong = False
    while True:
        codes = interaction.ask_unblock(reader, puk_tries, wrong)
        if codes is None:
            raise CardOperationCancelled("PUK unblock declined")
        puk, new_pin = codes
        try:
            card.unblock_pin(puk, new_pin)
        except PukBlockedError:
            raise
        except PukError as exc:  # typed again, with the PUK tries left shown
            puk_tries, wrong = exc.attempts_remaining, True
            continue
        # The new PIN is verified now: the user does not type it a third time.
        card.verify_pin(new_pin)
        return


def open_session(
    connect: Callable[[str], CardConnection],
    reader: str | None,
    settings: CardSettings,
    interaction: CardInteraction,
    *,
    pin_for: Callable[[str], bool] = lambda card_type: True,
) -> CardSession:
    """Open the CPx card and keep it open (the desk closes it when the card leaves):
    identity, the PIN when ``pin_for(card_type)``, situations.

    ``reader`` None: the PKCS#11 token in no PC/SC reader, found by the middleware.
    :raises NoCardError: no reader given on the APDU path.
    """
    card: PractitionerCard
    connection: Closable
    if settings.backend == "pkcs11":
        token = pkcs11_card(settings, reader)
        card = connection = token  # closing the card closes its PKCS#11 session
        reader = reader or str(token.reader)  # the slot's description names it
    elif reader is None:
        raise NoCardError("the APDU path needs the reader holding the CPS")
    else:
        connection = connect(reader)
        card = CpsSession(connection)
    return _read(card, connection, reader, interaction, pin_for)


@contextlib.contextmanager
def practitioner_session(
    backend: ReaderBackend,
    reader: str | None,
    settings: CardSettings,
    interaction: CardInteraction,
) -> Iterator[CardSession]:
    """The CPx card opened for one command, its PIN verified whatever its type; closed
    when the block ends."""
    with open_practitioner_card(backend, reader, settings) as card:
        yield _read(card, _Open(), card.reader, interaction, lambda _type: True)


class _Open:
    """The block's end closes the card, not the session."""

    def close(self) -> None:
        return None


def _read(
    card: PractitionerCard,
    connection: Closable,
    reader: str,
    interaction: CardInteraction,
    pin_for: Callable[[str], bool],
) -> CardSession:
    identity = card.read_identity()
    card_type = card_type_name(identity)
    if pin_for(card_type):
        verify_pin(card, interaction, reader)
    situations = tuple(card.read_situations())
    return CardSession(reader, card, identity, situations, card_type, connection)
