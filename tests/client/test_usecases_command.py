"""A ``sesam`` command's context drives the same use cases as the desk's: the store-level
functions of ``client.usecases`` with a ``CommandContext``, and the desk's adapters over
the database thread, agree on the same store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from am_support import FakeClock, client_settings, create_fse, open_cabinet

from billing.fse_states import FseState
from client.cli.context import CommandContext
from client.context import AppContext, build_context
from client.fake_transport import InProcessTransport
from client.store import open_store
from client.usecases import lots, payments, views
from client.usecases.common import Services

SETTINGS = client_settings("https://127.0.0.1:1")


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    ctx = build_context(
        SETTINGS,
        data_dir=tmp_path / "data",
        use_pcsc=False,
        transport=InProcessTransport(),
    )
    yield ctx
    ctx.close()


def command(ctx: AppContext) -> CommandContext:
    """A command's context over the desk's data directory (no HTTPS: the fake transport)."""
    return CommandContext(
        settings=lambda: SETTINGS,
        store=lambda: open_store(ctx.store_path),
        transport=lambda _settings: InProcessTransport(),
        data_dir=lambda: ctx.data_dir,
    )


def seed(ctx: AppContext, count: int) -> list[int]:
    store = open_store(ctx.store_path)
    try:
        return [row.number for row in create_fse(store, open_cabinet(), count, FakeClock())]
    finally:
        store.close()


def test_both_contexts_are_the_use_cases_services(ctx: AppContext) -> None:
    with command(ctx) as cli:
        for services in (ctx, cli):
            checked: Services = services  # mypy: both satisfy the protocol
            assert checked.data_dir == ctx.data_dir
            assert checked.utc_clock().utcoffset() is not None


def test_a_command_and_the_desk_read_the_same_dashboard(ctx: AppContext) -> None:
    seed(ctx, 2)
    with command(ctx) as cli:
        figures = views.dashboard_figures(cli.store, cli)
    assert figures.fse_count == views.load_dashboard(ctx).fse_count == 2


def test_a_command_cancels_and_closes_lots_through_the_use_cases(ctx: AppContext) -> None:
    first, _second = seed(ctx, 2)
    cabinet = open_cabinet()
    with command(ctx) as cli:
        row = payments.cancel_fse(cli.store, cli, first, "saisie en double", None)
        assert row.state == FseState.CANCELLED
        done = lots.close_lots_in(cli.store, cli, cabinet.signer, cabinet.cps, all_lots=True)
        assert len(done.lots) == 1 and done.pj_lot_ids == []
    # The desk finds nothing left to close in the same store.
    assert lots.close_lots(ctx, cabinet.cps, cabinet.signer) == 0
