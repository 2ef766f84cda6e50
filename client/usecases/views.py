"""What the queue and dashboard pages show, read on the database thread: counts from SQL
and the first page of each list; never every row of a list."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from client import dashboard
from client.store import Store
from client.store.cabinet import Viewer
from client.store.rows import LotRow, OutboxRow
from client.usecases.scope import fse_page as scoped_fse_page
from client.usecases.scope import looking, scope_of

if TYPE_CHECKING:  # the card, sender and transport code: not for ``sesam dashboard`` (#27)
    from client import alerts
    from client.alerts import Alert
    from client.context import AppContext
    from client.fse_search import FseFilter, FseListRow, FseListTotals, PractitionerChoice
    from client.remainders import LateAmcPart
    from client.returns import FseReconciliation, ReconcileSummary
    from client.usecases.common import Services

#: A prepared invoice as the draft book keeps it (its JSON object).
Draft = dict[str, Any]
#: An unmatched NOEMIE payment line as ``client.returns`` reads it.
UnmatchedPayment = dict[str, Any]


class FseListView(NamedTuple):
    """What one search of the FSE list read on the database thread: the first page, the
    count and total, the practitioners to choose from."""

    filter: FseFilter
    first: list[FseListRow]
    found: FseListTotals
    practitioners: list[PractitionerChoice]


def read_fse_list(store: Store, flt: FseFilter, first_page: int = 200) -> FseListView:
    """The FSE list's first page, count and total, practitioners (database thread)."""
    from client.fse_search import practitioners, search, totals  # not for the dashboard

    return FseListView(
        filter=flt,
        first=search(store, flt, limit=first_page),
        found=totals(store, flt),
        practitioners=practitioners(store),
    )


@dataclass(frozen=True, slots=True)
class QueueView:
    """What the queue page shows, read in one go: the counts and the first page of each list
    (newest FSE and lots first; the next pages: :func:`fse_page`, :func:`lot_page`,
    :func:`unmatched_page`, read as the lists scroll)."""

    fse: list[FseReconciliation]  # the first page (none when ``fse_list`` was read instead)
    summary: ReconcileSummary  # of the whole list
    lots: list[tuple[LotRow, OutboxRow | None]]  # the first page
    lot_count: int
    unmatched: list[UnmatchedPayment]  # the first page
    unmatched_count: int
    drafts: list[Draft]
    last_contact: str | None
    #: AMC parts (gestion séparée) unpaid beyond their AMC's delay (issue #23).
    late_amc: list[LateAmcPart] = field(default_factory=list)
    #: The page's FSE list searched with the filter the user set, in the same read
    #: (issue #27: a second read queued behind the first on the database thread).
    fse_list: FseListView | None = None


def read_queue(
    store: Store,
    first_page: int = 200,
    drafts: list[Draft] | None = None,
    viewer: Viewer | None = None,
) -> QueueView:
    """The queue page's content (on the database thread); the FSE list as ``viewer``
    sees it (None: the whole store)."""
    with looking(store, viewer):
        return _read_queue(store, first_page, drafts, viewer)


def _read_queue(
    store: Store,
    first_page: int,
    drafts: list[Draft] | None,
    viewer: Viewer | None,
    reconciliations: bool = True,
) -> QueueView:
    # Here, not at the top: ``sesam dashboard`` reads its figures without them (issue #27).
    from client import returns
    from client.remainders import late_amc_parts

    seen = scope_of(viewer)
    with looking(store, viewer):
        return QueueView(
            fse=scoped_fse_page(store, viewer, first_page) if reconciliations else [],
            summary=returns.reconcile_summary(store, seen),
            lots=store.lots_page(first_page, 0, seen),
            lot_count=store.lot_count(seen),
            unmatched=returns.unmatched_page(store, first_page, 0, seen),
            unmatched_count=returns.unmatched_count(store, seen),
            drafts=list(drafts or []),
            last_contact=returns.last_contact(store),
            late_amc=late_amc_parts(store, datetime.now(UTC), practitioners=seen),
        )


def load_queue(
    ctx: AppContext, first_page: int = 200, fse_filter: FseFilter | None = None
) -> QueueView:
    """The queue page's content, with the prepared invoices, and its FSE list searched
    with ``fse_filter`` when given: one read on the database thread."""
    book = ctx.drafts
    viewer = ctx.viewer

    def work(store: Store) -> QueueView:
        drafts = book.list() if book is not None else []
        if fse_filter is None:
            return read_queue(store, first_page, drafts, viewer)
        with looking(store, viewer):  # the FSE list stands for the reconciliations' page
            view = _read_queue(store, first_page, drafts, viewer, reconciliations=False)
        return replace(view, fse_list=read_fse_list(store, fse_filter, first_page))

    return ctx.db.submit(work).result()


def fse_page(ctx: AppContext, offset: int, limit: int) -> list[FseReconciliation]:
    """A page of the queue's FSE list, newest first (as the list scrolls)."""
    viewer = ctx.viewer
    return ctx.db.submit(lambda store: scoped_fse_page(store, viewer, limit, offset)).result()


