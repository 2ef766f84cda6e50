"""A post whose connection to the cabinet's server broke (server stopped or restarted):
reads and writes say so in French, a transaction cut with its connection is never carried
on in a new one, and the same store resumes by itself once the server answers (issue #26:
real PostgreSQL servers stopped and started with ``pg_ctl``)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from cabinet_support import RENAUD, cards, fse_input

from client.fse_service import FseService
from client.messages import describe
from client.store import open_store
from client.store.errors import DatabaseUnavailableError
from testbed.pg_cluster import Cluster


def _yesterday() -> str:
    return (date.today() - timedelta(days=1)).isoformat()


def test_reads_while_the_server_is_down_say_so_and_the_store_resumes(
    cluster: Cluster, tmp_path: Path
) -> None:
    c = cards("cps-generaliste")
    store = open_store(tmp_path / "sesam.db", database_url=cluster.url)
    try:
        service = FseService(store)
        assert service.create(fse_input(0, day=_yesterday()), c.cps, c.vitale).number == 1
        cluster.stop()
        # The lists the desk reads, not only the writes: the French sentence, typed.
        for read in (store.fse_list, store.lots, store.audit_verify):
            with pytest.raises(DatabaseUnavailableError) as caught:
                read()
            text = describe(caught.value)
            assert text is not None and "ne répond pas" in text
        with pytest.raises(DatabaseUnavailableError):
            service.create(fse_input(1, day=_yesterday()), c.cps, c.vitale)
        cluster.start()
        # The same store, no reopening: a new connection at its next statement.
        assert [r.number for r in store.fse_list()] == [1]
        assert service.create(fse_input(1, day=_yesterday()), c.cps, c.vitale).number == 2
        assert store.audit_verify().ok
    finally:
        store.close()


def test_a_transaction_cut_by_a_restart_is_not_carried_on_in_a_new_connection(
    cluster: Cluster, tmp_path: Path
) -> None:
    c = cards("cps-generaliste")
    store = open_store(tmp_path / "sesam.db", database_url=cluster.url)
    try:
        FseService(store).create(fse_input(0, day=_yesterday()), c.cps, c.vitale)
        with pytest.raises(DatabaseUnavailableError), store.write():
            assert store.next_fse_number(RENAUD) == 2
            cluster.stop()
            cluster.start()
            # The rest of the transaction must not run alone on a new connection.
            store.next_fse_number(RENAUD)
        # Nothing of the cut transaction stayed: the number was never given out.
        with store.write():
            assert store.next_fse_number(RENAUD) == 2
        assert store.audit_verify().ok
    finally:
        store.close()
