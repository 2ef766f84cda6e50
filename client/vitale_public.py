"""A carte Vitale whose public zone reads but not the rest (what a real Vitale 2 gives this
program): say so with the names count, never « carte illisible », and point to the
« sans Vitale » mode (rights by ADRi, no garantie de paiement)."""

from __future__ import annotations

import logging

from cardio.errors import CardError
from cardio.vitale import PublicBeneficiary, VitaleCard, VitaleReader
from client.errors import ClientError

logger = logging.getLogger(__name__)


class VitalePublicOnlyError(ClientError):
    """The Vitale gave its public zone (names, NIRs) but not its rights."""

    def __init__(self, beneficiaries: tuple[PublicBeneficiary, ...]) -> None:
        count = len(beneficiaries)
        super().__init__(
            f"La carte Vitale ne donne que l'identité de ses {count} bénéficiaire(s) (noms, "
            "NIR : « sesam cards read ») ; ses droits ne sont pas lisibles par ce logiciel. "
            "Facturez en mode « sans Vitale » : les droits seront demandés au service ADRi et "
            "la FSE ne sera pas « sécurisée Vitale » (pas de garantie de paiement)."
        )
        self.count = count
        #: What the card gave (NIR empty when its NIR file is damaged): the desk offers
        #: them for a dégradé / sans Vitale FSE instead of making the user type them.
        self.beneficiaries = beneficiaries


def read_whole_card(reader: VitaleReader) -> VitaleCard:
    """``reader.read()``; when it fails but the public zone reads, ``VitalePublicOnlyError``.

    :raises VitalePublicOnlyError: names and NIRs read, the rest not.
    :raises CardError: the card is unreadable even in its public zone.
    """
    try:
        return reader.read()
    except CardError as failure:
        try:
            public = reader.read_public()
        except CardError:
            try:  # a damaged NIR file: the names still count
                public = reader.read_names()
            except CardError:
                raise failure from None
        logger.info("carte Vitale: public zone only (%s)", type(failure).__name__)
        raise VitalePublicOnlyError(public) from failure
