"""The cabinet's server stopped, a post killed, the server restarted under load (issue
#26): real PostgreSQL servers stopped and started with ``pg_ctl``, real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from cabinet_support import RENAUD, cards, finish, fse_input, start_worker

from client.context import DbWorker
from client.fse_service import FseService
from client.offline_journal import FseKeptOfflineError, OfflineJournal
from client.store import Store, open_store
from client.store.errors import DatabaseUnavailableError
from testbed.pg_cluster import Cluster


def _yesterday() -> str:
    return (date.today() - timedelta(days=1)).isoformat()


def test_server_stopped_while_the_card_signs_keeps_the_fse_and_resumes(
    cluster: Cluster, tmp_path: Path
) -> None:
    c = cards("cps-generaliste")
    post = DbWorker(lambda: open_store(tmp_path / "sesam.db", database_url=cluster.url))

    def bill(store: Store, stop_server: bool = False) -> int:
        hook = cluster.stop if stop_server else None
        service = FseService(store, before_certify=hook)
        return service.create(fse_input(0, day=_yesterday()), c.cps, c.vitale).number

    try:
        assert post.submit(bill).result() == 1
        # The server stops while the Vitale certifies FSE n° 2: already secured, it is kept.
        with pytest.raises(FseKeptOfflineError) as kept:
            post.submit(lambda s: bill(s, stop_server=True)).result()
        message = str(kept.value)
        assert "ne répond pas" in message and "n° 2" in message and "ne la refaites pas" in message
        journal = OfflineJournal(tmp_path / "fse-en-attente.jsonl")
        assert [k.fse.number for k in journal.pending()] == [2]
        # While the server is down, the post says so in French; nothing else is lost.
        with pytest.raises(DatabaseUnavailableError, match="ne répond pas"):
            post.submit(bill).result()
        cluster.start()
        # The post resumes by itself: a new connection, the kept FSE stored first.
        assert post.submit(bill).result() == 3
        numbers = post.submit(lambda s: sorted(r.number for r in s.fse_list())).result()
        assert numbers == [1, 2, 3]
        assert post.submit(lambda s: s.cabinet.gaps(RENAUD)).result() == []
        assert not journal.path.exists()
        assert post.submit(lambda s: s.audit_verify().ok).result()
    finally:
        post.close()


def test_a_post_killed_mid_transaction_leaves_nothing_half_written(
    cluster: Cluster, tmp_path: Path
) -> None:
    open_store(tmp_path / "first" / "sesam.db", database_url=cluster.url).close()
    post = start_worker("midwrite", cluster.url, "cps-generaliste", folder=tmp_path / "a")
    assert post.stdout is not None
    line = post.stdout.readline()
    assert line.startswith("writing 1"), post.stderr.read() if post.stderr else line
    post.send_signal(signal.SIGKILL)
    post.wait(timeout=30)
    store = open_store(tmp_path / "check" / "sesam.db", database_url=cluster.url)
    try:
        # Neither the FSE nor its lot nor its journal lines: the transaction rolled back.
        assert store.fse_list() == [] and store.lots() == []
        assert store.audit_verify().ok
        (gap,) = store.cabinet.gaps(RENAUD)
        assert gap.number == 1 and "poste" in gap.reason
    finally:
        store.close()
    # The writers' lock went with the killed post: another post bills at once.
    lines = finish(start_worker("bill", cluster.url, "cps-generaliste", "1", folder=tmp_path / "b"))
    assert lines[0].split()[:3] == ["fse", RENAUD, "2"]


def first_line(process: subprocess.Popen[str]) -> str:
    """The worker's first line, read byte by byte from its pipe: nothing is left in a Python
    buffer that ``communicate`` (which reads the pipe itself) would not see."""
    assert process.stdout is not None
    fd, line = process.stdout.fileno(), b""
    while not line.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte:
            break
        line += byte
    return line.decode().strip()


def test_server_restarted_under_load_loses_nothing(cluster: Cluster, tmp_path: Path) -> None:
    open_store(tmp_path / "first" / "sesam.db", database_url=cluster.url).close()
    posts = [
        start_worker("steady", cluster.url, cps, "25", folder=tmp_path / name)
        for name, cps in (
            ("a", "cps-generaliste"),
            ("b", "cps-remplacant"),
            ("c", "cps-deux-cabinets"),
        )
    ]
    # Every post has secured its first FSE (of 25): the stop falls in the middle of the work,
    # whatever the machine's load.
    first = [first_line(p) for p in posts]
    assert all(line.startswith("fse") for line in first), first
    cluster.stop()
    time.sleep(1)
    cluster.start()
    outputs = [[line, *finish(p)] for line, p in zip(first, posts, strict=True)]
    told = [line for lines in outputs for line in lines if line.startswith(("fse", "kept"))]
    # The stop did fall in the middle of the work: posts were refused, and came back.
    assert any(line == "down" or line.startswith("kept") for lines in outputs for line in lines)
    assert len(told) == 75  # every FSE the posts were told secured, stored or kept
    store = open_store(tmp_path / "check" / "sesam.db", database_url=cluster.url)
    try:
        rows = store.fse_list()
        assert len(rows) == 75, "an FSE told secured is missing"
        keys = [(r.practitioner_id, r.number) for r in rows]
        assert len(set(keys)) == 75
        for practitioner in {r.practitioner_id for r in rows}:
            # Numbers are never reused; a gap, if any, has its reason.
            assert all(g.reason != "raison inconnue" for g in store.cabinet.gaps(practitioner))
        assert store.audit_verify().ok
    finally:
        store.close()
