"""Issue #17: a gap is never silent. FSE numbers handed out but absent from the store, lots
signed but absent from it, signed lots missing from the outbox: reported at start and by
`sesam alerts`, with what to do. A securing that failed (its number known unused) is not a
lost FSE and raises nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from am_support import FakeClock, close_lots, create_fse

from cardio.errors import CardRemovedError
from client.alerts import AlertKind, gap_alerts
from client.cli import main
from client.fse_service import FseService
from client.store import Store, open_store


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("SESAM_DATA_DIR", str(path))
    return path


@pytest.fixture
def store_path(data_dir: Path) -> Path:
    return data_dir / "sesam.db"


def copy_of(store: Store, target: Path) -> None:
    dest = sqlite3.connect(target)
    try:
        store.db.conn.backup(dest)
    finally:
        dest.close()


def put_back(copy: Path, db: Path) -> None:
    """The database file goes back to an older state (what the lost WAL did), without
    ``sesam restore``: numbering.json, outside the database, still knows the numbers."""
    src = sqlite3.connect(copy)
    dest = sqlite3.connect(db)
    try:
        src.backup(dest)
    finally:
        src.close()
        dest.close()


@pytest.mark.sqlite_only  # an older copy of the SQLite file put back (the server: pg_dump)
def test_fse_secured_then_lost_are_reported_by_number(  # type: ignore[no-untyped-def]
    store, data_dir, cabinet, capsys
) -> None:
    clock = FakeClock()
    create_fse(store, cabinet, 4, clock, lot_size=1)
    close_lots(store, cabinet, clock)
    copy_of(store, data_dir / "avant.db")
    create_fse(store, cabinet, 4, clock, lot_size=1)  # n° 5 to 8, lots 5 to 8, signed
    close_lots(store, cabinet, clock)
    db = store.path
    store.close()
    put_back(data_dir / "avant.db", db)

    reopened = open_store(db)
    try:
        alerts = gap_alerts(reopened, clock())
    finally:
        reopened.close()
    missing = [a for a in alerts if a.kind is AlertKind.FSE_MISSING]
    assert len(missing) == 1
    assert "FSE n° 5 à 8 : numéros attribués, absents du registre" in missing[0].message
    assert "sesam audit verify" in missing[0].action and "support" in missing[0].action
    lots = [a for a in alerts if a.kind is AlertKind.LOTS_MISSING]
    assert len(lots) == 1 and lots[0].message.startswith("4 lot(s) signé(s) absent(s)")

    assert main(["alerts"]) == 0
    out = capsys.readouterr().out
    assert "[URGENT] FSE n° 5 à 8 : numéros attribués, absents du registre" in out
    assert "lot(s) signé(s) absent(s) du registre" in out


def test_a_failed_securing_leaves_a_known_gap_and_no_alert(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    create_fse(store, cabinet, 2, clock)
    service = FseService(store, clock=clock)

    def card_pulled() -> None:
        raise CardRemovedError("Vitale")

    service.before_certify = card_pulled
    from am_support import fse_input

    with pytest.raises(CardRemovedError):
        service.create(fse_input(0, cabinet), cabinet.cps, cabinet.vitale)  # type: ignore[arg-type]
    service.before_certify = None
    row = service.create(fse_input(1, cabinet), cabinet.cps, cabinet.vitale)  # type: ignore[arg-type]
    assert row.number == 4  # n° 3 was handed out, never reused
    assert [a for a in gap_alerts(store, clock()) if a.kind is AlertKind.FSE_MISSING] == []


def test_a_signed_lot_missing_from_the_outbox_is_reported(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    create_fse(store, cabinet, 1, clock)
    (lot_id,) = close_lots(store, cabinet, clock)
    number = store.lot_by_id(lot_id).number
    store.db.execute("DELETE FROM outbox")
    store.db.conn.commit()
    alerts = [a for a in gap_alerts(store, clock()) if a.kind is AlertKind.NOT_QUEUED]
    assert len(alerts) == 1
    assert f"Lot n° {number} signé mais absent de la file d'envoi" in alerts[0].message


def test_an_untouched_store_has_no_gap(store, cabinet) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    create_fse(store, cabinet, 3, clock, lot_size=2)
    close_lots(store, cabinet, clock)
    assert gap_alerts(store, clock()) == []
