"""The application context owns the transport and the sender: one of each, built once, the
HTTPS transport rebuilt only when the settings are replaced, a fake one injectable (no
network), and the sender draining the outbox through the context's transport."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from am_support import FakeClock, client_settings, close_lots, create_fse, open_cabinet

from billing.fse_states import FseState
from client.context import AppContext, build_context
from client.fake_transport import InProcessTransport
from client.sender import SendReport
from client.store import open_store
from client.transport import HttpsTransport
from testbed.am.server import AmServer


@pytest.fixture
def fake_ctx(tmp_path: Path) -> Iterator[tuple[AppContext, InProcessTransport]]:
    fake = InProcessTransport()
    ctx = build_context(
        client_settings("https://127.0.0.1:1"),
        data_dir=tmp_path / "data",
        use_pcsc=False,
        transport=fake,
    )
    yield ctx, fake
    ctx.close()


def test_the_context_builds_one_transport_and_one_sender(tmp_path: Path) -> None:
    settings = client_settings("https://127.0.0.1:1")
    ctx = build_context(settings, data_dir=tmp_path / "data", use_pcsc=False)
    try:
        first = ctx.transport
        assert isinstance(first, HttpsTransport)
        assert ctx.transport is first  # built once, shared
        sender = ctx.sender
        assert sender is not None and ctx.sender is sender
        ctx.settings = client_settings("https://127.0.0.1:2")  # the settings page saved
        assert ctx.transport is not first and ctx.transport.port == 2  # type: ignore[attr-defined]
        assert ctx.sender is sender and sender.settings is ctx.settings
    finally:
        ctx.close()


def test_an_injected_transport_serves_every_caller(
    fake_ctx: tuple[AppContext, InProcessTransport],
) -> None:
    ctx, fake = fake_ctx
    assert ctx.transport is fake
    ctx.settings = client_settings("https://127.0.0.1:2")
    assert ctx.transport is fake  # injected: never replaced by HTTPS
    ctx.transport.ping()
    assert fake.pings == 1


def test_the_contexts_sender_sends_through_the_injected_transport(
    fake_ctx: tuple[AppContext, InProcessTransport],
) -> None:
    ctx, fake = fake_ctx
    clock = FakeClock()
    store = open_store(ctx.store_path)
    try:
        create_fse(store, open_cabinet(), 2, clock, lot_size=1)
        lots = close_lots(store, open_cabinet(), clock)
    finally:
        store.close()
    sender = ctx.sender
    assert sender is not None
    results: queue.Queue[SendReport | BaseException] = queue.Queue()
    for _run in range(2):  # the same sender, run after run
        sender.start(on_done=results.put)
        result = results.get(timeout=20)
        sender.join(10)
        assert isinstance(result, SendReport), result
    assert sorted(fake.sent) == sorted(lots)
    store = open_store(ctx.store_path)
    try:
        assert len(store.fse_list(state=FseState.ACKNOWLEDGED)) == 2
    finally:
        store.close()


def test_closing_the_context_closes_the_kept_alive_connections(tmp_path: Path) -> None:
    """A connection left open would keep a handler thread of the server alive until its idle
    timeout: the application closes them when it closes (and when the settings change)."""
    server = AmServer(ledger_path=tmp_path / "ledger.sqlite").start()
    try:
        ctx = build_context(client_settings(server.url), data_dir=tmp_path / "data", use_pcsc=False)
        ctx.transport.ping()
        assert _handlers_alive() == 1  # kept alive for the next request
        ctx.close()
        deadline = time.monotonic() + 5
        while _handlers_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _handlers_alive() == 0
    finally:
        server.stop()


def _handlers_alive() -> int:
    return sum("process_request_thread" in t.name for t in threading.enumerate())
