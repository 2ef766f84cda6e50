"""Moving in to the cabinet's server: ``sesam store copy --to postgresql://...`` copies a
practitioner's SQLite store into a new PostgreSQL database, ``--from`` brings it back into
a SQLite data folder; the audit journal verifies on both sides, the numbering goes on, and
a database that already holds FSE is refused untouched. Real SQLite files, a real
PostgreSQL server, the real ``sesam`` command."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from fse_cards_support import cards, fse_input

from client.fse_service import FseService
from client.store import Store, open_store

ROOT = Path(__file__).resolve().parents[2]


def sesam(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SESAM_DATABASE_URL"}
    env["SESAM_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "client.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


def _yesterday() -> str:
    return (date.today() - timedelta(days=1)).isoformat()


def _sqlite_store_with_fse(folder: Path, count: int) -> tuple[list[int], str]:
    """A SQLite store with ``count`` FSE (the last one cancelled); its journal head."""
    folder.mkdir(mode=0o700)
    store = open_store(folder / "sesam.db", database_url="")
    try:
        service = FseService(store)
        c = cards()
        numbers = [
            service.create(fse_input(i % 2, _yesterday()), c.cps, c.vitale).number
            for i in range(count)
        ]
        service.cancel(numbers[-1], "erreur de saisie")
        report = store.audit_verify()
        assert report.ok
        return numbers, report.head_hash
    finally:
        store.close()


def _summary(store: Store) -> list[tuple[int, str, str]]:
    """What the user sees of each FSE: number, state, amount."""
    return [(r.number, r.state.value, str(r.total_fees)) for r in store.fse_list()]


def test_a_sqlite_store_moves_to_postgresql_and_back_with_its_journal_intact(
    tmp_path: Path, pg_database: Callable[[], str]
) -> None:
    local = tmp_path / "poste"
    numbers, head = _sqlite_store_with_fse(local, 3)
    url = pg_database()

    moved = sesam(local, "store", "copy", "--to", url)

    assert moved.returncode == 0, moved.stderr
    assert "3 FSE" in moved.stdout and "vérifié des deux côtés" in moved.stdout
    assert "fse : 3 / 3" in moved.stderr  # progress, table by table
    # Then both verifications, step by step (a quarter of an hour each at 1 M FSE).
    told = moved.stderr[moved.stderr.index("statistiques : 1 / 1") :]
    origin, copied = (
        told.index(f"Vérification du journal d'audit de la base {side}…")
        for side in ("d'origine", "copiée")
    )
    assert origin < told.index("  Chaînage des entrées du journal…") < copied
    assert told.rindex("  FSE, lots, envois, paiements et retours comparés") > copied
    with_sqlite = open_store(local / "sesam.db", database_url="")
    on_server = open_store(tmp_path / "cabinet" / "sesam.db", database_url=url)
    try:
        assert on_server.conn.on_postgres
        assert _summary(on_server) == _summary(with_sqlite)
        # The copy ends with the planner's statistics: the first pages on the server are
        # planned on the rows copied, not on an empty new table's guesses.
        assert "statistiques : 1 / 1" in moved.stderr
        planned = on_server.db.execute(
            "SELECT reltuples FROM pg_class WHERE relname = 'fse' AND relkind = 'r'"
        ).fetchone()
        assert planned is not None and planned[0] == 3
        report = on_server.audit_verify()
        assert report.ok and report.head_hash == head
        # The numbering goes on from the practitioner's last number, never back.
        c = cards()
        following = FseService(on_server).create(fse_input(0, _yesterday()), c.cps, c.vitale)
        assert following.number == max(numbers) + 1
        assert on_server.audit_verify().ok
    finally:
        on_server.close()
        with_sqlite.close()
    assert not list((tmp_path / "cabinet").glob("*.db"))  # nothing of the cabinet on the post

    back = tmp_path / "retour"
    back.mkdir(mode=0o700)
    returned = sesam(back, "store", "copy", "--from", url)

    assert returned.returncode == 0, returned.stderr
    assert "4 FSE" in returned.stdout
    assert sesam(back, "audit", "verify").returncode == 0
    store = open_store(back / "sesam.db", database_url="")
    try:
        assert sorted(r.number for r in store.fse_list()) == [*numbers, max(numbers) + 1]
    finally:
        store.close()


def test_a_database_that_already_holds_fse_is_refused_and_left_as_it_was(
    tmp_path: Path, pg_database: Callable[[], str]
) -> None:
    _sqlite_store_with_fse(tmp_path / "a", 2)
    _sqlite_store_with_fse(tmp_path / "b", 1)
    url = pg_database()
    assert sesam(tmp_path / "a", "store", "copy", "--to", url).returncode == 0

    second = sesam(tmp_path / "b", "store", "copy", "--to", url)

    assert second.returncode == 1
    assert "contient déjà des FSE" in second.stderr and "rien n'a été copié" in second.stderr
    server = open_store(tmp_path / "c" / "sesam.db", database_url=url)
    try:
        assert len(server.fse_list()) == 2 and server.audit_verify().ok
    finally:
        server.close()


def test_an_address_that_is_not_postgresql_is_refused_in_french(tmp_path: Path) -> None:
    tmp_path.joinpath("d").mkdir(mode=0o700)
    result = sesam(tmp_path / "d", "store", "copy", "--to", "/tmp/ailleurs.db")
    assert result.returncode == 1
    assert "n'est pas l'adresse d'une base PostgreSQL" in result.stderr
