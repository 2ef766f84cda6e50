"""Issue #27: the lists the user opens (reconciliation, FSE, alerts) are pages the database
selects, counts and orders, and they say the same as a walk of every FSE; the scheduled
backup copies in steps from a snapshot while the desk keeps writing."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from am_support import (
    Cabinet,
    DealtReturnPolicy,
    FakeClock,
    create_fse,
    seeded,
    send_and_fetch_returns,
)

from client import backup as backup_module
from client.backup import CHECKING, BackupStoppedError, backup, check_backup
from client.cli import main
from client.returns import (
    Reconciliation,
    reconcile,
    reconcile_counts,
    reconcile_page,
    reconcile_summary,
)
from client.store import Store, open_store


@pytest.fixture
def settled(store: Store, cabinet: Cabinet, tmp_path: Path) -> Store:
    """40 FSE paid, partly paid or rejected by the simulated Assurance Maladie, then 7
    more still waiting in an open lot."""
    clock = FakeClock()
    # Fates dealt in turn (not drawn from each FSE's random uuid): 40 FSE hold rejects and
    # partial payments in every run.
    policy = DealtReturnPolicy(rejected_per_mille=300, partly_paid_per_mille=400)
    create_fse(store, cabinet, 40, clock)
    send_and_fetch_returns(store, cabinet, clock, tmp_path / "ledger.sqlite", policy, seeded(3))
    create_fse(store, cabinet, 7, clock)
    return store


def test_counts_and_pages_of_the_reconciliation_match_the_walk(settled: Store) -> None:
    walk = reconcile(settled)  # every FSE, the reference
    by_status = Counter(r.status for r in walk)
    assert set(by_status) == {
        Reconciliation.PAID,
        Reconciliation.PARTLY_PAID,
        Reconciliation.REJECTED,
        Reconciliation.WAITING,
    }
    # The counts the triggers keep are the walk's.
    assert reconcile_counts(settled) == dict(by_status)
    summary = reconcile_summary(settled)
    assert summary.listed == len(walk) == 47
    assert summary.waiting == by_status[Reconciliation.WAITING] == 7
    # Pages of 6, newest first, put together: the whole list, nothing twice.
    pages = [reconcile_page(settled, 6, offset) for offset in range(0, 60, 6)]
    assert [r.number for page in pages for r in page] == sorted(
        (r.number for r in walk), reverse=True
    )
    # Filtered by the database: the same FSE as the walk's filter, with the same figures.
    for status in Reconciliation:
        page = reconcile_page(settled, 100, status=status)
        assert sorted(r.number for r in page) == sorted(
            r.number for r in walk if r.status is status
        )
        assert {r.fse_uuid: r for r in page} == {r.fse_uuid: r for r in walk if r.status is status}


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    assert main(list(args)) == 0
    return capsys.readouterr().out.splitlines()


def test_returns_and_fse_lists_show_the_newest_screenful_and_say_how_to_see_more(
    settled: Store, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESAM_DATA_DIR", str(settled.path.parent))
    lines = _run(capsys, "fse", "list", "--par-page", "5")
    numbers = [int(line.split()[0]) for line in lines[:5]]
    assert numbers == [43, 44, 45, 46, 47]  # the newest five, in number order
    assert "5 FSE sur 47" in lines[5] and "--page 2" in lines[5]
    lines = _run(capsys, "fse", "list", "--par-page", "5", "--page", "2")
    assert [int(line.split()[0]) for line in lines[:5]] == [38, 39, 40, 41, 42]
    lines = _run(capsys, "fse", "list", "--tout")
    assert len(lines) == 48 and lines[-1].startswith("47 FSE — total ")  # + the status line
    lines = _run(capsys, "returns", "list", "--par-page", "4", "--etat", "en_attente")
    assert [line.split()[2] for line in lines[:4]] == ["44", "45", "46", "47"]
    assert "4 FSE sur 7" in lines[4]
    assert lines[5] == "en attente : 7"  # the count of the whole list, by the database


@pytest.mark.sqlite_only  # SQLite's online backup of the file (the server: pg_dump)
def test_backup_copies_a_snapshot_in_steps_while_the_desk_writes(
    settled: Store, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    monkeypatch.setattr(backup_module, "PAGES_PER_STEP", 8)
    desk = sqlite3.connect(settled.path, timeout=0.5)  # would wait at most 0.5 s on a lock
    desk.execute("CREATE TABLE desk_probe (n INTEGER)")
    desk.commit()
    steps: list[tuple[int, int]] = []

    def progress(copied: int, total: int) -> None:
        if total == CHECKING:  # the live database's check, heard before the snapshot
            return
        steps.append((copied, total))
        desk.execute("INSERT INTO desk_probe VALUES (?)", [len(steps)])  # not blocked
        desk.commit()

    copy = backup(settled, tmp_path_factory.mktemp("copies") / "copie.db", progress=progress)
    assert len(steps) > 3
    copied = [c for c, _ in steps]
    assert copied == sorted(copied) and steps[-1][0] == steps[-1][1]  # never restarted
    check_backup(copy)
    with sqlite3.connect(copy) as saved:
        # The snapshot of the start: none of the writes made during the copy.
        assert saved.execute("SELECT count(*) FROM desk_probe").fetchone() == (0,)
        assert saved.execute("SELECT count(*) FROM fse").fetchone() == (47,)
    assert desk.execute("SELECT count(*) FROM desk_probe").fetchone() == (len(steps),)
    desk.close()


@pytest.mark.sqlite_only  # SQLite's online backup of the file (the server: pg_dump)
def test_a_stopped_backup_keeps_no_partial_copy(
    settled: Store, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    monkeypatch.setattr(backup_module, "PAGES_PER_STEP", 8)

    def stop(copied: int, total: int) -> None:
        if total != CHECKING:  # stopped once pages are copied
            raise BackupStoppedError(settled.path, "application fermée")

    folder = tmp_path_factory.mktemp("copies")
    with pytest.raises(BackupStoppedError):
        backup(settled, folder / "copie.db", progress=stop)
    assert list(folder.iterdir()) == []  # neither the copy nor its temporary file


@pytest.mark.sqlite_only  # a SQLite store of before the PostgreSQL backend (m010)
def test_a_store_of_before_is_compressed_in_place_and_still_verifies(
    settled: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = settled.path
    before = {r.number: r.canonical for r in settled.fse_list()}
    lots = {lot.id: settled.lot_der(lot.id) for lot in settled.lots() if lot.signed}
    assert lots and all(der is not None for der in lots.values())
    settled.close()
    # Back to the store of before m010: documents as TEXT, signed lots as their DER.
    conn = sqlite3.connect(path)
    for number, text in before.items():
        conn.execute("UPDATE fse SET canonical = ? WHERE number = ?", [text, number])
    for lot_id, der in lots.items():
        conn.execute("UPDATE lots SET signed_der = ? WHERE id = ?", [der, lot_id])
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm010_packed_documents'")
    conn.commit()
    assert conn.execute("SELECT count(*) FROM fse WHERE typeof(canonical) = 'text'").fetchone()[
        0
    ] == len(before)
    conn.close()
    monkeypatch.setattr("client.migrations.PACK_BATCH", 10)  # several batches
    reopened = open_store(path)  # the migration runs here
    try:
        kinds = reopened.db.execute(
            "SELECT typeof(canonical), substr(canonical, 1, 2), count(*) FROM fse GROUP BY 1, 2"
        ).fetchall()
        # packed as this version packs (zstd and its dictionary since m020, issue #27)
        assert [tuple(k) for k in kinds] == [("blob", b"Z\x02", len(before))]
        assert {r.number: r.canonical for r in reopened.fse_list()} == before
        assert {lot_id: reopened.lot_der(lot_id) for lot_id in lots} == lots
        stored = reopened.db.execute("SELECT sum(length(canonical)) FROM fse").fetchone()[0]
        assert stored * 4 < sum(len(t.encode()) for t in before.values())
        report = reopened.audit_verify()
        assert report.ok, report.message()
    finally:
        reopened.close()


def test_queue_totals_by_state_are_the_walks(settled: Store) -> None:
    from decimal import Decimal

    walk: dict[object, tuple[int, Decimal, Decimal, Decimal]] = {}
    for row in settled.fse_list():
        n, fees, amo, amc = walk.get(row.state, (0, Decimal(0), Decimal(0), Decimal(0)))
        walk[row.state] = (n + 1, fees + row.total_fees, amo + row.amo, amc + row.amc)
    assert len(walk) >= 3
    assert settled.fse_totals_by_state() == walk
