"""``scope.looking`` nests (issue #26): a read as another card inside a card's reads gives
the outer card's scope back on exit — never the whole cabinet's rows (PostgreSQL's
row-level security), and everything again only once the outermost one ends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from cabinet_support import LEFEVRE, LEFEVRE_CARD, RENAUD, RENAUD_CARD, cards, fse_input

from client.fse_service import FseService
from client.store import Store, open_store
from client.store.opening import DATABASE_URL_ENV
from client.usecases import scope


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The store as a post opens it; on PostgreSQL as the cabinet's role, not a superuser
    (superusers bypass the row-level security)."""
    if request.param == "sqlite":
        # The file, even in the suite's PostgreSQL pass (its URL is in the environment).
        request.getfixturevalue("monkeypatch").delenv(DATABASE_URL_ENV, raising=False)
        opened = open_store(tmp_path / "sesam.db")
        yield opened
        opened.close()
        return
    import psycopg

    url = request.getfixturevalue("pg_database")()
    open_store(tmp_path / "admin" / "sesam.db", database_url=url).close()  # migrated
    role = f"poste_{url.rsplit('/', 1)[1]}"
    with psycopg.connect(url, autocommit=True) as admin:
        for sql in (
            f"CREATE ROLE {role} LOGIN",
            f"GRANT USAGE, CREATE ON SCHEMA public TO {role}",
            f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}",
            f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}",
        ):
            admin.execute(sql.encode())
    opened = open_store(tmp_path / "sesam.db", database_url=url.replace("sesam@", f"{role}@"))
    yield opened
    opened.close()
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"DROP OWNED BY {role}".encode())
        admin.execute(f"DROP ROLE {role}".encode())


def _practitioners_listed(store: Store) -> set[str]:
    """Whose FSE an unscoped read returns (the server's row-level security on PostgreSQL;
    SQLite has none: its queries take the scope as a WHERE)."""
    return {r.practitioner_id for r in store.fse_list()}


def test_an_inner_looking_gives_the_outer_card_its_scope_back(store: Store) -> None:
    day = (date.today() - timedelta(days=1)).isoformat()
    for cps, beneficiary in (("cps-generaliste", 0), ("cps-deux-cabinets", 2)):
        c = cards(cps)
        FseService(store).create(fse_input(beneficiary, day), c.cps, c.vitale)
    renaud = scope.viewer_for(store, RENAUD_CARD)
    lefevre = scope.viewer_for(store, LEFEVRE_CARD)
    assert renaud is not None and lefevre is not None
    on_server = store.conn.on_postgres
    everybody = {RENAUD, LEFEVRE}

    with scope.looking(store, renaud):
        with scope.looking(store, lefevre):
            assert store.cabinet.looking_as == lefevre
            assert _practitioners_listed(store) == ({LEFEVRE} if on_server else everybody)
        # Back to RENAUD's reads, not the whole cabinet's.
        assert store.cabinet.looking_as == renaud
        assert _practitioners_listed(store) == ({RENAUD} if on_server else everybody)
        assert len(scope.fse_page(store, renaud, 10)) == 1  # his one FSE
        with scope.looking(store, None):  # nobody named inside: the scope is not widened
            assert _practitioners_listed(store) == ({RENAUD} if on_server else everybody)
        assert store.cabinet.looking_as == renaud
    assert store.cabinet.looking_as is None
    assert _practitioners_listed(store) == everybody
