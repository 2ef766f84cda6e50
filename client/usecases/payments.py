"""Returns and payments: fetch ARL and NOEMIE, match a payment by hand, and what the user
does to one FSE (cancel, duplicata, feuille de soins, rectify, where its money stands,
close its unpaid remainder).

Each use case takes the store and :class:`~client.usecases.common.Services` (``sesam``
calls them with its command's store); the ``*_by_uuid`` functions are the desk's: they
run the same use case on the context's database thread for the FSE chosen in a list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from client import documents, returns
from client import rectify as rectification
from client.context import AppContext
from client.euro_status import EuroStatus, euro_status
from client.fse_service import CpsSource, FseService
from client.rectify import Rectified, RectifyDraft, RectifyRequest
from client.rectify import rectify_draft as draft_of
from client.remainders import Closure, ClosureMotif, close_remainder
from client.returns import ArlFetch, HandMatch, ImportReport
from client.store import Store
from client.store.rows import FseRow
from client.usecases.common import Services, write_document


@dataclass(frozen=True, slots=True)
class ReturnsFetched:
    """What one fetch of the returns brought: the ARL applied, the NOEMIE files read."""

    arls: ArlFetch
    reports: list[ImportReport]


def fetch_returns_into(store: Store, ctx: Services) -> ReturnsFetched:
    """ARL, then NOEMIE returns from the context's transport, applied to ``store``."""
    transport = ctx.transport
    arls = returns.fetch_arls(store, transport, ctx.utc_clock())
    reports = returns.fetch_noemie(store, transport, ctx.utc_clock())
    return ReturnsFetched(arls, reports)


def fetch_returns(ctx: AppContext) -> ReturnsFetched:
    """The desk's fetch: with a store connection of its own (network: a worker thread)."""
    store = ctx.connect_store()
    try:
        return fetch_returns_into(store, ctx)
    finally:
        store.close()


def match_payment_in(
    store: Store,
    ctx: Services,
    payment_id: int,
    fse_number: int,
    practitioner_id: str | None,
    by: str | None = None,
) -> HandMatch:
    """Match an unmatched payment by hand with FSE n° ``fse_number`` (``by``: who; by
    default the user)."""
    return returns.match_payment_by_hand(
        store, payment_id, fse_number, ctx.utc_clock, by=by, practitioner_id=practitioner_id
    )


def match_payment(
    ctx: AppContext, payment_id: int, fse_number: int, practitioner_id: str | None
) -> HandMatch:
    """:func:`match_payment_in` on the desk's database thread."""
    return ctx.db.submit(
        lambda store: match_payment_in(store, ctx, payment_id, fse_number, practitioner_id)
    ).result()


def cancel_fse(
    store: Store, ctx: Services, number: int, reason: str, practitioner_id: str | None
) -> FseRow:
    """Cancel FSE n° ``number``, not sent yet, for ``reason``."""
    return FseService(store, clock=ctx.utc_clock).cancel(number, reason, practitioner_id)


def cancel_by_uuid(ctx: AppContext, fse_uuid: str) -> FseRow:
    """Cancel an FSE not sent yet, as asked by the user of the desk."""

    def work(store: Store) -> FseRow:
        row = store.fse_by_uuid(fse_uuid)
        return cancel_fse(store, ctx, row.number, "annulée par l'utilisateur", row.practitioner_id)

    return ctx.db.submit(work).result()


def cabinet_paper(ctx: Services) -> documents.Paper:
    """The letterhead (settings) and the referential (act labels) of the documents."""
    return documents.paper_of(ctx.settings, ctx.ensure_referential())


def duplicata_pdf(
    store: Store,
    ctx: Services,
    number: int,
    motif: str,
    practitioner_id: str | None,
    *,
    patient_could_not_sign: bool = False,
    paper: documents.Paper | None = None,
) -> bytes:
    """The duplicata of FSE n° ``number`` (the PDF); ``paper``: by default the context's
    (``sesam`` passes its own: unreadable settings print without a letterhead)."""
    return documents.duplicata_pdf(
        store,
        number,
        motif,
        now=ctx.utc_clock(),
        patient_could_not_sign=patient_could_not_sign,
        practitioner_id=practitioner_id,
        paper=paper or cabinet_paper(ctx),
    )


