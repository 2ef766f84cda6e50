"""Who is looking, for a ``sesam`` command (issue #26): the CPS or CPE in the PC/SC reader,
read without its PIN (its public identity is enough to know who looks), else ``--carte``,
else the post's card (``SESAM_CARTE``, else the ``carte`` setting), else nobody: the whole
store. The card in the reader wins over ``--carte``: a card proves who sits at the post, a
number typed does not. A practitioner alone (no cabinet) has no card read at all.

The card and the scope's use cases are imported when a command looks: a listing command
that needs neither starts without them (``client.usecases.scope`` loads the recette's PDF
library)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple

from client.store.cabinet import Viewer

if TYPE_CHECKING:
    from cardio.pcsc import PcscBackend
    from client.cli.context import CommandContext

logger = logging.getLogger(__name__)

#: Set (to anything but empty): the commands do not look in the readers for the card that
#: looks — a post whose readers are shared, or the tests that do not put a card in.
NO_READER_ENV = "SESAM_NO_READER_SCOPE"


class CardInReader(NamedTuple):
    """The public identity of the practitioner's card in a reader."""

    card_id: str  # the national id (RPPS of a CPS, a CPE's)
    own: frozenset[str]  # the practitioner ids of its own situations (not a remplaçant's)


def _read(backend: PcscBackend) -> CardInReader | None:
    from cardio import probe
    from client.practitioner_card import load_card_settings, open_practitioner_card

    found = probe.find_cards(backend)
    if found.cps_reader is None:
        return None
    with open_practitioner_card(backend, found.cps_reader, load_card_settings()) as card:
        identity = card.read_identity()
        situations = card.read_situations() if identity.may_sign else []
    own = frozenset(
        s.billing_number + s.billing_key for s in situations if not s.replacement_number
    )
    return CardInReader(identity.national_id, own)


def card_in_reader() -> CardInReader | None:
    """The CPx card in a PC/SC reader, None when there is none (no pcscd, no reader, no
    card, a card that does not answer: the command falls back on ``--carte``)."""
    from cardio.errors import CardError
    from cardio.pcsc import PcscBackend
    from cardio.thread import CardThread
    from client.settings import SettingsError

    try:
        with CardThread() as thread:
            backend = PcscBackend(thread=thread)
            try:
                return thread.call(_read, backend)
            finally:
                thread.call(backend.close)
    except (CardError, SettingsError) as exc:
        logger.info("no card read for the scope: %s", type(exc).__name__)
        return None


def command_viewer(cli: CommandContext, card: str | None) -> Viewer | None:
    """Who the command shows the accounts of; None: the whole store. The settings are read
    only by a cabinet's post (a practitioner alone: a listing goes without them, #27)."""
    store = cli.store
    if len(store.cabinet.member_practitioners()) <= 1:
        return None  # a practitioner alone sees everything: no card to read
    from client.usecases import scope  # ~3 ms: only a cabinet's post looks as someone

    found = None if os.environ.get(NO_READER_ENV) else card_in_reader()
    if found is not None:
        if card and card.strip() != found.card_id:
            print(
                f"La carte du lecteur (n° {found.card_id}) décide de ce qui est montré : "
                "--carte est ignoré. Retirez-la pour regarder avec une autre carte.",
                file=sys.stderr,
            )
        return scope.viewer_for(store, found.card_id, found.own)
    chosen = (card or "").strip() or scope.post_card() or cli.settings.carte.strip()
    return scope.viewer_for(store, chosen)


@contextmanager
def looking_as(cli: CommandContext, card: str | None) -> Iterator[frozenset[str] | None]:
    """The practitioners the command shows (None: all), read as :func:`command_viewer`
    sees them (on PostgreSQL the server hides the others' rows meanwhile)."""
    viewer = command_viewer(cli, card)
    if viewer is None:  # the whole store, as ``scope.looking`` reads it without a viewer
        yield None
        return
    from client.usecases import scope

    with scope.looking(cli.store, viewer):
        yield scope.scope_of(viewer)


def add_card_option(parser: argparse.ArgumentParser) -> None:
    """``--carte``: the card that looks when none is in the reader."""
    parser.add_argument(
        "--carte",
        metavar="ID",
        help="la carte (CPS, CPE) qui regarde quand aucune n'est dans le lecteur : "
        "ses praticiens seuls",
    )
