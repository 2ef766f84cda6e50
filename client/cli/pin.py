"""The CPS PIN as every command reads it (``sesam cps sign``, ``fse``, ``lot``, ``scor``):
never an argument, never logged, checked before it reaches the card."""

from __future__ import annotations

import getpass
import sys

from cardio.cps import pin_block
from cardio.errors import PinFormatError
from client.messages import describe


def read_pin(from_stdin: bool) -> str:
    """The CPS PIN: one line of stdin, or a prompt without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return getpass.getpass("Code porteur de la CPS : ")


def check_pin(pin: str) -> bool:
    """False (message printed) when the PIN is malformed: it never reaches the card."""
    try:
        pin_block(pin)
    except PinFormatError as exc:
        print(describe(exc), file=sys.stderr)
        return False
    return True
