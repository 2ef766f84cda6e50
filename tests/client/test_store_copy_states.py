"""Moving in with a real practice's store (issue #26): FSE waiting, paid, partly paid,
rejected by the caisse, AMC parts paid short and rejected by the complémentaire, a
remainder closed with its reason. ``sesam store copy`` takes it to PostgreSQL and back;
on each side ``sesam audit verify`` passes and the dashboard, the remainders and every
table's rows are those of the practitioner's SQLite file — the tables the triggers keep
(counts, totals, remainders) included, whichever migration added them. Real SQLite files,
a real PostgreSQL server, the real simulated caisse and AMC over HTTPS, the real ``sesam``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from am_support import FakeClock, client_settings, close_lots, create_fse, open_cabinet, seeded
from amc_support import amc_server, amc_settings, create_tp_fse

from billing.fse_states import FseState
from billing.referential import Referential
from client import dashboard
from client.amc.dre import build_dre_lots, send_dre_lots
from client.amc.engagement import OnlineEngagement
from client.amc.returns import fetch_returns
from client.amc.transport import AmcTransport
from client.fse_service import FseService
from client.reconcile_views import reconcile
from client.reconciliation import Reconciliation
from client.remainders import ClosureMotif, close_remainder, open_remainders, remainder_totals
from client.returns import fetch_noemie
from client.sender import Sender
from client.store import Store, open_store
from client.store.copying import SchemaMismatchError, copy_store, store_tables, trigger_writes
from client.transport import HttpsTransport
from testbed.am.noemie_gen import Fate as AmFate
from testbed.am.noemie_gen import ReturnPolicy
from testbed.am.server import AmServer
from testbed.amc.payments import AmcPolicy, Fate

ROOT = Path(__file__).resolve().parents[2]


def sesam(data_dir: Path, *args: str, url: str = "") -> subprocess.CompletedProcess[str]:
    """The ``sesam`` command on ``data_dir``'s SQLite file, or on ``url``'s database."""
    env = {k: v for k, v in os.environ.items() if k != "SESAM_DATABASE_URL"}
    env["SESAM_DATA_DIR"] = str(data_dir)
    if url:
        env["SESAM_DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "client.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=180,
        check=False,
    )


@dataclass(frozen=True)
class _Fates(ReturnPolicy):
    """The caisse's answer chosen per FSE: rejected, partly paid, else paid."""

    rejected: tuple[str, ...] = ()
    partly: tuple[str, ...] = ()

    def fate(self, fse_id: str) -> tuple[AmFate, str]:
        spread = ReturnPolicy(rejected_per_mille=1000, partly_paid_per_mille=0)
        if fse_id in self.rejected:
            return spread.fate(fse_id)
        if fse_id in self.partly:
            return ReturnPolicy(rejected_per_mille=0, partly_paid_per_mille=1000).fate(fse_id)
        return AmFate.PAID, ""


def _practice(folder: Path, tmp_path: Path) -> None:
    """A SQLite store holding FSE in every state a practice has."""
    folder.mkdir(mode=0o700)
    store = open_store(folder / "sesam.db", database_url="")
    clock = FakeClock()
    try:
        # The complémentaire (gestion séparée) pays one AMC part in full, one short, and
        # rejects one.
        separate = open_cabinet(vitale="vitale-amc-separee")
        with amc_server(tmp_path / "amc.sqlite") as amc:
            gate = OnlineEngagement(
                store, AmcTransport(amc_settings(amc.url)), Referential.load_default()
            )
            tp = [create_tp_fse(store, separate, gate)[0] for _ in range(3)]
            amc.policy = AmcPolicy(
                forced=(
                    (tp[0].fse_uuid, Fate.PAID),
                    (tp[1].fse_uuid, Fate.PARTLY_PAID),
                    (tp[2].fse_uuid, Fate.REJECTED),
                )
            )
            FseService(store, clock=clock).close_lots(separate.signer, separate.cps, all_lots=True)
            ids = {s.billing_number + s.billing_key for s in separate.cps.situations}
            build_dre_lots(store, separate.signer, ids, clock)
            transport = AmcTransport(amc_settings(amc.url))
            try:
                send_dre_lots(store, transport, amc_settings(amc.url), clock)
                fetch_returns(store, transport, clock)
            finally:
                transport.close()
        # The caisse pays, pays short and rejects the others (their lots sent over HTTPS).
        cabinet = open_cabinet()
        amo = create_fse(store, cabinet, 4, clock, lot_size=2)
        close_lots(store, cabinet, clock)
        server = AmServer(ledger_path=tmp_path / "ledger.sqlite").start()
        try:
            server.policy = _Fates(rejected=(amo[0].fse_uuid,), partly=(amo[1].fse_uuid,))
            settings = client_settings(server.url)
            http = HttpsTransport(settings)
            sent = Sender(store, http, settings=settings, clock=clock, rng=seeded(1)).run()
            assert sent.complete
            assert fetch_noemie(store, http, clock())
        finally:
            server.stop()
        # A remainder closed with its reason (journaled); FSE still waiting, one cancelled.
        close_remainder(store, amo[0].number, ClosureMotif.LOSS, clock, comment="radié")
        waiting = create_fse(store, cabinet, 3, clock)
        FseService(store, clock=clock).cancel(waiting[-1].number, "erreur de saisie")
        assert store.audit_verify().ok
    finally:
        store.close()


