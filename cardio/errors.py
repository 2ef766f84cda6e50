"""Errors raised by the card layer. One root, subclasses carry data, never French text.

The UI is the only place that turns these into sentences for the user.
"""

from __future__ import annotations


class CardError(Exception):
    """Base for everything cardio raises."""


class ReaderUnavailableError(CardError):
    """The PC/SC service is not reachable or no reader is attached."""


class NoCardError(CardError):
    """The reader is there but holds no card (or the card was just removed)."""


class CardRemovedError(NoCardError):
    """The card left the reader during an exchange: whatever was being read is incomplete."""


class CardCommunicationError(CardError):
    """The transport failed mid-command (timeout, reset); reconnecting and retrying is safe."""


class UnknownCardError(CardError):
    """The card answers but is neither a carte Vitale nor a CPx card."""

    def __init__(self, atr: bytes) -> None:
        super().__init__(f"unknown card, ATR {atr.hex(' ').upper()}")
        self.atr = atr


class MalformedResponseError(CardError):
    """The card answered something that does not follow the expected layout."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class ApduError(CardError):
    """The card refused a command with a status word other than 9000."""

    def __init__(self, sw: int, command: str = "") -> None:
        super().__init__(f"{command or 'command'} refused, SW={sw:04X}")
        self.sw = sw
        self.command = command


class CardFileNotFoundError(ApduError):
    """The card has no such file or application (SW 6A82)."""


class ApplicationNotFoundError(CardError):
    """SELECT of the expected application failed: not the card type we need."""


class PinError(CardError):
    """The PIN presented was wrong; ``attempts_remaining`` tries are left."""

    def __init__(self, attempts_remaining: int) -> None:
        super().__init__(f"wrong PIN, {attempts_remaining} attempt(s) left")
        self.attempts_remaining = attempts_remaining


class PinBlockedError(PinError):
    """The PIN is blocked: only the PUK (or the issuer) can unblock the card."""

    def __init__(self) -> None:
        super().__init__(0)


class PukError(CardError):
    """The PUK (code de déblocage) presented was wrong; ``attempts_remaining`` tries left."""

    def __init__(self, attempts_remaining: int) -> None:
        super().__init__(f"wrong PUK, {attempts_remaining} attempt(s) left")
        self.attempts_remaining = attempts_remaining


class PukBlockedError(PukError):
    """The PUK itself is blocked: only the issuer (ANS) can help, with a new card."""

    def __init__(self) -> None:
        super().__init__(0)


class UnblockNotSupportedError(CardError):
    """This way to the card (e.g. a PKCS#11 module) cannot unblock the PIN with the PUK."""


class PinFormatError(CardError):
    """The PIN typed is not 4 digits; it was not sent to the card, no try was used."""


class SecurityStatusError(CardError):
    """The card needs the PIN before this command (e.g. a signature)."""


class NotAllowedError(CardError):
    """The card may not do this (e.g. a CPE staff card asked to sign)."""


class CardOperationCancelled(CardError):
    """The user cancelled (e.g. closed the PIN dialog); never shown as an error."""