def lot_page(ctx: AppContext, offset: int, limit: int) -> list[tuple[LotRow, OutboxRow | None]]:
    """A page of the queue's lots, newest first, each with its outbox row (as it scrolls),
    those the card in the reader may see."""
    viewer = ctx.viewer

    def work(store: Store) -> list[tuple[LotRow, OutboxRow | None]]:
        with looking(store, viewer):
            return store.lots_page(limit, offset, scope_of(viewer))

    return ctx.db.submit(work).result()


def unmatched_page(ctx: AppContext, offset: int, limit: int) -> list[UnmatchedPayment]:
    """A page of the unmatched payments, oldest first (as the list scrolls), those the
    card in the reader may see."""
    viewer = ctx.viewer

    from client import returns

    def work(store: Store) -> list[UnmatchedPayment]:
        with looking(store, viewer):
            return returns.unmatched_page(store, limit, offset, scope_of(viewer))

    return ctx.db.submit(work).result()


@dataclass(frozen=True, slots=True)
class DashboardView:
    """Figures of the dashboard; money as Decimal, months as 'MM/AAAA'."""

    months: list[str]
    billed: list[Decimal]
    received: list[Decimal]
    waiting_amount: Decimal
    rejects: int
    vitale_rate: Decimal | None  # télétransmission rate, dégradé excluded
    fse_count: int
    days_since_transmission: int | None
    alerts: list[Alert]
    rejects_by_month: list[Decimal]
    # Partly paid and rejected FSE whose remainder the user has not closed (any date).
    unpaid_amount: Decimal = Decimal("0.00")
    unpaid_count: int = 0
    # Share of FSE by securing mode (card, ApCV, sans Vitale, dégradé), in percent.
    mode_shares: dict[str, Decimal] = field(default_factory=dict)


def dashboard_figures(
    store: Store,
    ctx: Services,
    start: date | None = None,
    end: date | None = None,
    *,
    months: int = 6,
    now: datetime | None = None,
    viewer: Viewer | None = None,
) -> dashboard.Dashboard:
    """The figures over care dates ``start``..``end`` (by default: the ``months`` last
    months, the current one included) as at ``now`` (by default the context's clock), of
    the FSE and payments ``viewer`` may see (None: the whole store);
    :raises DashboardPeriodError: ``end`` before ``start``."""
    now = now or ctx.utc_clock()
    last = end or now.date()
    first = start or dashboard.month_start(last, months - 1)
    with looking(store, viewer):
        return dashboard.compute(store, first, last, now, scope_of(viewer))


def read_dashboard(
    store: Store, ctx: Services, months: int = 6, viewer: Viewer | None = None
) -> DashboardView:
    """The dashboard page: the figures of the last months as ``viewer`` sees them, and the
    alerts."""
    now = ctx.utc_clock()
    figures = dashboard_figures(store, ctx, months=months, now=now, viewer=viewer)
    return DashboardView(
        months=[m.label for m in figures.months],
        billed=[m.billed for m in figures.months],
        received=[m.received for m in figures.months],
        waiting_amount=figures.waiting_amount,
        rejects=figures.rejects,
        vitale_rate=figures.teletransmission_rate,
        fse_count=figures.fse_count,
        days_since_transmission=figures.days_since_transmission,
        alerts=_alerts(store, ctx, now, viewer),
        rejects_by_month=[Decimal(m.rejects) for m in figures.months],
        unpaid_amount=figures.unpaid_amount,
        unpaid_count=figures.unpaid_count,
        mode_shares=figures.mode_shares,
    )


def _alerts(store: Store, ctx: Services, now: datetime, viewer: Viewer | None) -> list[Alert]:
    """The alerts of what ``viewer`` may see (issue #26)."""
    from client.alerts import compute_alerts

    with looking(store, viewer):
        return compute_alerts(store, ctx.settings, now, practitioners=scope_of(viewer))


def load_alert_details(ctx: AppContext, kind: alerts.AlertKind) -> list[Alert]:
    """The alerts of ``kind`` one by one, however many (issue #27: the dashboard counts
    them in one alert; a double click on it lists them), as the desk's viewer sees them."""
    viewer = ctx.viewer

    from client.alerts import compute_alerts

    def work(store: Store) -> list[Alert]:
        with looking(store, viewer):
            found = compute_alerts(
                store,
                ctx.settings,
                ctx.utc_clock(),
                practitioners=scope_of(viewer),
                detail=frozenset({kind}),
            )
        return [a for a in found if a.kind is kind]

    return ctx.db.submit(work).result()


def load_dashboard(ctx: AppContext, months: int = 6) -> DashboardView:
    """:func:`read_dashboard` on the desk's database thread."""
    viewer = ctx.viewer
    return ctx.db.submit(lambda store: read_dashboard(store, ctx, months, viewer)).result()
