"""Lots: close and sign them with the CPS, queue them again, check the numbering, and the
sender that drains the outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from billing.signing import Signer
from client.alerts import Alert
from client.alerts import gap_alerts as find_gaps
from client.amc.dre import build_dre_lots
from client.context import AppContext
from client.errors import ClientError
from client.fse_service import ClosedLot, CpsSource, FseService
from client.sender import SenderThread, SendProgress, SendReport
from client.store import Store
from client.usecases.common import CardThreadSigner, Services
from client.usecases.scor import pj_service


@dataclass(frozen=True, slots=True)
class LotsClosed:
    """The invoice lots closed and signed, and the PJ lots (SCOR) built behind them."""

    lots: list[ClosedLot]
    pj_lot_ids: list[str]
    dre_lot_ids: list[str] = field(default_factory=list)  # to the AMC (gestion séparée)

    def __len__(self) -> int:
        return len(self.lots) + len(self.pj_lot_ids) + len(self.dre_lot_ids)


def close_lots_in(
    store: Store, ctx: Services, signer: Signer, cps: CpsSource, *, all_lots: bool
) -> LotsClosed:
    """Sign and close the due open lots (every non-empty one with ``all_lots``) of the
    CPS's practitioner, then build and sign the PJ lots (SCOR) behind them with the same
    CPS session (one PIN)."""
    closed = FseService(store, clock=ctx.utc_clock).close_lots(signer, cps, all_lots)
    # PJ lots (SCOR) leave after their invoice lot: built once that one is signed.
    pj = pj_service(ctx, store).build_lots(signer)
    # DRE lots (gestion séparée) too: their FSE's lot signed, the same CPS session.
    practitioners = {s.billing_number + s.billing_key for s in cps.situations if s.may_sign_lot}
    return LotsClosed(closed, pj, build_dre_lots(store, signer, practitioners, ctx.utc_clock))


def close_lots(ctx: AppContext, cps: CpsSource, session: Signer) -> int:
    """The desk's closing: every non-empty open lot, on the database thread (the CPS signs
    on the card thread); how many lots in all."""
    signer = CardThreadSigner(ctx, session)
    return ctx.db.submit(
        lambda store: len(close_lots_in(store, ctx, signer, cps, all_lots=True))
    ).result()


def requeue_lot(store: Store, ctx: Services, lot_id: str) -> None:
    """Queue a lot again for the sender (``sesam queue retry``, « Renvoyer »)."""
    with store.write():
        store.outbox_retry(lot_id, ctx.utc_clock())


def resend_lot(ctx: AppContext, lot_id: str) -> None:
    """:func:`requeue_lot` on the desk's database thread."""
    ctx.db.submit(lambda store: requeue_lot(store, ctx, lot_id)).result()


def gap_alerts(ctx: AppContext) -> list[Alert]:
    """FSE numbers handed out but absent, signed lots absent or not queued."""
    clock = ctx.utc_clock
    return ctx.db.submit(lambda store: find_gaps(store, clock())).result()


class NoSenderError(ClientError):
    """The context was built without its sender (never the desk's)."""

    def __init__(self) -> None:
        super().__init__("Aucun envoi n'est prévu dans ce contexte.")


def make_sender(
    ctx: AppContext,
    on_progress: Callable[[SendProgress], None],
    on_done: Callable[[SendReport | BaseException], None],
) -> SenderThread:
    """The context's sender (its own store connection, the context's transport), its
    progress and its end reported to the caller."""
    sender = ctx.sender
    if sender is None:
        raise NoSenderError()
    sender.on_progress = on_progress
    sender.on_done = on_done
    return sender
