"""Run a command's card work with the CPS opened and the carte Vitale read, on the card
thread (``sesam fse``, ``lot close``, ``scor lots``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from cardio import probe
from cardio.backend import PractitionerCard
from cardio.errors import CardError
from cardio.pcsc import PcscBackend
from cardio.thread import CardThread
from cardio.vitale import VitaleReader
from client.card_session import GivenPin, practitioner_session
from client.errors import ClientError
from client.fse_service import CpsSource, VitaleSource
from client.practitioner_card import load_card_settings
from client.vitale_public import VitalePublicOnlyError, read_whole_card

logger = logging.getLogger(__name__)

T = TypeVar("T")

CardWork = Callable[[PractitionerCard, CpsSource, VitaleSource | None], T]


class CardMissingError(ClientError):
    """A card the command needs is not in any reader."""

    def __init__(self, card: str) -> None:
        super().__init__(f"Aucune {card} dans les lecteurs : insérez-la et recommencez.")
        self.card = card


def with_cards(pin: str, vitale_wanted: str, work: CardWork[T]) -> T:
    """Run ``work`` on a card thread with the CPS opened (PIN verified) and read.

    :param vitale_wanted: "if_present" (read it when inserted; a read error is raised:
        never a silent dégradé), "best_effort" (dégradé chosen: an unreadable card is
        ignored) or "no" (leave it alone).
    """

    def run(backend: PcscBackend) -> T:
        settings = load_card_settings()
        found = probe.find_cards(backend)
        # A PKCS#11 token may sit in no PC/SC reader (SoftHSM2, a USB key): the middleware
        # finds it, and says so in French when it does not.
        if found.cps_reader is None and settings.backend != "pkcs11":
            raise CardMissingError("carte CPS")
        with practitioner_session(backend, found.cps_reader, settings, GivenPin(pin)) as opened:
            session = opened.card
            cps = CpsSource(opened.identity, opened.situations)
            if vitale_wanted == "no" or found.vitale_reader is None:
                return work(session, cps, None)
            with backend.connect(found.vitale_reader) as vitale_connection:
                reader = VitaleReader(vitale_connection)
                try:
                    card = read_whole_card(reader)
                except (CardError, VitalePublicOnlyError):
                    if vitale_wanted != "best_effort":
                        raise
                    logger.warning("carte Vitale illisible, ignorée (mode choisi sans elle)")
                    return work(session, cps, None)
                return work(session, cps, VitaleSource(card, reader))

    with CardThread() as thread:
        backend = PcscBackend(thread=thread)
        try:
            return thread.call(run, backend)
        finally:
            thread.call(backend.close)
