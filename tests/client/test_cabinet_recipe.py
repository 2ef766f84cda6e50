"""The cabinet's server as docs/architecture.md sets it up: ``scripts/cabinet-db.sh`` makes
a login role owning one database on a real PostgreSQL server; a post pointed at it (an
ordinary role, not an administrator) migrates it, secures an FSE there and verifies the
journal, with nothing written in its data folder but its own files; backups and restores
are the server's. A server out of reach is told in French."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from fse_cards_support import cards, fse_input

from client.backup import backup, backup_if_due, restore
from client.fse_service import FseService
from client.store import open_store
from client.store.errors import (
    DatabaseUnavailableError,
    ServerSideBackupError,
    ServerSideRestoreError,
)

ROOT = Path(__file__).resolve().parents[2]
ROLE, BASE, PASSWORD = "cabinet_recette", "cabinet_recette", "mot-de-passe du cabinet"


def _recipe(server: str) -> subprocess.CompletedProcess[str]:
    where = urlsplit(server)
    env = {
        **os.environ,
        "PGHOST": where.hostname or "",
        "PGPORT": str(where.port),
        "PGUSER": where.username or "",
    }
    return subprocess.run(
        ["bash", "scripts/cabinet-db.sh", ROLE, BASE],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.fixture
def cabinet(postgres_server: str) -> Iterator[str]:
    """The recipe run on the server; its database and role removed after the test."""
    made = _recipe(postgres_server)
    assert made.returncode == 0, made.stderr
    where = urlsplit(postgres_server)
    yield f"postgresql://{ROLE}:{PASSWORD.replace(' ', '%20')}@{where.hostname}:{where.port}/{BASE}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BASE} WITH (FORCE)".encode())
        admin.execute(f"DROP ROLE IF EXISTS {ROLE}".encode())


def test_a_post_uses_the_cabinets_database_made_by_the_recipe(
    cabinet: str, postgres_server: str, tmp_path: Path
) -> None:
    post = tmp_path / "poste"
    store = open_store(post / "sesam.db", database_url=cabinet)
    try:
        c = cards()
        care = (date.today() - timedelta(days=1)).isoformat()
        row = FseService(store).create(fse_input(0, care), c.cps, c.vitale)
        assert row.number == 1
        assert store.audit_verify().ok
    finally:
        store.close()
    assert not list(post.glob("*.db*")) and not (post / "numbering.json").exists()
    # Run again (a second administrator, a mistake): nothing changes, the FSE stays.
    assert _recipe(postgres_server).returncode == 0
    again = open_store(post / "sesam.db", database_url=cabinet)
    try:
        assert [r.number for r in again.fse_list()] == [1]
    finally:
        again.close()


def test_a_server_out_of_reach_is_told_in_french(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DatabaseUnavailableError) as caught:
        open_store(tmp_path / "sesam.db", database_url=f"postgresql://sesam@127.0.0.1:{port}/c")
    message = str(caught.value)
    assert "ne répond pas" in message and "rien n'a été enregistré" in message
    assert f"127.0.0.1:{port}" in message


def test_backup_and_restore_on_a_cabinet_post_say_the_server_does_it(
    cabinet: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESAM_DATABASE_URL", cabinet)
    post = tmp_path / "poste"
    store = open_store(post / "sesam.db")
    try:
        with pytest.raises(ServerSideBackupError, match="pg_dump"):
            backup(store)
        assert backup_if_due(store) is None  # the scheduled one: nothing, silently
    finally:
        store.close()
    old = tmp_path / "ancienne.db"
    old.write_bytes(b"")
    with pytest.raises(ServerSideRestoreError, match="rien n'a été restauré"):
        restore(old, post / "sesam.db")
    assert not list(post.glob("*.db*")) and not (post / "sauvegardes").exists()
