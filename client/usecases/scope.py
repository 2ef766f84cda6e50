"""Who is looking (issue #26): the card in the reader decides which practitioners' FSE,
payments, recette and dashboard a post shows, for the desk and ``sesam`` alike.

- A practitioner alone (the SQLite default: no cabinet, or one practitioner with his
  remplaçant) sees everything, as before: :func:`viewer_for` gives None.
- In a cabinet, a CPS sees its practitioner's accounts (a remplaçant's, those of the
  practitioner he replaces), a receptionist's CPE those of the practitioners she works
  for (``cabinet_members``); a card that works for nobody sees nothing.
- No card in: the card the post is set to (``SESAM_CARTE``, or ``sesam … --carte``),
  else the whole store as before (a post of the cabinet should be given its card).

The store's queries take the scope as a WHERE on the practitioner (both backends); on
PostgreSQL :func:`looking` also sets the connection's row-level security for the reads.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from client.store import Store
from client.store.cabinet import AddressedDraft, Viewer

if TYPE_CHECKING:  # the CLI's listings import this module: not the recette nor the sender
    from client.context import AppContext
    from client.recette import Recette, RecetteRequest
    from client.reconcile_views import FseReconciliation

logger = logging.getLogger(__name__)

#: The card a post is set to when no card is in the reader (a card's national id).
POST_CARD_ENV = "SESAM_CARTE"
#: The key of a draft's document that names who prepared it (the card holder's name).
PREPARED_BY_NAME = "prepared_by_name"


def post_card() -> str:
    """The card this post is set to (empty: none)."""
    return os.environ.get(POST_CARD_ENV, "").strip()


def viewer_for(
    store: Store, card_id: str | None, own: frozenset[str] = frozenset()
) -> Viewer | None:
    """Who looks when ``card_id`` (a CPS's or CPE's national id) is in the reader, or
    the post's card; None: the whole store (a practitioner alone, or no card at all).
    ``own``: the practitioner ids the CPS itself bills under (its situations), seen even
    before it billed here."""
    card = (card_id or "").strip() or post_card()
    if not card or len(store.cabinet.member_practitioners() | own) <= 1:
        return None
    found = store.cabinet.viewer(card)
    return Viewer(found.card_id, found.practitioner_ids | own)


def scope_of(viewer: Viewer | None) -> frozenset[str] | None:
    """The practitioners whose rows the queries keep (None: all)."""
    return None if viewer is None else viewer.practitioner_ids


@contextmanager
def looking(store: Store, viewer: Viewer | None) -> Iterator[None]:
    """Reads as ``viewer`` on top of the scoped queries: on PostgreSQL the server hides
    the other practitioners' rows meanwhile; after, the connection reads as it did before
    (an outer ``looking``'s viewer, or everything: the sender and the returns' import
    share it). None inside a ``looking`` keeps the outer scope: never widened."""
    if viewer is None:
        yield
        return
    previous = store.cabinet.looking_as
    store.cabinet.look_as(viewer)
    try:
        yield
    finally:
        store.cabinet.look_as(previous)


def fse_page(
    store: Store, viewer: Viewer | None, limit: int, offset: int = 0
) -> list[FseReconciliation]:
    """A page of the FSE list with their payments, newest first, as ``viewer`` sees it."""
    from client.reconcile_views import reconcile_page

    with looking(store, viewer):
        return reconcile_page(store, limit, offset, practitioners=scope_of(viewer))


def recette(store: Store, viewer: Viewer | None, request: RecetteRequest) -> Recette:
    """The recette of ``request`` as ``viewer`` sees it."""
    from client.recette import RecetteRequest
    from client.recette import compute as compute_recette

    with looking(store, viewer):
        return compute_recette(
            store,
            RecetteRequest(
                request.start,
                request.end,
                request.practitioner_id,
                request.max_lines,
                scope_of(viewer),
            ),
        )


class DraftNotice(NamedTuple):
    """A prepared invoice waiting for a practitioner's CPS (no patient data: the desk
    shows who prepared it, for whom, and when)."""

    id: str
    addressed_to: str
    prepared_by: str
    saved_at: datetime
    acts: tuple[str, ...]
    prepared_by_name: str = ""  # the holder's name, when the desk prepared it


def _document(draft: AddressedDraft) -> dict[str, Any]:
    try:
        doc = json.loads(draft.document)
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _acts(doc: dict[str, Any]) -> tuple[str, ...]:
    """The act codes of a draft: the desk's (``acts``: ``{"code": …}`` each) or a
    script's (``actes``: codes)."""
    acts = doc.get("acts")
    if isinstance(acts, list):
        return tuple(str(a.get("code", "")) for a in acts if isinstance(a, dict))
    acts = doc.get("actes")
    return tuple(str(a) for a in acts) if isinstance(acts, list) else ()