def duplicata_by_uuid(ctx: AppContext, fse_uuid: str, motif: str) -> Path:
    """A duplicata of one FSE, written to the documents folder."""

    def work(store: Store) -> Path:
        row = store.fse_by_uuid(fse_uuid)
        data = duplicata_pdf(store, ctx, row.number, motif, row.practitioner_id)
        return write_document(ctx, f"duplicata-{row.number}.pdf", data)

    return ctx.db.submit(work).result()


def feuille_de_soins_pdf(
    store: Store,
    ctx: Services,
    number: int,
    practitioner_id: str | None,
    paper: documents.Paper | None = None,
) -> bytes:
    """The feuille de soins of FSE n° ``number`` (the PDF of ``sesam print fs N``);
    ``paper`` as for :func:`duplicata_pdf`."""
    return documents.feuille_de_soins_pdf(
        store, number, practitioner_id, paper=paper or cabinet_paper(ctx)
    )


def feuille_de_soins_by_uuid(ctx: AppContext, fse_uuid: str) -> Path:
    """The feuille de soins of a chosen FSE, written to the documents folder."""

    def work(store: Store) -> Path:
        row = store.fse_by_uuid(fse_uuid)
        data = feuille_de_soins_pdf(store, ctx, row.number, row.practitioner_id)
        return write_document(ctx, f"feuille-de-soins-{row.number}.pdf", data)

    return ctx.db.submit(work).result()


def rectify_draft(ctx: AppContext, fse_uuid: str) -> RectifyDraft:
    """The rejected FSE as billed, for « Corriger et renvoyer » (refused in French when it
    cannot be rectified)."""
    return ctx.db.submit(lambda store: draft_of(store, fse_uuid)).result()


def rectify_fse(ctx: AppContext, request: RectifyRequest, cps: CpsSource) -> Rectified:
    """Sign and store the FSE rectificative (``client.rectify.rectify``) with the
    practitioner's CPS as read; it waits in an open lot like any FSE. A rejected ApCV FSE
    goes with the patient's new code, or sans Vitale by ADRi (``client.rectify_apcv``):
    the network answers before anything is written."""
    from client.rectify_apcv import prepare

    original = ctx.db.submit(
        lambda store: store.fse_by_number(request.number, request.practitioner_id)
    ).result()
    prepared, signer = prepare(ctx, original, request, request.apcv_code)

    def work(store: Store) -> Rectified:
        service = FseService(store, ctx.ensure_referential(), clock=ctx.utc_clock)
        return rectification.rectify(service, prepared, cps, None, apcv=signer)

    return ctx.db.submit(work).result()


def money_status(store: Store, ctx: Services, fse: FseRow) -> EuroStatus:
    """Each part of one FSE and where its money stands."""
    return euro_status(store, fse, ctx.settings, ctx.utc_clock())


def euro_status_by_uuid(ctx: AppContext, fse_uuid: str) -> EuroStatus:
    """:func:`money_status` of the FSE chosen on the desk (database thread)."""
    return ctx.db.submit(
        lambda store: money_status(store, ctx, store.fse_by_uuid(fse_uuid))
    ).result()


def close_remainder_of(
    store: Store,
    ctx: Services,
    number: int,
    motif: ClosureMotif,
    comment: str,
    practitioner_id: str | None,
) -> Closure:
    """Close the unpaid remainder of FSE n° ``number`` with a reason (``client.remainders``);
    :raises NothingToCloseError: nothing to close, the reason in French."""
    clock: Callable[[], datetime] = ctx.utc_clock
    return close_remainder(
        store, number, motif, clock, comment=comment, practitioner_id=practitioner_id
    )


def close_remainder_by_uuid(
    ctx: AppContext, fse_uuid: str, motif: ClosureMotif, comment: str
) -> Closure:
    """:func:`close_remainder_of` the FSE chosen on the desk (database thread)."""

    def work(store: Store) -> Closure:
        fse = store.fse_by_uuid(fse_uuid)
        return close_remainder_of(store, ctx, fse.number, motif, comment, fse.practitioner_id)

    return ctx.db.submit(work).result()
