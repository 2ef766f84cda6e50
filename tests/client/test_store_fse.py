"""The store on a real SQLite file: permissions, pragmas, one transaction per FSE, lots and
outbox rows, numbering that survives a restore, history, cancellation."""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest
from fse_cards_support import Clock, cards, fse_input

from billing.fse_states import FseEventKind, FseState, FseStateError
from billing.lot import LotRules, verify_lot
from billing.lot_states import LotState
from client.fse_service import FseService
from client.store import OutboxStatus, Store, StoreError, open_store
from testbed import pki


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "sesam.db"


@pytest.fixture
def store_path(db_path: Path) -> Path:
    return db_path  # conftest.py's ``store`` opens it; tests open it again


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.sqlite_only  # the SQLite file's modes and PRAGMAs
def test_files_are_private_and_pragmas_are_set(store: Store, db_path: Path) -> None:
    FseService(store).create(fse_input(), cards().cps, cards().vitale)
    assert mode(db_path.parent) == 0o700
    for name in ("sesam.db", "sesam.db-wal", "sesam.db-shm", "numbering.json"):
        assert mode(db_path.parent / name) == 0o600, name
    pragma = store.db.execute
    assert pragma("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert pragma("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert pragma("PRAGMA foreign_keys").fetchone()[0] == 1
    assert pragma("PRAGMA busy_timeout").fetchone()[0] >= 5000
    from client.migrations import MIGRATIONS

    assert MIGRATIONS.applied(store.db)[0].name == "m001_fse_lots_outbox"


def test_an_fse_its_acts_event_lot_and_outbox_row_are_written_together(store: Store) -> None:
    c = cards()
    row = FseService(store).create(fse_input(2), c.cps, c.vitale)
    assert row.state is FseState.SECURED and row.number == 1
    lot = store.lot_by_id(row.lot_id or "")
    assert (lot.state, lot.fse_count, lot.mode, lot.organism) == (
        LotState.OPEN,
        1,
        "vitale",
        "01-751-7511",
    )
    outbox = store.outbox_get(lot.id)
    assert outbox is not None and outbox.status is OutboxStatus.HELD and outbox.kind == "fse"
    assert [e.kind for e in store.fse_events(row.id)] == [
        FseEventKind.CREATED,
        FseEventKind.SECURED,
    ]
    assert row.fse().certification.hex() == row.vitale_certification


def test_a_failure_inside_the_transaction_leaves_nothing_and_burns_the_number(
    store: Store,
) -> None:
    c = cards()
    service = FseService(store)
    service.create(fse_input(0), c.cps, c.vitale)

    class Boom(Exception):
        pass

    original = store.insert_fse

    def insert_then_fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        original(*args, **kwargs)
        raise Boom

    store.insert_fse = insert_then_fail  # type: ignore[method-assign]
    with pytest.raises(Boom):
        service.create(fse_input(1), c.cps, c.vitale)
    store.insert_fse = original  # type: ignore[method-assign]
    counts = {
        t: store.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # noqa: S608
        for t in ("fse", "fse_acts", "fse_events", "lots", "outbox")
    }
    assert counts == {"fse": 1, "fse_acts": 1, "fse_events": 2, "lots": 1, "outbox": 1}
    # Number 2 went to the card in the failed attempt: it is never handed out again.
    assert service.create(fse_input(1), c.cps, c.vitale).number == 3


@pytest.mark.sqlite_only  # an older copy of the SQLite file restored, numbering.json beside
def test_numbers_are_never_reused_after_restoring_an_older_database(db_path: Path) -> None:
    c = cards()
    store = open_store(db_path)
    service = FseService(store)
    for i in range(3):
        service.create(fse_input(i), c.cps, c.vitale)
    backup = db_path.with_name("backup.db")
    with sqlite3.connect(backup) as target:
        store.db.conn.backup(target)
    for i in range(2):
        service.create(fse_input(i), c.cps, c.vitale)
    service.close_lots(c.session, c.cps, all_lots=True)
    lot_numbers = [lot.number for lot in store.lots()]
    store.close()

    for suffix in ("", "-wal", "-shm"):  # the user restores yesterday's copy
        db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    shutil.copy(backup, db_path)
    store = open_store(db_path)
    assert store.fse_list()[-1].number == 3
    service = FseService(store)
    row = service.create(fse_input(0), c.cps, c.vitale)
    assert row.number == 6
    assert store.lot_by_id(row.lot_id or "").number > max(lot_numbers)
    assert store.integrity_check() == "ok"
    store.close()


@pytest.mark.sqlite_only  # numbering.json beside the SQLite file (the server keeps its own)
def test_a_lost_numbering_file_is_rebuilt_from_the_database(db_path: Path) -> None:
    c = cards()
    store = open_store(db_path)
    FseService(store).create(fse_input(0), c.cps, c.vitale)
    store.close()
    (db_path.parent / "numbering.json").unlink()
    store = open_store(db_path)
    assert FseService(store).create(fse_input(1), c.cps, c.vitale).number == 2
    marks = json.loads((db_path.parent / "numbering.json").read_text())
    assert marks["practitioners"]["751234568"]["fse"] == 2
    store.close()


def test_history_gives_the_acts_of_one_beneficiary_in_a_period(store: Store) -> None:
    c = cards()
    service = FseService(store)
    first = service.create(fse_input(2, day="2026-10-01"), c.cps, c.vitale)
    service.create(fse_input(2, day="2026-11-02"), c.cps, c.vitale)
    service.create(fse_input(3, day="2026-11-02"), c.cps, c.vitale)  # the sister
    service.cancel(service.create(fse_input(2, day="2026-11-03"), c.cps, c.vitale).number, "x")
    acts = store.history(first.patient_id, date(2026, 9, 1), date(2026, 12, 31))
    assert [(a.act_date.isoformat(), a.code) for a in acts] == [
        ("2026-10-01", "G"),
        ("2026-11-02", "G"),
    ]
    assert store.history(first.patient_id, date(2026, 10, 2), date(2026, 10, 31)) == []


def test_lots_group_by_organism_and_mode_and_close_by_size(store: Store) -> None:
    c, msa = cards(), cards(vitale_profile="vitale-msa")
    service = FseService(store, rules=LotRules(max_fse=2))
    for i in range(3):
        service.create(fse_input(i), c.cps, c.vitale)
    service.create(fse_input(0), msa.cps, msa.vitale)
    service.create(fse_input(1, mode="degrade", degrade_reason="carte abîmée"), c.cps, c.vitale)
    lots = store.lots()
    assert [(lot.organism, lot.mode, lot.fse_count) for lot in lots] == [
        ("01-751-7511", "vitale", 2),
        ("01-751-7511", "vitale", 1),
        ("02-201-2010", "vitale", 1),
        ("01-751-7511", "degrade", 1),
    ]
    closed = service.close_lots(c.session, c.cps, all_lots=False)  # only the full one is due
    assert [x.lot.number for x in closed] == [lots[0].number]
    outbox = store.outbox_get(lots[0].id)
    assert outbox is not None and outbox.status is OutboxStatus.PENDING
    lot = verify_lot(store.lot_der(lots[0].id) or b"", pki.ensure_pki().ca_cert.read_bytes())
    assert [f.number for f in lot.fses] == [1, 2]
    assert {f.state for f in store.fse_list(lot_id=lots[0].id)} == {FseState.IN_LOT}


def test_lots_close_when_their_oldest_fse_is_a_day_old(store: Store) -> None:
    c = cards()
    clock = Clock()
    service = FseService(store, clock=clock)
    service.create(fse_input(0), c.cps, c.vitale)
    assert service.close_lots(c.session, c.cps, all_lots=False) == []
    clock.now += timedelta(hours=24)
    assert len(service.close_lots(c.session, c.cps, all_lots=False)) == 1


def test_cancelling_an_fse_in_a_signed_unsent_lot_voids_that_lot(store: Store) -> None:
    c = cards()
    service = FseService(store)
    rows = [service.create(fse_input(i), c.cps, c.vitale) for i in range(3)]
    [closed] = service.close_lots(c.session, c.cps, all_lots=True)
    service.cancel(rows[1].number, "erreur de cotation")
    assert store.lot_by_id(closed.lot.id).state is LotState.VOIDED
    assert store.outbox_get(closed.lot.id) is None
    others = [store.fse_by_number(r.number) for r in (rows[0], rows[2])]
    assert {o.state for o in others} == {FseState.SECURED}
    assert {o.lot_id for o in others} != {closed.lot.id}
    [again] = service.close_lots(c.session, c.cps, all_lots=True)
    assert again.lot.number > closed.lot.number and again.lot.fse_count == 2
    events = [e.kind for e in store.fse_events(others[0].id)]
    assert events == [
        FseEventKind.CREATED,
        FseEventKind.SECURED,
        FseEventKind.LOT_CLOSED,
        FseEventKind.LOT_REOPENED,
        FseEventKind.LOT_CLOSED,
    ]


def test_a_sent_fse_cannot_be_cancelled(store: Store) -> None:
    c = cards()
    service = FseService(store)
    row = service.create(fse_input(0), c.cps, c.vitale)
    [closed] = service.close_lots(c.session, c.cps, all_lots=True)
    claimed = store.outbox_claim("sender-1", service.clock())
    assert claimed is not None and claimed.id == closed.lot.id
    with pytest.raises(StoreError, match="en cours d'envoi"):
        service.cancel(row.number, "trop tard")
    store.lot_transition(
        closed.lot.id, LotState.SENT, FseState.SENT, FseEventKind.SENT, service.clock()
    )
    store.outbox_ack(closed.lot.id, service.clock())
    with pytest.raises(FseStateError):
        service.cancel(row.number, "trop tard")
    assert store.fse_by_number(row.number).state is FseState.SENT


def test_outbox_claim_respects_after_id_and_backoff(store: Store) -> None:
    c = cards()
    clock = Clock()
    service = FseService(store, clock=clock)
    service.create(fse_input(0), c.cps, c.vitale)
    service.create(fse_input(1, mode="degrade", degrade_reason="x"), c.cps, c.vitale)
    first, second = [x.lot for x in service.close_lots(c.session, c.cps, all_lots=True)]
    store.db.execute("UPDATE outbox SET after_id = ? WHERE id = ?", [first.id, second.id])
    store.db.conn.commit()
    claimed = store.outbox_claim("w", clock.now)
    assert claimed is not None and claimed.id == first.id
    assert store.outbox_claim("w", clock.now) is None  # the second waits for the first
    store.outbox_nack(first.id, "réseau", clock.now + timedelta(minutes=5), clock.now)
    assert store.outbox_claim("w", clock.now) is None
    clock.now += timedelta(minutes=5)
    assert store.outbox_claim("w", clock.now).id == first.id  # type: ignore[union-attr]
    store.outbox_ack(first.id, clock.now)
    assert store.outbox_claim("w", clock.now).id == second.id  # type: ignore[union-attr]


def test_a_duplicata_is_recorded_without_changing_the_state(store: Store) -> None:
    c = cards()
    service = FseService(store)
    row = service.create(fse_input(0), c.cps, c.vitale)
    store.record_duplicata(row.id, service.clock(), "remis au patient")
    events = store.fse_events(row.id)
    assert events[-1].kind is FseEventKind.DUPLICATA
    assert events[-1].from_state is events[-1].to_state is FseState.SECURED
    cancelled = service.cancel(row.number, "erreur")
    with pytest.raises(FseStateError):
        store.record_duplicata(cancelled.id, service.clock())
