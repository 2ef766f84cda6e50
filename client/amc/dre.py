"""DRE lots of gestion séparée: built and signed by the CPS once the FSE's own lot is signed
(same CPS session, same PIN), kept in their own outbox, sent to the AMC platform, their
acknowledgement recorded; a failure that may pass (network, garbage) is retried later with
backoff, so a DRE made offline leaves when the AMC is back.

In gestion unique nothing is sent here: the caisse pays both parts (its NOEMIE says so).
"""

from __future__ import annotations

import hashlib
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby

from billing.dre import DreItem, build_ack, dre_content, sign_dre
from billing.signing import Signer
from client.amc.transport import AmcApi, AmcError
from client.errors import ClientError
from client.settings import Settings
from client.store import Store
from client.store.amc_lots import DreCandidate, DreLotRow, DreStatus

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def _item(c: DreCandidate) -> DreItem:
    return DreItem(
        fse_id=c.fse_uuid,
        fse_number=c.fse_number,
        fse_digest=c.digest,
        engagement=c.engagement,
        member=c.member,
        birth_date=c.birth_date,
        rang=c.rang,
        care_date=c.care_date,
        total_fees=c.total_fees,
        amo=c.amo,
        amc=c.amc_amount,
    )


def build_dre_lots(
    store: Store, signer: Signer, practitioner_ids: set[str], clock: Clock
) -> list[str]:
    """Sign one DRE lot per AMC with the FSE of gestion séparée whose lot is signed and
    that are in no DRE lot yet; each lot and its outbox status in one transaction. The ids
    of the lots built."""
    built: list[str] = []
    for practitioner_id in sorted(practitioner_ids):
        candidates = store.amc_lots.dre_candidates(practitioner_id)
        for amc, group in groupby(candidates, key=lambda c: c.amc):
            items = [_item(c) for c in group]
            lot_id = str(uuid.uuid4())
            now = clock()
            number = store.amc_lots.next_dre_number(practitioner_id, amc)
            content = dre_content(
                lot_id=lot_id,
                number=number,
                amc=amc,
                practitioner_id=practitioner_id,
                closed_at=now,
                items=items,
            )
            der = sign_dre(content, signer, now)
            store.amc_lots.insert_dre_lot(
                lot_id=lot_id,
                number=number,
                amc=amc,
                practitioner_id=practitioner_id,
                closed_at=now,
                content_sha256=hashlib.sha256(content).hexdigest(),
                der=der,
                items=[(i.fse_id, i.engagement, i.amc) for i in items],
            )
            logger.info("DRE lot %s for AMC %s: %d DRE", lot_id, amc, len(items))
            built.append(lot_id)
    return built


@dataclass(slots=True)
class DreSendReport:
    """What a sending pass did, and the last error said in French."""

    acknowledged: int = 0
    refused: int = 0
    retry: int = 0
    failed: int = 0
    last_error: str = ""
    messages: list[str] = field(default_factory=list)


def send_dre_lots(
    store: Store,
    api: AmcApi,
    settings: Settings,
    clock: Clock,
    rng: random.Random | None = None,
) -> DreSendReport:
    """Send the DRE lots that are due, once each; the AMC deduplicates by lot id, so a lot
    sent again after a lost answer is counted once."""
    rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
    report = DreSendReport()
    for lot, der in store.amc_lots.due_dre_lots(clock()):
        label = f"lot de DRE n° {lot.number} (complémentaire {lot.amc})"
        try:
            ack = api.send_dre(lot.id, der)
        except AmcError as exc:
            report.last_error = str(exc)
            now = clock()
            if exc.retryable:
                # The sender's backoff (client.sender.backoff_delay; not imported: the
                # sender calls this module): base·2^attempts capped, jittered to 50–100 %.
                ceiling = min(
                    settings.backoff_cap, settings.backoff_base * 2 ** min(lot.attempts, 30)
                )
                delay = rng.uniform(ceiling / 2, ceiling)
                store.amc_lots.dre_retry(lot.id, str(exc), now + timedelta(seconds=delay), now)
                report.retry += 1
                report.messages.append(f"{label} : {exc} Il reste en file d'attente.")
            else:
                store.amc_lots.dre_fail(lot.id, str(exc))
                report.failed += 1
                report.messages.append(f"{label} non envoyé : {exc}")
            continue
        status = DreStatus.ACKNOWLEDGED if ack.positive else DreStatus.REFUSED
        store.amc_lots.dre_answered(lot.id, status, build_ack(ack), clock())
        if ack.positive:
            report.acknowledged += 1
            report.messages.append(f"{label.capitalize()} : accusé de réception positif.")
        else:
            report.refused += 1
            motifs = ", ".join(f"{m.code} {m.label}" for m in ack.motifs[:3])
            report.messages.append(f"{label.capitalize()} refusé par la complémentaire : {motifs}.")
    return report


def send_dre_pass(store: Store, settings: Settings, clock: Clock) -> DreSendReport | None:
    """One sending pass on the AMC platform of the settings, after the FSE lots (the
    desk's sender); None when no DRE lot waits or the platform is not configured."""
    if not store.amc_lots.due_dre_lots(clock()):
        return None
    from client.amc.transport import AmcTransport
    from client.transport_errors import TransportConfigError

    try:
        transport = AmcTransport(settings)
    except TransportConfigError:
        logger.warning("AMC platform not configured: DRE lots kept in their queue")
        return None
    try:
        return send_dre_lots(store, transport, settings, clock)
    except ClientError:
        # The FSE lots' run stands; the DRE lots stay queued for the next run.
        logger.warning("DRE sending pass stopped", exc_info=True)
        return None
    finally:
        transport.close()


class DreResendError(ClientError):
    """The DRE lot cannot be sent again (it is neither refused nor failed)."""


def resend_dre_lot(store: Store, lot: DreLotRow, now: datetime) -> str:
    """Send a failed or refused DRE lot again (``sesam amc dre send --lot N``, the queue
    page's « Renvoyer »); what happens, in French.

    A failed lot is queued again as it is (same id, same bytes: the AMC counts it once); a
    refused one gives its DRE back to a new lot signed at the next closing (the AMC kept
    nothing of it, and refuses the same bytes again).
    :raises DreResendError: the lot is neither refused nor failed."""
    label = f"Lot de DRE n° {lot.number} (complémentaire {lot.amc})"
    if lot.status is DreStatus.FAILED and store.amc_lots.dre_requeue(lot.id, now):
        return f"{label} remis en file d'envoi."
    if lot.status is DreStatus.REFUSED:
        count = store.amc_lots.dre_release(lot.id)
        if count:
            return (
                f"{label} : ses {count} DRE repartent dans un nouveau lot, signé à la "
                "prochaine clôture des lots (carte CPS), puis envoyé."
            )
    raise DreResendError(
        f"{label} n'est ni refusé ni en échec : rien à renvoyer (sesam amc dre list)."
    )
