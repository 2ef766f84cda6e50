"""Several posts of a cabinet at once on one PostgreSQL server (issue #26): processes of
their own securing FSE with their cards and closing lots together, senders on three
posts taking the signed lots, a post killed while the card signs."""

from __future__ import annotations

import collections
import json
import signal
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cabinet_support import LEFEVRE, RENAUD, finish, start_worker, worker_env

from client.store import OutboxStatus, open_store


@pytest.fixture
def cabinet_url(pg_database: Callable[[], str], tmp_path: Path) -> str:
    url = pg_database()
    open_store(tmp_path / "first" / "sesam.db", database_url=url).close()  # migrated once
    return url


def _fse_lines(lines: list[str]) -> list[tuple[str, int]]:
    return [(p, int(n)) for kind, p, n, *_ in (line.split() for line in lines) if kind == "fse"]


def test_three_posts_number_fse_and_lots_without_doubles(cabinet_url: str, tmp_path: Path) -> None:
    # RENAUD on post A, his remplaçant MOREL on post B (same number), LEFÈVRE on post C.
    posts = [
        start_worker("bill", cabinet_url, "cps-generaliste", "12", folder=tmp_path / "a"),
        start_worker("bill", cabinet_url, "cps-remplacant", "12", folder=tmp_path / "b"),
        start_worker("bill", cabinet_url, "cps-deux-cabinets", "12", folder=tmp_path / "c"),
    ]
    outputs = [finish(p) for p in posts]
    given = [fse for lines in outputs for fse in _fse_lines(lines)]
    assert len(given) == 36
    assert len(set(given)) == 36, "an FSE number given twice"
    store = open_store(tmp_path / "check" / "sesam.db", database_url=cabinet_url)
    try:
        for practitioner, expected in ((RENAUD, 24), (LEFEVRE, 12)):
            numbers = sorted(r.number for r in store.fse_list(practitioner_id=practitioner))
            assert numbers == list(range(1, expected + 1)), "numbering with a gap or a double"
            assert store.cabinet.gaps(practitioner) == []
            lots = [lot.number for lot in store.lots(practitioner_id=practitioner)]
            assert len(lots) == len(set(lots)), "a lot number given twice"
        # Every FSE ended in a signed lot, queued once.
        assert all(r.lot_id for r in store.fse_list())
        assert store.cabinet.fse_count(store.cabinet.viewer("nobody")) == 0
    finally:
        store.close()

    # Three posts' senders take the queue together: each lot is taken exactly once.
    senders = [
        start_worker("send", cabinet_url, f"poste-{n}", folder=tmp_path / f"s{n}") for n in range(3)
    ]
    claims = collections.Counter(
        line.split()[1] for s in senders for line in finish(s) if line.startswith("claim ")
    )
    store = open_store(tmp_path / "check" / "sesam.db", database_url=cabinet_url)
    try:
        rows = store.outbox_rows()
        assert rows and all(r.status is OutboxStatus.DONE for r in rows)
        assert set(claims) == {r.id for r in rows}
        assert max(claims.values()) == 1, "a lot sent twice"
    finally:
        store.close()


def test_a_post_killed_while_the_card_signs_leaves_its_reason(
    cabinet_url: str, tmp_path: Path
) -> None:
    held = start_worker("hold", cabinet_url, "cps-generaliste", folder=tmp_path / "a")
    assert held.stdout is not None
    line = held.stdout.readline()
    assert line.startswith("holding "), held.stderr.read() if held.stderr else line
    held.send_signal(signal.SIGKILL)
    held.wait(timeout=30)
    # The next post bills on: the number is never given again.
    finish(start_worker("bill", cabinet_url, "cps-generaliste", "2", folder=tmp_path / "b"))

    import subprocess
    import sys

    env = worker_env() | {"SESAM_DATABASE_URL": cabinet_url, "SESAM_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "client.cli", "numbers", "gaps", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    gaps = json.loads(done.stdout)
    assert [(g["praticien"], g["numero"]) for g in gaps] == [(RENAUD, 1)]
    assert "poste" in gaps[0]["raison"]
    store = open_store(tmp_path / "check" / "sesam.db", database_url=cabinet_url)
    try:
        assert sorted(r.number for r in store.fse_list(practitioner_id=RENAUD)) == [2, 3]
    finally:
        store.close()


def test_a_lot_claimed_by_a_post_that_died_is_sent_once_after_its_lease(
    cabinet_url: str, tmp_path: Path
) -> None:
    finish(start_worker("bill", cabinet_url, "cps-generaliste", "2", folder=tmp_path / "a"))
    # Post B (another machine: its process cannot be seen from here) takes the lot and dies.
    dying = start_worker("claim", cabinet_url, "poste-b:4242", folder=tmp_path / "b")
    assert dying.stdout is not None
    lot_id = dying.stdout.readline().split()[1]
    dying.send_signal(signal.SIGKILL)
    dying.wait(timeout=30)
    store = open_store(tmp_path / "check" / "sesam.db", database_url=cabinet_url)
    try:
        now = datetime.now(UTC)
        lease = timedelta(seconds=60)
        # Within its lease nobody else may take it...
        assert store.outbox_reset_stale(now - lease, now, keep_worker="poste-c:1") == 0
        assert store.outbox_claim("poste-c:1", now) is None
        # ...once the lease ran out, post C's sender gives it back and sends it, once.
        later = now + lease + timedelta(seconds=1)
        assert store.outbox_reset_stale(later - lease, later, keep_worker="poste-c:1") == 1
    finally:
        store.close()
    senders = [
        start_worker("send", cabinet_url, f"poste-{n}:1", folder=tmp_path / f"s{n}")
        for n in range(3)
    ]
    claims = [line.split()[1] for s in senders for line in finish(s) if line.startswith("claim")]
    assert claims == [lot_id]