def _notice(draft: AddressedDraft) -> DraftNotice:
    doc = _document(draft)
    name = str(doc.get(PREPARED_BY_NAME, "") or "")
    return DraftNotice(
        draft.id, draft.addressed_to, draft.prepared_by, draft.saved_at, _acts(doc), name
    )


def addressed_drafts(
    store: Store, card_id: str | None, own: frozenset[str] = frozenset()
) -> list[DraftNotice]:
    """The invoices prepared for a practitioner the card ``card_id`` (or the post's card)
    works for, oldest first; none without a card (a draft is addressed to a practitioner,
    even in a cabinet of one doctor and his receptionist). ``own``: as :func:`viewer_for`."""
    card = (card_id or "").strip() or post_card()
    if not card:
        return []
    return [
        _notice(d)
        for d in store.cabinet.drafts_for(
            Viewer(card, store.cabinet.viewer(card).practitioner_ids | own)
        )
    ]


class Looking(NamedTuple):
    """What the desk shows once a card is in (or out): its scope and its drafts."""

    viewer: Viewer | None
    drafts: list[DraftNotice]


def look_from_card(
    ctx: AppContext, card_id: str | None, own: frozenset[str] = frozenset()
) -> Looking:
    """The card ``card_id`` (None: taken out) now decides what this post shows: the
    context's viewer is set for the FSE list and the dashboard (their next reads), and
    the invoices prepared for its practitioners are returned for the billing page."""

    def work(store: Store) -> Looking:
        return Looking(viewer_for(store, card_id, own), addressed_drafts(store, card_id, own))

    looking_now = ctx.db.submit(work).result()
    ctx.viewer, ctx.viewer_card = looking_now.viewer, (card_id or "").strip()
    return looking_now


def drafts_notice(drafts: list[DraftNotice]) -> str:
    """The billing page's notice of the invoices prepared for this card ('' when none)."""
    if not drafts:
        return ""
    first = drafts[0]
    acts = ", ".join(first.acts) or "actes à compléter"
    more = f" (et {len(drafts) - 1} autre(s))" if len(drafts) > 1 else ""
    return (
        f"{len(drafts)} facture(s) préparée(s) pour vous à signer : la première par "
        f"{preparer(first)} le {first.saved_at.astimezone():%d/%m/%Y à %H:%M} ({acts}){more}. "
        "Ouvrez-la dans « Factures préparées »."
    )


def preparer(draft: DraftNotice) -> str:
    """Who prepared a draft, for a sentence: her name, else « la carte <id> »."""
    return draft.prepared_by_name or f"la carte {draft.prepared_by}"


# --- the desk's « Factures préparées » ---------------------------------------------------


class DeskDraft(NamedTuple):
    """A prepared (or parked) invoice as the desk lists it (health data: never log it).
    ``document`` is the desk's draft (``ui.services.Draft``) the billing page opens."""

    id: str
    document: dict[str, Any]
    addressed_to: str  # practitioner id ('' : nobody in particular)
    prepared_by: str  # national id of the card that prepared it ('' : unknown)
    prepared_by_name: str
    saved_at: datetime


def desk_drafts(ctx: AppContext) -> list[DeskDraft]:
    """The drafts this post's desk lists, oldest first, for the card in the reader
    (``ctx.viewer``): those addressed to its practitioners, those it prepared, and the
    ones addressed to nobody; every draft when nobody is to hide (a practitioner alone)."""
    viewer = ctx.viewer
    found: list[DeskDraft] = []
    for row in ctx.db.submit(lambda store: store.cabinet.desk_drafts(viewer)).result():
        try:
            document = json.loads(row.document)
        except ValueError:
            logger.warning("draft %s unreadable: skipped", row.id)
            continue
        if not isinstance(document, dict):
            continue
        name = str(document.get(PREPARED_BY_NAME, "") or "")
        found.append(
            DeskDraft(row.id, document, row.addressed_to, row.prepared_by, name, row.saved_at)
        )
    return found


class PreparedBy(NamedTuple):
    """Who prepares an invoice and for whom: the card in the reader (a receptionist's
    CPE, or a CPS) and the practitioner its situation bills for (a CPE's employer)."""

    card_id: str
    name: str
    addressed_to: str


def keep_draft(
    ctx: AppContext, document: dict[str, Any], draft_id: str | None, by: PreparedBy
) -> str:
    """Save the desk's draft addressed to ``by.addressed_to`` (one transaction): it
    appears in « Factures préparées » on whichever post his card is in. Returns its id."""
    from uuid import uuid4  # platform: not for the listings (issue #27)

    draft_id = draft_id or uuid4().hex[:12]
    text = json.dumps({**document, "id": draft_id, PREPARED_BY_NAME: by.name}, ensure_ascii=False)
    now = ctx.utc_clock()

    def work(store: Store) -> None:
        store.cabinet.address_draft(
            draft_id, text, addressed_to=by.addressed_to, prepared_by=by.card_id, now=now
        )

    ctx.db.submit(work).result()
    return draft_id