@dataclass(frozen=True)
class _Seen:
    """What the practitioner sees of his store, and every row it holds."""

    fse: list[tuple[int, str, str]]
    reconciliation: list[tuple[int, str, str, str]]
    board: dashboard.Dashboard
    totals: object
    remainders: list[tuple[int, str]]
    rows: dict[str, list[tuple[Any, ...]]]


def _value(value: Any) -> Any:
    """A value as both backends can give it back (bytes, whole numbers)."""
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _seen(store: Store, now: Any) -> _Seen:
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for table in store_tables(store):
        read = store.db.query(f"SELECT * FROM {table}")  # noqa: S608 - the store's tables
        rows[table] = sorted((tuple(_value(v) for v in r.values()) for r in read), key=repr)
    return _Seen(
        fse=[(r.number, r.state.value, str(r.total_fees)) for r in store.fse_list()],
        reconciliation=[
            (r.number, r.status.value, str(r.paid_amo), str(r.paid_amc)) for r in reconcile(store)
        ],
        board=dashboard.last_months(store, now),
        totals=remainder_totals(store),
        remainders=[(r.number, str(r.missing)) for r in open_remainders(store)],
        rows=rows,
    )


def _assert_same(copy: _Seen, original: _Seen) -> None:
    assert copy.fse == original.fse
    assert copy.reconciliation == original.reconciliation
    assert copy.board == original.board
    assert copy.totals == original.totals
    assert copy.remainders == original.remainders
    assert copy.rows.keys() == original.rows.keys()
    for table, rows in original.rows.items():
        assert copy.rows[table] == rows, table


def test_a_practice_in_every_state_moves_to_postgresql_and_back_unchanged(
    tmp_path: Path, pg_database: Callable[[], str]
) -> None:
    local = tmp_path / "poste"
    _practice(local, tmp_path)
    now = FakeClock()()
    store = open_store(local / "sesam.db", database_url="")
    try:
        original = _seen(store, now)
    finally:
        store.close()
    states = {state for _, state, _ in original.fse}
    assert {FseState.SECURED, FseState.PAID, FseState.REJECTED, FseState.CANCELLED} <= states
    outcomes = {status for _, status, _, _ in original.reconciliation}
    assert Reconciliation.PARTLY_PAID.value in outcomes
    assert original.rows["amc_remainders"] and original.rows["remainder_closures"]
    assert original.totals.lost_count == 1  # type: ignore[attr-defined]
    assert original.board.unpaid_amount > Decimal(0)
    url = pg_database()

    moved = sesam(local, "store", "copy", "--to", url)

    assert moved.returncode == 0, moved.stderr
    assert "vérifié des deux côtés" in moved.stdout
    assert sesam(local, "audit", "verify").returncode == 0
    verified = sesam(tmp_path / "cabinet", "audit", "verify", url=url)
    assert verified.returncode == 0, verified.stderr
    server = open_store(tmp_path / "cabinet" / "sesam.db", database_url=url)
    try:
        assert server.conn.on_postgres
        _assert_same(_seen(server, now), original)
    finally:
        server.close()

    back = tmp_path / "retour"
    back.mkdir(mode=0o700)
    returned = sesam(back, "store", "copy", "--from", url)

    assert returned.returncode == 0, returned.stderr
    assert sesam(back, "audit", "verify").returncode == 0
    store = open_store(back / "sesam.db", database_url="")
    try:
        _assert_same(_seen(store, now), original)
    finally:
        store.close()


def test_the_tables_kept_by_triggers_are_found_on_both_backends(
    tmp_path: Path, pg_database: Callable[[], str]
) -> None:
    """The copy finds them in the schema itself: those of m021, m025 and later too."""
    on_file = open_store(tmp_path / "a" / "sesam.db", database_url="")
    on_server = open_store(tmp_path / "b" / "sesam.db", database_url=pg_database())
    try:
        kept = trigger_writes(on_file)
        assert trigger_writes(on_server) == kept
        assert {
            "fse_month_totals",
            "payment_month_totals",
            "fse_status_counts",
            "fse_counts",
            "remainders",
            "remainder_counts",
            "amc_remainders",
            "amc_remainder_counts",
            "patients_version",
        } <= kept.keys()
        # Counted from the remainders: reset after them.
        assert kept["remainder_counts"] == {"remainders"}
        assert kept["amc_remainder_counts"] == {"amc_remainders"}
        assert set(store_tables(on_server)) == set(store_tables(on_file))
    finally:
        on_server.close()
        on_file.close()


def test_a_table_the_target_does_not_know_stops_the_copy_before_anything_is_written(
    tmp_path: Path,
) -> None:
    """A table no migration of this version made (an older or newer version's, a tool's):
    copying around it would lose its rows in silence."""
    source = open_store(tmp_path / "a" / "sesam.db", database_url="")
    target = open_store(tmp_path / "b" / "sesam.db", database_url="")
    try:
        with source.write():
            source.db.execute("CREATE TABLE notes_du_poste (id INTEGER PRIMARY KEY, note TEXT)")
            source.db.execute("INSERT INTO notes_du_poste (note) VALUES ('à garder')")
        before = _seen(target, FakeClock()())

        with pytest.raises(SchemaMismatchError, match=r"notes_du_poste.*rien n'a été copié"):
            copy_store(source, target, "b", lambda *_: None)

        assert _seen(target, FakeClock()()) == before
    finally:
        target.close()
        source.close()
