"""The AMC's returns (payments and rejections of the DRE), fetched from its feed and
recorded as payments of the AMC part, each journaled like the NOEMIE payments.

A feed is taken whole or not at all: a return that is unreadable, pays an FSE this
workstation never sent in a DRE, or pays a DRE already paid stops the import with a French
error and nothing of that feed is recorded (the cursor does not move), so that the user
can show it to the AMC and nothing is counted twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from client.amc.transport import AmcApi, AmcReturn
from client.errors import ClientError
from client.store import Store

logger = logging.getLogger(__name__)


class AmcReturnError(ClientError):
    """A return of the AMC that cannot be recorded; nothing of its feed was."""


@dataclass(frozen=True, slots=True)
class AmcReturnsReport:
    """What one fetch recorded."""

    paid: int
    partly_paid: int
    rejected: int
    cursor: int


def _check(store: Store, ret: AmcReturn) -> str:
    """The DRE lot the return answers for. :raises AmcReturnError: it cannot be recorded."""
    dre = store.amc_lots.dre_item(ret.fse_id)
    if dre is None:
        raise AmcReturnError(
            f"La complémentaire envoie un paiement pour une FSE inconnue ici ({ret.fse_id}, "
            f"retour {ret.return_id}) : rien n'a été enregistré. Signalez-le à la "
            "complémentaire."
        )
    lot_id, engagement, asked = dre
    if ret.engagement != engagement or ret.billed != asked:
        raise AmcReturnError(
            f"Le retour {ret.return_id} ne correspond pas à la DRE envoyée (engagement ou "
            "montant différent) : rien n'a été enregistré. Signalez-le à la complémentaire."
        )
    if store.amc_lots.payment_of(ret.fse_id) or store.amc_lots.payment_by_return(ret.return_id):
        raise AmcReturnError(
            f"Paiement en double de la complémentaire pour la même DRE (retour "
            f"{ret.return_id}) : rien n'a été enregistré. Signalez-le à la complémentaire."
        )
    return lot_id


def fetch_returns(store: Store, api: AmcApi, clock: Callable[[], datetime]) -> AmcReturnsReport:
    """Fetch the returns after the cursor and record them in one transaction.

    :raises AmcError: the AMC is unreachable or answered garbage (nothing recorded).
    :raises AmcReturnError: a return cannot be recorded (nothing recorded).
    """
    cursor = store.amc_lots.feed_cursor()
    returns, last = api.returns(cursor)
    paid = partly = rejected = 0
    now = clock()
    with store.amc_lots.write():
        seen: set[str] = set()
        for ret in returns:
            if ret.fse_id in seen:
                raise AmcReturnError(
                    f"Paiement en double de la complémentaire pour la même DRE (retour "
                    f"{ret.return_id}) : rien n'a été enregistré. Signalez-le à la "
                    "complémentaire."
                )
            seen.add(ret.fse_id)
            lot_id = _check(store, ret)
            store.amc_lots.record_payment(
                return_id=ret.return_id,
                fse_uuid=ret.fse_id,
                lot_id=lot_id,
                engagement=ret.engagement,
                outcome="paye" if ret.paid else "rejete",
                billed=ret.billed,
                paid=ret.amount_paid,
                paid_on=ret.paid_on,
                virement_ref=ret.virement,
                motif_code=ret.motif_code,
                motif_label=ret.motif_label,
                now=now,
            )
            if not ret.paid:
                rejected += 1
            elif ret.amount_paid < ret.billed:
                partly += 1
            else:
                paid += 1
        store.amc_lots.set_feed_cursor(last)
    logger.info("AMC returns: %d paid, %d partly, %d rejected", paid, partly, rejected)
    return AmcReturnsReport(paid, partly, rejected, last)
